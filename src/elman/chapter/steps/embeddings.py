"""Step 7, embeddings: dense word vectors, where similar words are near and directions carry relations.

Live: the analogy a − b + c (with or without the query words as answers), a word's nearest neighbours, a 2-D PCA
map of chosen words, and their cosine matrix as one-hot vectors (the identity, whatever the words) beside the
dense one. The vectors are GloVe 6B 50d (its ``GLOVE_WORDS`` most frequent words) when the dataset is on this
machine, else the chapter's own word2vec vectors trained on Brown (``elman.chapter.models.vectors``); every
answer says which vectors answered. GloVe is read lazily, on the first request that needs it (1 to 2.5 s for
40,000 rows on the chapter's 2-core machine, measured), and kept for the life of the server; while it is absent,
each request looks for it again, so a ``elman data fetch glove-6b-50d`` takes effect without a restart.
"""

from __future__ import annotations

import threading
import time
from functools import cache

from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.models import vectors as shipped_model
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_TEXT, words_of
from elman.embeddings.projection import pca_2d, similarity_matrices
from elman.embeddings.vectors import UnknownWordError, WordVectors
from elman.nn.layers import Embedding

GLOVE = "glove-6b-50d"
GLOVE_WORDS = 40_000
FETCH = f"elman data fetch {GLOVE}"
SOURCES = ("auto", "glove", "shipped")
MAX_WORD = 40            # characters of one word
MAX_MAP_WORDS = 20       # words in the map and the similarity matrices
TOPN = 10
DEFAULT_MAP = "king queen man woman paris france london england"

STEP = Step(
    key="embeddings", icon="text_fields", label="Embeddings",
    title="Word embeddings: how words become numbers",
    subtitle="From one-hot codes to dense vectors with meaning in their geometry",
    heading="A network reads numbers, so every word needs a vector",
    explanation="""
An RNN multiplies its input by $W_{xh}$, so each word has to arrive as a vector. The plainest choice is
one-hot: with a vocabulary of $V$ words, word $i$ becomes $e_i \\in \\mathbb{R}^V$, a 1 in position $i$ and
zeros everywhere else. It is huge ($V$ is often 10,000 to 100,000), and it says nothing about meaning: two
different one-hot vectors are always orthogonal, so "cat" is exactly as far from "dog" as from "carburettor".

A dense embedding gives each word a short vector of $d$ real numbers (typically 50 to 300) that is learned.
Methods such as word2vec and GloVe learn them from which words appear near which, and words used in similar
contexts end up with similar vectors: their cosine is high.

In a network this is the embedding layer, a $V \\times d$ table whose row $i$ is word $i$'s vector. Looking up
a row is the same as multiplying the one-hot vector by the table, $e_i^\\top E = E_i$, but costs nothing. The
table is trained with the rest of the model, or started from pretrained vectors.

Relations can show up as directions: the offset from "man" to "woman" resembles the one from "king" to
"queen", so $\\mathrm{king} - \\mathrm{man} + \\mathrm{woman}$ lands near "queen" (Mikolov et al., 2013), once
the three query words themselves are left out of the answers. Try it in the live panel, with GloVe vectors when
they are on this machine and with the small word2vec vectors this project trained on the Brown corpus
otherwise.""",
    formula=r"""
\text{one-hot: } \htmlData{term=onehot}{e_i \in \{0,1\}^V,\quad \cos(e_i, e_j) = 0 \text{ for } i \ne j}

\text{embedding: } \htmlData{term=x}{x_t} = E^\top e_{w_t} = E_{w_t,:} \in \mathbb{R}^d,\quad E \in \mathbb{R}^{V \times d},\ d \ll V

\htmlData{term=cos}{\cos(u, v)} = \frac{u \cdot v}{\lVert u \rVert\,\lVert v \rVert}

\htmlData{term=analogy}{a - b + c}:\quad \hat{x} = \arg\max_{x \notin \{a, b, c\}} \cos\!\left(x,\ \hat{a} - \hat{b} + \hat{c}\right)""",
    torch_code="""
import torch
import torch.nn as nn

vocab_size, embed_dim = 10000, 128
embed = nn.Embedding(vocab_size, embed_dim)   # a learnable lookup table
ids = torch.tensor([4, 52, 891, 7])           # token ids of four words
x = embed(ids)                                # (4, 128): one row per word

# Mikolov et al. (2013), with trained vectors:
# vec("king") - vec("man") + vec("woman") ≈ vec("queen")""",
    callout=Callout("Why it matters", "Learned word vectors were among the first clear signs that neural "
                    "networks discover structure in language on their own. The embedding layer has been the first "
                    "layer of nearly every language model since, from small RNNs to today's large transformers."),
    functions=(Embedding.forward, WordVectors.most_similar, WordVectors.analogy, pca_2d, similarity_matrices),
)


# ------------------------------------------------------------------------------------------------ the vectors
_glove_lock = threading.Lock()
_glove_state: dict = {}          # "vectors", "load_seconds" or "error", once the first request has read GloVe


def _glove_path():
    """Where GloVe 6B 50d lies on this machine (data dir or cache), or None."""
    from elman.data.sources import locate

    return locate(GLOVE)[1]


def _glove() -> WordVectors | None:
    """GloVe's ``GLOVE_WORDS`` most frequent words, read on first use and kept; None when the file is absent."""
    if "vectors" in _glove_state:
        return _glove_state["vectors"]
    path = _glove_path()
    if path is None:
        return None
    with _glove_lock:
        if "vectors" not in _glove_state and "error" not in _glove_state:
            start = time.perf_counter()
            try:
                from elman.data.sources import path as checked_path  # the registry's sha256, checked once

                _glove_state["vectors"] = WordVectors.load(checked_path(GLOVE, download=False, progress=False),
                                                           limit=GLOVE_WORDS)
                _glove_state["load_seconds"] = time.perf_counter() - start
            except (OSError, ValueError) as error:  # a damaged file (ChecksumError): say so, answer with the shipped ones
                _glove_state["error"] = str(error)
    return _glove_state.get("vectors")


@cache
def _shipped() -> WordVectors:
    return shipped_model.load()


def _shipped_info() -> dict:
    try:
        meta = shipped_model.info()
    except FileNotFoundError as error:
        return {"error": str(error)}
    return {k: meta[k] for k in ("data", "kept_words", "dim", "quality", "train_seconds", "rebuild")}


def _describe(name: str, vectors: WordVectors) -> str:
    if name == "glove":
        return f"GloVe 6B 50d (its {len(vectors):,} most frequent words)"
    return f"the chapter's word2vec vectors trained on Brown (its {len(vectors):,} most frequent words)"


def vectors_for(source: str = "auto") -> tuple[WordVectors, dict]:
    """The vectors that answer a request for ``source`` (auto, glove or shipped) and a description of them.

    ``auto`` and ``glove`` use GloVe when it is here; otherwise the shipped vectors answer and the description
    says GloVe is absent and how to fetch it.
    """
    if source not in SOURCES:
        raise ValueError(f"source: expected one of {', '.join(SOURCES)}, got {source!r}")
    glove = _glove() if source != "shipped" else None
    present = glove is not None or (_glove_path() is not None and "error" not in _glove_state)
    name, vectors = ("glove", glove) if glove is not None else ("shipped", _shipped())
    info = {"requested": source, "source": name, "description": _describe(name, vectors), "words": len(vectors),
            "dim": vectors.dim,
            "glove": {"available": present, "dataset": GLOVE, "fetch": FETCH,
                      "load_seconds": _glove_state.get("load_seconds"), "error": _glove_state.get("error")},
            "shipped": _shipped_info()}
    if not present:
        info["note"] = f"GloVe 6B 50d is not on this machine, so the shipped vectors answered; fetch it with: {FETCH}"
    elif name == "shipped" and source != "shipped":
        info["note"] = f"GloVe 6B 50d could not be read ({_glove_state.get('error')}); the shipped vectors answered"
    return vectors, info


def _word(word: str, name: str) -> str:
    word = word.strip().lower()
    if not word:
        raise ValueError(f"{name}: expected a word, got an empty text")
    if len(word) > MAX_WORD:
        raise ValueError(f"{name}: expected a word of at most {MAX_WORD} characters, got {len(word)}")
    return word


def _row(vectors: WordVectors, info: dict, word: str, name: str) -> int:
    """The row of ``word``; an unknown word is a ValueError naming it and the vectors searched."""
    try:
        return vectors.id(word)
    except UnknownWordError:
        raise ValueError(f"{name}: unknown word {word!r}: it is not in {info['description']}") from None


def _ranked(pairs) -> list[dict]:
    return [{"word": w, "cosine": s} for w, s in pairs]


# ------------------------------------------------------------------------------------------------ the answers
def analogy(a: str, b: str, c: str, exclude: bool = True, source: str = "auto") -> dict:
    """The ``TOPN`` words nearest to a − b + c (3CosAdd on unit vectors), with or without a, b, c as answers."""
    a, b, c = _word(a, "a"), _word(b, "b"), _word(c, "c")
    vectors, info = vectors_for(source)
    for word, name in ((a, "a"), (b, "b"), (c, "c")):
        _row(vectors, info, word, name)
    # The library's analogy(x, y, z) answers x : y :: z : ?, i.e. y − x + z; here a − b + c.
    answers = vectors.analogy(b, a, c, topn=TOPN, exclude_query=exclude)
    return {"a": a, "b": b, "c": c, "exclude": exclude, "answers": _ranked(answers), "vectors": info}


def neighbours(word: str, source: str = "auto") -> dict:
    """The ``TOPN`` words of highest cosine with ``word`` (itself left out)."""
    word = _word(word, "word")
    vectors, info = vectors_for(source)
    _row(vectors, info, word, "word")
    return {"word": word, "neighbours": _ranked(vectors.most_similar(word, topn=TOPN)), "vectors": info}


def _chosen(text: str, vectors: WordVectors, info: dict) -> list[str]:
    words = list(dict.fromkeys(_word(w, "words") for w in words_of(text, name="words", max_words=MAX_MAP_WORDS)))
    if len(words) < 2:
        raise ValueError(f"words: expected at least 2 different words, got {len(words)}")
    for word in words:
        _row(vectors, info, word, "words")
    return words


def word_map(words: str = DEFAULT_MAP, source: str = "auto") -> dict:
    """The chosen words' coordinates on the first two principal axes of their vectors."""
    vectors, info = vectors_for(source)
    chosen = _chosen(words, vectors, info)
    points = pca_2d(vectors.vectors[[vectors.id(w) for w in chosen]])
    return {"words": chosen, "points": points.tolist(), "vectors": info}


def similarity(words: str = DEFAULT_MAP, source: str = "auto") -> dict:
    """The cosine matrices of the chosen words as one-hot vectors and as dense vectors."""
    vectors, info = vectors_for(source)
    chosen = _chosen(words, vectors, info)
    one_hot, dense = similarity_matrices(vectors.vectors[[vectors.id(w) for w in chosen]])
    return {"words": chosen, "one_hot": one_hot.tolist(), "dense": dense.tolist(),
            "one_hot_dim": len(vectors), "dense_dim": vectors.dim, "vectors": info}


def sources() -> dict:
    """Which vectors exist here: the widget shows a GloVe / shipped switch only when both do."""
    _, info = vectors_for("auto")
    return {"default": info["source"], "available": ["glove", "shipped"] if info["source"] == "glove" else ["shipped"],
            "vectors": info}


# ---------------------------------------------------------------------------------------------- the endpoints
_SOURCE = Query("auto", pattern="^(auto|glove|shipped)$")


@STEP.router.get("/sources")
async def sources_endpoint() -> dict:
    return await LANES["vectors"].run(sources)


@STEP.router.get("/analogy")
async def analogy_endpoint(a: str = Query("king", min_length=1, max_length=MAX_WORD),
                           b: str = Query("man", min_length=1, max_length=MAX_WORD),
                           c: str = Query("woman", min_length=1, max_length=MAX_WORD),
                           exclude: bool = Query(True), source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(analogy, a, b, c, exclude, source)


@STEP.router.get("/neighbours")
async def neighbours_endpoint(word: str = Query("monday", min_length=1, max_length=MAX_WORD),
                              source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(neighbours, word, source)


@STEP.router.get("/map")
async def map_endpoint(words: str = Query(DEFAULT_MAP, min_length=1, max_length=MAX_TEXT),
                       source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(word_map, words, source)


@STEP.router.get("/similarity")
async def similarity_endpoint(words: str = Query(DEFAULT_MAP, min_length=1, max_length=MAX_TEXT),
                              source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(similarity, words, source)
