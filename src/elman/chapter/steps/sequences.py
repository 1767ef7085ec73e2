"""Step 1, sequences: why order and length need a network with memory.

The live comparison: two typed sentences read three ways. A bag of words (order lost: reorderings give the same
vector), a feedforward network as wide as sentence A (each slot has its own weights, so it does tell reorderings
of A apart, but a sentence of any other length does not fit; the library's own shape check refuses it), and a
small RNN (order kept, any length: the final states differ). Every refusal is one plain sentence.
"""

from __future__ import annotations

import numpy as np
from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_SEED, words_of
from elman.embeddings.projection import cosine
from elman.errors import InvalidInput
from elman.nn.layers import Embedding, Linear
from elman.nn.rnn import RNN

EMBED, HIDDEN = 8, 16
DEFAULT_A, DEFAULT_B = "the dog bit the man", "the man bit the dog"


def _term(name: str, tex: str, role: str | None = None) -> str:
    """A formula symbol linked to the widget's parts of the same name (js/terms.js), in its role's colour."""
    body = rf"\htmlClass{{c-{role}}}{{{tex}}}" if role else tex
    return rf"\htmlData{{term={name}}}{{{body}}}"


_X, _H = _term("x", "x_t", "x"), _term("h", "h_t", "h")
FORMULA = (
    rf"\text{{bag of words: }} {_term('v', 'v')} = \sum_{{t=1}}^{{T}} \mathrm{{onehot}}({_X})"
    r" \quad\text{(order is lost)}"
    "\n\n"
    rf"\text{{fixed width: }} {_term('y', 'y', 'y')} = \tanh\big({_term('W', 'W', 'w')}\,"
    rf"[{_term('x', 'x_1', 'x')}; \dots; {_term('x', 'x_n', 'x')}] + {_term('W', 'b', 'w')}\big)"
    r" \quad\text{(order seen, but only for } T = n\text{)}"
    "\n\n"
    rf"\text{{RNN: }} {_H} = \tanh({_term('W_hh', 'W_{hh}', 'w')} {_term('h_prev', 'h_{t-1}', 'h')}"
    rf" + {_term('W_xh', 'W_{xh}', 'w')} {_X} + {_term('b_h', 'b_h', 'w')}),\quad t = 1,\dots,T"
    r" \quad\text{(order kept, any } T\text{)}"
)

STEP = Step(
    key="sequences",
    icon="format_list_numbered",
    label="Sequences",
    title="Why sequences need their own kind of network",
    subtitle="Order and length are part of the data",
    heading="A fixed-size input sees order at one length only",
    explanation="""
Text, speech, prices and genomes arrive as sequences: what an element means depends on what came before it.
"The dog bit the man" and "the man bit the dog" use exactly the same five words, yet they describe
different events. Count the words and the two sentences become indistinguishable.

Sequence problems come in several shapes, listed in the live panel: one input to many outputs (a caption for an
image), many to one (the sentiment of a sentence), many to many once everything is read (English into French),
or one output for every input (a label for each frame of a video). Inputs and outputs can both have any length,
order carries meaning ("not good" is not "good not"), and what settles the answer may lie arbitrarily far back.

A feedforward network (an MLP, or a CNN with a fixed input size) is built for one input width. Give each word
position its own slot and it does see order: in the live panel it tells the two five-word sentences apart. But
a slot belongs to a position. A sixth word has nowhere to go, and what the network learns about "dog" in slot 2
it has to learn again for slot 3. Five words and fifty need two different networks.

What we want instead is a network that reads one element at a time with the same weights at every position,
keeps a running summary of everything read so far, and can answer at any step. Type two sentences in the live
panel and compare what the three readers make of them.""",
    formula=FORMULA,
    torch_code="""
# the shapes of sequence problems
# one-to-many:   image    -> caption
# many-to-one:   sentence -> sentiment
# many-to-many:  English  -> French       (unaligned)
# many-to-many:  video    -> frame labels (aligned)
# inputs and outputs of any length; "not good" is not "good not";
# the context that matters can be far back
mlp = nn.Linear(5 * 100, 16)    # five words of 100 numbers, and only five
rnn = nn.RNN(100, 16)           # any number of words, the same weights""",
    callout=Callout(
        "Key insight",
        "What sequences ask for is a loop: read one element, update a fixed-size "
        "summary (the hidden state), repeat. That is the whole idea of a recurrent network.",
    ),
    functions=(RNN.forward, Linear.forward),
)


def _bag_of_words(words: list[str], vocabulary: list[str]) -> np.ndarray:
    counts = np.zeros(len(vocabulary))
    for word in words:
        counts[vocabulary.index(word)] += 1
    return counts


def _same(a: np.ndarray, b: np.ndarray) -> dict:
    return {"cosine": cosine(a, b), "identical": bool(np.array_equal(a, b))}


def _refusal(name: str, words: int, width: int) -> str:
    return (
        f"Sentence {name} has {words} word{'s' * (words != 1)}, and this network takes exactly {width}: "
        f"{'the extra words have no slot' if words > width else 'some slots would stay empty'}, so it cannot "
        f"read {name} at all. Another length needs another network, with new weights."
    )


def compare(a: str, b: str, seed: int) -> dict:
    """Bag-of-words vectors, RNN final states and a fixed-width network's outputs for two sentences.

    The fixed-width network is one tanh layer over the concatenated embeddings of exactly ``len(a)`` words; a
    sentence of another length is refused by the library's own shape check, and the answer says so in words.
    """
    if not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
        raise InvalidInput(f"The seed must be a whole number from 0 to {MAX_SEED}; got {seed}.")
    words_a, words_b = words_of(a, name="sentence A"), words_of(b, name="sentence B")
    vocabulary = sorted(set(words_a) | set(words_b))
    width = len(words_a)
    rng = np.random.default_rng(seed)
    embed = Embedding(len(vocabulary), EMBED, dtype="float64", rng=rng)
    rnn = RNN(EMBED, HIDDEN, dtype="float64", rng=rng)
    mlp = Linear(width * EMBED, HIDDEN, dtype="float64", rng=rng)
    bags, finals, outputs, sentences = [], [], [], []
    for name, words in (("A", words_a), ("B", words_b)):
        ids = np.array([vocabulary.index(w) for w in words])
        x = embed(ids)  # (T, EMBED)
        _, h_n = rnn(x[:, None, :])  # one sequence, time-major
        bags.append(_bag_of_words(words, vocabulary))
        finals.append(h_n[0, 0])
        try:
            y = np.tanh(mlp(x.reshape(1, -1)))[0]  # the library checks the width: (1, T·EMBED)
        except ValueError as error:  # its words are kept for API users; the page shows ours
            outputs.append(None)
            sentences.append(
                {
                    "accepted": False,
                    "words": len(words),
                    "message": _refusal(name, len(words), width),
                    "error": str(error),
                }
            )
        else:
            outputs.append(y)
            sentences.append({"accepted": True, "words": len(words), "message": None, "error": None})
    both = all(y is not None for y in outputs)
    return {
        "seed": seed,
        "vocabulary": vocabulary,
        "words": [words_a, words_b],
        "bag_of_words": {"vectors": [v.tolist() for v in bags], **_same(*bags)},
        "rnn": {"hidden_size": HIDDEN, "final_states": [h.tolist() for h in finals], **_same(*finals)},
        "feedforward": {
            "input_size": width * EMBED,
            "width": width,
            "per_word": EMBED,
            "output_size": HIDDEN,
            "outputs": [None if y is None else y.tolist() for y in outputs],
            "sentences": sentences,
            **(_same(*outputs) if both else {"cosine": None, "identical": None}),
        },
    }


@STEP.router.get("/compare")
async def compare_endpoint(a: str = Query(DEFAULT_A), b: str = Query(DEFAULT_B), seed: int = Query(0)) -> dict:
    # Lengths and the seed are checked by compare() itself, so a refusal reads as a sentence, not a schema error.
    return await LANES["compute"].run(compare, a, b, seed)
