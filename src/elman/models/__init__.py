"""Models built from the layers: the shapes of the chapter's sequence tasks."""

from elman.models.language_model import LanguageModel, generate, softmax

__all__ = ["LanguageModel", "generate", "softmax"]
