"""The chapter's claims, each an experiment with measured numbers, a figure and a verdict."""

# the modules register their experiments on import
from elman.analysis.claims import cited, foundations, long_range, memory, next_word  # noqa: F401
from elman.analysis.claims.base import EXPERIMENTS, VERDICTS, ClaimResult, experiment
from elman.analysis.claims.runner import run_claims, run_experiment

__all__ = ["EXPERIMENTS", "VERDICTS", "ClaimResult", "experiment", "run_claims", "run_experiment"]
