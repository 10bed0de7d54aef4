"""Edge cases: PyTorch's derivative conventions at kinks, stability, and errors users can act on."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autograd_scalar as ag
from autograd_scalar import Value

LABEL = "weight_7"  # distinctive, so finding it in a message means the label was reported


def derivative_at(f: Callable[[Value], Value], x0: float) -> float:
    x = Value(x0)
    f(x).backward()
    return float(x.grad)


def test_sqrt_derivative_at_zero_is_infinity() -> None:
    assert derivative_at(Value.sqrt, 0.0) == math.inf


def test_relu_derivative_at_zero_is_zero() -> None:
    assert derivative_at(Value.relu, 0.0) == 0.0


@pytest.mark.parametrize("take_abs", [abs, Value.abs], ids=["abs(x)", "x.abs()"])
def test_abs_derivative_at_zero_is_zero(take_abs: Callable[[Value], Value]) -> None:
    assert derivative_at(take_abs, 0.0) == 0.0


def test_leaky_relu_derivative_at_zero_is_default_slope() -> None:
    assert derivative_at(Value.leaky_relu, 0.0) == 0.01


def test_leaky_relu_derivative_at_zero_is_custom_slope() -> None:
    assert derivative_at(lambda x: x.leaky_relu(0.3), 0.0) == 0.3


def test_zeroth_power_has_zero_derivative_at_zero() -> None:
    x = Value(0.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def test_zeroth_value_power_has_zero_base_derivative_at_zero() -> None:
    x, y = Value(0.0), Value(0.0)
    out = x**y
    out.backward()
    assert (out.data, x.grad) == (1.0, 0.0)


@pytest.mark.parametrize("base", [0, 0.0, "value"])
def test_power_of_zero_has_zero_exponent_derivative(base: object) -> None:
    # d(0**y)/dy = 0**y * log(0) is 0 * -inf; PyTorch defines it as 0.
    y = Value(2.0)
    out = (Value(0.0) if base == "value" else base) ** y  # type: ignore[operator]
    out.backward()
    assert (out.data, y.grad) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("op", "x0", "expected"),
    [("tanh", 1000.0, 1.0), ("tanh", -1000.0, -1.0), ("sigmoid", 1000.0, 1.0),
     ("sigmoid", -1000.0, 0.0)],
)
def test_squashing_ops_saturate_with_finite_gradient(op: str, x0: float, expected: float) -> None:
    x = Value(x0)
    y = getattr(x, op)()
    y.backward()
    assert y.data == expected
    assert x.grad == 0.0


# 0 ** -1 may reasonably be a ZeroDivisionError too (Python's own 0.0 ** -1 is).
ZERO_POWER = (ValueError, ZeroDivisionError)
Errors = type[Exception] | tuple[type[Exception], ...]
DomainCase = tuple[Callable[[Value], Value], float, str, Errors]

DOMAIN_ERRORS: list[DomainCase] = [
    (Value.log, 0.0, "log", ValueError),
    (Value.log, -1.0, "log", ValueError),
    (Value.sqrt, -1.0, "sqrt", ValueError),
    (lambda x: x**-1, 0.0, "pow", ZERO_POWER),
    (lambda x: x ** Value(-1.0), 0.0, "pow", ZERO_POWER),
    (lambda x: 0**x, -1.0, "pow", ZERO_POWER),
    (lambda x: x ** (1 / 3), -8.0, "pow", ValueError),
]
DOMAIN_IDS = ["log(0)", "log(-1)", "sqrt(-1)", "0**-1", "0**Value(-1)", "0**x", "(-8)**(1/3)"]


@pytest.mark.parametrize(("f", "x0", "op", "errors"), DOMAIN_ERRORS, ids=DOMAIN_IDS)
def test_domain_error_raises_value_error(
    f: Callable[[Value], Value], x0: float, op: str, errors: Errors
) -> None:
    with pytest.raises(errors):
        f(Value(x0))


@pytest.mark.parametrize(("f", "x0", "op", "errors"), DOMAIN_ERRORS, ids=DOMAIN_IDS)
def test_domain_error_message_names_op_value_and_label(
    f: Callable[[Value], Value], x0: float, op: str, errors: Errors
) -> None:
    with pytest.raises(errors) as caught:
        f(Value(x0, label=LABEL))
    message = str(caught.value)
    assert op in message
    assert repr(x0) in message
    assert LABEL in message
    assert "math domain error" not in message


def test_domain_error_message_without_label_names_op_and_value() -> None:
    with pytest.raises(ValueError) as caught:
        Value(-2.5).sqrt()
    message = str(caught.value)
    assert "sqrt" in message and "-2.5" in message
    assert message != "math domain error"


@pytest.mark.parametrize("divisor", [0.0, 0, "value"])
def test_division_by_zero_raises_zero_division_error_naming_div(divisor: object) -> None:
    x = Value(3.0, label=LABEL)
    with pytest.raises(ZeroDivisionError) as caught:
        x / (Value(0.0) if divisor == "value" else divisor)  # type: ignore[operator]
    message = str(caught.value)
    assert "div" in message
    assert "0.0" in message
    assert LABEL in message


@pytest.mark.parametrize("numerator", [1.0, 1, "value"])
def test_reciprocal_of_zero_raises_zero_division_error_naming_div(numerator: object) -> None:
    x = Value(0.0, label=LABEL)
    with pytest.raises(ZeroDivisionError) as caught:
        (Value(1.0) if numerator == "value" else numerator) / x  # type: ignore[operator]
    message = str(caught.value)
    assert "div" in message
    assert LABEL in message


def test_exp_overflow_raises_overflow_error_naming_exp() -> None:
    with pytest.raises(OverflowError) as caught:
        ag.exp(Value(1000.0, label=LABEL))
    message = str(caught.value)
    assert "exp" in message and "1000.0" in message and LABEL in message
    assert "math range error" not in message


def test_pow_overflow_raises_overflow_error_naming_pow() -> None:
    with pytest.raises(OverflowError) as caught:
        Value(10.0, label=LABEL) ** 400
    message = str(caught.value)
    assert "pow" in message and "10.0" in message and LABEL in message
    assert "math range error" not in message


def test_multiplication_overflow_is_ieee_infinity() -> None:
    assert (Value(1e308) * 10).data == math.inf


def test_pow_backward_overflow_gives_infinite_gradient() -> None:
    # Forward is finite (1e300); d(x**-1.5)/dx = -1.5 x**-2.5 = -1.5e500 overflows to -inf,
    # as IEEE arithmetic (and PyTorch) gives, not a bare "math range error".
    x = Value(1e-200)
    y = x**-1.5
    assert math.isclose(y.data, 1e300, rel_tol=1e-12)
    y.backward()
    assert x.grad == -math.inf


@pytest.mark.parametrize("op", ["sin", "cos"])
def test_trig_of_infinity_error_names_the_op(op: str) -> None:
    with pytest.raises(ValueError) as caught:
        getattr(Value(math.inf, label=LABEL), op)()
    message = str(caught.value)
    assert op in message and LABEL in message
    assert message != "math domain error"


def test_adding_a_string_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Value(1.0) + "a"  # type: ignore[operator]


def test_string_times_value_raises_type_error() -> None:
    with pytest.raises(TypeError):
        "a" * Value(2.0)  # type: ignore[operator]


@pytest.mark.parametrize("slope", ["0.1", None, [0.1]])
def test_leaky_relu_non_number_slope_raises_type_error(slope: object) -> None:
    with pytest.raises(TypeError, match="negative_slope"):
        Value(-1.0).leaky_relu(slope)  # type: ignore[arg-type]


def test_module_leaky_relu_non_number_slope_raises_type_error() -> None:
    with pytest.raises(TypeError, match="negative_slope"):
        ag.leaky_relu(-1.0, negative_slope="0.1")  # type: ignore[arg-type]
