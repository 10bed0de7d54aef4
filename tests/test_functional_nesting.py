"""Nested grad gives partial derivatives: each differentiated argument is a fresh variable,
whatever else refers to the Value it came from (no perturbation confusion)."""

from __future__ import annotations

import math

import pytest

from autograd_scalar import Value, grad, value_and_grad


def test_inner_grad_of_a_closed_over_value_is_the_partial_derivative() -> None:
    # f(x) = d/dy (x * y) at y = x, which is x: f(3) = 3 and f'(x) = 1.
    def f(x: object) -> object:
        return grad(lambda y: x * y)(x)  # type: ignore[operator]

    assert f(3.0) == 3.0
    assert f(Value(3.0)).data == 3.0  # type: ignore[attr-defined]
    assert grad(f)(3.0) == 1.0


def test_the_same_value_passed_twice_gives_each_partial() -> None:
    x = Value(5.0)
    da, db = grad(lambda a, b: a * b, argnums=(0, 1))(x, x)
    assert (da.data, db.data) == (5.0, 5.0)
    assert grad(lambda a, b: a * b, argnums=1)(x, x).data == 5.0
    assert x.grad == 0.0  # the Value's own gradient is left as it was


def test_siskind_pearlmutter_perturbation_confusion_example() -> None:
    # d/dx [x * (d/dy (x + y))] at x = 1: the inner derivative is 1, so the answer is 1.
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0) == 1.0


def test_nested_higher_order_over_a_tuple_of_arguments() -> None:
    # HIPS autograd's test_tuple.py::test_nested_higher_order, in this API:
    # g(a, b) = sin(a * b); d/db d/da g = cos(ab) - ab sin(ab) at a = b = x, and the
    # outer derivative is taken of that at x.  With x = 5: closed form below.
    def mixed(x: object) -> object:
        inner = grad(lambda a, b: (a * b).sin(), argnums=0)
        return grad(lambda b: inner(x, b))(x)

    x = 5.0
    expected = math.cos(x * x) - x * x * math.sin(x * x)
    assert mixed(x) == pytest.approx(expected, rel=1e-12)
    # d/dx of mixed(x), where mixed(x) = cos(x^2) - x^2 sin(x^2):
    derivative = -2 * x * math.sin(x * x) - 2 * x * math.sin(x * x) - 2 * x**3 * math.cos(x * x)
    assert grad(mixed)(x) == pytest.approx(derivative, rel=1e-12)


def test_three_levels_of_closure_keep_their_variables_apart() -> None:
    # h(x) = d/dy [ d/dz (x * y * z) ] = x, so dh/dx = 1 at any x.
    def h(x: object) -> object:
        return grad(lambda y: grad(lambda z: x * y * z)(2.0))(3.0)  # type: ignore[operator]

    assert h(4.0) == 4.0
    assert grad(h)(4.0) == 1.0


def test_value_and_grad_of_a_value_argument_differentiates_through_it() -> None:
    x = Value(2.0)
    value, gradient = value_and_grad(lambda t: t**3)(x)
    assert (value.data, gradient.data) == (8.0, 12.0)
    gradient.backward()
    assert x.grad == 12.0  # d/dx 3x^2 = 6x


def test_hips_nested_higher_order_over_one_value_passed_twice() -> None:
    # HIPS autograd's tests/test_tuple.py::test_nested_higher_order: the gradient of
    # y0 * y1 at (x, x) is (x, x), so outer(x) = 2 sin x (confused: 2 sin 2x), with
    # derivatives 2 cos x and -2 sin x.
    def outer(x: object) -> object:
        g0, g1 = grad(lambda a, b: a * b, argnums=(0, 1))(x, x)
        return g0.sin() + g1.sin() if isinstance(g0, Value) else math.sin(g0) + math.sin(g1)

    assert outer(5.0) == pytest.approx(2 * math.sin(5.0), rel=1e-15)
    assert grad(outer)(5.0) == pytest.approx(2 * math.cos(5.0), rel=1e-14)
    assert grad(grad(outer))(10.0) == pytest.approx(-2 * math.sin(10.0), rel=1e-14)
    h = 1e-5  # and against central differences of outer itself
    numeric = (outer(5.0 + h) - outer(5.0 - h)) / (2 * h)  # type: ignore[operator]
    assert grad(outer)(5.0) == pytest.approx(numeric, rel=1e-8)
