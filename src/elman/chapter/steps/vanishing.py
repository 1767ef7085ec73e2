"""Step: Vanishing (to be written)."""

from __future__ import annotations

from elman.chapter.step import Callout, Step

STEP = Step(
    key="vanishing", icon="warning", label="Vanishing", title="Vanishing", subtitle="", heading="", explanation="",
    formula="", torch_code="", callout=Callout("Key insight", ""),
)
