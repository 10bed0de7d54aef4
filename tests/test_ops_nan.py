"""NaN propagates through every op, as in PyTorch: a nan operand gives a nan result."""

from __future__ import annotations

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import MLP, Value
from autograd_scalar.ops import OPS

NAN = math.nan
ELEMENTWISE = [op for op in OPS.values() if op.arity]


@pytest.mark.parametrize("op", ELEMENTWISE, ids=lambda op: op.name)
def test_a_nan_operand_gives_a_nan_result(op: object) -> None:
    method = op.method  # type: ignore[attr-defined]
    if op.arity == 1:  # type: ignore[attr-defined]
        results = [getattr(Value(NAN), method)()]
    else:
        reflected = op.reflected  # type: ignore[attr-defined]
        results = [
            getattr(Value(NAN), method)(Value(1.5)),
            getattr(Value(1.5), method)(Value(NAN)),
            getattr(Value(NAN), method)(1.5),
            getattr(Value(NAN), reflected)(1.5),
            getattr(Value(1.5), reflected)(NAN),
        ]
    assert all(math.isnan(r.data) for r in results), [r.data for r in results]


def test_sum_and_dot_with_a_nan_term_are_nan() -> None:
    assert math.isnan(ag.sum([Value(1.0), Value(NAN)]).data)
    assert math.isnan(ag.dot([Value(1.0)], [Value(NAN)]).data)


def test_relu_of_nan_is_nan_not_zero() -> None:
    assert math.isnan(Value(NAN).relu().data)
    assert Value(-0.0).relu().data == 0.0 and Value(-3.0).relu().data == 0.0


def test_a_model_fed_nan_outputs_nan() -> None:
    assert math.isnan(MLP(2, [4, 1], seed=0)([NAN, 1.0]).data)  # type: ignore[union-attr]


def test_the_derivative_of_abs_at_nan_is_nan() -> None:
    x = Value(NAN)
    abs(x).backward()
    assert math.isnan(x.grad)
