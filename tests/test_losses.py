"""Losses: values from closed forms on plain floats, gradients by finite differences."""

from __future__ import annotations

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import Value, gradcheck
from autograd_scalar.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)

# ---------------------------------------------------------------------------
# gradients against central differences


def test_mse_loss_gradients_match_finite_differences() -> None:
    targets = [1.0, -2.0, 0.5]
    assert gradcheck(lambda *ps: mse_loss(list(ps), targets), [0.3, 1.5, -0.7])


def test_hinge_loss_gradients_match_finite_differences() -> None:
    # away from the kink at y * prediction = 1, where the loss has no derivative
    targets = [1, -1, 1, -1]
    assert gradcheck(lambda *ps: hinge_loss(list(ps), targets), [0.3, 0.4, 1.8, -2.0])


@pytest.mark.parametrize("logits", [[0.0, 0.0], [2.5, -1.0], [-30.0, 30.0], [0.7, -4.0]])
def test_binary_cross_entropy_gradients_match_finite_differences(logits: list[float]) -> None:
    targets = [1, 0]
    assert gradcheck(
        lambda *zs: binary_cross_entropy_with_logits(list(zs), targets), logits
    )


def test_cross_entropy_gradients_match_finite_differences() -> None:
    targets = [2, 0]
    assert gradcheck(
        lambda a, b, c, d, e, f: cross_entropy([[a, b, c], [d, e, f]], targets),
        [0.2, -1.0, 0.5, 3.0, 1.0, -2.0],
    )


@pytest.mark.parametrize("index", [0, 1, 2])
def test_softmax_and_log_softmax_gradients_match_finite_differences(index: int) -> None:
    logits = [0.5, -1.2, 2.0]
    assert gradcheck(lambda *zs: softmax(list(zs))[index], logits)
    assert gradcheck(lambda *zs: log_softmax(list(zs))[index], logits)


def test_l2_penalty_gradient_matches_finite_differences() -> None:
    assert gradcheck(lambda *ps: l2_penalty(ps), [0.5, -2.0, 3.0])


# ---------------------------------------------------------------------------
# values and gradients against closed forms


def test_mse_loss_value_and_gradient_are_the_closed_form() -> None:
    predictions = [Value(3.0), Value(-1.0)]
    loss = mse_loss(predictions, [1.0, 1.0])
    loss.backward()
    assert loss.data == pytest.approx((2.0**2 + 2.0**2) / 2)
    # d/dp_i of mean (p_i - y_i)^2 = 2 (p_i - y_i) / n
    assert [p.grad for p in predictions] == pytest.approx([2.0, -2.0])


def test_hinge_loss_value_and_gradient_are_the_closed_form() -> None:
    predictions = [Value(0.25), Value(3.0), Value(0.5)]
    loss = hinge_loss(predictions, [1, 1, -1])
    loss.backward()
    # relu(1 - 0.25) = 0.75, relu(1 - 3) = 0, relu(1 + 0.5) = 1.5; mean 0.75
    assert loss.data == pytest.approx(0.75)
    # -y / n where the margin is violated, else 0
    assert [p.grad for p in predictions] == pytest.approx([-1 / 3, 0.0, 1 / 3])


def _logistic_reference(z: float, y: float) -> float:
    probability = 1.0 / (1.0 + math.exp(-z))
    return -(y * math.log(probability) + (1.0 - y) * math.log(1.0 - probability))


@pytest.mark.parametrize("z", [-5.0, -0.3, 0.0, 1.7, 8.0])
@pytest.mark.parametrize("y", [0, 1, 0.25])
def test_binary_cross_entropy_matches_the_textbook_formula(z: float, y: float) -> None:
    logit = Value(z)
    loss = binary_cross_entropy_with_logits([logit], [y])
    loss.backward()
    assert loss.data == pytest.approx(_logistic_reference(z, y), rel=1e-12, abs=1e-15)
    assert logit.grad == pytest.approx(1.0 / (1.0 + math.exp(-z)) - y, rel=1e-12, abs=1e-15)


def test_binary_cross_entropy_gradient_at_zero_is_half_minus_label() -> None:
    logits = [Value(0.0), Value(0.0)]
    binary_cross_entropy_with_logits(logits, [1, 0], reduction="sum").backward()
    assert [z.grad for z in logits] == [-0.5, 0.5]


def test_binary_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = [Value(800.0), Value(-800.0)]
    loss = binary_cross_entropy_with_logits(logits, [0, 1], reduction="sum")
    loss.backward()
    # each sample is confidently wrong by 800: the loss is 800 each, the gradient ±1
    assert loss.data == pytest.approx(1600.0)
    assert [z.grad for z in logits] == pytest.approx([1.0, -1.0])


def test_cross_entropy_value_and_gradient_are_the_closed_form() -> None:
    raw = [1.0, 2.0, 0.5]
    logits = [Value(z) for z in raw]
    loss = cross_entropy([logits], [1])
    loss.backward()
    total = sum(math.exp(z) for z in raw)
    assert loss.data == pytest.approx(math.log(total) - raw[1], rel=1e-12)
    expected = [math.exp(z) / total - (1.0 if k == 1 else 0.0) for k, z in enumerate(raw)]
    assert [z.grad for z in logits] == pytest.approx(expected, rel=1e-12)


def test_softmax_is_stable_for_huge_logits_and_sums_to_one() -> None:
    probabilities = softmax([Value(1000.0), Value(999.0), Value(-1000.0)])
    e = math.exp(-1.0)
    assert [p.data for p in probabilities] == pytest.approx([1 / (1 + e), e / (1 + e), 0.0])


def test_log_softmax_is_log_of_softmax() -> None:
    logits = [Value(0.3), Value(-2.0), Value(1.1)]
    logs = [v.data for v in log_softmax(logits)]
    assert logs == pytest.approx([math.log(p.data) for p in softmax(logits)], rel=1e-12)


def test_l2_penalty_is_the_sum_of_squares_with_gradient_two_p() -> None:
    params = [Value(1.5), Value(-2.0)]
    penalty = l2_penalty(params)
    penalty.backward()
    assert penalty.data == 1.5**2 + 2.0**2
    assert [p.grad for p in params] == [3.0, -4.0]


# ---------------------------------------------------------------------------
# reductions


def test_sum_reduction_is_n_times_the_mean() -> None:
    predictions, targets = [Value(0.2), Value(-0.4), Value(1.5)], [1, -1, 1]
    mean = hinge_loss(predictions, targets).data
    total = hinge_loss(predictions, targets, reduction="sum").data
    assert total == pytest.approx(3 * mean)


def test_reduction_is_one_sum_node_over_the_batch() -> None:
    predictions = [Value(float(i)) for i in range(5)]
    loss = mse_loss(predictions, [0.0] * 5, reduction="sum")
    assert loss.op == "sum"
    assert len(loss.parents) == 5


def test_losses_are_exported_at_the_top_level() -> None:
    assert ag.hinge_loss is hinge_loss and ag.cross_entropy is cross_entropy


# ---------------------------------------------------------------------------
# bad input


def test_mismatched_lengths_raise_value_error_naming_both() -> None:
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse_loss([Value(0.0), Value(1.0)], [0.0, 1.0, 2.0])


def test_empty_batch_raises_value_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        hinge_loss([], [])


def test_unknown_reduction_raises_value_error() -> None:
    with pytest.raises(ValueError, match="reduction"):
        mse_loss([Value(0.0)], [0.0], reduction="max")


def test_hinge_loss_rejects_zero_labels_and_says_how_to_convert() -> None:
    with pytest.raises(ValueError, match=r"target 1 is 0.*to_plus_minus"):
        hinge_loss([Value(0.0), Value(1.0)], [1, 0])


@pytest.mark.parametrize("label", [2, -1, 1.5, math.nan])
def test_binary_cross_entropy_rejects_labels_outside_zero_one(label: float) -> None:
    with pytest.raises(ValueError, match="target 0"):
        binary_cross_entropy_with_logits([Value(0.0)], [label])


@pytest.mark.parametrize("target", [3, -1, 1.0, True])
def test_cross_entropy_rejects_targets_that_are_not_class_indices(target: object) -> None:
    with pytest.raises(ValueError, match="class index"):
        cross_entropy([[Value(0.0), Value(1.0), Value(2.0)]], [target])  # type: ignore[list-item]
