"""The live view of ``fit(..., live=True)``: one picture in a notebook, redrawn as training runs.

The view shows, side by side,

* the **decision boundary**: the model's score over the plane of 2-D inputs
  (clipped to ±4; the black line is score 0), with the training points;
* the **loss and accuracy curves**, for the training samples and, with
  ``fit(..., validation=...)``, for the held-out ones;
* a small **heatmap per first-layer neuron** (TensorFlow Playground's idea):
  its activation at every point of the same plane, so you can watch each
  neuron find the edge it cuts the plane along.

It is a PNG image (matplotlib's Agg renderer) shown with
``IPython.display.display(..., display_id=True)`` and replaced in place with
``handle.update(...)``: plain display updates, which JupyterLab, Notebook 7 and
VS Code all show with no widget extension, and which leave the last frame in
the saved notebook. Inputs that are not 2-D have no plane to draw: the view
shows the curves only, and says so.

Drawing is throttled by a :class:`Throttle`: a frame is drawn only while the
time spent drawing, with room kept for the final frame, stays within 20 % of the
time spent training; the final state is always drawn (also when training is
interrupted). A training run shorter than a few frames' time (a second or so)
therefore gets the final frame only, and pays for it and for the set-up.

matplotlib is the ``plot`` extra (``pip install "autograd-scalar[plot]"``), and
is imported when a view is made, never when this module is. Outside a notebook
:func:`in_notebook` is False, and ``fit(live=True)`` warns and trains without a
view. A view also works as a plain ``fit`` callback with any ``display``
function, which is how it is tested and measured outside Jupyter:

>>> from autograd_scalar import MLP, fit, make_moons, binary_cross_entropy_with_logits
>>> X, y = make_moons(40, seed=0)
>>> model = MLP(2, [4, 1], seed=0)
>>> frames = []
>>> view = LiveView(model, X, y, epochs=5, display=frames.append)
>>> history = fit(model, X, y, loss=binary_cross_entropy_with_logits, epochs=5,
...               progress=False, callback=view)
>>> view.finish(history)
>>> frames[-1][:8] == b"\\x89PNG\\r\\n\\x1a\\n", view.drawn_epoch
(True, 5)
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .compile import compile_graph
from .engine import Value, no_grad
from .engine import sum as value_sum
from .history import History
from .nn import MLP, Layer, Module

__all__ = ["LiveView", "LiveViewWarning", "Throttle", "in_notebook"]

BUDGET = 0.15
"""The share of training time the throttle lets frames take: below the 20 % the whole
view may cost, so that setting it up and drawing the final frame fit in too."""

MAX_NEURON_MAPS = 16
"""At most this many first-layer neurons get a heatmap (the first ones)."""

COLOURS = ("#3b4cc0", "#b40426", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")
"""Class colours: class 0 blue and class 1 red (as the decision boundary's shading), then more."""


class LiveViewWarning(UserWarning):
    """``fit(live=True)`` was called where no notebook can show the view."""


def in_notebook() -> bool:
    """Whether code runs in a Jupyter kernel, where display updates reach a notebook.

    True in an IPython kernel (JupyterLab, Notebook 7, VS Code, Colab: their
    shell has a ``kernel``); False in plain Python and in the IPython terminal.
    """
    try:
        from IPython.core.getipython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()  # type: ignore[no-untyped-call,unused-ignore]  # typed from IPython 8.x
    return getattr(shell, "kernel", None) is not None


class Throttle:
    """Decides when a frame may be drawn so that drawing costs at most ``budget`` of training.

    Time since the throttle was made is either drawing (measured around each
    frame with :meth:`drawing`) or training (all the rest). A frame is
    :meth:`due` when the drawing done so far plus two more frames, each costed
    like the last one, fit in ``budget`` times the training time: this frame, and
    room for the final frame, which is drawn however training ends. Frames come
    ever more sparsely if they are slow, never at the cost of the final one.

    >>> now = [0.0]
    >>> throttle = Throttle(0.2, clock=lambda: now[0])
    >>> now[0] = 1.0; throttle.due()            # 1 s of training, nothing drawn yet
    True
    >>> with throttle.drawing():
    ...     now[0] += 0.5                       # a frame that takes 0.5 s
    >>> now[0] = 7.0; throttle.due()            # 6.5 s trained: 0.5 + 2 * 0.5 > 1.3
    False
    >>> now[0] = 8.0; throttle.due()            # 7.5 s trained: 0.5 + 2 * 0.5 <= 1.5
    True
    """

    def __init__(self, budget: float = BUDGET, clock: Callable[[], float] = time.perf_counter
                 ) -> None:
        if not budget > 0.0:
            raise ValueError(f"Throttle: budget must be a share of training time > 0, "
                             f"not {budget!r}")
        self.budget, self.clock = budget, clock
        self.start = clock()
        self.drawn = 0.0
        """Seconds spent drawing so far."""
        self.last_cost = 0.0
        """Seconds the last frame took."""

    @property
    def training(self) -> float:
        """Seconds spent on anything but drawing since the throttle was made."""
        return self.clock() - self.start - self.drawn

    def due(self) -> bool:
        """Whether one more frame now keeps drawing within the budget."""
        return self.drawn + 2 * self.last_cost <= self.budget * self.training

    @contextmanager
    def drawing(self) -> Iterator[None]:
        """Count the time spent inside the block as drawing."""
        begin = self.clock()
        yield
        self.last_cost = self.clock() - begin
        self.drawn += self.last_cost


class LiveView:
    """A picture of training that updates in place: call it after each epoch, then :meth:`finish`.

    ``model`` is being trained on the samples ``X`` with targets ``y``;
    ``epochs`` (if known) fixes the curves' horizontal axis. ``display`` shows
    each frame's PNG bytes: by default the first frame is shown with
    ``IPython.display.display(Image, display_id=True)`` and later ones replace it
    through the handle's ``update``. ``budget`` and ``clock`` go to the
    :class:`Throttle`. ``resolution`` is the number of grid points along each
    axis of the plane (60 by default; 24 when the model's grid must be evaluated
    eagerly, Value by Value); ``dpi`` the frame's pixels per inch (its size is
    12 by 4.4 inches).

    ``fit(..., live=True)`` makes one and calls it; :attr:`frames` counts the
    frames drawn and :attr:`drawn_epoch` is the epoch the last one shows.
    """

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[Any],
        epochs: int | None = None,
        *,
        display: Callable[[bytes], object] | None = None,
        budget: float = BUDGET,
        clock: Callable[[], float] = time.perf_counter,
        resolution: int | None = None,
        dpi: int = 72,
    ) -> None:
        _matplotlib()  # imported first: a one-off cost per process, not the view's
        self.throttle = Throttle(budget, clock)
        # Setting up counts as drawing too, and its cost is the first estimate of a frame's
        # (which costs more: the set-up lays out what each frame draws).
        with self.throttle.drawing():
            self._figure = _Figure(model, X, y, epochs, resolution, dpi)
        self._display = display if display is not None else _NotebookDisplay()
        self.frames = 0
        self.drawn_epoch: int | None = None
        self._drawn_interrupted = False
        self._compact = False

    def __call__(self, epoch: int, history: History) -> None:
        """After epoch ``epoch``: draw a frame if the throttle allows one."""
        if self.throttle.due():
            self.draw(history)

    def finish(self, history: History) -> None:
        """Show the final state, as a compact image (this is the frame a saved notebook keeps).

        The last frame is drawn anew unless it already shows this state, in which
        case its pixels are only encoded again, in 256 colours.
        """
        with self.throttle.drawing():
            if (self.frames == 0 or self.drawn_epoch != history.epochs
                    or self._drawn_interrupted != history.interrupted):
                self._figure.render(history)
                self.drawn_epoch, self._drawn_interrupted = history.epochs, history.interrupted
            elif self._compact:
                return
            self._show(self._figure.png(compact=True))
        self._compact = True

    def draw(self, history: History) -> None:
        """Draw and show a frame of ``history`` and the model's current state."""
        with self.throttle.drawing():
            self._figure.render(history)
            self._show(self._figure.png(compact=False))
        self.drawn_epoch = history.epochs
        self._drawn_interrupted = history.interrupted
        self._compact = False

    def _show(self, png: bytes) -> None:
        self._display(png)
        self.frames += 1


class _NotebookDisplay:
    """Show PNG bytes in the notebook: the first with ``display``, later ones by updating it."""

    def __init__(self) -> None:
        from IPython.display import Image, display

        self._image: Any = Image  # IPython is not typed
        self._show: Any = display
        self._handle: Any = None

    def __call__(self, png: bytes) -> None:
        image = self._image(data=png, format="png")
        if self._handle is None:
            self._handle = self._show(image, display_id=True)
        else:
            self._handle.update(image)


def _matplotlib() -> Any:
    """matplotlib's Figure class, or an ImportError that says how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            'fit(live=True) draws with matplotlib: pip install "autograd-scalar[plot]"'
        ) from None
    return Figure


class _Figure:
    """The view's matplotlib figure, made once: :meth:`render` brings its artists up to date
    and draws them, :meth:`png` encodes the pixels."""

    def __init__(self, model: Module, X: Sequence[Sequence[float]], y: Sequence[Any],
                 epochs: int | None, resolution: int | None, dpi: int) -> None:
        Figure = _matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.epochs = epochs
        planar = bool(X) and all(len(x) == 2 for x in X)
        self.plane = _Plane(model, X, resolution) if planar else None
        # Fixed positions: a layout engine would cost more than the rest of the frame.
        self.figure = Figure(figsize=(12.0 if planar else 8.0, 4.4), dpi=dpi)
        self.canvas: Any = FigureCanvasAgg(self.figure)  # parts of matplotlib are not typed
        self.boundary: _Boundary | None = None
        self.maps: _NeuronMaps | None = None
        if self.plane is not None:
            grid = self.figure.add_gridspec(2, 3, width_ratios=[1.2, 1.0, 1.0], left=0.05,
                                            right=0.98, bottom=0.12, top=0.86, wspace=0.28,
                                            hspace=0.12)
            self.boundary = _Boundary(self.figure.add_subplot(grid[:, 0]), self.plane, X, y)
            self.curves = _Curves(self.figure.add_subplot(grid[0, 1]),
                                  self.figure.add_subplot(grid[1, 1]), epochs)
            if self.plane.neurons:
                self.maps = _NeuronMaps(self.figure.add_subplot(grid[:, 2]), self.plane)
        else:
            grid = self.figure.add_gridspec(2, 1, left=0.1, right=0.97, bottom=0.2, top=0.86,
                                            hspace=0.12)
            self.curves = _Curves(self.figure.add_subplot(grid[0, 0]),
                                  self.figure.add_subplot(grid[1, 0]), epochs)
            dimension = len(X[0]) if X else 0
            self.figure.supxlabel(f"the inputs are {dimension}-D: the decision boundary and "
                                  "the neuron maps need 2-D inputs, so only the curves are shown",
                                  fontsize=9, color="#555555")

    def render(self, history: History) -> None:
        """Bring every artist up to date with ``history`` and the model, and draw the pixels."""
        if self.plane is not None:
            scores, activations = self.plane.evaluate()
            assert self.boundary is not None
            self.boundary.update(scores)
            if self.maps is not None:
                self.maps.update(activations)
        self.curves.update(history)
        self.figure.suptitle(_headline(history, self.epochs), fontsize=11)
        self.canvas.draw()

    def png(self, compact: bool) -> bytes:
        """The last rendered pixels as PNG: quickly encoded, or ``compact`` (a 256-colour
        palette, about a third of the bytes, for the frame a saved notebook keeps)."""
        from PIL import Image  # matplotlib's own dependency

        image = Image.frombuffer("RGBA", self.canvas.get_width_height(),
                                 self.canvas.buffer_rgba()).convert("RGB")
        buffer = io.BytesIO()
        if compact:
            image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
                           ).save(buffer, format="png", optimize=True)
        else:
            image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _headline(history: History, epochs: int | None) -> str:
    """The frame's title: the epoch and the latest numbers."""
    done = history.epochs
    of = f" of {epochs}" if epochs is not None else ""
    if done == 0:
        return f"before training ({epochs or 0} epochs to run)"
    stopped = "interrupted after " if history.interrupted else ""
    text = (f"{stopped}epoch {done}{of} · loss {history.loss[-1]:.4g} · "
            f"accuracy {history.accuracy[-1]:.1%}")
    if history.validation_loss:
        text += (f" · held-out loss {history.validation_loss[-1]:.4g}, "
                 f"accuracy {history.validation_accuracy[-1]:.1%}")
    return text


class _Plane:
    """A grid over the plane of the 2-D inputs, and the model evaluated on it.

    :meth:`evaluate` gives the model's outputs (one row per output) and the
    first-layer neurons' activations (one row per neuron) at every grid point.
    The fast way compiles the model's graph for a few samples into numpy array
    code (``compile_graph(..., backend="numpy")``), whose program replays on all
    grid points at once and reads the current weights at each replay: a few
    milliseconds for 60 by 60 points through ``MLP(2, [16, 16, 1])``. A model
    whose graph does not compile that way is evaluated eagerly under ``no_grad``
    (about 0.5 s for those 3,600 points, so on a coarser grid).
    """

    def __init__(self, model: Module, X: Sequence[Sequence[float]], resolution: int | None
                 ) -> None:
        import numpy as np

        self.model = model
        first = model.layers[0] if isinstance(model, MLP) else model
        self.layer = first if isinstance(first, Layer) else None
        self.total_neurons = len(self.layer.neurons) if self.layer is not None else 0
        self.neurons = min(self.total_neurons, MAX_NEURON_MAPS)
        self.program = self._compile()
        size = resolution or (60 if self.program is not None else 24)
        self.xs = _grid_axis([x[0] for x in X], size)
        self.ys = _grid_axis([x[1] for x in X], size)
        self.points = np.array([[a, b] for b in self.ys for a in self.xs])

    def _nodes(self, x: Sequence[Any]) -> tuple[list[Value], list[Value]]:
        output = self.model(x)
        outputs = [output] if isinstance(output, Value) else list(output)
        hidden = self.layer.outputs(x)[: self.neurons] if self.layer is not None else []
        return outputs, hidden

    def _compile(self) -> tuple[Any, list[Value], list[Value]] | None:
        """The grid program and its observed output and neuron nodes, or None."""
        inputs = [[Value(0.0), Value(0.0)] for _ in range(4)]  # a few samples make a group
        terms, observed = [], None
        for x in inputs:
            outputs, hidden = self._nodes(x)
            terms.append(value_sum([*outputs, *hidden]))
            observed = observed or (outputs, hidden)
        assert observed is not None
        try:
            program = compile_graph(value_sum(terms), observe=[*observed[0], *observed[1]],
                                    backend="numpy")
        except (ImportError, ValueError, TypeError, ArithmeticError):
            return None
        if getattr(program, "sample_leaves", None) != inputs[0]:
            return None
        return program, observed[0], observed[1]

    def evaluate(self) -> tuple[Any, Any]:
        """(outputs, activations): arrays of shape (outputs or neurons, rows, columns)."""
        import numpy as np

        shape = (len(self.ys), len(self.xs))
        if self.program is not None:
            program, outputs, hidden = self.program
            program.forward(self.points)
            count = len(self.points)
            rows = [np.broadcast_to(program.values(n), (count,)) for n in [*outputs, *hidden]]
            scores: Any = np.array(rows[: len(outputs)]).reshape(len(outputs), *shape)
            activations: Any = np.array(rows[len(outputs):]).reshape(len(hidden), *shape)
            return scores, activations
        with no_grad():
            evaluated = [self._nodes(list(point)) for point in self.points.tolist()]
        scores = np.array([[v.data for v in outs] for outs, _ in evaluated]).T
        activations = np.array([[v.data for v in hidden] for _, hidden in evaluated]).T
        return scores.reshape(-1, *shape), activations.reshape(self.neurons, *shape)


def _grid_axis(coordinates: list[float], resolution: int) -> list[float]:
    """``resolution`` evenly spaced points from 0.5 below to 0.5 above ``coordinates``."""
    low, high = min(coordinates) - 0.5, max(coordinates) + 0.5
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


class _Boundary:
    """The decision regions and boundary over the plane, with the training points."""

    def __init__(self, axes: Any, plane: _Plane, X: Sequence[Sequence[float]],
                 y: Sequence[Any]) -> None:
        self.axes, self.plane = axes, plane
        extent = (plane.xs[0], plane.xs[-1], plane.ys[0], plane.ys[-1])
        self.image: Any = None
        self.extent = extent
        self.lines: Any = None
        self.classes = max(2, int(max(y)) + 1) if _are_labels(y) else 2
        labels = [int(t) if self.classes > 2 else int(t > 0) for t in y]
        for label in sorted(set(labels)):
            points = [x for x, t in zip(X, labels) if t == label]
            axes.scatter([p[0] for p in points], [p[1] for p in points], s=14,
                         c=COLOURS[label % len(COLOURS)], edgecolors="white", linewidths=0.5,
                         zorder=3)
        axes.set(xlim=extent[:2], ylim=extent[2:], xlabel="x₁", ylabel="x₂",
                 title="decision boundary")

    def update(self, scores: Any) -> None:
        import numpy as np
        from matplotlib.colors import ListedColormap

        if len(scores) == 1:  # one score: shade it (clipped), and draw the line score = 0
            shading, options = np.clip(scores[0], -4.0, 4.0), {"cmap": "coolwarm",
                                                               "vmin": -4.0, "vmax": 4.0}
        else:  # several: the colour of the class with the largest score
            shading = np.argmax(scores, axis=0)
            options = {"cmap": ListedColormap(COLOURS[: len(scores)]), "vmin": -0.5,
                       "vmax": len(scores) - 0.5, "interpolation": "nearest"}
        if self.image is None:
            self.image = self.axes.imshow(shading, origin="lower", extent=self.extent,
                                          aspect="auto", alpha=0.45, **options)
            if len(scores) == 1:
                self.image.set_interpolation("bilinear")
        else:
            self.image.set_data(shading)
        if self.lines is not None:
            self.lines.remove()
            self.lines = None
        if len(scores) == 1 and scores[0].min() < 0.0 < scores[0].max():
            self.lines = self.axes.contour(self.plane.xs, self.plane.ys, scores[0], levels=[0.0],
                                           colors="black", linewidths=1.2)


def _are_labels(y: Sequence[Any]) -> bool:
    return all(float(t).is_integer() and t >= 0 for t in y)


class _Curves:
    """Loss and accuracy per epoch, for the training samples and the held-out ones."""

    def __init__(self, loss_axes: Any, accuracy_axes: Any, epochs: int | None) -> None:
        self.loss_axes, self.accuracy_axes = loss_axes, accuracy_axes
        right = max(epochs or 1, 2)
        self.loss = loss_axes.plot([], [], color="#c0392b", label="training (with L2)")[0]
        self.held_out_loss = loss_axes.plot([], [], color="#e67e22", linestyle="--",
                                            label="held-out")[0]
        self.accuracy = accuracy_axes.plot([], [], color="#1f5fbf", label="training")[0]
        self.held_out_accuracy = accuracy_axes.plot([], [], color="#17becf", linestyle="--",
                                                    label="held-out")[0]
        loss_axes.set(xlim=(1, right), ylabel="loss", title="loss and accuracy")
        loss_axes.tick_params(labelbottom=False)
        accuracy_axes.set(xlim=(1, right), ylim=(0.0, 1.03), xlabel="epoch", ylabel="accuracy")

    def _scale(self, log: bool) -> None:
        """A log axis for positive losses, labelled ``0.1`` rather than in mathtext (``10⁻¹``),
        which costs more to lay out than all the rest of the frame's text."""
        from matplotlib.ticker import FuncFormatter, NullFormatter

        axis = self.loss_axes
        axis.set_yscale("log" if log else "linear")
        if log:
            axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            axis.yaxis.set_minor_formatter(NullFormatter())

    def update(self, history: History) -> None:
        epochs = range(1, history.epochs + 1)
        self.loss.set_data(epochs, history.loss)
        self.accuracy.set_data(epochs, history.accuracy)
        validated = range(1, len(history.validation_loss) + 1)
        self.held_out_loss.set_data(validated, history.validation_loss)
        self.held_out_accuracy.set_data(validated, history.validation_accuracy)
        losses = [*history.loss, *history.validation_loss]
        finite = [v for v in losses if v == v and abs(v) != float("inf")]
        if finite:
            positive = min(finite) > 0.0
            if positive != (self.loss_axes.get_yscale() == "log"):
                self._scale(positive)
            low, high = min(finite), max(finite)
            if positive:
                self.loss_axes.set_ylim(low / 1.3, high * 1.3)
            else:
                pad = (high - low) * 0.05 or 1.0
                self.loss_axes.set_ylim(low - pad, high + pad)
        if history.validation_loss and self.loss_axes.get_legend() is None:
            for axes in (self.loss_axes, self.accuracy_axes):
                axes.legend(loc="upper right" if axes is self.loss_axes else "lower right",
                            fontsize=8)


class _NeuronMaps:
    """One small heatmap per first-layer neuron, its activation over the plane: tiled into
    one image (one axes is much faster to draw than one per neuron), four to a row."""

    COLUMNS = 4

    def __init__(self, axes: Any, plane: _Plane) -> None:
        self.axes, self.count = axes, plane.neurons
        self.columns = min(self.COLUMNS, self.count)
        self.rows = -(-self.count // self.columns)
        from matplotlib import colormaps

        colours = colormaps["PuOr_r"].with_extremes(bad="#d9d9d9")  # bad: the gaps (nan)
        self.image = axes.imshow([[0.0]], origin="upper", cmap=colours, vmin=-1.0, vmax=1.0,
                                 interpolation="nearest")
        axes.set_xticks([])
        axes.set_yticks([])
        for spine in axes.spines.values():
            spine.set_visible(False)
        shown = (f" (the first {plane.neurons} of {plane.total_neurons})"
                 if plane.neurons < plane.total_neurons else "")
        axes.set_title(f"first-layer neurons{shown}", fontsize=10)
        axes.set_xlabel("activation over the plane, each on its own scale:\n"
                       "orange > 0, white 0, purple < 0", fontsize=8)

    def update(self, activations: Any) -> None:
        import numpy as np

        height, width = activations.shape[1:]
        gap = max(1, width // 12)
        tiles = np.full((self.rows * (height + gap) - gap, self.columns * (width + gap) - gap),
                        np.nan)
        for k, activation in enumerate(activations):
            # each neuron on its own scale, centred on 0 (white: a ReLU that is off)
            limit = float(np.abs(activation).max()) or 1.0
            top, left = (k // self.columns) * (height + gap), (k % self.columns) * (width + gap)
            # rows of the grid go up the plane; rows of the image go down
            tiles[top : top + height, left : left + width] = activation[::-1] / limit
        self.image.set_data(tiles)
        self.image.set_extent((-0.5, tiles.shape[1] - 0.5, tiles.shape[0] - 0.5, -0.5))
