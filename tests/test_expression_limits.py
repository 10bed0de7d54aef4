"""The parser's limits are its own: the same on every Python, each refusal with a column.

Python's parser has limits of its own that differ between CPython releases (3.11
refuses a 3,000-deep unary minus that 3.13 accepts); ``evaluate`` counts the
nesting on the text first, so that what it accepts and refuses, and the message,
do not depend on the Python it runs on. CI runs these tests on 3.10 to 3.13.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd_scalar.expression import MAX_DEPTH, ExpressionError, evaluate

# Shapes of expression with n levels of nesting, the deepest each kind allows.
SHAPES: dict[str, Callable[[int], str]] = {
    "unary minus": lambda n: "-" * n + "x",
    "unary plus and minus": lambda n: "+-" * (n // 2) + "x",
    "parentheses": lambda n: "(" * n + "x" + ")" * n,
    "calls": lambda n: "tanh(" * n + "x" + ")" * n,
    "a sum": lambda n: "x" + "+x" * n,
    "a product": lambda n: "x" + "*x" * n,
    "powers": lambda n: "x**" * n + "x",
    "powers of negatives": lambda n: "x**-" * (n // 2) + "x",
    "negated brackets": lambda n: "-(" * (n // 2) + "x" + ")" * (n // 2),
    "brackets of sums": lambda n: "(x+" * (n // 2) + "x" + ")" * (n // 2),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_nesting_up_to_the_limit_is_evaluated(shape: str) -> None:
    root, _ = evaluate(SHAPES[shape](MAX_DEPTH), {"x": 1.0})
    assert root.data == root.data  # a number (not NaN): parsed and computed


@pytest.mark.parametrize("shape", SHAPES)
def test_nesting_past_the_limit_is_refused_at_the_level_that_passes_it(shape: str) -> None:
    expression = SHAPES[shape](MAX_DEPTH + 2)
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {"x": 0.5})
    assert f"nested more than {MAX_DEPTH} levels deep" in caught.value.message
    column = caught.value.column
    assert column is not None and 1 <= column <= len(expression)
    # The text up to that column is itself within the limit (refused only when completed).
    assert "nested" not in _error(expression[: column - 1])


def _error(expression: str) -> str:
    try:
        evaluate(expression, {"x": 0.5})
    except ExpressionError as error:
        return error.message
    return ""


@pytest.mark.parametrize("depth", [300, 3_000, 4_999])
def test_deep_unary_minus_is_refused_the_same_way_on_every_python(depth: int) -> None:
    # Until the limit was our own, CPython 3.13 evaluated "-" * 3000 + "x" and 3.11 refused it.
    with pytest.raises(ExpressionError) as caught:
        evaluate("-" * depth + "x", {"x": 0.5})
    assert str(caught.value) == (
        f"column {MAX_DEPTH + 1}: the expression is nested more than {MAX_DEPTH} levels deep "
        "(each bracket, and each operator within a bracket, is a level)"
    )


def test_commas_separate_levels() -> None:
    # Each argument of a call is a level of its own: two 150-term sums are not 300 deep.
    root, _ = evaluate(f"maximum({'+'.join(['x'] * 150)}, {'+'.join(['x'] * 150)})", {"x": 1.0})
    assert root.data == 150.0
