"""Animated GIFs: backpropagation step by step, and a decision boundary over training.

:func:`save_gif` draws a graph once per step of the two passes, with
:func:`~autograd_scalar.viz.draw_dot`: first the forward pass, each Value's
``data`` appearing in the order it was computed (reversed
:func:`~autograd_scalar.engine.topological_order`), then the backward pass in
the order ``backward()`` processes the Values, the current one outlined in
red and each ``grad`` appearing once it is complete; a last frame holds the
finished graph. Every frame is laid out like the finished graph, so nothing
moves but the numbers.

:class:`TrainingRecorder` is a callback for :func:`~autograd_scalar.train.fit`
that keeps the decision boundary of a 2-D classifier every few epochs, and
:meth:`TrainingRecorder.save` writes them as a GIF (what ``autograd-scalar demo``
saves as ``training.gif``).

Frames are encoded by Pillow, an optional extra (``pip install
'autograd-scalar[gif]'``); graph frames are drawn by Graphviz's ``dot``, and
the decision boundary by matplotlib (the ``plot`` extra). For a view of
backpropagation that needs neither ``dot`` nor Pillow, save the explorer as
HTML: ``render(root, "backprop.html")``.

>>> from autograd_scalar import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> y.backward()
>>> save_gif(y, "backprop.gif")   # doctest: +SKIP
PosixPath('backprop.gif')
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._files import write_atomically
from .drawing import Drawing, GraphvizNotFoundError, draw_dot, pipe
from .engine import Value
from .engine import sum as sum_values
from .history import History
from .nn import Input, Module

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["TrainingRecorder", "backprop_frames", "save_gif"]

MISSING_PILLOW = (
    "writing a GIF needs Pillow, which is not installed: pip install 'autograd-scalar[gif]' "
    "(or: pip install pillow)"
)
MISSING_DOT = (
    "drawing GIF frames needs Graphviz's dot program, which is not on PATH: install Graphviz "
    "(apt-get install graphviz, brew install graphviz or conda install graphviz); without it, "
    'save the step-through explorer as HTML instead: render(root, "backprop.html") or '
    'explore(root).save("backprop.html")'
)


@dataclass(frozen=True)
class Frame:
    """What one frame of :func:`save_gif` shows: the Values whose data and grad are known,
    and the Value just computed (forward) or processed (backward), if any."""

    data: frozenset[Value]
    grads: frozenset[Value]
    current: Value | None


def backprop_frames(values: Sequence[Value]) -> list[Frame]:
    """The frames of :func:`save_gif` for ``values`` in topological order (output first).

    One per Value forward (in reverse order: inputs first), one per Value
    backward, and the finished graph: ``2 * len(values) + 1`` frames.

    >>> from autograd_scalar import Value
    >>> from autograd_scalar.engine import topological_order
    >>> x = Value(2.0, label="x")
    >>> frames = backprop_frames(topological_order(x * 3))
    >>> len(frames), [f.current.label or f.current.op for f in frames[:4]]
    (5, ['x', 'mul', 'mul', 'x'])
    """
    forward = list(reversed(values))
    frames = [Frame(frozenset(forward[: k + 1]), frozenset(), value)
              for k, value in enumerate(forward)]
    everything = frozenset(values)
    frames += [Frame(everything, frozenset(values[: k + 1]), value)
               for k, value in enumerate(values)]
    frames.append(Frame(everything, everything, None))
    return frames


def save_gif(
    root: Value, path: str | os.PathLike[str], *, fps: float = 2.0, hold: float = 3.0,
    dpi: float = 96.0, **draw_options: Any,
) -> Path:
    """Write an animated GIF of the forward and backward pass through ``root``'s graph.

    ``draw_options`` are :func:`~autograd_scalar.viz.draw_dot`'s (``modules=model``
    steps through neurons as wholes). ``fps`` frames a second, the last frame shown
    for ``hold`` seconds; ``dpi`` sets the size (96: as on a screen). Call
    ``root.backward()`` first: the frames show the gradients the Values hold.
    Returns the Path written; the file appears complete or not at all.

    Needs Pillow (``ImportError`` otherwise, naming ``autograd-scalar[gif]``) and
    Graphviz's ``dot`` (:class:`~autograd_scalar.viz.GraphvizNotFoundError`
    otherwise, naming the HTML explorer, which needs neither).
    """
    image_module = _pillow()
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(MISSING_DOT)
    _check_rate(fps, hold, dpi)
    finished = draw_dot(root, **draw_options)
    if not _number(root.grad):
        raise ValueError(
            "save_gif shows the gradients of the backward pass, and this graph has none yet "
            "(its output's grad is 0): call root.backward() first"
        )
    sizes = _node_sizes(finished)
    drawings = [draw_dot(root, **draw_options, data_shown=frame.data, grads_shown=frame.grads,
                         current=frame.current)
                for frame in backprop_frames(finished.values)]
    # Each frame is a dot process of its own: run as many at once as there are cores.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pictures = list(pool.map(lambda drawing: _picture(image_module, drawing, sizes, dpi),
                                 drawings))
    durations = [round(1000 / fps)] * (len(pictures) - 1) + [round(1000 * hold)]
    return _write_gif(image_module, pictures, durations, Path(path))


def _pillow() -> Any:
    """Pillow's ``PIL.Image`` module, or ``ImportError`` saying which extra brings it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(MISSING_PILLOW) from None
    return Image


def _check_rate(fps: float, hold: float, dpi: float) -> None:
    for name, number in (("fps", fps), ("hold", hold), ("dpi", dpi)):
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not (
                0 < number < math.inf):
            raise ValueError(f"{name} must be a positive number, not {number!r}")


def _number(x: float | Value) -> float:
    return x.data if isinstance(x, Value) else x


def _node_sizes(drawing: Drawing) -> dict[str, tuple[str, str]]:
    """Every node's width and height (inches) in ``drawing``'s layout, by node name.

    Each frame's nodes are given these sizes, fixed, so that a ``?`` where a
    number will be does not change the layout: dot, given the same graph and
    sizes, puts every node in the same place.
    """
    layout = json.loads(pipe(drawing, "json", drawing.timeout))
    return {node["name"]: (node["width"], node["height"]) for node in layout.get("objects", ())
            if "width" in node}


def _picture(
    image_module: Any, drawing: Drawing, sizes: dict[str, tuple[str, str]], dpi: float
) -> PILImage.Image:
    """``drawing`` rendered by dot as an RGB image, its nodes at ``sizes``."""
    for name, (width, height) in sizes.items():
        drawing.node(name, width=width, height=height, fixedsize="true")
    drawing.graph_attr["dpi"] = f"{dpi:g}"
    png = pipe(drawing, "png", drawing.timeout)
    picture: PILImage.Image = image_module.open(io.BytesIO(png)).convert("RGB")
    return picture


def _write_gif(
    image_module: Any, pictures: list[PILImage.Image], durations: list[int], path: Path
) -> Path:
    """Write ``pictures`` (each shown ``durations`` ms) as a looping GIF, atomically.

    Every frame is padded with white to the largest frame's size, and all share
    one palette (taken from the first, middle and last frames, which between them
    have every colour), so that Pillow stores only what changes from frame to frame.
    """
    width = max(picture.width for picture in pictures)
    height = max(picture.height for picture in pictures)
    padded = []
    for picture in pictures:
        if picture.size != (width, height):
            canvas = image_module.new("RGB", (width, height), "white")
            canvas.paste(picture, (0, 0))
            picture = canvas
        padded.append(picture)
    samples = [padded[0], padded[len(padded) // 2], padded[-1]]
    sheet = image_module.new("RGB", (width, height * len(samples)), "white")
    for k, picture in enumerate(samples):
        sheet.paste(picture, (0, height * k))
    palette = sheet.quantize(colors=255, dither=image_module.Dither.NONE)
    frames = [picture.quantize(palette=palette, dither=image_module.Dither.NONE)
              for picture in padded]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0, disposal=1)
    write_atomically(path, buffer.getvalue())
    return path


# ---------------------------------------------------------------------------
# Training: the decision boundary every few epochs

# The fewest same-shaped samples that the numpy replay groups into array code.
_GRID_GROUP = 4


class TrainingRecorder:
    """A :func:`~autograd_scalar.train.fit` callback that keeps a 2-D classifier's decision
    boundary every few epochs; :meth:`save` writes them as an animated GIF.

    ``model`` maps two inputs to one score (an ``MLP(2, [..., 1])``); ``X`` and
    ``y`` are the training points and their 0/1 labels, drawn on every frame.
    It keeps at most ``frames`` pictures: the untrained model, then one every
    ``epochs / (frames - 1)`` epochs, the last epoch included. Each is the
    predicted probability of class 1, sigmoid(score), on a ``resolution`` by
    ``resolution`` grid, evaluated on all points at once by the numpy replay
    (:func:`~autograd_scalar.compile_numpy.compile_numpy`), so a snapshot costs
    a few milliseconds. Needs numpy and matplotlib (the ``plot`` extra) and,
    to save, Pillow (the ``gif`` extra)::

        recorder = TrainingRecorder(model, X, y, epochs=200)
        fit(model, X, y, epochs=200, callback=recorder)
        recorder.save("training.gif")
    """

    def __init__(
        self, model: Module, X: Sequence[Sequence[float]], y: Sequence[int], *, epochs: int,
        frames: int = 60, resolution: int = 48,
    ) -> None:
        if frames < 2:
            raise ValueError(f"frames must be at least 2 (before and after), not {frames}")
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {epochs}")
        import numpy as np  # optional: the plot extra brings it

        self.model, self.X, self.y = model, [list(p) for p in X], list(y)
        self.epochs = epochs
        self._when = {math.ceil(k * epochs / (frames - 1)) for k in range(1, frames)}
        xs, ys = (np.linspace(min(c) - 0.5, max(c) + 0.5, resolution) for c in zip(*self.X))
        self.extent = (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
        grid_x, grid_y = np.meshgrid(xs, ys)
        self._grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
        self._shape = grid_x.shape
        self._scores = _grid_scores(model)
        self.snapshots: list[tuple[int, Any, str]] = []
        """(epoch, probabilities on the grid, caption), oldest first."""
        self._snapshot(0, "before training")

    def __call__(self, epoch: int, history: History) -> None:
        """Keep the boundary after ``epoch`` if it is one of the epochs to show."""
        if epoch in self._when:
            caption = f"epoch {epoch}: loss {history.loss[-1]:.4f}, " \
                      f"accuracy {history.accuracy[-1]:.0%}"
            self._snapshot(epoch, caption)

    def _snapshot(self, epoch: int, caption: str) -> None:
        import numpy as np

        scores = self._scores(self._grid).reshape(self._shape)
        self.snapshots.append((epoch, 1.0 / (1.0 + np.exp(-scores)), caption))

    def save(self, path: str | os.PathLike[str], *, fps: float = 8.0, hold: float = 2.0) -> Path:
        """Write the snapshots as a looping GIF, ``fps`` a second, the last held ``hold`` s."""
        image_module = _pillow()
        _check_rate(fps, hold, 1.0)
        pictures = _boundary_pictures(image_module, self)
        durations = [round(1000 / fps)] * (len(pictures) - 1) + [round(1000 * hold)]
        return _write_gif(image_module, pictures, durations, Path(path))


def _grid_scores(model: Module) -> Any:
    """A function from an (n, 2) array of points to the model's n scores, by numpy replay.

    The model is traced once on a few symbolic points; the replay reads the
    weights as they are at each call.
    """
    from .compile_numpy import compile_numpy

    points: list[Input] = [[Value(0.0), Value(0.0)] for _ in range(_GRID_GROUP)]
    outputs = [model(point) for point in points]
    if not all(isinstance(output, Value) for output in outputs):
        raise ValueError("TrainingRecorder needs a model with one output (a score) per point")
    graph = compile_numpy(sum_values(outputs), observe=outputs[:1])
    columns = [points[0].index(leaf) for leaf in graph.sample_leaves]

    def scores(grid: Any) -> Any:
        graph.forward(grid[:, columns])
        return graph.values(outputs[0])

    return scores


def _boundary_pictures(image_module: Any, recorder: TrainingRecorder) -> list[PILImage.Image]:
    """Each snapshot drawn by matplotlib: the probability shading, the boundary, the points.

    The figure (axes, ticks, labels) is drawn once; each frame redraws only what
    changes on top of it (blitting, as matplotlib's own animations do), about ten
    times faster than drawing the figure anew.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.8, 4.2), dpi=80, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    axes = figure.subplots()
    shading = axes.imshow(recorder.snapshots[0][1], origin="lower", extent=recorder.extent,
                          cmap="coolwarm", vmin=0.0, vmax=1.0, alpha=0.55, aspect="auto",
                          interpolation="bilinear", animated=True)
    points = [
        axes.scatter([p[0] for p, t in zip(recorder.X, recorder.y) if t == label],
                     [p[1] for p, t in zip(recorder.X, recorder.y) if t == label],
                     c=colour, s=18, edgecolors="white", linewidths=0.5, animated=True)
        for label, colour in ((0, "#3b4cc0"), (1, "#b40426"))
    ]
    axes.set(xlabel="x1", ylabel="x2")
    title = axes.set_title(recorder.snapshots[-1][2], fontsize=10, animated=True)
    canvas.draw()  # type: ignore[no-untyped-call]
    background = canvas.copy_from_bbox(figure.bbox)  # type: ignore[no-untyped-call]
    pictures = []
    for _, probabilities, caption in recorder.snapshots:
        canvas.restore_region(background)  # type: ignore[no-untyped-call]
        shading.set_data(probabilities)
        title.set_text(caption)
        # The boundary, where there is one (an untrained model may say one class everywhere).
        boundary = [axes.contour(probabilities, levels=[0.5], colors="black", linewidths=1.2,
                                 origin="lower", extent=recorder.extent)] \
            if probabilities.min() < 0.5 < probabilities.max() else []
        for artist in (shading, *boundary, *points, title):
            figure.draw_artist(artist)
        rgba = bytes(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
        pictures.append(image_module.frombuffer("RGBA", canvas.get_width_height(), rgba)
                        .convert("RGB"))
        for artist in boundary:
            artist.remove()
    return pictures
