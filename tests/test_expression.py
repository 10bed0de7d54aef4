"""The expression language (``evaluate``), checked against derivatives by hand.

The ``autograd-scalar graph`` command built on it is tested in ``test_cli_graph.py``.
"""

from __future__ import annotations

import math

import pytest

from autograd_scalar.engine import describe_op
from autograd_scalar.expression import ExpressionError, evaluate


def gradients(expression: str, **variables: float) -> tuple[float, dict[str, float]]:
    root, leaves = evaluate(expression, variables)
    root.backward()
    return root.data, {name: leaf.grad for name, leaf in leaves.items()}


def test_neuron_value_and_gradients_match_the_chain_rule_by_hand() -> None:
    x, w, b = 0.5, -1.2, 0.3
    value, grads = gradients("tanh(x*w + b)", x=x, w=w, b=b)
    t = math.tanh(x * w + b)
    local = 1.0 - t * t  # d tanh(u)/du
    assert value == pytest.approx(t)
    assert grads == pytest.approx({"x": w * local, "w": x * local, "b": local})


@pytest.mark.parametrize(
    ("expression", "x", "value", "derivative"),
    [
        ("x**2 + 3*x", 2.0, 10.0, 7.0),  # 2x + 3
        ("-x**2", 3.0, -9.0, -6.0),  # ** binds tighter than unary minus
        ("2 - x/4", 2.0, 1.5, -0.25),
        ("+x * (2 + 3)", 1.5, 7.5, 5.0),
        ("2**x", 3.0, 8.0, 8.0 * math.log(2.0)),
        ("x**-1", 2.0, 0.5, -0.25),  # -1/x^2
        ("exp(-x) * sin(x)", 1.0, math.exp(-1) * math.sin(1),
         math.exp(-1) * (math.cos(1) - math.sin(1))),
        ("log(x) + sqrt(x)", 4.0, math.log(4) + 2.0, 0.25 + 0.25),  # 1/x + 1/(2 sqrt x)
        ("cos(x)", 0.5, math.cos(0.5), -math.sin(0.5)),
        ("sigmoid(x)", 0.0, 0.5, 0.25),  # s(1 - s)
        ("relu(x) + relu(-x)", -2.0, 2.0, -1.0),
        ("leaky_relu(x, 0.1)", -2.0, -0.2, 0.1),
        ("leaky_relu(x)", -2.0, -0.02, 0.01),
        ("abs(x)", -3.0, 3.0, -1.0),
        ("(x +\n 1) * 2", 1.0, 4.0, 2.0),
    ],
)
def test_expressions_give_hand_computed_values_and_derivatives(
    expression: str, x: float, value: float, derivative: float
) -> None:
    result, grads = gradients(expression, x=x)
    assert result == pytest.approx(value)
    assert grads["x"] == pytest.approx(derivative)


def test_variables_are_labelled_leaves_shared_by_every_use() -> None:
    root, leaves = evaluate("x * x + y", {"x": 3.0, "y": 1.0})
    product = root.parents[0]
    assert leaves["x"].label == "x" and leaves["y"].label == "y"
    assert product.parents == (leaves["x"], leaves["x"])


def test_constant_subexpressions_fold_into_the_operation_label() -> None:
    root, leaves = evaluate("x * (2 + 3)", {"x": 1.0})
    assert root.parents == (leaves["x"],)
    assert describe_op(root) == "* 5"


def test_a_constant_expression_is_a_leaf() -> None:
    root, leaves = evaluate("2 * 3", {})
    assert root.data == 6.0 and root.is_leaf and leaves == {}


def test_an_unused_variable_has_gradient_zero() -> None:
    _, grads = gradients("2 * x", x=1.0, unused=5.0)
    assert grads == {"x": 2.0, "unused": 0.0}


@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ("x + y", 5),  # the unknown variable
        ("x // 2", 3),  # the operator
        ("é + y", 5),  # characters, not UTF-8 bytes
        ("9**9**9**9", 5),  # the ** that overflows: 9.0 ** 387420489.0
        ("(x +\n y)", 7),  # counted across lines
        ("tanh(x, 1)", 1),
        ("x +* 2", 4),  # a syntax error
    ],
)
def test_errors_point_at_the_column(expression: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {"x": 1.0})
    assert caught.value.column == column
    assert str(caught.value).startswith(f"column {column}: ")


@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ("x**", 4),  # a missing end: one past the last character (Python says 0)
        ("x +  ", 4),  # ... the last that is not blank
        ("(x +\n", 1),  # a bracket never closed: the bracket
        ("", 1),
        ("x\x00", 2),
        ("x + \ud800", 5),
    ],
)
def test_a_missing_end_or_a_bad_character_has_a_column_from_1(expression: str,
                                                              column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {"x": 1.0})
    assert caught.value.column == column


def test_e_and_pi_are_constants_folded_into_the_graph() -> None:
    value, grads = gradients("e**x * pi", x=1.0)
    assert value == pytest.approx(math.e * math.pi)
    assert grads["x"] == pytest.approx(math.e * math.pi)  # d/dx pi e^x
    root, leaves = evaluate("x * pi", {"x": 1.0})
    assert root.parents == (leaves["x"],) and describe_op(root) == "* 3.14159"


@pytest.mark.parametrize("name", ["e", "pi"])
def test_a_variable_may_not_be_named_like_a_constant(name: str) -> None:
    with pytest.raises(ExpressionError, match=f"'{name}' is the constant"):
        evaluate("x", {"x": 1.0, name: 2.0})
