"""Seeing embeddings: a 2-D projection of chosen words, and one-hot against dense similarity.

>>> import numpy as np
>>> points = pca_2d(np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 0]]))
>>> points.shape
(4, 2)
>>> one_hot, dense = similarity_matrices(np.array([[1.0, 0], [0.8, 0.6], [0, 1.0]]))
>>> one_hot.tolist()                         # distinct one-hot vectors are always orthogonal
[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
>>> np.round(dense, 2).tolist()[0]           # dense vectors carry graded similarity
[1.0, 0.8, 0.0]
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Coordinates of the rows of ``vectors`` (n, D) on their first two principal axes, (n, 2).

    Centre the rows, take the SVD X = U S Vᵀ, project on the two right singular vectors of largest S.
    The sign of each axis is fixed (largest |coordinate| positive) so the picture is reproducible.
    """
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.shape[0] < 2:
        raise ValueError(f"Expected a 2-D array of at least 2 rows, got {getattr(vectors, 'shape', vectors)!r}")
    X = vectors.astype(np.float64) - vectors.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    points = X @ Vt[:2].T
    if points.shape[1] < 2:
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    signs = np.sign(points[np.abs(points).argmax(axis=0), [0, 1]])
    return points * np.where(signs == 0, 1, signs)


def cosine(u, v) -> float:
    """cos(u, v) = u·v / (‖u‖ ‖v‖) of two arrays of one shape, read as flat vectors; 0 when either is all zero."""
    u, v = np.ravel(u).astype(np.float64), np.ravel(v).astype(np.float64)
    norm = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(u @ v / norm) if norm else 0.0


def similarity_matrices(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(one-hot cosine matrix, dense cosine matrix) for n words whose dense vectors are the rows.

    One-hot: word i is e_i in R^V, so cos(e_i, e_j) = [i = j] whatever the words mean. Dense: the cosine
    of the embedding vectors, where related words score high.
    """
    unit = vectors.astype(np.float64) / np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.eye(len(vectors)), unit @ unit.T


def svg_scatter(points: np.ndarray, labels: list[str], path, *, title: str = "", size: int = 640) -> Path:
    """Write a labelled scatter plot of ``points`` (n, 2) as a standalone SVG file; returns its path."""
    left, right, top, bottom = 30, 30 + 8 * max(len(label) for label in labels), 60, 30  # labels go right
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    unit = (points - lo) / span
    xy = np.column_stack(
        [left + unit[:, 0] * (size - left - right), size - bottom - unit[:, 1] * (size - top - bottom)]
    )  # SVG's y axis points down
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" font-family="sans-serif">',
        f'<rect width="{size}" height="{size}" fill="white"/>',
        f'<text x="{size / 2}" y="28" text-anchor="middle" font-size="16">{html.escape(title)}</text>',
    ]
    for (x, y), label in zip(xy, labels):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#3b6ea5"/>')
        parts.append(f'<text x="{x + 7:.1f}" y="{y - 7:.1f}" font-size="13">{html.escape(label)}</text>')
    parts.append("</svg>")
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
