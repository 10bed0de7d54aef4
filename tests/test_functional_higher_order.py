"""Higher-order derivatives (create_graph=True and nested grad) against hand-derived closed forms.

The closed forms were derived by hand (and cross-checked once with sympy):
tanh''' = -2 sech^2 (1 - 3 tanh^2), sigmoid''' = s(1 - s)(1 - 6s + 6s^2), and so on.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from conftest import plain

from autograd_scalar import Value, grad

Derivatives = Callable[[float], tuple[float, float, float]]


def tanh_derivatives(x: float) -> tuple[float, float, float]:
    t = math.tanh(x)
    sech2 = 1.0 - t * t
    return sech2, -2.0 * t * sech2, -2.0 * sech2 * (1.0 - 3.0 * t * t)


def sigmoid_derivatives(x: float) -> tuple[float, float, float]:
    s = 1.0 / (1.0 + math.exp(-x))
    first = s * (1.0 - s)
    return first, first * (1.0 - 2.0 * s), first * (1.0 - 6.0 * s + 6.0 * s * s)


Y = 2.5  # the exponent of the x ** y case (a leaf Value the function closes over)
LN2 = math.log(2.0)

# name, f, (f', f'', f''') in closed form, points inside the domain
CASES: list[tuple[str, Callable[[Value], Value], Derivatives, list[float]]] = [
    ("sin", Value.sin, lambda x: (math.cos(x), -math.sin(x), -math.cos(x)), [0.5, -1.3]),
    ("cos", Value.cos, lambda x: (-math.sin(x), -math.cos(x), math.sin(x)), [0.5, 2.0]),
    ("exp", Value.exp, lambda x: (math.exp(x), math.exp(x), math.exp(x)), [0.5, -0.7]),
    ("tanh", Value.tanh, tanh_derivatives, [0.5, -1.1]),
    ("sigmoid", Value.sigmoid, sigmoid_derivatives, [0.5, -2.0]),
    ("log", Value.log, lambda x: (1 / x, -1 / x**2, 2 / x**3), [0.5, 3.0]),
    ("x**3", lambda x: x**3, lambda x: (3 * x**2, 6 * x, 6.0), [0.5, -1.5]),
    (
        "sqrt",
        Value.sqrt,
        lambda x: (0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5),
        [0.5, 4.0],
    ),
    (
        "x**y",
        lambda x: x ** Value(Y),
        lambda x: (
            Y * x ** (Y - 1),
            Y * (Y - 1) * x ** (Y - 2),
            Y * (Y - 1) * (Y - 2) * x ** (Y - 3),
        ),
        [0.5, 1.7],
    ),
    ("2**x", lambda x: 2**x, lambda x: (2**x * LN2, 2**x * LN2**2, 2**x * LN2**3), [0.5, -1.0]),
    (
        "x*sin(x)",
        lambda x: x * x.sin(),
        lambda x: (
            math.sin(x) + x * math.cos(x),
            2 * math.cos(x) - x * math.sin(x),
            -3 * math.sin(x) - x * math.cos(x),
        ),
        [0.5, 2.0],
    ),
]

PARAMS = [
    pytest.param(f, derivatives, x0, id=f"{name} at {x0}")
    for name, f, derivatives, points in CASES
    for x0 in points
]


def derivatives_by_create_graph(f: Callable[[Value], Value], x0: float) -> list[float]:
    """f', f'', f''' at x0 by differentiating each .grad again with backward(create_graph=True)."""
    x = Value(x0)
    out = f(x)
    found = []
    for order in range(3):
        out.backward(create_graph=order < 2)
        derivative = x.grad
        found.append(plain(derivative))
        x.grad = 0.0
        out = derivative
    return found


def assert_derivatives(actual: list[float], expected: tuple[float, ...]) -> None:
    for order, (a, e) in enumerate(zip(actual, expected), start=1):
        assert math.isclose(a, e, rel_tol=1e-10, abs_tol=1e-12), f"order {order}: {a} != {e}"


def test_create_graph_makes_grads_values() -> None:
    x = Value(1.5)
    hidden = x * x
    out = hidden.sin()
    out.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert isinstance(hidden.grad, Value)
    assert math.isclose(hidden.grad.data, math.cos(2.25), rel_tol=1e-15)
    assert math.isclose(x.grad.data, 3.0 * math.cos(2.25), rel_tol=1e-15)


def test_second_derivative_of_linear_function_is_zero() -> None:
    # d(x * 4)/dx = 4 is a constant: differentiating it again gives 0.
    x = Value(1.5)
    (x * 4).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    x.grad = 0.0
    first.backward()
    assert first.data == 4.0
    assert x.grad == 0.0


def test_create_graph_on_a_leaf_root_makes_grad_a_value() -> None:
    x = Value(1.5)
    x.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 1.0


@pytest.mark.parametrize(("f", "derivatives", "x0"), PARAMS)
def test_derivatives_by_create_graph_match_closed_form(
    f: Callable[[Value], Value], derivatives: Derivatives, x0: float
) -> None:
    assert_derivatives(derivatives_by_create_graph(f, x0), derivatives(x0))


@pytest.mark.parametrize(("f", "derivatives", "x0"), PARAMS)
def test_nested_grad_matches_closed_form(
    f: Callable[[Value], Value], derivatives: Derivatives, x0: float
) -> None:
    first = grad(f)(x0)
    second = grad(grad(f))(x0)
    third = grad(grad(grad(f)))(x0)
    assert all(type(d) is float for d in (first, second, third))
    assert_derivatives([first, second, third], derivatives(x0))


def test_mixed_partial_of_x_y_squared_by_create_graph() -> None:
    # f = x y^2: df/dx = y^2, d2f/dy dx = 2y, d2f/dx2 = 0
    x, y = Value(3.0), Value(-1.5)
    (x * y * y).backward(create_graph=True)
    df_dx = x.grad
    x.grad, y.grad = 0.0, 0.0
    df_dx.backward()
    assert df_dx.data == 2.25
    assert (y.grad, x.grad) == (-3.0, 0.0)


def test_mixed_partial_of_x_y_squared_by_nested_grad() -> None:
    f = lambda x, y: x * y * y  # noqa: E731
    assert grad(grad(f, argnums=0), argnums=1)(3.0, -1.5) == -3.0
    assert grad(grad(f, argnums=1), argnums=0)(3.0, -1.5) == -3.0


def test_mixed_partials_of_power_match_closed_form() -> None:
    # f = x^y: f_xy = x^(y-1) (1 + y ln x), f_xx = y (y-1) x^(y-2), f_yy = x^y ln^2 x
    x0, y0 = 1.7, 2.3
    power = lambda x, y: x**y  # noqa: E731
    expected = {
        (0, 1): x0 ** (y0 - 1) * (1 + y0 * math.log(x0)),
        (1, 0): x0 ** (y0 - 1) * (1 + y0 * math.log(x0)),
        (0, 0): y0 * (y0 - 1) * x0 ** (y0 - 2),
        (1, 1): x0**y0 * math.log(x0) ** 2,
    }
    for (first, second), value in expected.items():
        found = grad(grad(power, argnums=first), argnums=second)(x0, y0)
        assert math.isclose(found, value, rel_tol=1e-12), (first, second)


def test_mixed_partial_of_power_at_zero_exponent() -> None:
    # f = x^y: f_xy = x^(y-1) (1 + y ln x) = 1/x at y = 0, although f_x = y x^(y-1) = 0 there.
    x, y = Value(2.0), Value(0.0)
    (x**y).backward(create_graph=True)
    df_dx = x.grad
    x.grad, y.grad = 0.0, 0.0
    df_dx.backward()
    assert df_dx.data == 0.0
    assert y.grad == 0.5


def test_third_derivative_in_the_exponent_of_power() -> None:
    # d3/dy3 x^y = x^y ln^3 x, with x a leaf Value the function closes over
    x0, y0 = 1.7, 2.3
    base = Value(x0)
    found = grad(grad(grad(lambda y: base**y)))(y0)
    assert math.isclose(found, x0**y0 * math.log(x0) ** 3, rel_tol=1e-12)


def test_grad_through_inner_grad_that_closes_over_outer_value() -> None:
    # inner: d/dy (x y^2) = 2 x y, at y = 1 that is 2x; outer: d/dx 2x = 2
    outer = grad(lambda x: grad(lambda y: x * y * y)(1.0))
    assert outer(3.0) == 2.0


def test_inner_grad_value_inside_outer_grad_is_a_value() -> None:
    seen: list[object] = []

    def f(x: Value) -> Value:
        inner = grad(lambda y: x * y * y)(1.0)
        seen.append(inner)
        return inner  # type: ignore[no-any-return]

    grad(f)(3.0)
    assert isinstance(seen[0], Value)
    assert seen[0].data == 6.0
