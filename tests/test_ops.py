"""Every op against finite differences of an engine-free float version, and against gradcheck.

Each case is written once against a namespace ``m``: ``m = FLOAT`` evaluates it on
plain floats with the ``math`` module (the oracle), ``m = autograd_scalar`` builds
the engine graph. Operators (``+ - * / **``, unary ``-``, ``abs``) work on both.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import pytest
from conftest import FLOAT, assert_close, engine_grad, numeric_grad

import autograd_scalar as ag
from autograd_scalar import Value, gradcheck
from autograd_scalar.engine import dot_operands

Case = tuple[str, Callable[..., Any], list[tuple[float, ...]]]

POSITIVE: list[tuple[float, ...]] = [(0.3,), (1.0,), (2.7,)]
ANYWHERE: list[tuple[float, ...]] = [(-2.1,), (-0.4,), (0.6,), (1.9,)]
PAIRS: list[tuple[float, ...]] = [(1.3, -0.7), (-2.0, 0.45), (0.8, 2.2)]

CASES: list[Case] = [
    ("add Value+Value", lambda m, x, y: x + y, PAIRS),
    ("add Value+number", lambda m, x: x + 2.5, ANYWHERE),
    ("add number+Value", lambda m, x: 2.5 + x, ANYWHERE),
    ("sub Value-Value", lambda m, x, y: x - y, PAIRS),
    ("sub Value-number", lambda m, x: x - 2.5, ANYWHERE),
    ("sub number-Value", lambda m, x: 2.5 - x, ANYWHERE),
    ("mul Value*Value", lambda m, x, y: x * y, PAIRS),
    ("mul Value*number", lambda m, x: x * -1.5, ANYWHERE),
    ("mul number*Value", lambda m, x: -1.5 * x, ANYWHERE),
    ("div Value/Value", lambda m, x, y: x / y, PAIRS),
    ("div Value/number", lambda m, x: x / 0.3, ANYWHERE),
    ("div number/Value", lambda m, x: 0.3 / x, ANYWHERE),
    ("pow Value**Value", lambda m, x, y: x**y, [(1.3, -0.7), (0.4, 2.5), (2.0, 3.0)]),
    ("pow Value**number", lambda m, x: x**3, ANYWHERE),
    ("pow Value**fraction", lambda m, x: x**1.5, POSITIVE),
    ("pow Value**negative", lambda m, x: x**-2, ANYWHERE),
    ("pow number**Value", lambda m, x: 2**x, ANYWHERE),
    ("pow fraction**Value", lambda m, x: 0.5**x, ANYWHERE),
    ("same Value x*x", lambda m, x: x * x, ANYWHERE),
    ("same Value x-x", lambda m, x: x - x, ANYWHERE),
    ("same Value x/x", lambda m, x: x / x, ANYWHERE),
    ("same Value x**x", lambda m, x: x**x, POSITIVE),
    ("neg", lambda m, x: -x, ANYWHERE),
    ("abs", lambda m, x: abs(x), ANYWHERE),
    ("exp", lambda m, x: m.exp(x), ANYWHERE),
    ("log", lambda m, x: m.log(x), POSITIVE),
    ("tanh", lambda m, x: m.tanh(x), ANYWHERE),
    ("sigmoid", lambda m, x: m.sigmoid(x), ANYWHERE),
    ("relu", lambda m, x: m.relu(x), ANYWHERE),
    ("leaky_relu default slope", lambda m, x: m.leaky_relu(x), ANYWHERE),
    ("leaky_relu custom slope", lambda m, x: m.leaky_relu(x, negative_slope=0.2), ANYWHERE),
    ("sin", lambda m, x: m.sin(x), ANYWHERE),
    ("cos", lambda m, x: m.cos(x), ANYWHERE),
    ("sqrt", lambda m, x: m.sqrt(x), POSITIVE),
    ("composite", lambda m, x, y: m.tanh(x * y) + m.exp(-x) / (1 + y * y), PAIRS),
]

POINTS = [
    pytest.param(f, point, id=f"{name} at {point}") for name, f, points in CASES for point in points
]


@pytest.mark.parametrize(("f", "point"), POINTS)
def test_forward_matches_float_math(f: Callable[..., Any], point: tuple[float, ...]) -> None:
    out = f(ag, *[Value(x) for x in point])
    assert isinstance(out, Value)
    assert math.isclose(out.data, f(FLOAT, *point), rel_tol=1e-13, abs_tol=1e-15)


@pytest.mark.parametrize(("f", "point"), POINTS)
def test_gradient_matches_central_differences(
    f: Callable[..., Any], point: tuple[float, ...]
) -> None:
    analytic = engine_grad(lambda *xs: f(ag, *xs), point)
    numeric = numeric_grad(lambda *xs: f(FLOAT, *xs), point)
    assert_close(analytic, numeric, rel=1e-6, abs_=1e-7)


@pytest.mark.parametrize(("f", "point"), POINTS)
def test_gradcheck_passes(f: Callable[..., Any], point: tuple[float, ...]) -> None:
    assert gradcheck(lambda *xs: f(ag, *xs), list(point)) is True


def test_abs_method_and_builtin_agree_with_sign() -> None:
    for x0, sign in [(-1.5, -1.0), (2.0, 1.0)]:
        for take_abs in (abs, Value.abs):
            x = Value(x0)
            y = take_abs(x)
            y.backward()
            assert (y.op, y.data, x.grad) == ("abs", builtins.abs(x0), sign)


def test_leaky_relu_default_slope_is_one_hundredth() -> None:
    x = Value(-3.0)
    y = x.leaky_relu()
    y.backward()
    assert math.isclose(y.data, -0.03, rel_tol=1e-15)
    assert x.grad == 0.01


def test_leaky_relu_custom_slope_scales_negative_side() -> None:
    x = Value(-3.0)
    y = ag.leaky_relu(x, negative_slope=0.2)
    y.backward()
    assert math.isclose(y.data, -0.6, rel_tol=1e-15)
    assert x.grad == 0.2


def test_leaky_relu_positive_side_is_identity() -> None:
    x = Value(3.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert (y.data, x.grad) == (3.0, 1.0)


UNARY_FUNCTIONS = ["exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "sin", "cos", "sqrt"]


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
@pytest.mark.parametrize("argument", [2.0, 2], ids=["float", "int"])
def test_module_function_accepts_a_number(name: str, argument: float) -> None:
    out = getattr(ag, name)(argument)
    assert isinstance(out, Value)
    assert math.isclose(out.data, getattr(FLOAT, name)(2.0), rel_tol=1e-15)


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
def test_module_function_on_a_value_builds_a_node(name: str) -> None:
    x = Value(2.0)
    out = getattr(ag, name)(x)
    assert (out.op, out.parents) == (name, (x,))
    assert math.isclose(out.data, getattr(FLOAT, name)(2.0), rel_tol=1e-15)


def test_sum_is_one_node_with_value_terms_as_parents() -> None:
    a, b, c = Value(1.0), Value(-2.5), Value(4.0)
    total = ag.sum([a, b, 3, c, 0.5])
    assert total.op == "sum"
    assert total.parents == (a, b, c)
    assert total.data == 1.0 - 2.5 + 3 + 4.0 + 0.5


def test_sum_gives_each_value_term_gradient_one() -> None:
    a, b = Value(1.0), Value(-2.5)
    ag.sum([a, 7.0, b]).backward()
    assert (a.grad, b.grad) == (1.0, 1.0)


def test_sum_counts_a_repeated_term_each_time() -> None:
    a = Value(1.5)
    total = ag.sum([a, a, a])
    total.backward()
    assert len(total.parents) == 3
    assert (total.data, a.grad) == (4.5, 3.0)


def test_sum_accepts_a_generator() -> None:
    xs = [Value(float(i)) for i in range(5)]
    assert ag.sum(x * x for x in xs).data == 0 + 1 + 4 + 9 + 16


def test_sum_of_intermediates_matches_central_differences() -> None:
    def f(m: Any, x: Any, y: Any) -> Any:
        terms = [x * y, m.sin(x), 2.0, y * y]
        return ag.sum(terms) if m is ag else builtins.sum(terms)

    analytic = engine_grad(lambda x, y: f(ag, x, y), [0.7, -1.2])
    numeric = numeric_grad(lambda x, y: f(FLOAT, x, y), [0.7, -1.2])
    assert_close(analytic, numeric, rel=1e-6, abs_=1e-7)


def test_dot_of_values_is_one_node_with_weights_and_inputs_as_parents() -> None:
    ws = [Value(0.5), Value(-1.0), Value(2.0)]
    xs = [Value(3.0), Value(4.0), Value(-0.25)]
    out = ag.dot(ws, xs)
    assert out.op == "dot"
    assert out.parents == (*ws, *xs)
    assert out.data == 1.5 - 4.0 - 0.5


def test_dot_of_values_gradients_are_the_other_factor() -> None:
    ws = [Value(0.5), Value(-1.0)]
    xs = [Value(3.0), Value(4.0)]
    ag.dot(ws, xs).backward()
    assert [w.grad for w in ws] == [3.0, 4.0]
    assert [x.grad for x in xs] == [0.5, -1.0]


def test_dot_with_value_bias_adds_bias_as_parent_with_gradient_one() -> None:
    ws, xs, bias = [Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.75)
    out = ag.dot(ws, xs, bias=bias)
    out.backward()
    assert len(out.parents) == 5
    assert bias in out.parents
    assert (out.data, bias.grad) == (1.5 - 4.0 + 0.75, 1.0)


def test_dot_with_numeric_bias_keeps_it_as_constant() -> None:
    ws, xs = [Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)]
    out = ag.dot(ws, xs, bias=0.75)
    out.backward()
    assert out.parents == (*ws, *xs)
    assert out.data == 1.5 - 4.0 + 0.75
    assert [w.grad for w in ws] == [3.0, 4.0]


def test_dot_with_value_weights_and_number_inputs_has_weights_as_parents() -> None:
    ws = [Value(0.5), Value(-1.0)]
    out = ag.dot(ws, [3.0, 4], bias=1)
    out.backward()
    assert out.parents == tuple(ws)
    assert out.data == 1.5 - 4.0 + 1.0
    assert [w.grad for w in ws] == [3.0, 4.0]


@pytest.mark.parametrize("with_bias", [False, True])
def test_dot_of_value_weights_and_float_inputs_matches_the_hand_formula(with_bias: bool) -> None:
    # A first layer's neuron: weights are Values, the inputs plain floats.
    ws, xs, b = [Value(0.5), Value(-1.0), Value(2.0)], [3.0, 4.0, -0.5], Value(0.25)
    out = ag.dot(ws, xs, bias=b if with_bias else None)
    (out * 3.0).backward()
    assert out.parents == (*ws, b) if with_bias else tuple(ws)
    assert out.data == 1.5 - 4.0 - 1.0 + (0.25 if with_bias else 0.0)
    assert [w.grad for w in ws] == [9.0, 12.0, -1.5]
    assert b.grad == (3.0 if with_bias else 0.0)


@pytest.mark.parametrize(
    "weights, inputs, bias",
    [
        ([Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)], None),
        ([Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.75)),
        ([Value(0.5), Value(-1.0)], [3.0, 4.0], None),
        ([Value(0.5), Value(-1.0)], [3.0, 4.0], Value(0.75)),
        ([Value(0.5), 2.0], [3.0, Value(4.0)], 0.75),
        ([Value(0.5), Value(-1.0)], [3.0, 4], None),
    ],
    ids=["values", "values+bias", "floats", "floats+bias", "mixed", "int input"],
)
def test_dot_operands_gives_back_what_dot_was_given(
    weights: list[Any], inputs: list[Any], bias: Any
) -> None:
    out = ag.dot(weights, inputs, bias=bias)
    got_weights, got_inputs, got_bias = dot_operands(out)
    assert list(got_weights) == weights
    assert list(got_inputs) == inputs
    assert got_bias is bias if isinstance(bias, Value) else got_bias == (bias or 0.0)
    assert out.parents == tuple(
        x for x in (*weights, *inputs, bias) if isinstance(x, Value)
    )


def test_dot_with_zero_gradient_passes_nothing_on() -> None:
    # Downstream of a relu that is off, a dot's gradient is 0: its operands get nothing.
    ws, xs = [Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)]
    out = ag.dot(ws, xs).relu()  # 1.5 - 4.0 < 0: relu is off
    out.backward()
    assert [v.grad for v in (*ws, *xs)] == [0.0, 0.0, 0.0, 0.0]


def test_a_dot_with_zero_gradient_still_lets_its_inputs_finish() -> None:
    # h feeds a dot whose relu is off and, directly, the output: d out/dx = 2 * 1.
    x, w = Value(1.5), Value(-1.0)
    h = x * 2.0
    out = ag.dot([w], [h]).relu() + h
    out.backward()
    assert (x.grad, h.grad, w.grad) == (2.0, 1.0, 0.0)


def test_dot_with_mixed_operands_has_only_values_as_parents() -> None:
    w0, x1, bias = Value(0.5), Value(4.0), Value(0.75)
    out = ag.dot([w0, -1.0], [3.0, x1], bias=bias)
    out.backward()
    assert out.parents == (w0, x1, bias)
    assert out.data == 1.5 - 4.0 + 0.75
    assert (w0.grad, x1.grad, bias.grad) == (3.0, -1.0, 1.0)


@pytest.mark.parametrize("bias_kind", ["none", "number", "value"])
def test_dot_gradient_matches_central_differences(bias_kind: str) -> None:
    point = [0.5, -1.0, 2.0, 3.0, 4.0, -0.25, 0.75]  # three weights, three inputs, a bias

    def bias_of(b: Any) -> Any:
        return {"none": None, "number": 0.75, "value": b}[bias_kind]

    def engine_f(*args: Value) -> Value:
        return ag.dot(args[:3], args[3:6], bias=bias_of(args[6]))

    def float_f(*args: float) -> float:
        return builtins.sum(w * x for w, x in zip(args[:3], args[3:6])) + (bias_of(args[6]) or 0.0)

    assert_close(engine_grad(engine_f, point), numeric_grad(float_f, point), rel=1e-6, abs_=1e-7)
    assert gradcheck(engine_f, point) is True


def test_dot_with_mismatched_lengths_raises_value_error() -> None:
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        ag.dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_star_import_does_not_bind_sum() -> None:
    namespace: dict[str, Any] = {}
    exec("from autograd_scalar import *", namespace)
    assert "dot" in namespace
    assert "Value" in namespace
    assert "sum" not in namespace


def test_builtin_sum_over_values_builds_a_differentiable_value() -> None:
    xs = [Value(1.0), Value(2.0), Value(-0.5)]
    total = builtins.sum(xs)
    assert isinstance(total, Value)
    total.backward()
    assert total.data == 2.5
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0]
