"""Step: Embeddings (to be written)."""

from __future__ import annotations

from elman.chapter.step import Callout, Step

STEP = Step(
    key="embeddings", icon="text_fields", label="Embeddings", title="Embeddings", subtitle="", heading="",
    explanation="",
    formula="", torch_code="", callout=Callout("Key insight", ""),
)
