"""Synthetic long-range-dependency tasks: the adding problem, temporal order, delayed recall / copy, number
agreement across attractors, and the latch.

Every generator takes an explicit ``numpy.random.Generator`` (never the global seed), so the same seed gives the
same batch. Sequences are time-major, ``(T, B, features)``, ready for ``elman.RNN``; targets are per sequence,
``(B,)`` (or ``(n_items, B)`` for the copy task), read from the output at the last step unless stated.

    >>> import numpy as np
    >>> from elman.data.synthetic import adding_problem
    >>> x, y = adding_problem(np.random.default_rng(0), T=50, batch=4)
    >>> x.shape, y.shape, x.dtype
    ((50, 4, 2), (4,), dtype('float32'))
"""

from __future__ import annotations

import numpy as np

from elman.data.batching import pad_sequences
from elman.data.text import Vocab
from elman.nn.checks import check_finite_positive, check_int

__all__ = [
    "adding_problem",
    "agreement_vocab",
    "copy_task",
    "delayed_recall",
    "encode_agreement",
    "latch_task",
    "number_agreement",
    "temporal_order",
]


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, got {type(rng).__name__} (e.g. numpy.random.default_rng(seed))"
        )


def adding_problem(rng: np.random.Generator, T: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber 1997), in the form of Le, Jaitly & Hinton 2015 ("A simple way
    to initialize recurrent networks of rectified linear units") and Arjovsky, Shah & Bengio 2016.

    ``x[:, :, 0]`` holds values drawn from U(0, 1); ``x[:, :, 1]`` is a marker that is 1 at exactly two steps, one
    in the first half ``[0, T // 2)`` and one in the second half ``[T // 2, T)``, and 0 elsewhere. The target is
    the sum of the two marked values. Baseline: always predicting the mean 1.0 gives MSE = Var(U1 + U2) =
    2 / 12 = 1/6 ≈ 0.167. ``T >= 2``. Returns ``x`` (T, B, 2) float32 and ``y`` (B,) float32.
    """
    _check_rng(rng)
    T, batch = check_int("T", T, minimum=2), check_int("batch", batch, minimum=1)
    values = rng.random((T, batch)).astype(np.float32)
    cols = np.arange(batch)
    first, second = rng.integers(0, T // 2, batch), rng.integers(T // 2, T, batch)
    markers = np.zeros((T, batch), dtype=np.float32)
    markers[first, cols] = markers[second, cols] = 1.0
    y = (values[first, cols] + values[second, cols]).astype(np.float32)
    return np.stack([values, markers], axis=-1), y


def temporal_order(rng: np.random.Generator, T: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The temporal-order problem of Hochreiter & Schmidhuber 1997, as set up by Pascanu, Mikolov & Bengio 2013
    ("On the difficulty of training recurrent neural networks").

    Six one-hot symbols: channels 0-3 are the distractors a, b, c, d (uniform at every step), 4 is X, 5 is Y.
    Two relevant symbols, each X or Y, sit at ``t1`` in ``[T // 10, 2 * T // 10]`` and ``t2`` in
    ``[5 * T // 10, 6 * T // 10]`` (inclusive, uniform). The class is the ordered pair:
    0 = XX, 1 = XY, 2 = YX, 3 = YY (``2 * [first is Y] + [second is Y]``). Chance: 25 %. ``T >= 10``.
    Returns ``x`` (T, B, 6) float32 one-hot and ``y`` (B,) int64.
    """
    _check_rng(rng)
    T, batch = check_int("T", T, minimum=10), check_int("batch", batch, minimum=1)
    symbols = rng.integers(0, 4, (T, batch))
    cols = np.arange(batch)
    t1 = rng.integers(T // 10, 2 * T // 10 + 1, batch)
    t2 = rng.integers(5 * T // 10, 6 * T // 10 + 1, batch)
    is_y1, is_y2 = rng.integers(0, 2, batch), rng.integers(0, 2, batch)
    symbols[t1, cols], symbols[t2, cols] = 4 + is_y1, 4 + is_y2
    return np.eye(6, dtype=np.float32)[symbols], (2 * is_y1 + is_y2).astype(np.int64)


def copy_task(
    rng: np.random.Generator, n_items: int, lag: int, batch: int, n_symbols: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Copy ``n_items`` symbols across a delay (after Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016): the
    fixed-size state is a lossy bottleneck, so accuracy falls as ``n_items`` grows for a given hidden size.

    Encoding, ``x`` of shape ``(2 * n_items + lag - 1, B, n_symbols + 1)`` float32: steps ``[0, n_items)`` show the
    items one-hot in channels ``0..n_symbols-1``; the next ``lag - 1`` steps are blank (all zeros); the last
    ``n_items`` steps are recall steps carrying the cue (channel ``n_symbols`` = 1, nothing else). Item ``k`` is
    to be output at recall step ``k``, i.e. read the outputs at ``[-n_items:]``; ``lag`` is the number of steps from
    the last item to the first recall step. ``y`` (n_items, B) int64, uniform in ``[0, n_symbols)``. Chance per
    item: ``1 / n_symbols``. ``n_items >= 1``, ``lag >= 1``, ``n_symbols >= 2``.
    """
    _check_rng(rng)
    n_items, lag = check_int("n_items", n_items, minimum=1), check_int("lag", lag, minimum=1)
    batch, n_symbols = check_int("batch", batch, minimum=1), check_int("n_symbols", n_symbols, minimum=2)
    items = rng.integers(0, n_symbols, (n_items, batch))
    x = np.zeros((2 * n_items + lag - 1, batch, n_symbols + 1), dtype=np.float32)
    x[np.arange(n_items)[:, None], np.arange(batch)[None, :], items] = 1.0
    x[n_items + lag - 1 :, :, n_symbols] = 1.0
    return x, items.astype(np.int64)


def delayed_recall(
    rng: np.random.Generator, lag: int, batch: int, *, n_symbols: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Recall one symbol after ``lag`` steps: :func:`copy_task` with one item.

    ``x`` (lag + 1, B, n_symbols + 1) float32: step 0 shows the symbol one-hot in channels ``0..n_symbols-1``;
    steps ``1..lag-1`` are blank (all zeros); the last step ``lag`` is the recall cue (channel ``n_symbols`` = 1).
    The target ``y`` (B,) int64 is the step-0 symbol, read at the last step. Chance: ``1 / n_symbols``.
    """
    x, y = copy_task(rng, 1, lag, batch, n_symbols=n_symbols)
    return x, y[0]


def latch_task(
    rng: np.random.Generator, T: int, batch: int, *, noise_std: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """The latch (information-latching) problem of Bengio, Simard & Frasconi 1994 ("Learning long-term dependencies
    with gradient descent is difficult"), in a simplified form: the class ``y`` in {-1, +1} is shown as a pulse
    ``x[0] = y`` (exactly, no noise); steps ``1..T-1`` are Gaussian noise N(0, noise_std**2) carrying no
    information. The output is read at the last step. Chance: 50 % (predicting 0 gives MSE 1).
    ``T >= 1``; ``noise_std >= 0`` (0 gives silent steps). Returns ``x`` (T, B, 1) float32, ``y`` (B,) float32.
    """
    _check_rng(rng)
    T, batch = check_int("T", T, minimum=1), check_int("batch", batch, minimum=1)
    check_finite_positive("noise_std", noise_std, allow_zero=True)
    y = (2 * rng.integers(0, 2, batch) - 1).astype(np.float32)
    x = (noise_std * rng.standard_normal((T, batch, 1))).astype(np.float32)
    x[0, :, 0] = y
    return x, y


# --- number agreement ---------------------------------------------------------------------------------------
NOUNS = (
    ("cat", "cats"),
    ("dog", "dogs"),
    ("girl", "girls"),
    ("boy", "boys"),
    ("teacher", "teachers"),
    ("window", "windows"),
    ("key", "keys"),
    ("table", "tables"),
    ("car", "cars"),
    ("tree", "trees"),
)
ANIMATE = NOUNS[:5]  # subjects of the relative clauses' transitive verbs
CITIES = ("rome", "london", "berlin", "oslo")  # singular proper nouns: the 2-token singular attractor
TRANSITIVE = (("chases", "chase"), ("likes", "like"), ("sees", "see"), ("watches", "watch"))  # (sing., plural)
PREPOSITIONS = ("near", "behind", "beside", "under", "above")
PAST_VERBS = ("sat", "slept", "waited", "stood")
ADVERBS = ("here", "there", "today", "outside")
VERBS = (("is", "was"), ("are", "were"))  # y = 0: singular, y = 1: plural
_UNIT_SIZES = (2, 3, 4, 7)


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def _noun(rng, plural: int, nouns=NOUNS) -> str:
    return _pick(rng, nouns)[plural]


def _unit(rng, size: int, plural: int) -> list[str]:
    """One piece of intervening material of ``size`` tokens whose noun (and verb) have number ``plural``."""
    if size == 2:  # "near windows" / "near rome"
        return [_pick(rng, PREPOSITIONS), _noun(rng, 1) if plural else _pick(rng, CITIES)]
    if size == 3:  # "near the window(s)"
        return [_pick(rng, PREPOSITIONS), "the", _noun(rng, plural)]
    if size == 4:  # object relative clause: "that the dog chases" / "that the dogs chase"
        return ["that", "the", _noun(rng, plural, ANIMATE), _pick(rng, TRANSITIVE)[plural]]
    return [",", "which", _pick(rng, PAST_VERBS), _pick(rng, PREPOSITIONS), "the", _noun(rng, plural), ","]


def number_agreement(
    rng: np.random.Generator, distance: int, batch: int, *, attractors: bool = True
) -> tuple[list[list[str]], np.ndarray]:
    """Subject-verb number agreement across intervening material (after Linzen, Dupoux & Goldberg 2016).

    Each sentence prefix is ``["the", subject] + filler``, where ``filler`` is exactly ``distance`` tokens and the
    verb slot comes next: the model reads the prefix and predicts the verb's number, ``y`` 0 = singular
    ("is" / "was"), 1 = plural ("are" / "were"); the subject's number is uniform, so chance is 50 %.

    Filler: ``distance == 1`` is one adverb ("the cat today ..."); ``distance >= 2`` is a random concatenation of
    units of 2 tokens ("near windows", "near rome"), 3 ("near the window"), 4 ("that the dogs chase") and
    7 (", which sat near the windows ,"), each holding one noun. Rule: with ``attractors=True`` every intervening
    noun (and the relative-clause verb) has the OTHER number than the subject, so every prefix with
    ``distance >= 2`` holds at least one attractor. Caution: the attractor's number then reveals the label
    (a shortcut); ``attractors=False`` draws each intervening noun's number uniformly as a control.
    Returns the token lists (B lists of ``distance + 2`` str) and ``y`` (B,) int64; see :func:`encode_agreement`.
    """
    _check_rng(rng)
    distance, batch = check_int("distance", distance, minimum=0), check_int("batch", batch, minimum=1)
    y = rng.integers(0, 2, batch).astype(np.int64)
    sentences = []
    for plural in y.tolist():
        tokens, left = ["the", _noun(rng, plural)], distance
        if distance == 1:
            tokens.append(_pick(rng, ADVERBS))
            left = 0
        while left > 0:  # sizes that leave 0 or >= 2 tokens, so the filler always ends exactly at `distance`
            size = _pick(rng, [s for s in _UNIT_SIZES if s == left or left - s >= 2])
            other = 1 - plural if attractors else int(rng.integers(2))
            tokens += _unit(rng, size, other)
            left -= size
        sentences.append(tokens)
    return sentences, y


def agreement_vocab() -> Vocab:
    """The fixed vocabulary of :func:`number_agreement` (verbs included), specials ``<pad>`` = 0, ``<unk>`` = 1,
    then the words in sorted order."""
    words = {"the", "that", "which", ","} | set(CITIES) | set(PREPOSITIONS) | set(PAST_VERBS) | set(ADVERBS)
    for pair in NOUNS + TRANSITIVE + VERBS:
        words.update(pair)
    return Vocab(["<pad>", "<unk>"] + sorted(words), specials=("<pad>", "<unk>"))


def encode_agreement(tokens, vocab: Vocab | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Token lists to time-major ids ``(T, B)`` int64 padded with ``vocab.pad_id`` (T = the longest prefix), and
    ``lengths`` (B,) int64: read the prediction at step ``lengths - 1``. ``vocab`` defaults to
    :func:`agreement_vocab`; unknown words become ``<unk>`` (or are an error if the vocab has none)."""
    vocab = agreement_vocab() if vocab is None else vocab
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be an elman.data.Vocab, got {type(vocab).__name__}")
    if not isinstance(tokens, (list, tuple)) or not tokens:
        raise ValueError(f"tokens must be a non-empty list of token lists, got {tokens!r:.80}")
    seqs = [vocab.encode(sentence) for sentence in tokens]
    empty = [i for i, s in enumerate(seqs) if s.size == 0]
    if empty:
        raise ValueError(f"every sentence needs at least one token, got an empty one at index {empty[0]}")
    lengths = {s.size for s in seqs}
    if len(lengths) > 1 and vocab.pad_id is None:
        raise ValueError(
            f"sentences of different lengths ({sorted(lengths)}) need a '<pad>' special in the vocab, "
            f"got specials {list(vocab.specials)}"
        )
    ids, lens, _ = pad_sequences(seqs, pad_id=vocab.pad_id or 0, time_major=True)
    return ids, lens.astype(np.int64)
