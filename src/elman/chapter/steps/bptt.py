"""Step: BPTT (to be written)."""

from __future__ import annotations

from elman.chapter.step import Callout, Step

STEP = Step(
    key="bptt", icon="history", label="BPTT", title="BPTT", subtitle="", heading="", explanation="",
    formula="", torch_code="", callout=Callout("Key insight", ""),
)
