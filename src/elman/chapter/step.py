"""A step of the chapter: its words, its formula, the library source it shows, and its live endpoints."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cache

from fastapi import APIRouter

from elman.chapter.excerpt import core_lines

CALLOUT_KINDS = ("Key insight", "Rule of thumb", "Critical in AI", "Why it matters", "The connection")


@dataclass(frozen=True)
class Callout:
    kind: str
    text: str

    def __post_init__(self):
        if self.kind not in CALLOUT_KINDS:
            raise ValueError(f"callout kind must be one of {CALLOUT_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class Step:
    """One of the eight steps. ``explanation`` is paragraphs separated by blank lines, with ``$…$`` TeX inline;
    ``formula`` is display TeX; ``functions`` are the elman callables whose real source the page shows beside
    ``torch_code``, the chapter's PyTorch form of the same idea."""

    key: str
    icon: str
    label: str
    title: str
    subtitle: str
    heading: str
    explanation: str
    formula: str
    torch_code: str
    callout: Callout
    functions: tuple = ()
    router: APIRouter = field(default_factory=APIRouter)

    def summary(self, number: int) -> dict:
        return {"number": number, "key": self.key, "icon": self.icon, "label": self.label, "title": self.title}

    def payload(self, number: int) -> dict:
        return {
            **self.summary(number),
            "subtitle": self.subtitle,
            "heading": self.heading,
            "paragraphs": [p.strip() for p in self.explanation.strip().split("\n\n")],
            "formula": self.formula.strip(),
            "torch_code": self.torch_code.strip(),
            "callout": {"kind": self.callout.kind, "text": self.callout.text},
            "sources": [source_of(f) for f in self.functions],
        }


@cache
def source_of(function) -> dict:
    """The qualified name, file (relative to the package), first line and source text (``code``) of a library
    callable, and its ``excerpt``: the core lines the code tab shows first (see ``elman.chapter.excerpt``)."""
    module = inspect.getmodule(function)
    lines, first = inspect.getsourcelines(function)
    path = module.__name__.replace(".", "/") + ".py"
    code = "".join(lines)
    return {
        "name": f"{module.__name__}.{function.__qualname__}",
        "file": f"src/{path}",
        "line": first,
        "code": code,
        "excerpt": core_lines(code),
    }
