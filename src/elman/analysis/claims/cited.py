"""The chapter's statements of history and taxonomy: cited, not measured (rows 13 and 14 of `elman claims`).

A timeline and a list of architectures are not experiments; these rows say so, and give the source of each
statement, so that the claims table covers every factual sentence of the chapter. Their verdict is "cited".
"""

from __future__ import annotations

from pathlib import Path

from elman.analysis.claims.base import CITED, ClaimResult, experiment

TIMELINE = (
    (
        "1986",
        "Rumelhart — backpropagation",
        "Rumelhart, Hinton & Williams 1986, 'Learning representations by back-propagating errors', Nature 323",
    ),
    ("1990", "Elman — simple recurrent networks", "Elman 1990, 'Finding structure in time', Cognitive Science 14(2)"),
    (
        "1991",
        "Hochreiter — vanishing gradient analysis",
        "Hochreiter 1991, 'Untersuchungen zu dynamischen neuronalen Netzen', diploma thesis, TU München",
    ),
    (
        "1997",
        "Hochreiter & Schmidhuber — LSTM",
        "Hochreiter & Schmidhuber 1997, 'Long short-term memory', Neural Computation 9(8)",
    ),
    (
        "2013",
        "Mikolov — word2vec embeddings",
        "Mikolov, Chen, Corrado & Dean 2013, 'Efficient estimation of word representations in vector space', "
        "arXiv:1301.3781",
    ),
    (
        "2014",
        "Cho — GRU",
        "Cho et al. 2014, 'Learning phrase representations using RNN encoder-decoder for "
        "statistical machine translation', EMNLP",
    ),
    (
        "2014",
        "Sutskever — seq2seq",
        "Sutskever, Vinyals & Le 2014, 'Sequence to sequence learning with neural networks', NeurIPS",
    ),
    (
        "2015",
        "Bahdanau — attention",
        "Bahdanau, Cho & Bengio 2015, 'Neural machine translation by jointly learning "
        "to align and translate', ICLR (arXiv:1409.0473, 2014)",
    ),
    ("2017", "Vaswani — Transformer", "Vaswani et al. 2017, 'Attention is all you need', NeurIPS"),
)

ARCHITECTURES = (
    (
        "many-to-one",
        "sentiment classification from the final state",
        "Socher et al. 2013, 'Recursive deep models for semantic compositionality over a sentiment treebank', EMNLP "
        "(the SST data); the lab's example: elman.chapter.models.sentiment",
    ),
    ("one-to-many", "image captioning", "Vinyals, Toshev, Bengio & Erhan 2015, 'Show and tell', CVPR"),
    (
        "many-to-many, aligned",
        "POS tagging, named entities",
        "Huang, Xu & Yu 2015, 'Bidirectional LSTM-CRF models for sequence tagging', arXiv:1508.01991; the lab's "
        "example: elman.chapter.models.pos",
    ),
    (
        "many-to-many, unaligned",
        "encoder–decoder translation",
        "Sutskever, Vinyals & Le 2014, NeurIPS; Cho et al. 2014, EMNLP; the lab's example: "
        "elman.chapter.models.translate",
    ),
    (
        "stacked",
        "layers of RNNs, each reading the one below",
        "Graves, Mohamed & Hinton 2013, 'Speech recognition with deep recurrent neural networks', ICASSP; measured "
        "here as claim 8",
    ),
)


@experiment("timeline", 13)
def timeline(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    measured = (
        "Cited, not measured: "
        + "; ".join(f"{y} {what}" for y, what, _ in TIMELINE)
        + ". The chapter's '(RNNs obsolete)' after 2017 is a judgement, not a dated fact: recurrent models "
        "are still used where memory or streaming matters."
    )
    return ClaimResult(
        13,
        "The chapter's timeline of recurrent networks, 1986 to 2017.",
        measured,
        CITED,
        data={"timeline": [list(t) for t in TIMELINE]},
        sources=[s for _, _, s in TIMELINE],
        reason="history: each date checked against its publication, nothing to measure",
    )


@experiment("architectures", 14)
def architectures(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    measured = (
        "Cited, not measured: "
        + "; ".join(f"{kind}: {use}" for kind, use, _ in ARCHITECTURES)
        + ". The lab trains an example of the many-to-one, aligned and unaligned many-to-many forms; "
        "stacking is measured as claim 8."
    )
    return ClaimResult(
        14,
        "The chapter's list of RNN architectures (many-to-one, one-to-many, many-to-many aligned "
        "and unaligned, stacked) and what each is used for.",
        measured,
        CITED,
        data={"architectures": [list(a) for a in ARCHITECTURES]},
        sources=[s for _, _, s in ARCHITECTURES],
        reason="a taxonomy with its standard examples, nothing to measure",
    )
