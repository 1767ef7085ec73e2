"""The ``elman data`` command: list, locate, download and verify the registered datasets.

``register(subparsers)`` adds ``data`` with its actions ``list``, ``path``, ``fetch`` and ``verify`` to an argparse
sub-parser set; each action stores its handler as ``run``, which returns the exit code: 0, or 1 when ``verify``
finds a file missing or different. Expected failures (an unknown name, a checksum mismatch, no network) raise
the data layer's ElmanErrors, which ``elman.cli.main`` prints as a sentence.
"""

from __future__ import annotations

import argparse

from elman.data.registry import DATASETS
from elman.data.sources import fetch, locate, path, verify

__all__ = ["register"]


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in [header, *rows])


def _where_summary(places: list[str]) -> str:
    """One place when all files share it (e.g. "data dir"), else counts per place ("data dir 2, not local 1")."""
    kinds = sorted(set(places), key=["data dir", "cache", "not local"].index)
    if len(kinds) == 1:
        return kinds[0]
    return ", ".join(f"{k} {places.count(k)}" for k in kinds)


def _list(args) -> int:
    rows = []
    for spec in DATASETS.values():
        places = [locate(spec.name, fs.name)[0] for fs in spec.files]
        rows.append((spec.name, str(len(spec.files)), _where_summary(places), spec.license))
        if args.files:
            rows += [(f"  {fs.name}", "", place, "") for fs, place in zip(spec.files, places)]
    print(_table(rows, ("NAME", "FILES", "WHERE", "LICENSE")))
    return 0


def _path(args) -> int:
    print(path(args.name, args.file, download=not args.no_download))
    return 0


def _fetch(args) -> int:
    print(fetch(args.name))
    return 0


def _verify(args) -> int:
    rows = verify(args.name)
    print(_table(rows, ("DATASET", "FILE", "STATUS", "WHERE")))
    counts = {s: sum(r[2] == s for r in rows) for s in ("ok", "missing", "mismatch")}
    print(", ".join(f"{n} {s}" for s, n in counts.items()))
    for status, advice in (("missing", "get them with"), ("mismatch", "delete the copies named above, then run")):
        names = sorted({r[0] for r in rows if r[2] == status})
        if names:
            print(f"{status}: {advice} " + "; ".join(f"`elman data fetch {n}`" for n in names))
    return 1 if counts["missing"] or counts["mismatch"] else 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``data`` command (actions list, path, fetch, verify) to ``subparsers``; returns its parser."""
    data = subparsers.add_parser(
        "data",
        help="list, locate, download and verify datasets",
        description="Datasets are looked up in $ELMAN_DATA_DIR (one folder per dataset, "
        "named as `elman data list --files` shows), then in the cache "
        "($ELMAN_CACHE_DIR or ~/.cache/elman), then downloaded (never with "
        "ELMAN_OFFLINE=1). Every file is checked against the registry's "
        "sha256 before use.",
    )
    actions = data.add_subparsers(dest="data_command", metavar="ACTION")
    data.set_defaults(run=lambda args: data.print_help() or 0, data_command=None)

    listing = actions.add_parser("list", help="registered datasets, their licenses and where their files are")
    listing.add_argument("--files", action="store_true", help="one line per file as well")
    listing.set_defaults(run=_list)

    locate_ = actions.add_parser("path", help="print the local path of a dataset file (downloading it if needed)")
    locate_.add_argument("name", help="dataset name (see `elman data list`)")
    locate_.add_argument("file", nargs="?", help="file name; may be omitted when the dataset has one file")
    locate_.add_argument("--no-download", action="store_true", help="fail rather than download")
    locate_.set_defaults(run=_path)

    fetch_ = actions.add_parser("fetch", help="make every file of a dataset local and print its folder")
    fetch_.add_argument("name", help="dataset name")
    fetch_.set_defaults(run=_fetch)

    check = actions.add_parser(
        "verify", help="hash local copies against the registry (exit code 1 when a file is missing or differs)"
    )
    check.add_argument("name", nargs="?", help="dataset name (default: all)")
    check.set_defaults(run=_verify)
    return data
