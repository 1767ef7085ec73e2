"""Step 1, sequences: why order and length need a network with memory.

The live comparison: two typed sentences through a bag of words (order lost), through a small RNN (order kept:
the final states differ), and through a feedforward network sized for the first sentence (a second length
refused by the library's own shape check).
"""

from __future__ import annotations

import numpy as np
from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_SEED, MAX_TEXT, words_of
from elman.embeddings.projection import cosine
from elman.nn.layers import Embedding, Linear
from elman.nn.rnn import RNN

EMBED, HIDDEN = 8, 16


def _term(name: str, tex: str, role: str | None = None) -> str:
    """A formula symbol linked to the widget's parts of the same name (js/terms.js), in its role's colour."""
    body = rf"\htmlClass{{c-{role}}}{{{tex}}}" if role else tex
    return rf"\htmlData{{term={name}}}{{{body}}}"


_X, _H = _term("x", "x_t", "x"), _term("h", "h_t", "h")
FORMULA = (rf"\text{{bag of words: }} {_term('v', 'v')} = \sum_{{t=1}}^{{T}} \mathrm{{onehot}}({_X})"
           r" \quad\text{(order is lost)}"
           "\n\n"
           rf"\text{{RNN: }} {_H} = \tanh({_term('W_hh', 'W_{hh}', 'w')} {_term('h_prev', 'h_{t-1}', 'h')}"
           rf" + {_term('W_xh', 'W_{xh}', 'w')} {_X} + {_term('b_h', 'b_h', 'w')}),\quad t = 1,\dots,T"
           r" \quad\text{(order is kept)}")

STEP = Step(
    key="sequences", icon="format_list_numbered", label="Sequences",
    title="Why sequences need their own kind of network",
    subtitle="Order and length are part of the data",
    heading="A fixed-size input has no notion of before and after",
    explanation="""
Text, speech, prices and genomes arrive as sequences: what an element means depends on what came before it.
"The dog bit the man" and "the man bit the dog" use exactly the same five words, yet they describe
different events. Count the words and the two sentences become indistinguishable.

A feedforward network (an MLP, or a CNN with a fixed input size) is built for one input width. Five words
and fifty words need two different networks, and nothing in either one says that word 3 comes after word 2.

What we want instead is a network that reads one element at a time, keeps a running summary of everything
read so far, and can answer at any step. Try it in the live panel: type two sentences and compare what each
representation makes of them.""",
    formula=FORMULA,
    torch_code="""
# the shapes of sequence problems
# one-to-many:   image    -> caption
# many-to-one:   sentence -> sentiment
# many-to-many:  English  -> French       (unaligned)
# many-to-many:  video    -> frame labels (aligned)
# inputs and outputs of any length; "not good" is not "good not"
mlp = nn.Linear(5 * 100, 2)     # five words of 100 numbers, and only five
rnn = nn.RNN(100, 16)           # any number of words""",
    callout=Callout("Key insight", "What sequences ask for is a loop: read one element, update a fixed-size "
                    "summary (the hidden state), repeat. That is the whole idea of a recurrent network."),
    functions=(RNN.forward, Linear.forward),
)


def _bag_of_words(words: list[str], vocabulary: list[str]) -> np.ndarray:
    counts = np.zeros(len(vocabulary))
    for word in words:
        counts[vocabulary.index(word)] += 1
    return counts


def compare(a: str, b: str, seed: int) -> dict:
    """Bag-of-words vectors, RNN final states and a feedforward network's answer for two sentences."""
    words_a, words_b = words_of(a, name="a"), words_of(b, name="b")
    vocabulary = sorted(set(words_a) | set(words_b))
    rng = np.random.default_rng(seed)
    embed = Embedding(len(vocabulary), EMBED, dtype="float64", rng=rng)
    rnn = RNN(EMBED, HIDDEN, dtype="float64", rng=rng)
    mlp = Linear(len(words_a) * EMBED, HIDDEN, dtype="float64", rng=rng)
    bags, finals, feedforward = [], [], []
    for words in (words_a, words_b):
        ids = np.array([vocabulary.index(w) for w in words])
        x = embed(ids)                                   # (T, EMBED)
        _, h_n = rnn(x[:, None, :])                      # one sequence, time-major
        bags.append(_bag_of_words(words, vocabulary))
        finals.append(h_n[0, 0])
        try:
            y = mlp(x.reshape(1, -1))
            feedforward.append({"accepted": True, "output": y[0].tolist(), "error": None})
        except ValueError as error:                      # the library's own shape check
            feedforward.append({"accepted": False, "output": None, "error": str(error)})
    return {
        "seed": seed, "vocabulary": vocabulary, "words": [words_a, words_b],
        "bag_of_words": {"vectors": [v.tolist() for v in bags], "cosine": cosine(*bags),
                         "identical": bool(np.array_equal(*bags))},
        "rnn": {"hidden_size": HIDDEN, "final_states": [h.tolist() for h in finals],
                "cosine": cosine(*finals), "identical": bool(np.array_equal(*finals))},
        "feedforward": {"input_size": len(words_a) * EMBED, "sentences": feedforward},
    }


@STEP.router.get("/compare")
async def compare_endpoint(a: str = Query("the dog bit the man", min_length=1, max_length=MAX_TEXT),
                           b: str = Query("the man bit the dog", min_length=1, max_length=MAX_TEXT),
                           seed: int = Query(0, ge=0, le=MAX_SEED)) -> dict:
    return await LANES["compute"].run(compare, a, b, seed)
