"""The core lines of a library function, for the chapter's code tab: its source without the docstring, the
argument checks and the memory housekeeping, cut from the real text (comments and line breaks kept), so that
no marker in the library is needed and an edit to the library shows up on the page as it is.

What is left out, in any block of the body:

- a ``raise`` statement;
- an ``if``/``elif``/``else`` branch that only raises (the branch goes; the rest of the chain stays);
- ``assert``;
- a call, alone or assigned, to a function whose name starts with ``check``, ``require``, ``validate`` or
  ``ensure`` (leading underscores allowed), e.g. ``check_array("input", x)``,
  ``lengths = self._check_lengths(lengths)``, or a tuple of such calls assigned at once;
- housekeeping of memory: ``None`` assigned to an attribute (``self._cache = None`` frees a buffer) and writes
  to an array's ``.flags`` (``output.flags.writeable = False``).

Comment lines right above a dropped statement go with it. A statement is kept whole when leaving these out
would leave a block empty, so the excerpt always parses.
"""

from __future__ import annotations

import ast
import re
import textwrap

CHECK_NAME = re.compile(r"^_*(check|require|validate|ensure)")


def core_lines(source: str) -> str:
    """The excerpt of one function's source (a ``def``, possibly indented as a method): its signature and its
    body less the docstring, argument checks and housekeeping, dedented; runs of blank lines fold into one,
    and none is kept right after a line that opens a block."""
    text = textwrap.dedent(source)
    lines = text.splitlines()
    function = ast.parse(text).body[0]
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise ValueError(f"expected the source of one function, got {type(function).__name__}")
    drop: set[int] = set()  # 1-based line numbers to leave out
    body = function.body
    if _is_docstring(body[0]) and len(body) > 1:
        drop.update(_span(body[0]))
        body = body[1:]
    _mark_left_out(body, lines, drop)
    kept = [line for number, line in enumerate(lines, 1) if number not in drop]
    return _fold_blank_lines(kept)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _span(node: ast.AST) -> range:
    return range(node.lineno, node.end_lineno + 1)


def _is_check_call(node: ast.AST) -> bool:
    """A call to a check, or a tuple of them (``T, B = check_int("T", T), check_int("B", B)``)."""
    if isinstance(node, ast.Tuple):
        return bool(node.elts) and all(_is_check_call(element) for element in node.elts)
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return bool(CHECK_NAME.match(name))


def _is_housekeeping(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Assign):
        return False
    frees = (
        all(isinstance(t, ast.Attribute) for t in statement.targets)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is None
    )
    flags = any(
        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Attribute) and t.value.attr == "flags"
        for t in statement.targets
    )
    return frees or flags


def _left_out(statement: ast.stmt) -> bool:
    """True for a statement the excerpt leaves out (see the module's docstring)."""
    if isinstance(statement, (ast.Raise, ast.Assert)) or _is_housekeeping(statement):
        return True
    if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)):
        return _is_check_call(statement.value)
    if isinstance(statement, ast.If):
        return all(_left_out(s) for s in statement.body) and all(_left_out(s) for s in statement.orelse)
    return False


def _mark_left_out(block: list[ast.stmt], lines: list[str], drop: set[int]) -> bool:
    """Mark what ``block`` leaves out (recursively) in ``drop``; False when nothing of the block would remain, in
    which case nothing of it is marked."""
    marked: set[int] = set()
    remaining = 0
    for statement in block:
        if _left_out(statement):
            marked.update(_span(statement))
            marked.update(_comments_above(statement, lines))
            continue
        remaining += 1
        for inner in _inner_blocks(statement):
            _mark_left_out(inner, lines, marked)
        if isinstance(statement, ast.If) and statement.orelse and all(_left_out(s) for s in statement.orelse):
            start = _else_line(statement, lines) if _is_else_branch(statement, lines) else statement.orelse[0].lineno
            marked.update(range(start, statement.orelse[-1].end_lineno + 1))
    if remaining == 0:
        return False
    drop.update(marked)
    return True


def _inner_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    """The statement blocks nested in a compound statement (an ``if``'s raising ``else``/``elif`` is handled
    apart)."""
    blocks = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(statement, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            if not (name == "orelse" and isinstance(statement, ast.If) and all(_left_out(s) for s in block)):
                blocks.append(block)
    for handler in getattr(statement, "handlers", ()):
        blocks.append(handler.body)
    return blocks


def _is_else_branch(statement: ast.If, lines: list[str]) -> bool:
    """True when the ``orelse`` of ``statement`` is written ``else:`` (not ``elif``, which is an If of its own
    whose span already starts at its ``elif`` line)."""
    first = statement.orelse[0]
    return not (
        len(statement.orelse) == 1 and isinstance(first, ast.If) and lines[first.lineno - 1].lstrip().startswith("elif")
    )


def _else_line(statement: ast.If, lines: list[str]) -> int:
    """The line of the ``else:`` keyword: the last line before the ``orelse`` block that starts with it."""
    for number in range(statement.orelse[0].lineno, statement.body[-1].end_lineno, -1):
        if lines[number - 1].lstrip().startswith("else"):
            return number
    return statement.orelse[0].lineno


def _comments_above(statement: ast.stmt, lines: list[str]) -> range:
    """The comment-only lines directly above a statement."""
    first = statement.lineno
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return range(first, statement.lineno)


def _fold_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip() or out[-1].rstrip().endswith(":")):
            continue
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"
