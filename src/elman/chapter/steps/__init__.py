"""The chapter's eight steps, in order; each module holds one step's words and its live endpoints."""

from elman.chapter.steps import (
    bptt,
    embeddings,
    hidden_state,
    recurrence,
    sequences,
    summary,
    tasks,
    vanishing,
)

STEPS = (
    sequences.STEP,
    recurrence.STEP,
    hidden_state.STEP,
    bptt.STEP,
    vanishing.STEP,
    tasks.STEP,
    embeddings.STEP,
    summary.STEP,
)
