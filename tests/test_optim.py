"""Optimizers: the first steps of each against values worked out by hand from PyTorch's rules."""

from __future__ import annotations

import math

import pytest

from autograd_scalar import SGD, Adam, RMSprop, Value
from autograd_scalar.optim import Optimizer


def run_steps(optimizer: Optimizer, parameter: Value, gradients: list[float]) -> list[float]:
    """Set the gradient, step, and record the parameter after each step."""
    trajectory = []
    for gradient in gradients:
        parameter.grad = gradient
        optimizer.step()
        trajectory.append(parameter.data)
    return trajectory


def test_sgd_without_momentum_steps_against_the_gradient() -> None:
    w = Value(1.0)
    # p - lr g: 1 - 0.1 * 0.5 = 0.95, then 0.95 - 0.1 * (-0.2) = 0.97
    assert run_steps(SGD([w], lr=0.1), w, [0.5, -0.2]) == pytest.approx([0.95, 0.97], abs=1e-15)


def test_sgd_momentum_and_weight_decay_match_hand_computed_steps() -> None:
    w = Value(1.0)
    optimizer = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)
    # step 1: g = 0.5 + 0.01 * 1 = 0.51; buffer starts as g = 0.51; p = 1 - 0.051 = 0.949
    # step 2: g = -0.2 + 0.01 * 0.949 = -0.19051; b = 0.9 * 0.51 - 0.19051 = 0.26849;
    #         p = 0.949 - 0.026849 = 0.922151
    # step 3: g = 0.3 + 0.00922151 = 0.30922151; b = 0.9 * 0.26849 + 0.30922151 = 0.55086251;
    #         p = 0.922151 - 0.055086251 = 0.867064749
    trajectory = run_steps(optimizer, w, [0.5, -0.2, 0.3])
    assert trajectory == pytest.approx([0.949, 0.922151, 0.867064749], rel=1e-12)


def test_rmsprop_matches_hand_computed_steps() -> None:
    w = Value(2.0)
    optimizer = RMSprop([w], lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.1)
    # step 1: g = 1 + 0.1 * 2 = 1.2; v = 0.1 * 1.44 = 0.144;
    #         p = 2 - 0.01 * 1.2 / (sqrt(0.144) + 1e-8) = 2 - 0.0316227758 = 1.9683772242
    # step 2: g = -0.5 + 0.1 * 1.9683772242 = -0.3031622776; v = 0.9 * 0.144 + 0.1 g^2
    #         = 0.1387907367; p = 1.9683772242 + 0.01 * 0.3031622776 / 0.3725463 = 1.9765147974
    trajectory = run_steps(optimizer, w, [1.0, -0.5])
    assert trajectory == pytest.approx([1.9683772242, 1.9765147974], rel=1e-10)


def test_adam_matches_hand_computed_bias_corrected_steps() -> None:
    w = Value(1.0)
    optimizer = Adam([w], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    # step 1: m = 0.05, v = 0.00025; m^ = 0.5, v^ = 0.25;
    #         p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 1 - 0.099999998 = 0.900000002
    # step 2: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975;
    #         m^ = -0.055 / 0.19 = -0.28947368, v^ = 0.00124975 / 0.001999 = 0.62518759;
    #         p = 0.9 + 0.1 * 0.28947368 / 0.79068868 = 0.93661035
    # step 3: m = -0.0495 + 0.025 = -0.0245, v = 0.00124850025 + 0.0000625 = 0.00131100025;
    #         m^ = -0.0245 / 0.271 = -0.09040590, v^ = 0.00131100025 / 0.002997001 = 0.43743737;
    #         p = 0.93661035 + 0.1 * 0.09040590 / 0.66138972 = 0.95027942
    trajectory = run_steps(optimizer, w, [0.5, -1.0, 0.25])
    assert trajectory == pytest.approx([0.900000002, 0.93661035424, 0.95027942034], rel=1e-10)


def test_adam_weight_decay_is_added_to_the_gradient() -> None:
    w = Value(-2.0)
    optimizer = Adam([w], lr=0.01, weight_decay=0.5)
    # step 1: g = 0.3 + 0.5 * (-2) = -0.7, so the first step moves p up by lr: -1.99
    # step 2: g = 0.3 + 0.5 * (-1.99) = -0.695; m = -0.0630 - 0.0695 = -0.1325,
    #         v = 0.00048951 + 0.000483025 = 0.000972535; m^ = -0.697368, v^ = 0.486511;
    #         p = -1.99 + 0.01 * 0.697368 / 0.697503 = -1.98000193
    trajectory = run_steps(optimizer, w, [0.3, 0.3])
    assert trajectory == pytest.approx([-1.99, -1.980001933], rel=1e-9)


def test_adam_first_step_moves_each_parameter_by_lr_whatever_its_gradient() -> None:
    small, large = Value(0.0), Value(0.0)
    optimizer = Adam([small, large], lr=0.01)
    small.grad, large.grad = 1e-3, -50.0
    optimizer.step()
    assert small.data == pytest.approx(-0.01, rel=1e-4)
    assert large.data == pytest.approx(0.01, rel=1e-9)


def test_learning_rate_schedule_gets_the_step_number_from_zero() -> None:
    w = Value(0.0)
    seen: list[int] = []

    def schedule(step: int) -> float:
        seen.append(step)
        return 1.0 / (step + 1)

    # gradient 1 each step: p = -1, then -1 - 1/2, then -1.5 - 1/3
    trajectory = run_steps(SGD([w], lr=schedule), w, [1.0, 1.0, 1.0])
    assert seen == [0, 1, 2]
    assert trajectory == pytest.approx([-1.0, -1.5, -1.5 - 1 / 3])


def test_step_updates_data_with_plain_floats_and_builds_no_graph() -> None:
    w = Value(1.0)
    optimizer = Adam([w], lr=0.1)
    w.grad = 1.0
    optimizer.step()
    assert type(w.data) is float
    assert w.is_leaf


def test_zero_grad_resets_every_parameter() -> None:
    parameters = [Value(1.0), Value(2.0)]
    loss = parameters[0] * parameters[1]
    loss.backward()
    optimizer = SGD(parameters, lr=0.1)
    optimizer.zero_grad()
    assert [p.grad for p in parameters] == [0.0, 0.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=-1.0),
        lambda ps: SGD(ps, lr=0.1, momentum=1.5),
        lambda ps: SGD(ps, lr=0.1, weight_decay=-0.1),
        lambda ps: RMSprop(ps, alpha=1.0),
        lambda ps: Adam(ps, betas=(0.9, 1.0)),
        lambda ps: Adam(ps, eps=-1e-8),
        lambda ps: Adam(ps, lr=math.nan),
    ],
)
def test_invalid_hyperparameters_raise_value_error(make: object) -> None:
    with pytest.raises(ValueError, match="invalid"):
        make([Value(1.0)])  # type: ignore[operator]


def test_empty_parameter_list_raises() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])


def test_non_value_parameter_raises_type_error() -> None:
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        SGD([Value(1.0), 2.0], lr=0.1)  # type: ignore[list-item]
