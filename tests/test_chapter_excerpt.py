"""The code tab's excerpt: the library function's core lines, cut from its real source by a rule (no markers),
checked on every function the eight steps show and on small sources built to hit each part of the rule."""

import ast
import textwrap

import pytest

from elman.chapter.excerpt import CHECK_NAME, core_lines
from elman.chapter.step import source_of
from elman.chapter.steps import STEPS

FUNCTIONS = sorted({f for step in STEPS for f in step.functions}, key=lambda f: f.__qualname__)


def _body(excerpt: str) -> list[ast.stmt]:
    return ast.parse(excerpt).body[0].body


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(line == other for other in rest) for line in part)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__qualname__)
def test_every_shown_function_keeps_its_core_lines_as_written(function):
    source = source_of(function)
    excerpt = source["excerpt"]
    body = _body(excerpt)  # it parses: no block was left empty
    full = textwrap.dedent(source["code"]).splitlines()
    assert _is_subsequence(excerpt.splitlines(), full)  # cut from the real text, never rewritten
    assert excerpt.splitlines()[0] == full[0]  # the signature first
    assert not (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant))  # no docstring
    for node in ast.walk(ast.parse(excerpt)):
        assert not isinstance(node, (ast.Raise, ast.Assert)), f"a check is left in:\n{excerpt}"
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            assert not CHECK_NAME.match(name), f"{name} is left in:\n{excerpt}"
    assert len(excerpt.splitlines()) < len(full)


def test_rnn_step_forward_is_its_equation_and_cache():
    from elman.nn.rnn_step import rnn_step_forward

    assert core_lines(source_of(rnn_step_forward)["code"]).splitlines()[1:] == [
        "    z_t = x_t @ W_ih.T + h_prev @ W_hh.T",
        "    if b_ih is not None:",
        "        z_t = z_t + b_ih + b_hh",
        "    h_t = activate(z_t, nonlinearity)",
        "    cache = StepCache(x_t, h_prev, W_ih, W_hh, h_t, nonlinearity, b_ih is not None)",
        "    return h_t, cache",
    ]


METHOD = '''
    def run(self, x, mode="a"):
        """Docstring.

        More of it.
        """
        check_array("x", x)
        lengths = self._check_lengths(x)
        if x.ndim != 2:
            raise ValueError("x must be 2-D")

        # why the product is transposed
        y = x @ self.w.T
        # the buffer is freed
        self._cache = None
        y.flags.writeable = False
        if mode == "a":
            y = y + 1
        elif mode == "b":
            y = y - 1
        elif mode == "c":
            raise ValueError("no c")
        if mode == "a":
            z = y
        else:
            raise ValueError("unknown")
        if y.size == 0:
            raise ValueError("empty")
        assert z is y
        return z
'''


def test_each_part_of_the_rule_on_a_method():
    assert core_lines(METHOD) == textwrap.dedent("""\
        def run(self, x, mode="a"):
            # why the product is transposed
            y = x @ self.w.T
            if mode == "a":
                y = y + 1
            elif mode == "b":
                y = y - 1
            if mode == "a":
                z = y
            return z
        """)


def test_a_block_of_checks_only_is_kept_whole_so_the_excerpt_parses():
    source = "def f(x):\n    for v in x:\n        check(v)\n    return x\n"
    assert core_lines(source) == source
    assert core_lines('def g():\n    """Only a docstring."""\n') == 'def g():\n    """Only a docstring."""\n'


def test_something_other_than_a_function_is_refused():
    with pytest.raises(ValueError, match="one function"):
        core_lines("class A:\n    pass\n")


@pytest.mark.parametrize("number", range(1, 9))
def test_the_step_payload_sends_the_excerpt_beside_the_full_source(client, number):
    for source in client.get(f"/api/steps/{number}").json()["sources"]:
        assert source["excerpt"].startswith("def ")
        assert len(source["excerpt"]) < len(source["code"])
