"""Fuzzing model files and state dicts: truncations, byte flips, type swaps, random JSON.

Every outcome is either a load of the same model (when the change kept the meaning,
such as a flipped space) or a ``ValueError`` / ``FileNotFoundError``: never another
exception, never a hang, never a half-changed model after a failed ``load_state_dict``.
The examples per test are bounded (``FUZZ_EXAMPLES`` in all) so the suite stays quick.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_scalar import MLP, Layer, Module, Neuron

MODELS: list[Module] = [
    MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=1),
    Layer(3, 2, activation="relu", seed=2),
    Neuron(2, activation="gelu", seed=3),
]

EXAMPLES = {"truncate": 150, "flip": 300, "swap": 300, "json": 200, "state": 300}
FUZZ_EXAMPLES = sum(EXAMPLES.values())
"""How many inputs the suite tries in all (1,250)."""

SLOW = 2.0  # seconds: a load that takes longer is a hang
FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def saved(model: Module, tmp_path: Path) -> bytes:
    """The bytes ``model.save`` writes (saved once per model: saving syncs to disk)."""
    return _saved(MODELS.index(model))


@cache
def _saved(index: int) -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "original.json"
        MODELS[index].save(path)
        return path.read_bytes()


def check_outcome(model: Module, path: Path, document: dict[str, Any] | None = None) -> None:
    """Load ``path`` as ``type(model)`` and as a Module: the same model, or a ValueError.

    With ``document``, the file's contents without a checksum to protect them, a load
    may also give the model that ``document`` describes.
    """
    for loader in (type(model), Module):
        start = time.perf_counter()
        try:
            loaded = loader.load(path)
        except (ValueError, FileNotFoundError) as error:
            assert str(path) in str(error) or getattr(error, "filename", None) == str(path)
        else:
            assert type(loaded) is type(model)
            config, state = model.config(), model.state_dict()
            if document is not None:
                config = document["config"]
                state = {name: float(x) for name, x in document["state"].items()}
            assert loaded.config() == config
            assert loaded.state_dict() == state
        assert time.perf_counter() - start < SLOW


def write(tmp_path: Path, contents: bytes) -> Path:
    """``contents`` in a file in ``tmp_path`` (a new file each time: rewriting one in place
    can cost milliseconds, as ext4 flushes a truncated file on close)."""
    path = tmp_path / "fuzzed.json"
    path.unlink(missing_ok=True)
    path.write_bytes(contents)
    return path


models = st.sampled_from(MODELS)


@settings(max_examples=EXAMPLES["truncate"], **FUZZ)  # type: ignore[arg-type]
@given(model=models, fraction=st.floats(0.0, 1.0))
def test_truncated_files(model: Module, fraction: float, tmp_path: Path) -> None:
    contents = saved(model, tmp_path)
    check_outcome(model, write(tmp_path, contents[: int(fraction * (len(contents) - 1))]))


@settings(max_examples=EXAMPLES["flip"], **FUZZ)  # type: ignore[arg-type]
@given(
    model=models,
    flips=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(1, 255)),
                   min_size=1, max_size=3),
)
def test_flipped_bytes(model: Module, flips: list[tuple[float, int]], tmp_path: Path) -> None:
    contents = bytearray(saved(model, tmp_path))
    for where, mask in flips:
        contents[int(where * len(contents))] ^= mask
    check_outcome(model, write(tmp_path, bytes(contents)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(10**400), 10**400)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=12,
)


def places(document: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Every (container, key) in a model file's JSON where a value can be swapped."""
    found: list[tuple[Any, Any]] = []
    pending: list[Any] = [document]
    while pending:
        container = pending.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            found.append((container, key))
            if isinstance(container[key], (dict, list)):
                pending.append(container[key])
    return found


@settings(max_examples=EXAMPLES["swap"], **FUZZ)  # type: ignore[arg-type]
@given(
    model=models,
    where=st.floats(0.0, 1.0, exclude_max=True),
    value=json_values,
    checksum=st.sampled_from(["keep", "drop", "recompute"]),
)
def test_swapped_values(
    model: Module, where: float, value: Any, checksum: str, tmp_path: Path
) -> None:
    """A value anywhere in the file replaced by another; the checksum kept (so it should
    fail), dropped as a version-1 file, or recomputed (so the checks behind it are met)."""
    from autograd_scalar import nn

    document = json.loads(saved(model, tmp_path))
    container, key = places(document)[int(where * len(places(document)))]
    container[key] = value
    if checksum == "drop":
        document.pop("checksum", None)
        document["version"] = 1
    elif checksum == "recompute":
        document["checksum"] = nn._checksum(document)
    path = write(tmp_path, json.dumps(document).encode())
    check_outcome(model, path, None if checksum == "keep" else document)


@settings(max_examples=EXAMPLES["json"], **FUZZ)  # type: ignore[arg-type]
@given(
    model=models,
    document=st.fixed_dictionaries(
        {"format": st.just("autograd_scalar.model"), "version": st.sampled_from([1, 1.0, True]),
         "class": st.sampled_from(["MLP", "Layer", "Neuron", "autograd_scalar.nn:MLP", "x:y"])},
        optional={"config": json_values, "state": json_values, "checksum": json_values},
    ) | json_values,
)
def test_random_json(model: Module, document: Any, tmp_path: Path) -> None:
    check_outcome(model, write(tmp_path, json.dumps(document).encode()))


@settings(max_examples=EXAMPLES["state"], **FUZZ)  # type: ignore[arg-type]
@given(
    model=models,
    changes=st.dictionaries(
        st.sampled_from(list(MODELS[0].state_dict())) | st.text(max_size=6) | st.integers()
        | st.none(),
        json_values | st.floats(),
        max_size=4,
    ),
    base=st.booleans(),
)
def test_random_state_dicts(model: Module, changes: dict[Any, Any], base: bool) -> None:
    """``load_state_dict`` of a state with some entries changed (or of the changes alone):
    all of it applied, or a ValueError and no parameter changed."""
    before = model.state_dict()
    state = {**before, **changes} if base else changes
    try:
        model.load_state_dict(state)
    except ValueError:
        assert model.state_dict() == before
    else:
        assert set(state) == set(before)
        assert all(model.state_dict()[name] == float(x) for name, x in state.items())
        assert all(math.isfinite(x) for x in model.state_dict().values())
    finally:
        model.load_state_dict(before)


def test_the_suite_tries_over_a_thousand_inputs() -> None:
    assert FUZZ_EXAMPLES == 1250


@pytest.mark.parametrize("model", MODELS)
def test_every_change_of_one_digit_of_a_weight_is_caught(model: Module, tmp_path: Path) -> None:
    """Exhaustively: each digit of each weight changed to every other digit is refused by
    the checksum, unless the new digits still spell the same float (a last digit of the
    shortest repr can often change without changing the double it rounds to)."""
    contents = saved(model, tmp_path).decode()
    state = contents.index('"state"')
    values = contents[state:contents.index('"checksum"')]
    numbers = re.finditer(r"(?<=: )-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", values)
    tried = 0
    for number in numbers:
        token = number.group()
        for i, old in enumerate(token):
            for digit in "0123456789" if old.isdigit() else "":
                if digit == old:
                    continue
                changed = token[:i] + digit + token[i + 1:]
                at = state + number.start()
                path = write(tmp_path, (contents[:at] + changed + contents[at + len(token):])
                             .encode())
                tried += 1
                if float(changed) == float(token):
                    assert type(model).load(path).state_dict() == model.state_dict()
                else:
                    with pytest.raises(ValueError, match="checksum"):
                        type(model).load(path)
    assert tried > 9 * 15 * model.num_parameters() // 2
