"""The chapter's claims, each an experiment with measured numbers, a figure and a verdict."""

from elman.analysis.claims import foundations, long_range, memory, next_word  # noqa: F401  (modules register experiments)
from elman.analysis.claims.base import EXPERIMENTS, VERDICTS, ClaimResult, experiment
from elman.analysis.claims.runner import run_claims, run_experiment

__all__ = ["EXPERIMENTS", "VERDICTS", "ClaimResult", "experiment", "run_claims", "run_experiment"]
