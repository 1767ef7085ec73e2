"""Running the experiments: one by name, or every claim in order, with a printed table or JSON."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from pathlib import Path

from elman.analysis.claims.base import EXPERIMENTS, ClaimResult, write_result


def run_experiment(name: str, *, quick: bool = False, out: Path | None = None, seed: int = 0) -> ClaimResult:
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}. Expected one of {sorted(EXPERIMENTS)}")
    result = EXPERIMENTS[name].run(quick, out, seed)
    if out is not None:
        write_result(result, out, name)
    return result


def run_claims(*, quick: bool = False, out: Path | None = None, seed: int = 0) -> list[ClaimResult]:
    """Every registered experiment, ordered by claim number (the extras, numbered 0, last)."""
    order = sorted(EXPERIMENTS.values(), key=lambda e: (e.claim_id == 0, e.claim_id, e.name))
    return [run_experiment(e.name, quick=quick, out=out, seed=seed) for e in order]


def format_result(result: ClaimResult) -> str:
    head = f"[{result.id:>2}] {result.verdict.upper():<15} {result.claim}"
    body = textwrap.fill(result.measured, width=110, initial_indent=" " * 20, subsequent_indent=" " * 20)
    figure = f"\n{' ' * 20}figure: {result.figure}" if result.figure else ""
    return f"{head}\n{body}{figure}"


def _experiment_command(args) -> int:
    start = time.perf_counter()
    try:
        result = run_experiment(args.name, quick=args.quick, out=Path(args.out), seed=args.seed)
    except ValueError as err:
        print(f"elman experiment: error: {err}", file=sys.stderr)
        return 1
    print(format_result(result))
    print(f"{' ' * 20}data: {Path(args.out) / (args.name + '.json')}  ({time.perf_counter() - start:.1f} s)")
    return 0


def _claims_command(args) -> int:
    results = run_claims(quick=args.quick, out=Path(args.out) if args.out else None, seed=args.seed)
    if args.json:
        print(json.dumps([{"id": r.id, "claim": r.claim, "measured": r.measured, "verdict": r.verdict}
                          for r in results], indent=2))
    else:
        print("\n".join(format_result(r) for r in results))
    return 0


def register(commands) -> None:
    names = ", ".join(sorted(EXPERIMENTS))
    exp = commands.add_parser("experiment", help="run one of the chapter's experiments: figure, data and table")
    exp.add_argument("name", metavar="NAME", help=f"one of: {names}")
    exp.add_argument("--quick", action="store_true", help="the short version (about 20 s)")
    exp.add_argument("--out", default="runs/experiments", help="where the PNG and JSON go")
    exp.add_argument("--seed", type=int, default=0)
    exp.set_defaults(run=_experiment_command)
    claims = commands.add_parser("claims", help="every claim of the chapter, measured, with a verdict")
    claims.add_argument("--quick", action="store_true", help="the short version of every experiment")
    claims.add_argument("--json", action="store_true", help="a list of {id, claim, measured, verdict}")
    claims.add_argument("--out", default=None, help="also write each figure and its data here")
    claims.add_argument("--seed", type=int, default=0)
    claims.set_defaults(run=_claims_command)
