"""Pictures of training with matplotlib: a model's decision boundary and its loss curve.

matplotlib is an optional extra (``pip install -e ".[plot]"``): it is imported
inside each function, so importing this module, or ``autograd_scalar``, never
loads it. Each function draws on its own :class:`matplotlib.figure.Figure`
(no pyplot state) and saves it to ``path``; the format follows the file's
suffix (``.png``, ``.svg``, ``.pdf``, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .engine import no_grad
from .history import History
from .nn import Module

__all__ = ["plot_decision_boundary", "plot_loss_curve"]


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | Path,
    resolution: int = 60,
) -> None:
    """Save a picture of the training points over the model's decision regions.

    ``model`` maps two inputs to one output score (an ``MLP(2, [..., 1])``);
    ``X`` holds 2-D points and ``y`` their labels, 0 or 1. The shading is the
    predicted probability of class 1, sigmoid(output), on a ``resolution`` by
    ``resolution`` grid covering the points with a margin of 0.5; the black
    line is the boundary (output = 0).
    """
    from matplotlib.figure import Figure  # imported here: matplotlib is optional

    xs = _grid_axis([p[0] for p in X], resolution)
    ys = _grid_axis([p[1] for p in X], resolution)
    with no_grad():
        outputs = [[model([a, b]) for a in xs] for b in ys]
        probabilities = [[output.sigmoid().data for output in row] for row in outputs]
    scores = [[output.data for output in row] for row in outputs]
    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.subplots()
    shading = axes.contourf(xs, ys, probabilities, levels=[i / 10 for i in range(11)],
                            cmap="coolwarm", alpha=0.45)
    axes.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1.2)
    for label, colour in ((0, "#3b4cc0"), (1, "#b40426")):
        points = [p for p, t in zip(X, y) if t == label]
        axes.scatter([p[0] for p in points], [p[1] for p in points], c=colour, s=22,
                     edgecolors="white", linewidths=0.6, label=f"class {label}")
    figure.colorbar(shading, ax=axes, label="P(class 1)")
    axes.set(title=f"Decision boundary of {type(model).__name__}", xlabel="x1", ylabel="x2")
    axes.legend(loc="upper right")
    figure.savefig(path, dpi=120)


def _grid_axis(coordinates: list[float], resolution: int) -> list[float]:
    """``resolution`` evenly spaced points from 0.5 below to 0.5 above ``coordinates``."""
    low, high = min(coordinates) - 0.5, max(coordinates) + 0.5
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


def plot_loss_curve(history: History, path: str | Path) -> None:
    """Save a picture of the loss (log scale) and the training accuracy per epoch.

    ``history`` is what :func:`~autograd_scalar.train.fit` returns. The loss
    axis is logarithmic when every loss is positive, linear otherwise.
    """
    from matplotlib.figure import Figure  # imported here: matplotlib is optional

    epochs = range(1, history.epochs + 1)
    figure = Figure(figsize=(6, 4), layout="constrained")
    loss_axes = figure.subplots()
    loss_axes.plot(epochs, history.loss, color="#c0392b")
    loss_axes.set(xlabel="epoch", ylabel="loss", title="Training")
    if history.loss and min(history.loss) > 0:
        loss_axes.set_yscale("log")
    accuracy_axes = loss_axes.twinx()
    accuracy_axes.plot(epochs, history.accuracy, color="#1f5fbf")
    accuracy_axes.set(ylabel="training accuracy", ylim=(0.0, 1.05))
    loss_axes.yaxis.label.set_color("#c0392b")
    accuracy_axes.yaxis.label.set_color("#1f5fbf")
    figure.savefig(path, dpi=120)
