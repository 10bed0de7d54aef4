"""History lives in history.py; what reads a history (live, plot) does not import train."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import autograd_scalar
from autograd_scalar import train
from autograd_scalar.history import History

PACKAGE = Path(autograd_scalar.__file__).parent


def imported_modules(module: str) -> set[str]:
    """Every package module ``module`` imports, at the top or inside a function."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:
                found.update(alias.name for alias in node.names)
            else:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "autograd_scalar."):
            found.add((node.module or "").split(".")[1])
    return found


def test_train_and_the_package_give_the_history_of_history_py() -> None:
    assert train.History is History
    assert autograd_scalar.History is History


@pytest.mark.parametrize("reader", ["live", "plot", "history"])
def test_what_reads_a_history_does_not_import_train(reader: str) -> None:
    assert "train" not in imported_modules(reader)


def test_train_imports_live_and_history() -> None:
    assert {"live", "history"} <= imported_modules("train")


def test_to_dict_leaves_out_empty_validation_lists() -> None:
    history = History(loss=[0.5, 0.25], accuracy=[0.5, 1.0])
    assert history.to_dict() == {"loss": [0.5, 0.25], "accuracy": [0.5, 1.0],
                                 "interrupted": False}
    history.validation_loss, history.validation_accuracy = [0.4, 0.3], [0.5, 0.5]
    assert history.to_dict()["validation_loss"] == [0.4, 0.3]
