"""State dicts and model files: round trips, and every way a bad file or dict is refused."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from autograd_scalar import MLP, Layer, Module, Neuron, Value


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
    assert document["version"] == 2
    assert document["class"] == "autograd_scalar.nn:MLP"
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
    path.write_text(json.dumps({**document, "version": 3}))
    with pytest.raises(ValueError, match="format version 3"):
        MLP.load(path)


def test_loading_weights_that_do_not_fit_the_architecture_raises(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    document = old_document(make_model())  # no checksum, so the config is what fails
    document["config"]["nouts"] = [5, 4, 1]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"not a valid saved MLP.*44 parameters.*state has 37"):
        MLP.load(path)


def test_loading_weights_under_other_names_raises(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    document = old_document(make_model())
    state = document["state"]
    state["layers.1.neurons.9.b"] = state.pop("layers.1.neurons.2.b")
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"not a valid saved MLP.*missing: layers\.1\.neurons\.2\.b"
                       r".*unexpected: layers\.1\.neurons\.9\.b"):
        MLP.load(path)


def test_loading_a_file_of_another_class_raises(tmp_path: Path) -> None:
    path = tmp_path / "neuron.json"
    Neuron(2).save(path)
    expected = r"holds a model of class autograd_scalar\.nn:Neuron, not autograd_scalar\.nn:MLP"
    with pytest.raises(ValueError, match=expected):
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


# ---------------------------------------------------------------------------
# a file is checked whole before anything is built


def model_file(tmp_path: Path, document: dict[str, Any] | str) -> Path:
    """``document`` written as a model file (a dict as JSON, a string as it is)."""
    path = tmp_path / "model.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def old_document(model: Module) -> dict[str, Any]:
    """What a version-1 save wrote: a bare class name and no checksum."""
    return {"format": "autograd_scalar.model", "version": 1, "class": type(model).__name__,
            "config": model.config(), "state": model.state_dict()}


NEURON_FILE = old_document(Neuron(1, seed=0))
"""A version-1 file of a 2-parameter neuron, made before any test forbids building one."""


@pytest.fixture
def no_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a Neuron is built (every Layer and MLP builds Neurons)."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a Neuron was built before the file was checked")

    monkeypatch.setattr(Neuron, "__init__", refuse)


@pytest.mark.parametrize("nin", [3_000_000, 10**30])
def test_a_huge_architecture_is_refused_before_anything_is_built(
    nin: int, tmp_path: Path, no_construction: None
) -> None:
    path = model_file(tmp_path, {**NEURON_FILE, "class": "MLP",
                                 "config": {"nin": nin, "nouts": [1]}})
    with pytest.raises(ValueError, match=rf"model\.json.*{nin + 1} parameters.*the state has 2"):
        MLP.load(path)


BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("MLP", {"nin": True, "nouts": [1]}, "'nin' must be an integer"),
    ("MLP", {"nin": 2.0, "nouts": [1]}, "'nin' must be an integer"),
    ("MLP", {"nin": 0, "nouts": [1]}, "'nin' must be at least 1"),
    ("MLP", {"nin": -3, "nouts": [1]}, "'nin' must be at least 1"),
    ("MLP", {"nin": 2, "nouts": []}, "'nouts' must be a non-empty list"),
    ("MLP", {"nin": 2, "nouts": "11"}, "'nouts' must be a non-empty list"),
    ("MLP", {"nin": 2, "nouts": [1.5]}, r"'nouts\[0\]' must be an integer"),
    ("MLP", {"nin": 2, "nouts": [1, 0]}, r"'nouts\[1\]' must be at least 1"),
    ("MLP", {"nin": 2, "nouts": [1], "activation": 3}, "'activation' must be one of"),
    ("MLP", {"nin": 2, "nouts": [1], "output_activation": "nope"},
     "'output_activation' must be one of"),
    ("MLP", {"nouts": [1]}, "missing 'nin'"),
    ("MLP", {"nin": 2, "nouts": [1], "layers": 9}, "unexpected 'layers'"),
    ("Layer", {"nin": 2, "nout": None}, "'nout' must be an integer"),
    ("Neuron", {"nin": "2"}, "'nin' must be an integer"),
]


@pytest.mark.parametrize("name, config, problem", BAD_CONFIGS)
def test_a_bad_config_is_refused_naming_the_file_and_the_field(
    name: str, config: dict[str, Any], problem: str, tmp_path: Path, no_construction: None
) -> None:
    path = model_file(tmp_path, {**NEURON_FILE, "class": name,
                                 "config": config})
    with pytest.raises(ValueError, match=rf"model\.json.*config.*{problem}"):
        Module.load(path)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_value_error(depth: int, tmp_path: Path) -> None:
    document = json.dumps({**NEURON_FILE, "config": "HOLE"})
    path = model_file(tmp_path, document.replace('"HOLE"', "[" * depth + "]" * depth))
    with pytest.raises(ValueError, match=r"model\.json.*nested too deeply"):
        Module.load(path)
    path.write_text("[" * depth + "]" * depth)
    with pytest.raises(ValueError, match=r"model\.json.*nested too deeply"):
        Module.load(path)


def test_an_enormous_integer_in_a_file_is_a_value_error(tmp_path: Path) -> None:
    path = model_file(tmp_path, {**NEURON_FILE, "state": {"w.0": 10**400, "b": 0.0}})
    with pytest.raises(ValueError, match=r"model\.json.*integer of 401 digits"):
        Neuron.load(path)
    path.write_text(path.read_text().replace("1" + "0" * 400, "7" * 1_000_000))
    with pytest.raises(ValueError, match=r"model\.json.*integer of 1000000 digits"):
        Neuron.load(path)


@pytest.mark.parametrize(
    "problem, change",
    [
        ("not a finite number: w.0", {"w.0": 10**400}),
        ("not a finite number: w.0", {"w.0": -(10**400)}),
        ("keys that are not strings: 1, None", {1: 0.5, None: 0.5}),
        ("not a finite number: b", {"b": True}),
    ],
)
def test_a_bad_state_dict_is_a_value_error_that_changes_nothing(
    problem: str, change: dict[Any, Any]
) -> None:
    neuron = Neuron(1, seed=0)
    before = neuron.state_dict()
    with pytest.raises(ValueError, match=re.escape(problem)):
        neuron.load_state_dict({**before, **change})
    assert neuron.state_dict() == before


# ---------------------------------------------------------------------------
# checksums, versions and classes


def test_a_saved_file_carries_a_checksum_of_its_contents(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    make_model().save(path)
    document = json.loads(path.read_text())
    assert document["version"] == 2
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", document["checksum"])


def test_a_changed_weight_fails_the_checksum(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model = make_model()
    model.save(path)
    weight = repr(model.layers[1].neurons[2].w[0].data)
    changed = weight[:-1] + ("1" if weight[-1] != "1" else "2")
    path.write_text(path.read_text().replace(weight, changed))
    with pytest.raises(ValueError, match=r"model\.json.*checksum"):
        MLP.load(path)


def test_a_changed_activation_fails_the_checksum(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    MLP(2, [3, 1], activation="relu", seed=0).save(path)
    path.write_text(path.read_text().replace('"relu"', '"gelu"'))
    with pytest.raises(ValueError, match=r"model\.json.*checksum"):
        MLP.load(path)


def test_a_version_2_file_without_a_checksum_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    make_model().save(path)
    document = json.loads(path.read_text())
    del document["checksum"]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"model\.json.*no 'checksum'"):
        MLP.load(path)


@pytest.mark.parametrize("model", [make_model(), Layer(2, 3, seed=1), Neuron(2, seed=2)])
def test_version_1_files_without_a_checksum_still_load(model: Module, tmp_path: Path) -> None:
    path = model_file(tmp_path, old_document(model))
    loaded = type(model).load(path)
    assert loaded.state_dict() == model.state_dict() and repr(loaded) == repr(model)
    assert type(Module.load(path)) is type(model)


@pytest.mark.parametrize("version", [1.0, "1", True, 2.0, "2", None, [2]])
def test_a_version_that_is_not_an_integer_is_refused(version: object, tmp_path: Path) -> None:
    path = model_file(tmp_path, {**NEURON_FILE, "version": version})
    with pytest.raises(ValueError, match=r"model\.json.*format version"):
        Neuron.load(path)


def test_the_file_names_the_class_with_its_module(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    Layer(2, 2, seed=0).save(path)
    assert json.loads(path.read_text())["class"] == "autograd_scalar.nn:Layer"


def test_a_users_class_named_mlp_does_not_break_loading_the_librarys(tmp_path: Path) -> None:
    class MLP(Module):  # a user's own model, under the library's name
        def __init__(self) -> None:
            self.w = Value(1.0)

        def config(self) -> dict[str, Any]:
            return {}

    from autograd_scalar import nn

    path = tmp_path / "model.json"
    make_model().save(path)
    assert type(nn.MLP.load(path)) is nn.MLP
    model_file(tmp_path, old_document(make_model()))  # a bare "MLP" means the library's
    assert type(nn.MLP.load(path)) is nn.MLP
    MLP().save(tmp_path / "mine.json")
    assert type(Module.load(tmp_path / "mine.json")) is MLP
    with pytest.raises(ValueError, match=r"not autograd_scalar\.nn:MLP"):
        nn.MLP.load(tmp_path / "mine.json")


def test_a_file_of_an_unknown_class_is_refused(tmp_path: Path) -> None:
    path = model_file(tmp_path, {**NEURON_FILE, "class": "nowhere:Thing"})
    with pytest.raises(ValueError, match=r"model\.json.*class nowhere:Thing.*not defined"):
        Module.load(path)
