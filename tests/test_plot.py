"""The plotting helpers: each saves a picture, and matplotlib loads only when one is drawn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_scalar import MLP, make_moons
from autograd_scalar.plot import plot_decision_boundary, plot_loss_curve
from autograd_scalar.train import History


@pytest.fixture
def matplotlib() -> None:
    pytest.importorskip("matplotlib")


@pytest.mark.usefixtures("matplotlib")
def test_decision_boundary_is_saved_in_the_format_of_the_suffix(tmp_path: Path) -> None:
    X, y = make_moons(20, 0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    plot_decision_boundary(model, X, y, tmp_path / "boundary.png", resolution=8)
    plot_decision_boundary(model, X, y, str(tmp_path / "boundary.svg"), resolution=8)
    assert (tmp_path / "boundary.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "boundary.svg").read_text(encoding="utf-8")


@pytest.mark.usefixtures("matplotlib")
@pytest.mark.parametrize("losses", [[1.0, 0.5, 0.25], [0.5, 0.0], []])
def test_loss_curve_is_saved_for_positive_zero_and_no_losses(
    tmp_path: Path, losses: list[float]
) -> None:
    history = History(loss=losses, accuracy=[0.5] * len(losses))
    plot_loss_curve(history, tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")


def test_importing_the_package_and_plot_does_not_load_matplotlib() -> None:
    probe = (
        "import sys, autograd_scalar, autograd_scalar.plot; "
        "print([m for m in sys.modules if m.startswith('matplotlib')])"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
