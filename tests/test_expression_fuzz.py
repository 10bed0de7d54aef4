"""Fuzzing the expression parser: any text gives a Value or an ExpressionError, and runs nothing.

Random text (any characters, and text made of the language's own tokens) and
random well-formed expressions over the whole grammar go through ``evaluate``;
an audit hook checks that none of them imports, opens, executes or spawns
anything while being evaluated. Bounded to a few seconds: fixed example
counts, no deadline.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_scalar import Value
from autograd_scalar.expression import CALLABLE_OPS, ExpressionError, evaluate

VARIABLES = {"x": 0.5, "y": -2.0, "w": 3.0}
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

# Audit events that would mean an expression ran code or touched the system.
FORBIDDEN = ("exec", "import", "open", "os.", "subprocess.", "socket.", "shutil.", "ctypes.",
             "builtins.input", "code.__new__", "sys._getframe", "object.__getattr__",
             "object.__setattr__", "function.__new__")
_audit: list[str] | None = None


def _hook(event: str, _: tuple[Any, ...]) -> None:
    if _audit is not None and event.startswith(FORBIDDEN):
        _audit.append(event)


sys.addaudithook(_hook)  # lasts for the process; it records only inside no_side_effects()


@contextmanager
def no_side_effects() -> Iterator[None]:
    """Fail if any forbidden audit event happens inside the block."""
    global _audit
    _audit = []
    try:
        yield
    finally:
        events, _audit = _audit, None
    assert not events, events


def check(expression: str) -> None:
    """``evaluate`` gives a Value (and backward works) or raises ExpressionError."""
    with no_side_effects():
        try:
            result, leaves = evaluate(expression, VARIABLES)
        except ExpressionError as error:
            assert str(error) and "\n" not in error.message
            assert error.column is None or error.column >= 1
            return
    assert isinstance(result, Value) and set(leaves) == set(VARIABLES)
    # A derivative that overflows raises the engine's own error.
    with contextlib.suppress(ArithmeticError, ValueError):
        result.backward()


TOKENS = st.sampled_from(
    ["x", "y", "w", "e", "pi", "1", "0", "2.5", "1e308", "9**9", "(", ")", ",", "+", "-", "*",
     "/", "**", " ", "//", "%", "@", ".", "[", "]", "{", "}", ":", "=", "<", "and", "lambda",
     "if", "else", "not", "'s'", "f'{x}'", "__import__", "os", "__class__", "_", "\\", "\n",
     "#", "j", "\x00", "\ud800", "\uff58", "\u00b2", *CALLABLE_OPS])


@FUZZ
@given(st.text(max_size=60))
def test_any_text_is_a_value_or_an_expression_error(text: str) -> None:
    check(text)


@FUZZ
@given(st.lists(TOKENS, max_size=25).map("".join))
def test_text_of_the_languages_tokens_is_a_value_or_an_expression_error(text: str) -> None:
    check(text)


def _call(name: str) -> st.SearchStrategy[str]:
    op = CALLABLE_OPS[name]
    return st.lists(
        st.sampled_from(["x", "y", "0.1", "-1", "2"]), min_size=0, max_size=len(op.parameters)
    ).flatmap(lambda parameters: st.lists(
        EXPRESSIONS, min_size=op.arity, max_size=op.arity
    ).map(lambda operands: f"{name}({', '.join([*operands, *parameters])})"))


LEAVES = st.sampled_from(["x", "y", "w", "e", "pi", "0", "1", "0.5", "-3", "1e3", "1e-3"])
EXPRESSIONS: st.SearchStrategy[str] = st.deferred(lambda: st.one_of(
    LEAVES,
    st.tuples(EXPRESSIONS, st.sampled_from(["+", "-", "*", "/", "**"]), EXPRESSIONS).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"),
    EXPRESSIONS.map(lambda e: f"-{e}"),
    st.sampled_from(sorted(CALLABLE_OPS)).flatmap(_call),
))


@FUZZ
@given(EXPRESSIONS)
def test_well_formed_expressions_evaluate_or_raise_expression_error(expression: str) -> None:
    check(expression)


def test_the_audit_hook_sees_what_an_expression_must_not_do() -> None:
    import importlib

    try:
        with no_side_effects():
            importlib.import_module("json")
            exec("1")  # the hook must see this
    except AssertionError as error:
        assert "exec" in str(error)
    else:
        raise AssertionError("the audit hook saw nothing")
