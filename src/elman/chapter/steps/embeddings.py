"""Step 7, embeddings: dense word vectors, where similar words are near and directions carry relations.

Live: the analogy a − b + c (with or without the query words as answers), a word's nearest neighbours, how near
two pairs of words are (king–queen against king–pizza: cosine, distance, rank among the neighbours), a 2-D PCA
map of chosen words with the analogy's two offsets as arrows, and their cosine matrix as one-hot vectors (the
identity, whatever the words) beside the dense one.

Two sets of vectors answer, both shipped with the package, so every machine shows the same page without data and
without a network: ``glove``, the default, the 40,000 most frequent words of GloVe 6B 50d
(``elman.chapter.models.glove``, public domain), and ``brown``, the word2vec vectors this project trained on the
Brown corpus (``elman.chapter.models.vectors``), kept to show what far less text gives. Every answer says which
vectors answered.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.models import glove as glove_model
from elman.chapter.models import vectors as brown_model
from elman.chapter.step import Callout, Step
from elman.chapter.validation import words_of
from elman.embeddings.projection import cosine, pca_2d, similarity_matrices
from elman.embeddings.vectors import UnknownWordError, WordVectors
from elman.errors import InvalidInput
from elman.nn.layers import Embedding

SOURCES = ("glove", "brown")  # the first is the default
MAX_WORD = 40  # characters of one word
MAX_MAP_WORDS = 20  # words in the map and the similarity matrices
TOPN = 10
DEFAULT_MAP = "king queen man woman"
DEFAULT_PAIRS = (("king", "queen"), ("king", "pizza"))
HEADLINE = ("king", "man", "woman", "queen")  # a − b + c should be d

STEP = Step(
    key="embeddings",
    icon="text_fields",
    label="Embeddings",
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
contexts end up with similar vectors: their cosine is high. Near and far can be measured: the panel compares
"king" with "queen" and with "pizza", by cosine, by distance and by where each word ranks among the other's
neighbours.

In a network this is the embedding layer, a $V \\times d$ table whose row $i$ is word $i$'s vector. Looking up
a row is the same as multiplying the one-hot vector by the table, $e_i^\\top E = E_i$, but costs nothing. The
table is trained with the rest of the model, or started from pretrained vectors.

Relations can show up as directions. The step from "man" to "woman" points roughly the same way as the step
from "king" to "queen", so $\\mathrm{king} - \\mathrm{man} + \\mathrm{woman}$ falls closest to "queen"
(Mikolov et al., 2013), provided the three words of the question are not allowed as answers (else "king" itself
wins, as the panel shows when you allow them). The map draws both steps as arrows. The vectors answering here
are GloVe's 50-dimensional ones, trained on six billion words of Wikipedia and news and shipped with this
chapter (its 40,000 most frequent words). A switch puts in their place the word2vec vectors this project
trained on the Brown corpus, about a million words: the same method with far less text, and the relation
blurs.""",
    formula=r"""
\text{one-hot: } \htmlData{term=onehot}{e_i \in \{0,1\}^V,\quad \cos(e_i, e_j) = 0 \text{ for } i \ne j}

\text{embedding: } \htmlData{term=x}{x_t} = E^\top e_{w_t} = E_{w_t,:} \in \mathbb{R}^d,\quad
 E \in \mathbb{R}^{V \times d},\ d \ll V

\htmlData{term=cos}{\cos(u, v)} = \frac{u \cdot v}{\lVert u \rVert\,\lVert v \rVert}

\htmlData{term=analogy}{a - b + c}:\quad
 \hat{x} = \arg\max_{x \notin \{a, b, c\}} \cos\!\left(x,\ \hat{a} - \hat{b} + \hat{c}\right)""",
    torch_code="""
import torch
import torch.nn as nn

vocab_size, embed_dim = 10000, 128
embed = nn.Embedding(vocab_size, embed_dim)   # a learnable lookup table
ids = torch.tensor([4, 52, 891, 7])           # token ids of four words
x = embed(ids)                                # (4, 128): one row per word

# Mikolov et al. (2013), with trained vectors:
# vec("king") - vec("man") + vec("woman") ≈ vec("queen")""",
    callout=Callout(
        "Why it matters",
        "Learned word vectors were among the first clear signs that neural "
        "networks discover structure in language on their own. The embedding layer has been the first "
        "layer of nearly every language model since, from small RNNs to today's large transformers.",
    ),
    functions=(Embedding.forward, WordVectors.most_similar, WordVectors.analogy, cosine, pca_2d, similarity_matrices),
)


# ------------------------------------------------------------------------------------------------ the vectors
MODELS = {"glove": glove_model, "brown": brown_model}


@cache
def _vectors(source: str) -> WordVectors:
    return MODELS[source].load()


def _describe(source: str, vectors: WordVectors) -> str:
    if source == "glove":
        return f"GloVe 6B 50d, its {len(vectors):,} most frequent words (shipped with the chapter)"
    return f"the word2vec vectors trained here on the Brown corpus, its {len(vectors):,} most frequent words"


def vectors_for(source: str = "glove") -> tuple[WordVectors, dict]:
    """The vectors named ``source`` (glove or brown) and a description of them."""
    if source not in SOURCES:
        raise InvalidInput(f"source: expected one of {', '.join(SOURCES)}, got {str(source)[:40]!r}")
    vectors = _vectors(source)
    return vectors, {
        "source": source,
        "description": _describe(source, vectors),
        "words": len(vectors),
        "dim": vectors.dim,
    }


def _word(word: str, name: str) -> str:
    word = word.strip().lower()
    if not word:
        raise InvalidInput(f"{name}: expected a word, got an empty field")
    if len(word) > MAX_WORD:
        raise InvalidInput(f"{name}: expected a word of at most {MAX_WORD} characters, got {len(word)}")
    return word


def _row(vectors: WordVectors, info: dict, word: str, name: str) -> int:
    """The row of ``word``; an unknown word is a ValueError naming it and the vectors searched."""
    try:
        return vectors.id(word)
    except UnknownWordError:
        raise InvalidInput(f"{name}: unknown word {word!r}: it is not among {info['description']}") from None


def _ranked(pairs) -> list[dict]:
    return [{"word": w, "cosine": s} for w, s in pairs]


def _rank_among(ranked: list[tuple[str, float]], word: str) -> int:
    """1 + the place of ``word`` in a best-first answer list of every word."""
    return [w for w, _ in ranked].index(word) + 1


# ------------------------------------------------------------------------------------------------ the answers
def analogy(a: str, b: str, c: str, exclude: bool = True, source: str = "glove") -> dict:
    """The ``TOPN`` words nearest to a − b + c (3CosAdd on unit vectors), with or without a, b, c as answers, and
    the cosine of the two offsets c − b and answer − a in all dimensions."""
    a, b, c = _word(a, "a"), _word(b, "b"), _word(c, "c")
    vectors, info = vectors_for(source)
    for word, name in ((a, "a"), (b, "b"), (c, "c")):
        _row(vectors, info, word, name)
    # The library's analogy(x, y, z) answers x : y :: z : ?, i.e. y − x + z; here a − b + c.
    answers = vectors.analogy(b, a, c, topn=TOPN, exclude_query=exclude)
    top = answers[0][0] if answers else None
    offset = (
        None
        if top in (None, a, c)
        else cosine(vectors.vector(c) - vectors.vector(b), vectors.vector(top) - vectors.vector(a))
    )
    return {
        "a": a,
        "b": b,
        "c": c,
        "exclude": exclude,
        "answers": _ranked(answers),
        "offset_cosine": offset,
        "vectors": info,
    }


def neighbours(word: str, source: str = "glove") -> dict:
    """The ``TOPN`` words of highest cosine with ``word`` (itself left out)."""
    word = _word(word, "word")
    vectors, info = vectors_for(source)
    _row(vectors, info, word, "word")
    return {"word": word, "neighbours": _ranked(vectors.most_similar(word, topn=TOPN)), "vectors": info}


def pair(u: str, v: str, source: str = "glove") -> dict:
    """How near two words are: their cosine, the distance between their vectors, and where v ranks among u's
    neighbours (1 = u's nearest word) out of every other word."""
    u, v = _word(u, "u"), _word(v, "v")
    vectors, info = vectors_for(source)
    _row(vectors, info, u, "u")
    _row(vectors, info, v, "v")
    if u == v:
        raise InvalidInput(f"v: expected a word other than u, got {v!r} twice")
    scores = vectors.unit @ vectors.unit[vectors.id(u)]  # every word's cosine with u, as most_similar ranks them
    scores[vectors.id(u)] = -np.inf
    return {
        "u": u,
        "v": v,
        "cosine": cosine(vectors.vector(u), vectors.vector(v)),
        "distance": float(np.linalg.norm(vectors.vector(u).astype(np.float64) - vectors.vector(v))),
        "rank": 1 + int((scores > scores[vectors.id(v)]).sum()),
        "of": len(vectors) - 1,
        "vectors": info,
    }


def _chosen(text: str, vectors: WordVectors, info: dict) -> tuple[list[str], list[str]]:
    """(the distinct words of ``text`` these vectors know, the ones they do not); fewer than 2 known is an error."""
    words = list(dict.fromkeys(_word(w, "words") for w in words_of(text, name="a word list", max_words=MAX_MAP_WORDS)))
    known = [w for w in words if w in vectors]
    missing = [w for w in words if w not in vectors]
    if len(known) < 2:
        unknown = f" ({', '.join(repr(w) for w in missing)} not among {info['description']})" if missing else ""
        raise InvalidInput(f"words: expected at least 2 different known words, got {len(known)}{unknown}")
    return known, missing


def word_map(words: str = DEFAULT_MAP, source: str = "glove") -> dict:
    """The chosen words' coordinates on the first two principal axes of their vectors (unknown words left out and
    listed)."""
    vectors, info = vectors_for(source)
    chosen, missing = _chosen(words, vectors, info)
    points = pca_2d(vectors.vectors[[vectors.id(w) for w in chosen]])
    return {"words": chosen, "missing": missing, "points": points.tolist(), "vectors": info}


def similarity(words: str = DEFAULT_MAP, source: str = "glove") -> dict:
    """The cosine matrices of the chosen words as one-hot vectors and as dense vectors."""
    vectors, info = vectors_for(source)
    chosen, missing = _chosen(words, vectors, info)
    one_hot, dense = similarity_matrices(vectors.vectors[[vectors.id(w) for w in chosen]])
    return {
        "words": chosen,
        "missing": missing,
        "one_hot": one_hot.tolist(),
        "dense": dense.tolist(),
        "one_hot_dim": len(vectors),
        "dense_dim": vectors.dim,
        "vectors": info,
    }


@cache
def _summary(source: str) -> dict:
    """One set of vectors: what it is, its provenance and measured quality, and the headline analogy measured now
    (the top answer and where the expected word ranks, query words left out)."""
    vectors, info = vectors_for(source)
    meta = MODELS[source].info()
    a, b, c, d = HEADLINE
    ranked = vectors.analogy(b, a, c, topn=len(vectors))
    quality = meta["quality"]["google_analogy_3cosadd"]
    if source == "glove":
        data = (
            f"{glove_model.TRAINED_ON}, by Pennington, Socher and Manning (2014); "
            f"public domain ({meta['source']['license']})"
        )
    else:
        data = (
            f"the Brown corpus, {meta['corpus_words']:,} words, trained here in "
            f"{meta['train_seconds'] / 60:.0f} minutes"
        )
    return {
        **info,
        "data": data,
        "google_analogy": quality.get("total"),
        "headline": {
            "question": f"{a} − {b} + {c}",
            "top": ranked[0][0],
            "expected": d,
            "rank": _rank_among(ranked, d) if d in vectors else None,
        },
        "rebuild": meta["rebuild"],
    }


def sources() -> dict:
    """The vectors the page can switch between, the default first, each with its numbers."""
    return {"default": SOURCES[0], "available": list(SOURCES), "sources": {s: _summary(s) for s in SOURCES}}


# ---------------------------------------------------------------------------------------------- the endpoints
# Parameters are plain strings checked by the functions above, so a wrong one is answered in one sentence.
_SOURCE = Query(SOURCES[0])


@STEP.router.get("/sources")
async def sources_endpoint() -> dict:
    return await LANES["vectors"].run(sources)


@STEP.router.get("/analogy")
async def analogy_endpoint(
    a: str = Query("king"),
    b: str = Query("man"),
    c: str = Query("woman"),
    exclude: bool = Query(True),
    source: str = _SOURCE,
) -> dict:
    return await LANES["vectors"].run(analogy, a, b, c, exclude, source)


@STEP.router.get("/neighbours")
async def neighbours_endpoint(word: str = Query("king"), source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(neighbours, word, source)


@STEP.router.get("/pair")
async def pair_endpoint(u: str = Query("king"), v: str = Query("queen"), source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(pair, u, v, source)


@STEP.router.get("/map")
async def map_endpoint(words: str = Query(DEFAULT_MAP), source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(word_map, words, source)


@STEP.router.get("/similarity")
async def similarity_endpoint(words: str = Query(DEFAULT_MAP), source: str = _SOURCE) -> dict:
    return await LANES["vectors"].run(similarity, words, source)
