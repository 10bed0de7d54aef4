"""Infinite and NaN derivatives stay infinite and NaN when differentiated again, in every
order, as PyTorch's derivative formulas do in IEEE arithmetic."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd_scalar import Value, grad


def test_second_derivative_of_sqrt_at_zero_is_minus_infinity() -> None:
    # d/dx 1 / (2 sqrt x) = -1 / (4 x^1.5) -> -inf as x -> 0+ (PyTorch: -inf)
    assert grad(lambda t: t.sqrt())(0.0) == math.inf
    assert grad(grad(lambda t: t.sqrt()))(0.0) == -math.inf


def test_second_derivative_of_a_fractional_power_at_zero_is_minus_infinity() -> None:
    assert grad(lambda t: t**0.5)(0.0) == math.inf
    assert grad(grad(lambda t: t**0.5))(0.0) == -math.inf
    # d^2/dx^2 x^1.5 = 0.75 x^-0.5 -> +inf
    assert grad(grad(lambda t: t**1.5))(0.0) == math.inf


def test_third_derivative_of_sqrt_at_zero_is_plus_infinity() -> None:
    # d^3/dx^3 sqrt x = 3 / (8 x^2.5) -> +inf
    assert grad(grad(grad(lambda t: t.sqrt())))(0.0) == math.inf


def test_a_nan_derivative_stays_nan_when_differentiated_again() -> None:
    # d/dy (-2)^y = (-2)^y log(-2): undefined (nan), and so is every derivative after it
    first = grad(lambda y: (-2.0) ** y)(1.0)
    second = grad(grad(lambda y: (-2.0) ** y))(1.0)
    assert math.isnan(first) and math.isnan(second)


def partial(f: Callable[..., Any], argnum: int) -> Callable[..., Any]:
    return lambda x, y: grad(f, argnums=argnum)(x, y)


@pytest.mark.parametrize("order", sorted(set(itertools.permutations([0, 0, 1]))))
def test_third_mixed_partials_of_a_power_agree_in_every_order(order: tuple[int, ...]) -> None:
    # At (-1.5, 3), any derivative in y involves log(-1.5): nan whatever the order.
    f: Callable[..., Any] = lambda x, y: x**y  # noqa: E731
    for argnum in order:
        f = partial(f, argnum)
    assert math.isnan(f(-1.5, 3.0))


def test_third_partial_in_the_base_alone_is_the_closed_form() -> None:
    # d^3/dx^3 x^3 = 6 everywhere, a negative base included
    f: Callable[..., Any] = lambda x, y: x**y  # noqa: E731
    for _ in range(3):
        f = partial(f, 0)
    assert f(-1.5, 3.0) == 6.0


def test_first_derivatives_are_unchanged_where_finite() -> None:
    x = Value(4.0)
    (x.sqrt() + x**0.5).backward()
    assert x.grad == 0.5
