"""Step: Tasks (to be written)."""

from __future__ import annotations

from elman.chapter.step import Callout, Step

STEP = Step(
    key="tasks", icon="apps", label="Tasks", title="Tasks", subtitle="", heading="", explanation="",
    formula="", torch_code="", callout=Callout("Key insight", ""),
)
