"""The chapter's claims as experiments: each one measures, draws its figure, and gives a verdict.

An experiment is a function ``run(quick: bool, out: Path | None, seed: int) -> ClaimResult`` registered
with ``@experiment(name, claim_id)``. ``quick`` must finish in about 20 seconds and the full mode within 5
minutes on a 2-core machine; both are deterministic for a given seed. With ``out`` set, the experiment
writes its figure (PNG) there through ``save_figure``; the numbers behind it go in ``ClaimResult.data``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

VERDICTS = ("reproduced", "not reproduced", "nuanced")


@dataclass
class ClaimResult:
    id: int  # the claim's number, 1 to 12 (0 for experiments beyond the claims)
    claim: str  # the claim in one sentence
    measured: str  # what was measured, with the numbers
    verdict: str  # one of VERDICTS
    data: dict = field(default_factory=dict)  # JSON-able numbers behind the figure
    figure: str | None = None  # path of the PNG, when one was written

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Experiment:
    name: str
    claim_id: int
    run: object  # run(quick, out, seed) -> ClaimResult


EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, claim_id: int):
    """Register ``run(quick, out, seed) -> ClaimResult`` under ``name`` for claim ``claim_id``."""

    def register(run):
        if name in EXPERIMENTS:
            raise ValueError(f"experiment {name!r} is registered twice")
        EXPERIMENTS[name] = Experiment(name, claim_id, run)
        return run

    return register


def new_figure(ncols: int = 1, *, width: float = 6.0, height: float = 4.0):
    """A matplotlib figure on the file-only Agg backend (matplotlib is the lab's optional dependency)."""
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("figures need matplotlib: pip install 'elman[lab]'") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    return fig, list(axes[0])


def save_figure(fig, out: Path | None, name: str) -> str | None:
    """Write ``fig`` as ``out/name.png`` (when ``out`` is given) and close it; returns the path."""
    import matplotlib.pyplot as plt

    try:
        if out is None:
            return None
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        return str(path)
    finally:
        plt.close(fig)


def write_result(result: ClaimResult, out: Path, name: str) -> Path:
    """The result as ``out/name.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(result.to_json(), indent=2))
    return path
