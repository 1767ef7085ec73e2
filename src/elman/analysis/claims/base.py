"""The chapter's claims as experiments: each one measures, draws its figure, and gives a verdict.

An experiment is a function ``run(quick: bool, out: Path | None, seed: int) -> ClaimResult`` registered
with ``@experiment(name, claim_id)``. ``quick`` must finish in about 30 seconds and the full mode within a few
minutes on a 2-core machine; both are deterministic for a given base seed. With ``out`` set, the experiment
writes its figure (PNG) there through ``save_figure``; the numbers behind it go in ``ClaimResult.data``.

How a verdict is reached (the same for every claim):

* **Seeds.** A trained claim runs on ``seeds_for(seed)``: ``N_SEEDS`` (5) seeds derived from the base seed by
  NumPy's ``SeedSequence``, so ``--seed 0`` and ``--seed 1000`` draw two unrelated sets of five.
* **Interval.** Its headline number is the mean over those seeds with a 95 % Student-t interval
  (:func:`t_interval`: mean ± t₀.₉₇₅,ₙ₋₁ · s/√n). A t-interval rather than a bootstrap: with five values a
  bootstrap's percentiles are too coarse to be trusted, the t-interval is exact for normal errors and
  conservative enough for the bounded accuracies measured here.
* **Verdict.** A pure function ``verdict_<name>(numbers: dict) -> (verdict, reason)`` of the measured numbers,
  kept in the record as ``numbers``: anyone can recompute the verdict from the JSON, and the tests feed the
  functions counterfactual numbers to show that each one can come out "not reproduced". Verdicts are decided on
  the interval's bounds, not on the mean, so that an effect inside the seed noise is not called reproduced.
* **Quick mode** uses smaller models and budgets: the records whose numbers depend on that budget (seeds,
  updates or grid points cut) are marked ``provisional``. A claim registered ``exact=True`` measures a
  deterministic fact that no budget changes (a parameter count, an identity to float64 precision): it is never
  provisional.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

VERDICTS = ("reproduced", "not reproduced", "nuanced")
CITED = "cited"  # a row of facts taken from the literature, not measured here
N_SEEDS = 5

# t₀.₉₇₅ quantiles of Student's t with 1..30 degrees of freedom (no SciPy needed); beyond 30, the normal 1.96.
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def seeds_for(seed: int, n: int = N_SEEDS) -> list[int]:
    """``n`` seeds derived from the base ``seed`` (NumPy ``SeedSequence``; 31-bit ints, usable by every RNG)."""
    state = np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint32)
    return [int(s) >> 1 for s in state]


def t_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean of ``values`` and its Student-t interval (95 %; one value: a zero-width one).

    Non-finite values are an error: a diverged run must be counted by the experiment, not averaged.
    """
    if level != 0.95:
        raise ValueError(f"only the 95 % interval is tabulated, got level={level}")
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError(f"t_interval needs finite values, got {v.tolist()}")
    mean = float(v.mean())
    if v.size == 1:
        return mean, mean, mean
    t = _T975[v.size - 2] if v.size - 1 <= len(_T975) else 1.96
    half = t * float(v.std(ddof=1)) / math.sqrt(v.size)
    return mean, mean - half, mean + half


def summary(values) -> dict:
    """``{"values", "mean", "interval"}`` of per-seed values: what the verdict functions read."""
    mean, low, high = t_interval(values)
    return {"values": [float(x) for x in values], "mean": mean, "interval": [low, high]}


def fmt_stats(st: dict, digits: int = 2) -> str:
    """``mean [low, high]`` of a :func:`summary`."""
    lo, hi = st["interval"]
    return f"{st['mean']:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def steps_to_solve(losses, threshold: float, window: int = 20) -> int | None:
    """The first update after which the mean of the last ``window`` training losses is below ``threshold``."""
    c = np.cumsum(np.r_[0.0, losses])
    run = (c[window:] - c[:-window]) / window
    hit = np.flatnonzero(run < threshold)
    return int(hit[0] + window) if hit.size else None


@dataclass
class ClaimResult:
    id: int  # the claim's number, 1 to 12 (0 for initialisation, 13+ for the cited rows)
    claim: str  # the claim in one sentence
    measured: str  # what was measured, with the numbers, in words
    verdict: str  # one of VERDICTS, or CITED
    data: dict = field(default_factory=dict)  # JSON-able numbers behind the figure
    figure: str | None = None  # path of the PNG, when one was written
    seeds: list = field(default_factory=list)  # the seeds the experiment used ([] when nothing is random)
    headline: str = ""  # what the headline number is
    value: float | None = None  # the headline number (the mean over the seeds)
    interval: list | None = None  # [low, high]: its 95 % interval over the seeds
    numbers: dict = field(default_factory=dict)  # the verdict function's input: verdict = verdict_fn(numbers)
    reason: str = ""  # why the verdict function decided as it did
    provisional: bool = False  # quick mode cut the budget its numbers depend on (set by the runner)
    name: str = ""  # the experiment's registered name (set by the runner)
    command: str = ""  # the command that reproduces this record (set by the runner)
    sources: list = field(default_factory=list)  # literature, for cited rows and where the claim meets it
    seconds: float | None = None  # wall-clock time of the experiment (set by the runner)
    cpu_seconds: float | None = None  # CPU time of this process (on a shared machine the fairer cost)

    def __post_init__(self):
        if self.verdict not in VERDICTS + (CITED,):
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_json(self) -> dict:
        return jsonable(asdict(self))


def jsonable(value):
    """NumPy scalars and arrays as plain Python; NaN and ±inf as the strings "nan", "inf", "-inf" (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else str(x)
    return value


def claim_result(
    claim_id: int,
    claim: str,
    measured: str,
    decide,
    numbers: dict,
    *,
    headline: str,
    stats: dict | None,
    seeds: list,
    data: dict | None = None,
    figure: str | None = None,
    sources: list | None = None,
) -> ClaimResult:
    """A ClaimResult whose verdict is ``decide(numbers)``; ``stats`` (a :func:`summary`) gives value and interval.

    Whether it is provisional is the runner's to say (:meth:`Experiment.provisional`), from the registration.
    """
    verdict, reason = decide(numbers)
    return ClaimResult(
        claim_id,
        claim,
        measured,
        verdict,
        data or {},
        figure,
        list(seeds),
        headline,
        None if stats is None else stats["mean"],
        None if stats is None or stats.get("interval") is None else list(stats["interval"]),
        jsonable(numbers),
        reason,
        sources=list(sources or []),
    )


@dataclass(frozen=True)
class Experiment:
    name: str
    claim_id: int
    run: object  # run(quick, out, seed) -> ClaimResult
    exact: bool = False  # its numbers do not depend on the quick budget: never provisional

    def provisional(self, quick: bool, verdict: str) -> bool:
        """Whether a record measured with ``quick`` stands on a cut budget (a cited row is not measured at all)."""
        return bool(quick) and not self.exact and verdict != CITED


EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, claim_id: int, *, exact: bool = False):
    """Register ``run(quick, out, seed) -> ClaimResult`` under ``name`` for claim ``claim_id``.

    ``exact=True``: the claim's numbers are the same whatever the budget (nothing trained, no seeds averaged),
    so its quick record is not provisional.
    """

    def register(run):
        if name in EXPERIMENTS:
            raise ValueError(f"experiment {name!r} is registered twice")
        EXPERIMENTS[name] = Experiment(name, claim_id, run, exact)
        return run

    return register


# Okabe–Ito: eight colours told apart with every common colour-vision deficiency (the chapter's palette).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
GREY = "#777777"


def new_figure(ncols: int = 1, *, width: float = 6.0, height: float = 4.0):
    """A matplotlib figure on the file-only Agg backend (matplotlib is the lab's optional dependency)."""
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("figures need matplotlib: pip install 'elman[lab]'") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    for ax in axes[0]:
        ax.set_prop_cycle(color=OKABE_ITO)
    return fig, list(axes[0])


def band(ax, x, per_seed, *, color, label, marker="o", ls="-"):
    """The mean over seeds (rows of ``per_seed``) as a line and its 95 % t-interval as a shaded band."""
    per_seed = np.asarray(per_seed, dtype=np.float64)
    stats = [t_interval(per_seed[:, j]) for j in range(per_seed.shape[1])]
    mean = [s[0] for s in stats]
    ax.fill_between(x, [s[1] for s in stats], [s[2] for s in stats], color=color, alpha=0.2, lw=0)
    ax.plot(x, mean, marker=marker, ls=ls, color=color, label=label)


def save_figure(fig, out: Path | None, name: str) -> str | None:
    """Write ``fig`` as ``out/name.png`` (when ``out`` is given) and close it; returns the path."""
    import matplotlib.pyplot as plt

    try:
        if out is None:
            return None
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        return str(path)
    finally:
        plt.close(fig)


def write_result(result: ClaimResult, out: Path, name: str) -> Path:
    """The result as ``out/name.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(result.to_json(), indent=2, allow_nan=False))
    return path
