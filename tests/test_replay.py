"""The replay interface: both compiled replays step, read per-sample values and keep or write
back parameters as :class:`autograd_scalar.replay.Replay` says, checked against eager."""

from __future__ import annotations

import pytest

from autograd_scalar import MLP, SGD, Value, compile_graph, hinge_loss, make_moons, to_plus_minus
from autograd_scalar.replay import Replay
from autograd_scalar.train import batch_loss

X, LABELS = make_moons(12, noise=0.2, seed=4)
Y = to_plus_minus(LABELS)


def compiled(backend: str, seed: int = 2) -> tuple[MLP, Replay, list[Value]]:
    """A model, the replay of its batch loss (outputs observed), and the outputs."""
    model = MLP(2, [5, 1], seed=seed)
    loss, predictions = batch_loss(model, X, Y, hinge_loss, l2=1e-3)
    outputs = [p for p in predictions if isinstance(p, Value)]
    replay: Replay = compile_graph(loss, observe=outputs, backend=backend)
    return model, replay, outputs


def eager_steps(steps: int, seed: int = 2) -> MLP:
    """The same model after ``steps`` eager SGD steps: backward() and SGD.step()."""
    model = MLP(2, [5, 1], seed=seed)
    optimizer = SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        batch_loss(model, X, Y, hinge_loss, l2=1e-3)[0].backward()
        optimizer.step()
    return model


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_step_updates_the_weights_as_eager_backward_and_sgd_do(backend: str) -> None:
    model, replay, _ = compiled(backend)
    optimizer = SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        replay.step(optimizer)
    expected = eager_steps(3)
    for mine, theirs in zip(model.parameters(), expected.parameters()):
        assert mine.data == pytest.approx(theirs.data, rel=1e-12, abs=1e-15)
        assert mine.grad == pytest.approx(theirs.grad, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_values_give_every_samples_output_in_order(backend: str) -> None:
    model, replay, outputs = compiled(backend)
    replay.forward()
    expected = [model(x) for x in X]
    assert list(replay.values(outputs[5])) == pytest.approx(
        [e.data for e in expected if isinstance(e, Value)], rel=1e-12)


def test_the_float_replay_has_no_sample_leaves_and_refuses_samples() -> None:
    model, replay, _ = compiled("python")
    assert replay.sample_leaves == []
    with pytest.raises(ValueError, match=r"set its leaves' \.data"):
        replay.step(SGD(model.parameters(), lr=0.1), [[0.0, 0.0, 1.0]])


def test_numpy_steps_without_write_back_leave_the_values_until_write_back() -> None:
    model, replay, _ = compiled("numpy")
    before = [p.data for p in model.parameters()]
    optimizer = SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        replay.step(optimizer, write_back=False)
    assert [p.data for p in model.parameters()] == before
    replay.write_back()
    expected = eager_steps(3)
    for mine, theirs in zip(model.parameters(), expected.parameters()):
        assert mine.data == pytest.approx(theirs.data, rel=1e-12, abs=1e-15)
        assert mine.grad == pytest.approx(theirs.grad, rel=1e-9, abs=1e-15)


def test_a_numpy_forward_after_held_steps_reads_the_held_weights() -> None:
    model, replay, _ = compiled("numpy")
    replay.step(SGD(model.parameters(), lr=0.1), write_back=False)
    after_one = eager_steps(1)
    expected = batch_loss(after_one, X, Y, hinge_loss, l2=1e-3)[0].data
    assert replay.forward() == pytest.approx(expected, rel=1e-12)


def test_numpy_replay_without_write_observed_leaves_the_observed_values_alone() -> None:
    model, replay, outputs = compiled("numpy")
    replay.write_observed = False
    stale = [o.data for o in outputs]
    replay.step(SGD(model.parameters(), lr=0.1))
    replay.forward()
    assert [o.data for o in outputs] == stale
    assert list(replay.values(outputs[0])) == pytest.approx(
        [e.data for e in (model(x) for x in X) if isinstance(e, Value)], rel=1e-12)
