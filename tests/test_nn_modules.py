"""Modules find their parameters as torch.nn.Module does; unseeded models follow Python's
global random; graphs, modules and optimizers survive pickle and deepcopy."""

from __future__ import annotations

import copy
import math
import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from autograd_scalar import MLP, SGD, Adam, Module, Value, dot
from autograd_scalar.ops import OPS


class Scaled(Module):
    """A module made of an MLP, a Value, and a list and a dict of Values."""

    def __init__(self, seed: int = 0) -> None:
        self.body = MLP(2, [3, 1], seed=seed)
        self.scale = Value(2.0)
        self.offsets = [Value(0.5), Value(-0.5)]
        self.gates = {"left": Value(1.0), "right": Value(3.0)}
        self._cache: list[Value] = [Value(9.0)]  # private: not a parameter

    def forward(self, x: list[float]) -> Value:
        return self.body(x) * self.scale + self.offsets[0] * self.gates["left"]  # type: ignore[operator]

    def config(self) -> dict[str, Any]:
        return {}


def test_a_custom_module_finds_every_parameter_with_a_dotted_name() -> None:
    names = [name for name, _ in Scaled().named_parameters()]
    assert len(names) == 13 + 1 + 2 + 2
    assert names[:2] == ["body.layers.0.neurons.0.w.0", "body.layers.0.neurons.0.w.1"]
    assert names[-5:] == ["scale", "offsets.0", "offsets.1", "gates.left", "gates.right"]


def test_private_attributes_are_not_parameters() -> None:
    module = Scaled()
    assert all(p is not module._cache[0] for p in module.parameters())


def test_state_dict_and_zero_grad_see_every_parameter() -> None:
    module = Scaled()
    module([1.0, 2.0]).backward()
    assert module.gates["left"].grad == 0.5  # d/dgate (offset * gate) = offset
    module.zero_grad()
    assert all(p.grad == 0.0 for p in module.parameters())
    assert module.state_dict()["gates.right"] == 3.0


def test_a_custom_module_saves_and_loads_all_its_weights(tmp_path: Path) -> None:
    module = Scaled(seed=1)
    module.gates["right"].data = 7.0
    module.save(tmp_path / "scaled.json")
    loaded = Scaled.load(tmp_path / "scaled.json")
    assert loaded.state_dict() == module.state_dict()


def test_a_shared_parameter_is_listed_once() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.w = Value(1.0)
            self.again = [self.w]

    assert [name for name, _ in Tied().named_parameters()] == ["w"]


def test_an_unseeded_model_follows_the_global_random() -> None:
    random.seed(7)
    first = MLP(2, [4, 1]).state_dict()
    random.seed(7)
    again = MLP(2, [4, 1]).state_dict()
    different = MLP(2, [4, 1]).state_dict()
    assert first == again
    assert first != different


def test_a_seed_is_reproducible_whatever_the_global_random() -> None:
    random.seed(1)
    a = MLP(2, [4, 1], seed=5).state_dict()
    random.seed(2)
    assert MLP(2, [4, 1], seed=5).state_dict() == a


def graph() -> tuple[Value, Value, Value]:
    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    return (dot([w], [x], 0.3).tanh() * x).exp(), x, w


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))],
                         ids=["deepcopy", "pickle"])
def test_a_copied_graph_differentiates_like_the_closed_form(clone: Any) -> None:
    root, _, _ = graph()
    copied = clone(root)
    copied.backward()
    leaves = {v.label: v for v in _walk(copied) if v.is_leaf}
    x, w = 0.5, -1.2
    t = math.tanh(w * x + 0.3)
    value = math.exp(t * x)
    assert copied.data == pytest.approx(value, rel=1e-15)
    assert leaves["w"].grad == pytest.approx(value * x * x * (1 - t * t), rel=1e-14)
    assert leaves["x"].grad == pytest.approx(value * (t + x * w * (1 - t * t)), rel=1e-14)
    assert copied.operation is OPS["exp"]  # the engine's own op table, not a copy


def _walk(root: Value) -> list[Value]:
    from autograd_scalar import topological_order

    return topological_order(root)


def test_a_pickled_model_and_optimizer_keep_training_as_the_original() -> None:
    model = MLP(2, [3, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        (model([1.0, -1.0]) ** 2).backward()
        optimizer.step()
    twin_model, twin_optimizer = pickle.loads(pickle.dumps((model, optimizer)))
    for m, o in ((model, optimizer), (twin_model, twin_optimizer)):
        o.zero_grad()
        (m([1.0, -1.0]) ** 2).backward()
        o.step()
    assert twin_model.state_dict() == model.state_dict()
    assert twin_optimizer.params[0] is twin_model.parameters()[0]


def test_deepcopy_of_a_module_is_independent() -> None:
    model = MLP(2, [2, 1], seed=0)
    twin = copy.deepcopy(model)
    SGD(twin.parameters(), lr=1.0)
    twin.parameters()[0].data += 1.0
    assert model.parameters()[0].data != twin.parameters()[0].data
