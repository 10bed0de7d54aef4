"""Graphs of any depth survive pickle and deepcopy, and keep their leaves shared."""

from __future__ import annotations

import copy
import math
import pickle

import pytest

import autograd_scalar as ag
from autograd_scalar import Value

CLONES = {
    "pickle": lambda x: pickle.loads(pickle.dumps(x)),
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("name", sorted(CLONES))
def test_a_chain_of_100000_nodes_is_copied_without_recursion(name: str) -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(50_000):  # two nodes a step: 100,000 nodes below the root
        y = y * 1.0 + 0.0
    twin = CLONES[name](y)
    assert twin.data == 0.5
    twin.backward()
    leaf = ag.topological_order(twin)[-1]
    assert leaf.label == "x" and leaf.grad == 1.0 and x.grad == 0.0


@pytest.mark.parametrize("name", sorted(CLONES))
def test_leaves_stay_shared_between_a_graph_and_what_else_is_copied_with_it(name: str) -> None:
    w = Value(2.0, label="w")
    out = ag.dot([w, 3.0], [Value(1.0), w], 0.5).tanh()
    copied_out, copied_w = CLONES[name]([out, w])
    assert copied_w in set(ag.topological_order(copied_out))
    copied_out.backward()
    # d/dw tanh(w*1 + 3*w + 0.5) = 4 (1 - tanh^2)
    t = math.tanh(4 * 2.0 + 0.5)
    assert copied_w.grad == pytest.approx(4 * (1 - t * t), rel=1e-14)


@pytest.mark.parametrize("name", sorted(CLONES))
def test_every_layout_round_trips(name: str) -> None:
    x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    root = ag.sum([x * y, 2 - x, x**2, ag.dot([x], [2.0], y), ag.dot([x, y], [y, x]),
                   x.clamp(0, 1), ag.maximum(2.0, y), 5.0])
    twin = CLONES[name](root)
    assert [n.op for n in ag.topological_order(twin)] == [
        n.op for n in ag.topological_order(root)]
    twin.backward()
    leaves = {n.label: n.grad for n in ag.topological_order(twin) if n.is_leaf}
    # closed forms: d/dx = y - 1 + 2x + 2 + 2y + 1 (clamp: 0 <= x <= 1), d/dy = x + 1 + 2x + 0
    assert leaves["x"] == pytest.approx(y.data - 1 + 2 * x.data + 2 + 2 * y.data + 1)
    assert leaves["y"] == pytest.approx(x.data + 1 + 2 * x.data)
    assert twin.data == root.data
