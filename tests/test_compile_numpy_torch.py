"""ArrayGraph.to_torch: a compiled numpy program as PyTorch code, checked by torch.autograd."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from autograd_scalar import Value, compile_graph
from autograd_scalar import sum as sum_values
from autograd_scalar.data import make_blobs, make_moons, to_plus_minus
from autograd_scalar.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    mse_loss,
)
from autograd_scalar.nn import MLP
from autograd_scalar.train import batch_loss


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def moons_loss(loss: Any) -> tuple[MLP, Value]:
    if loss is cross_entropy:
        X, y = make_blobs(30, centers=3, seed=2)
        model = MLP(2, [6, 3], activation="tanh", seed=4)
        return model, batch_loss(model, X, list(y), loss, l2=1e-3)[0]
    X, y = make_moons(40, noise=0.1, seed=1)
    targets = to_plus_minus(y) if loss is hinge_loss else y
    model = MLP(2, [8, 8, 1], seed=3)
    return model, batch_loss(model, X, targets, loss, l2=1e-3)[0]


@pytest.mark.parametrize(
    "loss", [hinge_loss, binary_cross_entropy_with_logits, mse_loss, cross_entropy])
def test_torch_code_gives_the_loss_and_gradients_of_backward(torch: Any, loss: Any) -> None:
    model, total = moons_loss(loss)
    program = compile_graph(total, backend="numpy").to_torch()
    leaves = program.tensor()
    result = program(leaves)
    result.backward()
    model.zero_grad()
    total.backward()  # the eager engine: an independent computation
    assert result.item() == pytest.approx(total.data, rel=1e-12)
    torch_grads = dict(zip(program.leaves, leaves.grad.tolist()))
    largest = max(abs(p.grad) for p in model.parameters())
    for parameter in model.parameters():
        assert torch_grads[parameter] == pytest.approx(parameter.grad, abs=1e-12 * largest)


def test_torch_code_is_the_array_code_one_line_per_op(torch: Any) -> None:
    _, total = moons_loss(hinge_loss)
    source = compile_graph(total, backend="numpy").to_torch().source
    assert source.startswith("def loss(L):")
    layers = [line for line in source.splitlines() if " @ " in line and ".T" in line]
    assert len(layers) == 3  # one matrix product per layer (and one for the L2 penalty)
    assert "check(" not in source  # torch's own inf and nan, not the engine's errors


def test_torch_code_follows_the_leaves_current_values(torch: Any) -> None:
    w = Value(0.5, label="w")
    total = sum_values([(w * x).tanh() for x in (1.0, 2.0, 3.0, 4.0)])
    program = compile_graph(total, backend="numpy").to_torch()
    w.data = -1.5
    expected = sum_values([(w * x).tanh() for x in (1.0, 2.0, 3.0, 4.0)]).data
    assert program(program.tensor()).item() == pytest.approx(expected, rel=1e-12)


def test_to_torch_without_torch_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _, total = moons_loss(mse_loss)
    graph = compile_graph(total, backend="numpy")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"autograd-scalar\[torch\]"):
        graph.to_torch()
