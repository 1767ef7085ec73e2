"""Step: Recurrence (to be written)."""

from __future__ import annotations

from elman.chapter.step import Callout, Step

STEP = Step(
    key="recurrence", icon="replay", label="Recurrence", title="Recurrence", subtitle="", heading="", explanation="",
    formula="", torch_code="", callout=Callout("Key insight", ""),
)
