"""Word embeddings: loading, saving and querying word vectors, and the word-analogy benchmark."""

from elman.embeddings.analogy import Section, evaluate, load_questions
from elman.embeddings.vectors import UnknownWordError, WordVectors

__all__ = ["Section", "UnknownWordError", "WordVectors", "evaluate", "load_questions"]
