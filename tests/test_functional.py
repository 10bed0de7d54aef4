"""grad, value_and_grad and gradcheck: results, argument handling, and gradcheck's verdicts."""

from __future__ import annotations

import math
import re

import pytest

from autograd_scalar import GradcheckError, Value, grad, gradcheck, no_grad, value_and_grad


def test_grad_of_numbers_returns_float() -> None:
    # d(x^3)/dx = 3x^2 = 12 at x = 2
    derivative = grad(lambda x: x**3)(2.0)
    assert type(derivative) is float
    assert derivative == 12.0


def test_grad_accepts_an_int_argument() -> None:
    assert grad(lambda x: x * x)(3) == 6.0


def test_grad_argnums_selects_the_argument() -> None:
    # f = x^2 y: df/dy = x^2 = 4 at x = 2
    assert grad(lambda x, y: x * x * y, argnums=1)(2.0, 5.0) == 4.0


def test_grad_with_tuple_argnums_returns_tuple_of_floats() -> None:
    # f = x y + y: (df/dx, df/dy) = (y, x + 1) = (5, 3) at (2, 5)
    derivatives = grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 5.0)
    assert type(derivatives) is tuple
    assert all(type(d) is float for d in derivatives)
    assert derivatives == (5.0, 3.0)


def test_grad_passes_other_arguments_through_unchanged() -> None:
    received: list[object] = []

    def f(x: Value, mode: str, power: int) -> Value:
        received.extend([mode, power])
        return x**power if mode == "power" else x

    # d(x^3)/dx = 3x^2 = 12 at x = 2
    assert grad(f)(2.0, "power", 3) == 12.0
    assert received == ["power", 3]
    assert type(received[1]) is int


def test_grad_passes_keyword_arguments_through() -> None:
    def f(x: Value, *, scale: float) -> Value:
        return x * x * scale

    assert grad(f)(2.0, scale=3.0) == 12.0


def test_grad_of_unused_argument_is_zero() -> None:
    assert grad(lambda x, y: y * y, argnums=0)(1.0, 2.0) == 0.0


def test_grad_of_string_argument_raises_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        grad(lambda x: x)("2.0")


def test_grad_of_values_returns_a_value() -> None:
    x = Value(2.0)
    derivative = grad(lambda v: v**3)(x)
    assert isinstance(derivative, Value)
    assert derivative.data == 12.0


def test_grad_of_values_can_be_differentiated_again() -> None:
    # d/dx (3x^2) = 6x = 12 at x = 2
    x = Value(2.0)
    derivative = grad(lambda v: v**3)(x)
    derivative.backward()
    assert x.grad == 12.0


def test_value_and_grad_of_numbers_returns_floats() -> None:
    value, derivative = value_and_grad(lambda x: x.exp() * x)(1.0)
    assert (type(value), type(derivative)) == (float, float)
    # f = x e^x, f' = (1 + x) e^x
    assert math.isclose(value, math.e, rel_tol=1e-15)
    assert math.isclose(derivative, 2 * math.e, rel_tol=1e-15)


def test_value_and_grad_with_tuple_argnums() -> None:
    value, derivatives = value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 5.0)
    assert value == 15.0
    assert derivatives == (5.0, 3.0)


def test_value_and_grad_of_values_returns_values() -> None:
    value, derivative = value_and_grad(lambda v: v * v)(Value(3.0))
    assert isinstance(value, Value) and isinstance(derivative, Value)
    assert (value.data, derivative.data) == (9.0, 6.0)


def test_grad_leaves_closed_over_leaf_grad_unchanged() -> None:
    weight = Value(1.5)
    weight.grad = 0.25
    # d(w x^2)/dx = 2 w x = 6 at x = 2
    assert grad(lambda x: weight * x * x)(2.0) == 6.0
    assert weight.grad == 0.25


def test_grad_leaves_input_value_grad_unchanged() -> None:
    x = Value(2.0)
    x.grad = -1.0
    grad(lambda v: v * v)(x)
    assert x.grad == -1.0


def test_gradcheck_accepts_correct_function() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, -0.7]) is True


def test_gradcheck_accepts_tolerance_arguments() -> None:
    assert gradcheck(lambda x: x.sin() * x, [1.1], eps=1e-6, atol=1e-5, rtol=1e-4) is True


def f_hiding_part_from_backward(x: Value, y: Value) -> Value:
    """x y + y^2, but y^2 is computed under no_grad, so backward sees only d(x y)/dy = x."""
    with no_grad():
        hidden = y * y
    return x * y + hidden


def test_gradcheck_rejects_gradient_missing_a_term() -> None:
    with pytest.raises(GradcheckError):
        gradcheck(f_hiding_part_from_backward, [0.5, 2.0])


def test_gradcheck_error_names_failing_input_with_both_values() -> None:
    # input 1 (y = 2): analytic x = 0.5, numeric x + 2y = 4.5; input 0 is right (y = 2).
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f_hiding_part_from_backward, [0.5, 2.0])
    message = str(caught.value)
    assert re.search(r"\binput 1\b", message)
    assert not re.search(r"\binput 0\b", message)
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", message)]
    assert any(n == 0.5 for n in numbers), message
    assert any(math.isclose(n, 4.5, rel_tol=1e-6) for n in numbers), message


def test_gradcheck_rejects_kink_of_relu() -> None:
    # At 0 relu's backward says 0, central differences see (eps - 0) / (2 eps) = 1/2.
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x.relu(), [0.0])
