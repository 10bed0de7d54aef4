"""A Value never turns into a plain number without being asked: math.*, float(), int() ...
refuse with a TypeError that says what to write instead; what people reach for works."""

from __future__ import annotations

import cmath
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_scalar as ag
from autograd_scalar import Value, grad

CONVERSIONS: list[tuple[str, Callable[[Value], Any]]] = [
    ("float", float),
    ("int", int),
    ("complex", complex),
    ("operator.index", operator.index),
    ("math.cos", math.cos),
    ("math.exp", math.exp),
    ("math.sqrt", math.sqrt),
    ("math.floor", math.floor),
    ("math.isfinite", math.isfinite),
    ("cmath.exp", cmath.exp),
    ("range", range),
    ("list index", lambda v: [1, 2, 3][v]),  # type: ignore[index]
]


@pytest.mark.parametrize(("name", "convert"), CONVERSIONS, ids=[c[0] for c in CONVERSIONS])
def test_implicit_conversion_raises_type_error_saying_what_to_do(
    name: str, convert: Callable[[Value], Any]
) -> None:
    with pytest.raises(TypeError) as caught:
        convert(Value(1.0, label="t"))
    message = str(caught.value)
    assert "Value 't'" in message
    assert "x.cos()" in message and "autograd_scalar.cos(x)" in message
    assert "x.data or x.item()" in message


def test_a_math_function_inside_grad_refuses_instead_of_a_silent_zero() -> None:
    # The closed form is d/dt t cos t = cos t - t sin t = -0.3012 at 1; math.cos would
    # have made cos(t) a constant and given cos(1) = 0.5403 without a word.
    with pytest.raises(TypeError):
        grad(lambda t: t * math.cos(t))(1.0)
    with pytest.raises(TypeError):
        grad(lambda t: math.exp(t))(1.0)
    assert grad(lambda t: t * t.cos())(1.0) == pytest.approx(math.cos(1) - math.sin(1))


def test_item_format_and_round_read_the_number() -> None:
    loss = Value(0.123456, label="loss")
    assert loss.item() == 0.123456
    assert f"{loss:.4f}" == "0.1235"
    assert f"{loss:>8.2f}" == "    0.12"
    assert round(loss, 2) == 0.12 and round(Value(2.6)) == 3
    assert f"{loss}" == repr(loss)


@pytest.mark.parametrize(("data", "truth"), [(0.0, False), (-0.0, False), (2.0, True),
                                             (math.nan, True), (math.inf, True)])
def test_bool_is_the_truth_of_data_as_for_a_scalar_tensor(data: float, truth: bool) -> None:
    assert bool(Value(data)) is truth is bool(data)


def test_numpy_ufuncs_call_the_differentiable_method() -> None:
    x = Value(0.5)
    y = np.cos(x) * np.exp(x)
    assert isinstance(y, Value)
    y.backward()
    expected = math.exp(0.5) * (math.cos(0.5) - math.sin(0.5))
    assert x.grad == pytest.approx(expected, rel=1e-15)


def test_numpy_scalars_work_as_operands_and_as_data() -> None:
    x = Value(np.float64(0.5))
    assert type(x.data) is float and x.data == 0.5
    y = np.int64(-1) * x + np.float32(2.0)
    assert isinstance(y, Value) and y.data == 1.5
    y.backward()
    assert x.grad == -1.0


def test_module_functions_still_take_plain_numbers() -> None:
    assert ag.cos(0.0).data == 1.0 and ag.maximum(1, 2).data == 2.0
