"""The ``elman analogy`` and ``elman embeddings`` commands.

``register(subparsers)`` adds ``analogy A B C`` (the nearest words to A − B + C, i.e. B : A :: C : ?) and
``embeddings`` with its actions ``eval`` (the Google analogy benchmark), ``neighbours`` (nearest words by
cosine), ``project`` (a PCA map as SVG), ``compare`` (one-hot against dense cosines) and, when
:mod:`elman.embeddings.word2vec` is available, ``train``. Each action stores its handler as ``run`` and returns the
exit code: 0 on success, 1 with a one-line message on stderr for an unknown word or an unreadable vector file.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys

from elman.data.sources import DataUnavailableError

__all__ = ["register"]

DEFAULT_VECTORS = "glove-6b-50d"


def _reporting_errors(name: str):
    """Turn an unknown word, a malformed or missing file into one line on stderr and exit code 1."""

    def wrap(handler):
        @functools.wraps(handler)
        def run(args) -> int:
            try:
                return handler(args)
            except (ValueError, OSError, DataUnavailableError) as e:  # UnknownWordError is a ValueError
                print(f"elman {name}: error: {e}", file=sys.stderr)
                return 1

        return run

    return wrap


def _load(args):
    from elman.embeddings.vectors import WordVectors

    return WordVectors.load(args.vectors, limit=getattr(args, "limit", None))


def _print_pairs(pairs) -> None:
    width = max((len(w) for w, _ in pairs), default=0)
    for rank, (word, score) in enumerate(pairs, 1):
        print(f"{rank:3d}  {word:<{width}}  {score:.4f}")


@_reporting_errors("analogy")
def _analogy(args) -> int:
    wv = _load(args)
    # The chapter's A − B + C (king − man + woman), which is the analogy B : A :: C : ?
    pairs = wv.analogy(args.b, args.a, args.c, topn=args.topn, method=args.method, exclude_query=not args.include_query)
    print(
        f"{args.a} − {args.b} + {args.c} = ?   (that is {args.b} : {args.a} :: {args.c} : ?; {args.method}, "
        f"{len(wv):,} words)"
    )
    _print_pairs(pairs)
    return 0


@_reporting_errors("embeddings neighbours")
def _neighbours(args) -> int:
    wv = _load(args)
    pairs = wv.most_similar(args.word, topn=args.topn)
    print(f"nearest to {args.word!r} by cosine ({len(wv):,} words)")
    _print_pairs(pairs)
    return 0


@_reporting_errors("embeddings eval")
def _eval(args) -> int:
    from elman.embeddings.analogy import evaluate, format_report, load_questions

    wv = _load(args)
    result = evaluate(
        wv,
        load_questions(args.questions),
        restrict=args.restrict,
        method=args.method,
        case_insensitive=not args.case_sensitive,
    )
    print(json.dumps(result, indent=2) if args.json else format_report(result))
    return 0


@_reporting_errors("embeddings project")
def _project(args) -> int:
    from elman.embeddings.projection import pca_2d, svg_scatter

    wv = _load(args)
    points = pca_2d(wv.vectors[[wv.id(w) for w in args.words]])
    path = svg_scatter(points, args.words, args.out, title=f"PCA of {len(args.words)} words ({args.vectors})")
    for word, (x, y) in zip(args.words, points):
        print(f"{word:>12}  {x:8.3f}  {y:8.3f}")
    print(f"figure: {path}")
    return 0


@_reporting_errors("embeddings compare")
def _compare(args) -> int:
    from elman.embeddings.projection import similarity_matrices

    wv = _load(args)
    one_hot, dense = similarity_matrices(wv.vectors[[wv.id(w) for w in args.words]])
    width = max(len(w) for w in args.words) + 2
    for title, matrix in (
        ("one-hot cosine (every pair of distinct words: 0)", one_hot),
        (f"dense cosine ({args.vectors}, {wv.dim} dimensions)", dense),
    ):
        print(title)
        print(" " * width + "".join(f"{w[:8]:>9}" for w in args.words))
        for word, row in zip(args.words, matrix):
            print(f"{word:<{width}}" + "".join(f"{v:9.2f}" for v in row))
    return 0


def _vector_options(p: argparse.ArgumentParser, *, limit: bool = True) -> None:
    p.add_argument(
        "--vectors",
        default=DEFAULT_VECTORS,
        help=f"a dataset name or a GloVe / word2vec text file, .gz allowed (default {DEFAULT_VECTORS})",
    )
    if limit:
        p.add_argument("--limit", type=int, default=None, metavar="N", help="load only the first N words")


def _method_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        help="3CosAdd: cos(x,b)-cos(x,a)+cos(x,c); 3CosMul (Levy & Goldberg 2014) (default 3cosadd)",
    )


def register(subparsers) -> None:
    """Add ``analogy`` and ``embeddings {eval,neighbours[,train]}`` to an argparse sub-parser set."""
    p = subparsers.add_parser("analogy", help="A − B + C with word vectors (king man woman → queen)")
    for name in ("a", "b", "c"):
        p.add_argument(name, metavar=name.upper())
    _vector_options(p)
    p.add_argument("--topn", type=int, default=10, help="how many answers to print (default 10)")
    _method_option(p)
    p.add_argument("--include-query", action="store_true", help="let A, B and C themselves be answers")
    p.set_defaults(run=_analogy)

    emb = subparsers.add_parser("embeddings", help="evaluate, query and train word embeddings")
    actions = emb.add_subparsers(dest="embeddings_command", metavar="ACTION", required=True)
    ev = actions.add_parser("eval", help="accuracy on the Google word-analogy questions (gensim's protocol)")
    _vector_options(ev)
    ev.add_argument(
        "--restrict",
        type=int,
        default=30000,
        help="answer with, and keep questions within, the first N words (default 30000)",
    )
    ev.add_argument("--questions", default="google-analogy", help="a dataset name or a questions-words file")
    ev.add_argument("--case-sensitive", action="store_true", help="compare words without lower-casing them")
    _method_option(ev)
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    ev.set_defaults(run=_eval)

    nb = actions.add_parser("neighbours", help="the nearest words of a word by cosine")
    nb.add_argument("word", metavar="WORD")
    _vector_options(nb)
    nb.add_argument("--topn", type=int, default=10, help="how many words to print (default 10)")
    nb.set_defaults(run=_neighbours)

    pj = actions.add_parser("project", help="a 2-D PCA map of chosen words, written as an SVG figure")
    pj.add_argument("words", nargs="+", metavar="WORD")
    _vector_options(pj)
    pj.add_argument("--out", default="embeddings.svg", help="the SVG file to write (default embeddings.svg)")
    pj.set_defaults(run=_project)

    cp = actions.add_parser("compare", help="cosine matrices of chosen words: one-hot against dense vectors")
    cp.add_argument("words", nargs="+", metavar="WORD")
    _vector_options(cp)
    cp.set_defaults(run=_compare)

    try:
        from elman.embeddings.word2vec import add_train_arguments, run_train
    except ImportError:
        return
    train = actions.add_parser("train", help="train word2vec embeddings (skip-gram or CBOW, negative sampling)")
    add_train_arguments(train)
    train.set_defaults(run=run_train)
