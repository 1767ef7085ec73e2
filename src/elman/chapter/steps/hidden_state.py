"""Step: Hidden state (to be written)."""

from __future__ import annotations

from elman.chapter.step import Callout, Step

STEP = Step(
    key="hidden_state", icon="data_object", label="Hidden state", title="Hidden state", subtitle="", heading="",
    explanation="",
    formula="", torch_code="", callout=Callout("Key insight", ""),
)
