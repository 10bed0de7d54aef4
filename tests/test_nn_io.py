"""State dicts and model files: round trips, and every way a bad file or dict is refused."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from autograd_scalar import MLP, Layer, Module, Neuron


def make_model() -> MLP:
    return MLP(2, [5, 3, 1], activation="tanh", output_activation="sigmoid", seed=4)


POINTS = [[0.3, -1.2], [2.0, 0.5], [-0.7, -0.1]]


def predictions(model: Module) -> list[float]:
    return [model(x).data for x in POINTS]


@pytest.mark.parametrize(
    "model", [make_model(), Layer(2, 1, activation="leaky_relu", seed=1), Neuron(2, seed=2)]
)
def test_save_then_load_rebuilds_the_same_predictions(model: Module, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model.save(path)
    loaded = type(model).load(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert predictions(loaded) == predictions(model)  # exactly: JSON keeps every float bit


def test_module_load_rebuilds_whatever_class_was_saved(tmp_path: Path) -> None:
    path = tmp_path / "neuron.json"
    Neuron(3, activation="tanh", seed=0).save(path)
    assert isinstance(Module.load(path), Neuron)


def test_saved_file_records_format_architecture_and_weights(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model = make_model()
    model.save(path)
    document = json.loads(path.read_text())
    assert document["format"] == "autograd_scalar.model"
    assert document["version"] == 1
    assert document["class"] == "MLP"
    assert document["config"] == {
        "nin": 2, "nouts": [5, 3, 1], "activation": "tanh", "output_activation": "sigmoid",
    }
    assert document["state"]["layers.2.neurons.0.b"] == model.layers[2].neurons[0].b.data


def test_state_dict_round_trip_copies_weights_between_models() -> None:
    source, target = make_model(), MLP(2, [5, 3, 1], "tanh", "sigmoid", seed=99)
    target.load_state_dict(source.state_dict())
    assert predictions(target) == predictions(source)


# ---------------------------------------------------------------------------
# bad state dicts leave the model unchanged


def broken_states() -> list[tuple[str, dict[str, Any]]]:
    good = make_model().state_dict()
    without = dict(good)
    del without["layers.1.neurons.2.w.0"]
    return [
        ("missing: layers.1.neurons.2.w.0", without),
        ("unexpected: layers.9.neurons.0.b", {**good, "layers.9.neurons.0.b": 1.0}),
        ("not a finite number: layers.0.neurons.0.b", {**good, "layers.0.neurons.0.b": [1.0]}),
        ("not a finite number: layers.0.neurons.1.w.0",
         {**good, "layers.0.neurons.1.w.0": math.nan}),
        ("not a finite number: layers.0.neurons.0.b", {**good, "layers.0.neurons.0.b": "0.1"}),
    ]


@pytest.mark.parametrize("problem, state", broken_states())
def test_bad_state_dict_raises_and_leaves_the_model_unchanged(
    problem: str, state: dict[str, Any]
) -> None:
    model = MLP(2, [5, 3, 1], "tanh", "sigmoid", seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=re.escape(problem)):
        model.load_state_dict(state)
    assert model.state_dict() == before


# ---------------------------------------------------------------------------
# bad files


def test_loading_a_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(FileNotFoundError, match=r"absent\.json"):
        MLP.load(path)


def test_loading_a_truncated_file_raises_value_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    make_model().save(path)
    path.write_text(path.read_text()[:200])
    with pytest.raises(ValueError, match=r"model\.json is not a saved model: not JSON"):
        MLP.load(path)


@pytest.mark.parametrize(
    "contents",
    [
        b'{"weights": [1, 2, 3]}',
        b"[1, 2, 3]",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"",
    ],
)
def test_loading_a_foreign_file_raises_value_error_naming_it(
    contents: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "foreign.json"
    path.write_bytes(contents)
    with pytest.raises(ValueError, match=r"foreign\.json is not a saved model"):
        MLP.load(path)


def test_loading_a_newer_format_version_says_so(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    make_model().save(path)
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "version": 2}))
    with pytest.raises(ValueError, match="format version 2"):
        MLP.load(path)


def test_loading_weights_that_do_not_fit_the_architecture_raises(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    make_model().save(path)
    document = json.loads(path.read_text())
    document["config"]["nouts"] = [5, 4, 1]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"not a valid saved MLP.*missing: layers\.1\.neurons\.3"):
        MLP.load(path)


def test_loading_a_file_of_another_class_raises(tmp_path: Path) -> None:
    path = tmp_path / "neuron.json"
    Neuron(2).save(path)
    with pytest.raises(ValueError, match="holds a model of class Neuron, not MLP"):
        MLP.load(path)


# ---------------------------------------------------------------------------
# saving is atomic


def test_interrupted_save_keeps_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    old = make_model()
    old.save(path)
    saved = path.read_bytes()

    def interrupted(source: object, destination: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [5, 3, 1], seed=1).save(path)
    assert path.read_bytes() == saved
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_saving_non_finite_weights_raises_and_writes_nothing(tmp_path: Path) -> None:
    model = make_model()
    model.layers[0].neurons[1].b.data = math.inf
    with pytest.raises(ValueError, match=r"not finite.*layers\.0\.neurons\.1\.b"):
        model.save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


def test_saved_file_has_the_usual_permissions(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    Neuron(2).save(path)
    reference = tmp_path / "plain.txt"
    reference.write_text("x")
    assert path.stat().st_mode == reference.stat().st_mode


def test_saving_into_a_missing_directory_names_the_target_not_the_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "missing_dir" / "m.json"
    with pytest.raises(FileNotFoundError) as caught:
        MLP(2, [1], seed=0).save(target)
    assert caught.value.filename == str(target)
    assert ".tmp" not in str(caught.value) and str(target) in str(caught.value)
