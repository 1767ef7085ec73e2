"""``python -m elman.chapter.models [--quick] NAME [NAME ...]``: retrain the chapter's shipped models."""

import argparse
import importlib
import time

from elman.chapter.models import MODELS, WEIGHTS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elman.chapter.models", description=__doc__)
    parser.add_argument("names", nargs="+", choices=MODELS, metavar="NAME", help=f"one of {', '.join(MODELS)}")
    parser.add_argument("--quick", action="store_true", help="a tiny model in seconds (for tests, not for shipping)")
    parser.add_argument("--out", default=str(WEIGHTS), help="where to write the files (default: the package)")
    args = parser.parse_args(argv)
    for name in args.names:
        start = time.perf_counter()
        importlib.import_module(f"elman.chapter.models.{name}").build(args.out, quick=args.quick)
        print(f"{name}: built in {time.perf_counter() - start:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
