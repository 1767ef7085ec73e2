"""Step 4, BPTT: how far back a prediction's gradient reaches, full against truncated, on real text.

For a position t of a line read by the chapter's language model, the loss L_t is the cross-entropy of the
character (or word) that follows t. Its gradient with respect to every earlier input embedding x_k,
‖∂L_t/∂x_k‖, says how much the input k steps back can still change what the model learns from that prediction:
the connectivity of Distill's "Memorization in RNNs" (Madsen 2019), measured here with the library's own
backward pass (``RNN.backward`` returns ∂L/∂input; ``Linear.backward`` gives ∂L/∂output from ∂L/∂logits).

Truncated at K, the window holding t starts K steps back with the carried state taken as a constant: the same
forward, but the backward stops at the window's start, so every input before it gets exactly 0. The window here
is the most truncation ever gives a prediction, K steps ending at t (a trainer that cuts its stream into fixed
windows gives a position early in its window fewer).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from elman.data.text import char_tokenize
from elman.errors import InvalidInput
from elman.nn.losses import cross_entropy
from elman.nn.softmax import softmax


@contextmanager
def _kept(*modules):
    """Backward adds into ``grads``: put every touched module's gradients back as they were (shared models)."""
    saved = [{name: g.copy() for name, g in m.grads.items()} for m in modules]
    try:
        yield
    finally:
        for m, grads in zip(modules, saved):
            for name, g in grads.items():
                np.copyto(m.grads[name], g)


def input_gradient(rnn, x: np.ndarray, d_output: np.ndarray, start: int = 0) -> np.ndarray:
    """∂L/∂x for every step of ``x`` (T, B, I) when backpropagation runs over steps [start, T) only.

    The state entering step ``start`` is the one a forward over x[:start] ends in, taken as a constant (a cut):
    ``start = 0`` is full BPTT; inputs before ``start`` get exactly 0. ``d_output`` is ∂L/∂output (T, B, H).
    """
    T = x.shape[0]
    if not 0 <= start < T:
        raise InvalidInput(f"start: expected a step in [0, {T}), got {start}")
    dx = np.zeros_like(x)
    with _kept(rnn):
        h = rnn(x[:start])[1].copy() if start else None
        rnn(np.ascontiguousarray(x[start:]), h)
        dx[start:] = rnn.backward(np.ascontiguousarray(d_output[start:]))[0]
    return dx


def influence(model, ids: np.ndarray, t: int, K: int) -> dict:
    """‖∂L_t/∂x_k‖ for k = 0..t under full BPTT and truncated at K (window [t−K+1, t]), L_t the cross-entropy of
    ids[t + 1] after reading ids[0..t]. ``model`` is an ``elman.models.language_model.LanguageModel``."""
    ids = np.asarray(ids, dtype=np.int64)
    n = ids.size
    if not 0 <= t < n - 1:
        raise InvalidInput(f"position: expected a position from 1 to {n - 1} (one with a next token), got {t + 1}")
    if K < 1:
        raise InvalidInput(f"K: expected a whole number >= 1, got {K}")
    was_training = model.training
    model.eval()
    try:
        x = model.embed(ids[: t + 1, None])  # (t+1, 1, E): the inputs x_k
        with _kept(model.head):
            logits = model.head(model.rnn(x)[0])
            targets = np.full((t + 1, 1), -100, dtype=np.int64)
            targets[t, 0] = ids[t + 1]  # only the prediction at t carries a loss
            loss, d_logits = cross_entropy(logits, targets, reduction="sum")
            d_output = model.head.backward(d_logits)
        full = np.linalg.norm(input_gradient(model.rnn, x, d_output), axis=-1)[:, 0]
        start = max(0, t - K + 1)
        cut = np.linalg.norm(input_gradient(model.rnn, x, d_output, start), axis=-1)[:, 0]
        probs = softmax(logits[t, 0])
    finally:
        model.train(was_training)
    return {
        "full": full.astype(np.float64),
        "truncated": cut.astype(np.float64),
        "start": start,
        "loss": float(loss),
        "probs": probs,
    }


# ---- the line of text, read by the chapter's character model --------------------------------------------

MODEL = "char_lm"  # elman.chapter.models.char_lm; its lane: elman.chapter.admission.LANES[MODEL]
UNIT = "character"
MAX_TOKENS = 200  # a backward over at most this many steps, twice, per answer
# Lines of the held-out part of tinyshakespeare (the model never trained on them), each with the position whose
# prediction the widget opens on: after a speaker's name the model is sure a line break follows, and the
# gradient of that prediction reaches back through the name to the blank line before it.
EXAMPLES = (
    {"text": "ARIEL:\nI do not, sir.\n\nPROSPERO:\nThou liest, malignant thing!", "position": 32},
    {
        "text": "Thou liest, malignant thing! Hast thou forgot\nThe foul witch Sycorax, who with age and envy",
        "position": 71,
    },
    {"text": "ARIEL:\nNo, sir.\n\nPROSPERO:\nThou hast. Where was she born? speak; tell me.", "position": 33},
)
DEFAULT_TEXT, DEFAULT_POSITION = EXAMPLES[0]["text"], EXAMPLES[0]["position"]
DEFAULT_K = 5
FAR = 0.1  # "still pulls": an influence at least this share of the prediction's largest


def _load():
    from elman.chapter.models import char_lm

    return char_lm.load()


def tokens_of(text: str, vocab) -> list[str]:
    """The characters the model reads; every one must be in the model's alphabet."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text: expected a line of text, got an empty one")
    tokens = char_tokenize(text.replace("\r\n", "\n"))
    unknown = sorted({c for c in tokens if c not in vocab})
    if unknown:
        raise InvalidInput(
            f"text: expected the characters of the model's plays (English letters, digits, punctuation, "
            f"spaces, line breaks), got {''.join(unknown)[:10]!r}"
        )
    if len(tokens) < 2:
        raise InvalidInput(
            f"text: expected at least two characters (one to predict from, one to predict), got {len(tokens)}"
        )
    if len(tokens) > MAX_TOKENS:
        raise InvalidInput(f"text: expected at most {MAX_TOKENS} characters, got {len(tokens)}")
    return tokens


@lru_cache(maxsize=256)
def connectivity(text: str, position: int | None, K: int) -> dict:
    """For the prediction after character ``position`` (1-based) of ``text``: ‖∂L_t/∂x_k‖ for every earlier
    character, full BPTT and truncated at K, with what the model predicts there. ``position`` None: the example's
    own position for an example line, else the last character that has a next one."""
    model, vocab, meta = _load()
    tokens = tokens_of(text, vocab)
    n = len(tokens)
    if position is None:
        position = next((e["position"] for e in EXAMPLES if e["text"] == text), n - 1)
    if not 1 <= position <= n - 1:
        raise InvalidInput(
            f"position: expected a character from 1 to {n - 1} (one with a next character to predict), got {position}"
        )
    if not 1 <= K <= MAX_TOKENS:
        raise InvalidInput(f"K: expected a whole number from 1 to {MAX_TOKENS}, got {K}")
    ids = vocab.encode(tokens)
    r = influence(model, ids, position - 1, K)
    full, cut = r["full"], r["truncated"]
    top = np.argsort(r["probs"])[::-1][:3]
    far = np.flatnonzero(full >= FAR * full.max())
    return {
        "model": MODEL,
        "unit": UNIT,
        "tokens": tokens,
        "position": position,
        "K": K,
        "window_start": r["start"] + 1,  # 1-based: the first character the window holds
        "full": full.tolist(),
        "truncated": cut.tolist(),
        "beyond_share": float(full[: r["start"]].sum() / full.sum()) if full.sum() > 0 else 0.0,
        "farthest": {"back": int(position - 1 - far[0]), "token": tokens[far[0]], "share": FAR} if far.size else None,
        "loss": r["loss"],
        "target": tokens[position],
        "p_target": float(r["probs"][ids[position]]),
        "top": [{"token": vocab.itos[i], "p": float(r["probs"][i])} for i in top],
        "hidden_size": model.hidden_size,
        "trained_bptt": meta["train_config"]["bptt"],
        "examples": list(EXAMPLES),
    }
