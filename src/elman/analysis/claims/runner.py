"""Running the experiments: one by name, or every claim in order, streamed as each one finishes.

``elman claims`` prints each claim as soon as it is measured (``--json``: one JSON line per claim); with
``--out DIR`` each record is also appended to ``DIR/claims.jsonl`` and flushed to disk at once, beside the
claim's figure, so a run stopped halfway keeps every claim it finished. ``--report DIR`` turns ``DIR/claims.jsonl``
(measuring first when it is missing) into one self-contained HTML page, ``DIR/claims.html``.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path

from elman.analysis.claims.base import EXPERIMENTS, ClaimResult, write_result

JSONL = "claims.jsonl"


def reproduce_command(name: str, quick: bool, seed: int) -> str:
    return f"elman experiment {name} --seed {seed}" + (" --quick" if quick else "")


def run_experiment(name: str, *, quick: bool = False, out: Path | None = None, seed: int = 0) -> ClaimResult:
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}. Expected one of {sorted(EXPERIMENTS)}")
    wall, cpu = time.perf_counter(), time.process_time()
    exp = EXPERIMENTS[name]
    result = exp.run(quick, out, seed)
    result.seconds = round(time.perf_counter() - wall, 2)
    result.cpu_seconds = round(time.process_time() - cpu, 2)
    result.name = name
    result.provisional = exp.provisional(quick, result.verdict)
    result.command = reproduce_command(name, quick, seed)
    if out is not None:
        write_result(result, out, name)
    return result


def ordered() -> list:
    """Every registered experiment, ordered by claim number (0, initialisation, after the twelve; cited rows last)."""
    return sorted(EXPERIMENTS.values(), key=lambda e: (e.claim_id > 12, e.claim_id == 0, e.claim_id, e.name))


def append_jsonl(result: ClaimResult, out: Path) -> Path:
    """Append ``result`` as one line to ``out/claims.jsonl`` and push it to disk before returning."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / JSONL
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(result.to_json(), allow_nan=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return path


def run_claims(
    *, quick: bool = False, out: Path | None = None, seed: int = 0, on_result=None, names: list[str] | None = None
) -> list[ClaimResult]:
    """Every registered experiment (or ``names``), in claim order; each record is written as soon as it exists.

    ``out/claims.jsonl`` is started afresh, then appended to after every claim; ``on_result(result)`` is called
    after each one too (the command line prints it there).
    """
    chosen = [e for e in ordered() if names is None or e.name in names]
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / JSONL).write_text("")
    results = []
    for e in chosen:
        r = run_experiment(e.name, quick=quick, out=out, seed=seed)
        if out is not None:
            append_jsonl(r, out)
        if on_result is not None:
            on_result(r)
        results.append(r)
    return results


def read_jsonl(out: Path) -> list[dict]:
    """The records of ``out/claims.jsonl`` (a last line cut off by a kill is skipped)."""
    records = []
    for line in (Path(out) / JSONL).read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _number(r: ClaimResult | dict) -> str:
    get = r.get if isinstance(r, dict) else lambda k: getattr(r, k)
    value, interval = get("value"), get("interval")
    if value is None:
        return ""
    if interval is None:
        return f"{value:.3g}"
    return f"{value:.3g} [{interval[0]:.3g}, {interval[1]:.3g}]"


def format_result(result: ClaimResult) -> str:
    mark = " (provisional)" if result.provisional else ""
    head = f"[{result.id:>2}] {result.verdict.upper() + mark:<29} {result.claim}"
    lines = [result.measured]
    if result.headline:
        lines.append(f"{result.headline}: {_number(result)} over seeds {result.seeds}")
    if result.reason:
        lines.append(f"verdict: {result.reason}")
    body = "\n".join(textwrap.fill(s, width=110, initial_indent=" " * 20, subsequent_indent=" " * 20) for s in lines)
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
    from elman.analysis.claims.report import write_report

    out = Path(args.out) if args.out else None
    if args.report:
        report = Path(args.report)
        if out is None and (report / JSONL).is_file():
            path = write_report(report)
            print(f"elman claims: report written to {path}")
            return 0
        out = out or report

    def show(r: ClaimResult) -> None:
        if args.json:
            print(json.dumps(r.to_json(), allow_nan=False), flush=True)
        else:
            print(format_result(r), flush=True)

    run_claims(quick=args.quick, out=out, seed=args.seed, on_result=show)
    if args.report:
        path = write_report(out, Path(args.report))
        print(f"elman claims: report written to {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def register(commands) -> None:
    names = ", ".join(sorted(EXPERIMENTS))
    exp = commands.add_parser("experiment", help="run one of the chapter's experiments: figure, data and table")
    exp.add_argument("name", metavar="NAME", help=f"one of: {names}")
    exp.add_argument(
        "--quick", action="store_true", help="the short version (about 30 s; a trained claim's verdict is provisional)"
    )
    exp.add_argument("--out", default="runs/experiments", help="where the PNG and JSON go")
    exp.add_argument("--seed", type=int, default=0, help="base seed; the experiment derives its 5 seeds from it")
    exp.set_defaults(run=_experiment_command)
    claims = commands.add_parser("claims", help="every claim of the chapter, measured, with a verdict")
    claims.add_argument(
        "--quick", action="store_true", help="the short version of every experiment (trained claims provisional)"
    )
    claims.add_argument("--json", action="store_true", help="one JSON line per claim, printed as each finishes")
    claims.add_argument("--out", default=None, help="append each claim to OUT/claims.jsonl and write its figure")
    claims.add_argument(
        "--report",
        default=None,
        metavar="DIR",
        help="write DIR/claims.html from DIR/claims.jsonl (measuring into DIR first if absent)",
    )
    claims.add_argument("--seed", type=int, default=0, help="base seed; each claim derives its 5 seeds from it")
    claims.set_defaults(run=_claims_command)
