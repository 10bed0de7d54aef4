"""Training: :func:`fit` a model to data, and measure its :func:`accuracy`.

One training step is four lines, the same in every framework::

    loss, predictions = batch_loss(model, X_batch, y_batch, loss_fn, l2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

:func:`fit` runs those steps over the data for a number of epochs, showing a
progress bar with the loss and accuracy, and returns a :class:`History`.

>>> from autograd_scalar.nn import MLP
>>> from autograd_scalar.data import make_xor
>>> from autograd_scalar.losses import binary_cross_entropy_with_logits
>>> from autograd_scalar.optim import Adam
>>> X, y = make_xor(40, seed=1)
>>> model = MLP(2, [8, 1], seed=3)
>>> history = fit(model, X, y, loss=binary_cross_entropy_with_logits,
...               optimizer=Adam(model.parameters(), lr=0.05), epochs=60, progress=False)
>>> history.loss[-1] < history.loss[0], accuracy(model, X, y)
(True, 1.0)
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import random
import signal
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from . import live
from .compile import CompiledGraph, compile_graph
from .engine import Value, no_grad
from .history import History
from .losses import l2_penalty
from .nn import Input, Module
from .optim import Adam, Optimizer

__all__ = ["History", "Trainer", "accuracy", "batch_loss", "fit", "replay_backend"]

Prediction = Value | list[Value]
"""A model's output for one sample: one Value, or one per class."""

LossFunction = Callable[[list[Any], list[Any]], Value]
"""A batch loss, ``loss(predictions, targets) -> Value``, as in :mod:`autograd_scalar.losses`."""


def batch_loss(
    model: Module,
    X_batch: Sequence[Input],
    y_batch: Sequence[Any],
    loss_fn: LossFunction,
    l2: float = 0.0,
) -> tuple[Value, list[Prediction]]:
    """The loss on one batch, and the model's predictions for it.

    ``loss_fn(predictions, y_batch)``, plus ``l2 * l2_penalty(model.parameters())``
    when ``l2`` is not 0. This is the one place a training step builds its
    graph; everything else in a step only reads it.
    """
    predictions = [model(x) for x in X_batch]
    loss = loss_fn(predictions, list(y_batch))
    if l2:
        loss = loss + l2 * l2_penalty(model.parameters())
    return loss, predictions


def fit(
    model: Module,
    X: Sequence[Input],
    y: Sequence[Any],
    *,
    loss: LossFunction,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    seed: int = 0,
    progress: bool = True,
    callback: Callable[[int, History], object] | None = None,
    compile: bool | str = False,
    validation: tuple[Sequence[Input], Sequence[Any]] | None = None,
    live: bool = False,
) -> History:
    """Train ``model`` on the samples ``X`` with targets ``y``; returns the :class:`History`.

    * ``loss``: a function of (predictions, targets) from :mod:`autograd_scalar.losses`.
      Targets go to it unchanged: :func:`~autograd_scalar.losses.hinge_loss`
      wants ±1 labels (:func:`~autograd_scalar.data.to_plus_minus` converts 0/1).
    * ``optimizer``: by default ``Adam(model.parameters(), lr=0.01)``.
    * ``batch_size``: None trains on the whole data set at each step; a number
      makes mini-batches, reshuffled every epoch by a ``random.Random(seed)``.
    * ``l2``: adds ``l2 * l2_penalty(model.parameters())`` to the loss.
    * ``progress``: show a progress bar (``tqdm.auto``: a widget in notebooks)
      with the epoch's loss and accuracy.
    * ``callback(epoch, history)``: called after every epoch (numbered from 1).
    * ``compile``: build the batch's graph once and replay it as generated code
      (:func:`~autograd_scalar.compile.compile_graph`): the same losses and
      gradients, many times faster. ``True`` uses the numpy replay (every sample
      at once, each layer a matrix product, the update on arrays) where numpy is
      installed (``pip install "autograd-scalar[fast]"``) and the float replay
      otherwise; ``"numpy"`` or ``"python"`` chooses. Full-batch training
      compiles once. With mini-batches the inputs and targets are leaves (so the
      loss must accept targets given as Values, which every loss here but
      ``cross_entropy`` does): the numpy replay compiles one program for every
      batch, the float replay one graph per batch size.
    * ``validation``: held-out samples and targets, ``(X_val, y_val)``, never
      trained on. After every epoch the model's loss on them (without the ``l2``
      term) and its accuracy go into ``history.validation_loss`` and
      ``history.validation_accuracy``, computed under ``no_grad``; with
      ``compile`` the held-out loss is compiled once too and replayed forward
      only.
    * ``live``: in a Jupyter notebook, one picture that updates while training
      runs (:class:`~autograd_scalar.live.LiveView`): the decision boundary over
      2-D inputs with the training points, the loss and accuracy curves (with the
      held-out ones), and what each first-layer neuron responds to over the input
      plane. It is redrawn only as often as keeps drawing within 20 % of the
      training time, and always at the end. Needs matplotlib
      (``pip install "autograd-scalar[plot]"``); outside a notebook it warns and
      trains without it.

    ``X`` and ``y`` may be lists, tuples or numpy arrays; every input and target
    must be a finite number (an error names the first sample that is not).

    Ctrl-C (or interrupting the kernel) stops training after the current
    optimizer step (never in the middle of one) and returns the history so far
    with ``interrupted=True``, however many interrupts arrive; the live view
    then shows the last state. A loss that becomes nan or infinite raises
    ``FloatingPointError`` naming the epoch.
    """
    X, y = _samples(X, "fit"), _targets(y, "fit")
    _check_fit_arguments(X, y, epochs, batch_size, l2)
    if validation is not None:
        _check_validation(validation, "fit")
    trainer = Trainer(model, X, y, loss=loss, optimizer=optimizer, batch_size=batch_size, l2=l2,
                      seed=seed, compile=compile, validation=validation)
    history = trainer.history
    view = _live_view(model, X, y, epochs) if live else None
    with _one_interrupt():
        bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not progress)
        try:
            for epoch in bar:
                epoch_loss, epoch_accuracy = trainer.epoch()
                bar.set_postfix(
                    {"loss": f"{epoch_loss:.4f}", "accuracy": f"{epoch_accuracy:.1%}"},
                    refresh=False,
                )
                if view is not None:
                    view(epoch, history)
                if callback is not None:
                    callback(epoch, history)
        except KeyboardInterrupt:
            history.interrupted = True
        finally:
            bar.close()
            if view is not None:
                view.finish(history)
    return history


class Trainer:
    """Training one epoch at a time: the loop inside :func:`fit`, for a loop you drive.

    The arguments are :func:`fit`'s (without ``epochs``, ``progress``,
    ``callback`` and ``live``). Each call of :meth:`epoch` trains one epoch and
    appends it to :attr:`history`, so ``trainer.epoch()`` ten times trains
    exactly as ``fit(..., epochs=10)`` does, compiled graphs included: they are
    compiled once, on the first epoch, and replayed after. The playground's
    training lab runs this way, a few epochs between two pictures.

    >>> from autograd_scalar import MLP, Adam, make_moons
    >>> from autograd_scalar.losses import binary_cross_entropy_with_logits
    >>> X, y = make_moons(40, seed=1)
    >>> model = MLP(2, [8, 1], seed=3)
    >>> trainer = Trainer(model, X, y, loss=binary_cross_entropy_with_logits,
    ...                   optimizer=Adam(model.parameters(), lr=0.05))
    >>> loss, accuracy = trainer.epoch()
    >>> trainer.history.epochs, trainer.history.loss == [loss]
    (1, True)
    """

    def __init__(
        self,
        model: Module,
        X: Sequence[Input],
        y: Sequence[Any],
        *,
        loss: LossFunction,
        optimizer: Optimizer | None = None,
        batch_size: int | None = None,
        l2: float = 0.0,
        seed: int = 0,
        compile: bool | str = False,
        validation: tuple[Sequence[Input], Sequence[Any]] | None = None,
    ) -> None:
        self.X, self.y = _samples(X, "Trainer"), _targets(y, "Trainer")
        _check_fit_arguments(self.X, self.y, 0, batch_size, l2, "Trainer")
        self.model = model
        self.optimizer: Optimizer = (
            optimizer if optimizer is not None else Adam(model.parameters(), lr=0.01))
        self.batch_size = batch_size
        backend = replay_backend(compile) if compile else None
        self._step: _Step = (
            _CompiledStep(model, loss, l2, fixed=batch_size is None, backend=backend)
            if backend is not None
            else _EagerStep(model, loss, l2)
        )
        self._evaluate = (None if validation is None
                          else _Evaluation(model, loss, validation, backend, "Trainer"))
        self._shuffler = random.Random(seed)
        self.history = History()
        """Every epoch trained so far, as :func:`fit` returns it."""

    def epoch(self) -> tuple[float, float]:
        """Train one epoch and record it; returns its mean loss and training accuracy.

        A loss that becomes nan or infinite raises ``FloatingPointError`` naming
        the epoch, as in :func:`fit`; nothing is recorded for that epoch.
        """
        number = self.history.epochs + 1
        batches = _batches(len(self.X), self.batch_size, self._shuffler)
        loss, accuracy = _train_epoch(self.X, self.y, batches, self._step, self.optimizer, number)
        held_out = self._evaluate() if self._evaluate is not None else None
        _record(self.history, loss, accuracy, held_out)
        return loss, accuracy


def _record(history: History, loss: float, accuracy: float,
            held_out: tuple[float, float] | None) -> None:
    """Append one finished epoch to ``history``: all of its lists at once."""
    history.loss.append(loss)
    history.accuracy.append(accuracy)
    if held_out is not None:
        history.validation_loss.append(held_out[0])
        history.validation_accuracy.append(held_out[1])


def _live_view(model: Module, X: list[list[float]], y: list[Any], epochs: int) -> Any:
    """The live view of ``fit(live=True)``, or None (with a warning) outside a notebook."""
    if not live.in_notebook():
        warnings.warn(
            "fit(live=True) needs a Jupyter notebook (an IPython kernel: JupyterLab, "
            "Notebook 7, VS Code) to show its live view; training without it",
            live.LiveViewWarning,
            stacklevel=3,
        )
        return None
    return live.LiveView(model, X, y, epochs=epochs)


class _Evaluation:
    """The model's loss (without the l2 term) and accuracy on held-out samples, under
    ``no_grad``: eagerly, or with a ``backend`` as a compiled graph replayed forward only
    (it reads the parameters' current values at each replay).

    The numpy replay compiles the loss of a few samples whose inputs and targets are
    leaves, and replays that program on all the held-out samples at once: compiling it
    takes milliseconds, where a graph of every held-out sample would take about half a
    second for 1,000 samples. A loss that does not take targets as Values, or a graph
    without a batch group, gets that full graph instead (and the float replay always)."""

    def __init__(self, model: Module, loss_fn: LossFunction,
                 validation: tuple[Sequence[Input], Sequence[Any]], backend: str | None,
                 caller: str) -> None:
        self.X, self.y = _check_validation(validation, caller)
        self.model, self.loss_fn = model, loss_fn
        self.program = self._array_program() if backend == "numpy" else None
        self.graph: CompiledGraph | None = None
        self.predictions: list[Prediction] = []
        if backend is not None and self.program is None:
            loss, self.predictions = batch_loss(model, self.X, self.y, loss_fn)
            outputs = [p for prediction in self.predictions for p in _outputs(prediction)]
            self.graph = compile_graph(loss, observe=outputs, backend=backend)

    def _array_program(self) -> _ArrayProgram | None:
        """The numpy program of a few samples' loss, replayable on all of them, or None."""
        count = min(len(self.X), 4)  # the numpy replay groups 4 same-shaped samples or more
        inputs = [[Value(v) for v in self.X[0]] for _ in range(count)]
        targets = [Value(float(self.y[0])) for _ in range(count)]
        try:
            loss, predictions = batch_loss(self.model, inputs, targets, self.loss_fn)
        except (TypeError, ValueError):
            return None  # a loss that wants its targets as numbers
        graph = compile_graph(loss, observe=_outputs(predictions[0]), backend="numpy")
        column = {leaf: k for k, leaf in enumerate([*inputs[0], targets[0]])}
        sample_leaves: list[Value] = getattr(graph, "sample_leaves", [])
        if count < 4 or not sample_leaves or any(leaf not in column for leaf in sample_leaves):
            return None
        self.rows = [[[*x, t][column[leaf]] for leaf in sample_leaves]
                     for x, t in zip(self.X, self.y)]
        return _ArrayProgram(graph, [column[leaf] for leaf in sample_leaves],
                             _outputs(predictions[0]), not isinstance(predictions[0], Value))

    def __call__(self) -> tuple[float, float]:
        """The held-out (loss, accuracy) for the model's parameters now."""
        scores: Scores
        if self.program is not None:
            loss = self.program.graph.forward(self.rows)
            values = [self.program.graph.values(node).tolist() for node in self.program.outputs]
            scores = [list(s) for s in zip(*values)] if self.program.several else values[0]
        elif self.graph is not None:
            loss = self.graph.forward()
            scores = _scores(self.predictions)
        else:
            with no_grad():
                predictions = [self.model(x) for x in self.X]
                loss = self.loss_fn(predictions, self.y).data
            scores = _scores(predictions)
        return loss, _count_correct(scores, self.y) / len(self.y)


@contextmanager
def _one_interrupt() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt once inside the block; later ones are ignored.

    Training stops at the first interrupt; a burst of them (a held key, a script
    sending many) must not escape from the clean-up that follows. Only the main
    thread can set a handler; elsewhere the block runs as it is.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    stopping: list[bool] = []

    def interrupt(signum: int, frame: object) -> None:
        if not stopping:
            stopping.append(True)
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _train_epoch(
    X: Sequence[Input],
    y: Sequence[Any],
    batches: list[list[int]],
    step: _Step,
    optimizer: Optimizer,
    epoch: int,
) -> tuple[float, float]:
    """One pass over the batches: the epoch's mean loss and accuracy."""
    total_loss, correct = 0.0, 0
    for batch in batches:
        X_batch, y_batch = [X[i] for i in batch], [y[i] for i in batch]
        try:
            loss, scores = step(X_batch, y_batch, optimizer)
        except ArithmeticError as error:
            raise FloatingPointError(f"training diverged at epoch {epoch}: {error}") from error
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"the loss became {loss} at epoch {epoch}: training diverged (try a "
                f"smaller learning rate), or the data holds a nan or an infinity"
            )
        total_loss += loss * len(batch)
        correct += _count_correct(scores, y_batch)
    return total_loss / len(X), correct / len(X)


Scores = list[float] | list[list[float]]
"""A batch's model outputs as numbers: one per sample, or one list of class scores each."""

_Step = Callable[[list[Input], list[Any], Optimizer], tuple[float, Scores]]
"""One training step on a batch: zero the gradients, forward, backward and, unless the loss
is not finite, the optimizer's update; returns the loss and the model's outputs."""


def _update(optimizer: Optimizer) -> None:
    """The optimizer's step, applied whole even if Ctrl-C arrives during it."""
    with _interrupts_deferred():
        optimizer.step()


class _EagerStep:
    """Build the batch's graph and run ``backward()`` on it."""

    def __init__(self, model: Module, loss_fn: LossFunction, l2: float) -> None:
        self.model, self.loss_fn, self.l2 = model, loss_fn, l2

    def __call__(self, X_batch: list[Input], y_batch: list[Any], optimizer: Optimizer
                 ) -> tuple[float, Scores]:
        optimizer.zero_grad()
        loss, predictions = batch_loss(self.model, X_batch, y_batch, self.loss_fn, self.l2)
        if math.isfinite(loss.data):
            loss.backward()
            _update(optimizer)
        return loss.data, _scores(predictions)


_CompiledBatch = tuple[CompiledGraph, list[list[Value]], list[Value], list[Prediction]]
"""A compiled batch loss, its input and target leaves, and its (observed) predictions."""


@dataclass
class _ArrayProgram:
    """A numpy program of the batch loss, with the columns of a sample it reads (indices into
    the sample's inputs followed by its target) and the first sample's outputs."""

    graph: Any
    columns: list[int]
    outputs: list[Value]
    several: bool


class _CompiledStep:
    """Replay a compiled graph of the batch loss instead of building one each step.

    With ``fixed`` data (full-batch training, always the same samples in the same
    order) the graph holds the data itself and is compiled once. Otherwise its
    inputs and targets are leaves, set anew for each batch: the numpy replay takes
    each batch's numbers as arrays (one program for every batch size), the float
    replay has one graph per batch size, whose leaves are set.
    """

    def __init__(self, model: Module, loss_fn: LossFunction, l2: float, fixed: bool,
                 backend: str) -> None:
        self.model, self.loss_fn, self.l2, self.fixed = model, loss_fn, l2, fixed
        self.backend = backend
        self.graphs: dict[int, _CompiledBatch] = {}
        self.program: _ArrayProgram | None = None

    def __call__(self, X_batch: list[Input], y_batch: list[Any], optimizer: Optimizer
                 ) -> tuple[float, Scores]:
        if self.backend == "numpy" and not self.fixed:
            if self.program is None:
                self.program = self._array_program(X_batch, y_batch)
            if self.program is not None:
                return self._array_step(X_batch, y_batch, optimizer)
        size = len(X_batch)
        if size not in self.graphs:
            self.graphs[size] = self._compile(X_batch, y_batch)
        graph, inputs, targets, predictions = self.graphs[size]
        if not self.fixed:
            for leaves, x in zip(inputs, X_batch):
                for leaf, value in zip(leaves, x):
                    leaf.data = float(value)
            for leaf, target in zip(targets, y_batch):
                leaf.data = float(target)
        if self.backend == "numpy":
            with _interrupts_deferred():
                loss = graph.step(optimizer)  # type: ignore[attr-defined]
            return loss, _scores(predictions)
        optimizer.zero_grad()
        loss = graph()
        if math.isfinite(loss):
            _update(optimizer)
        return loss, _scores(predictions)

    def _array_step(self, X_batch: list[Input], y_batch: list[Any], optimizer: Optimizer
                    ) -> tuple[float, Scores]:
        program = self.program
        assert program is not None
        samples = [[row[c] for c in program.columns] for row in
                   ([*x, t] for x, t in zip(X_batch, y_batch))]
        with _interrupts_deferred():
            loss = program.graph.step(optimizer, samples)
        values = [program.graph.values(node).tolist() for node in program.outputs]
        if not program.several:
            return loss, values[0]
        return loss, [list(scores) for scores in zip(*values)]

    def _array_program(self, X_batch: list[Input], y_batch: list[Any]) -> _ArrayProgram | None:
        """One numpy program for every batch, or None where the graph has no batch group
        over the inputs and targets (then the float replay's per-size graphs serve)."""
        graph, inputs, targets, predictions = self._compile(X_batch, y_batch)
        column = {leaf: k for k, leaf in enumerate([*inputs[0], targets[0]])}
        sample_leaves: list[Value] = getattr(graph, "sample_leaves", [])
        if not sample_leaves or any(leaf not in column for leaf in sample_leaves):
            self.graphs[len(X_batch)] = (graph, inputs, targets, predictions)
            return None
        return _ArrayProgram(graph, [column[leaf] for leaf in sample_leaves],
                             _outputs(predictions[0]), not isinstance(predictions[0], Value))

    def _compile(self, X_batch: list[Input], y_batch: list[Any]) -> _CompiledBatch:
        if self.fixed:
            inputs: list[list[Value]] = []
            targets: list[Value] = []
            loss, predictions = batch_loss(self.model, X_batch, y_batch, self.loss_fn, self.l2)
        else:
            inputs = [[Value(float(v)) for v in x] for x in X_batch]
            targets = [Value(float(t)) for t in y_batch]
            try:
                loss, predictions = batch_loss(self.model, inputs, targets, self.loss_fn, self.l2)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"fit(compile=True) with mini-batches gives the loss its targets as Values, "
                    f"which {getattr(self.loss_fn, '__name__', 'this loss')} does not accept "
                    f"({error}); train with batch_size=None or compile=False"
                ) from error
        outputs = [p for prediction in predictions for p in _outputs(prediction)]
        graph = compile_graph(loss, observe=outputs, backend=self.backend)
        return graph, inputs, targets, predictions


def replay_backend(compile: bool | str = True) -> str:
    """The compiled replay ``fit(..., compile=compile)`` uses: ``"numpy"`` (array code)
    where numpy is installed and ``compile`` is True, else ``"python"`` (float code);
    ``compile`` may name one."""
    if isinstance(compile, str):
        if compile not in ("numpy", "python"):
            raise ValueError(f"fit: compile must be True, False, 'numpy' or 'python', "
                             f"not {compile!r}")
        return compile
    return "numpy" if importlib.util.find_spec("numpy") is not None else "python"


def _batches(n_samples: int, batch_size: int | None, shuffler: random.Random) -> list[list[int]]:
    """The sample indices of each batch: all in order, or shuffled mini-batches."""
    order = list(range(n_samples))
    if batch_size is None:
        return [order]
    shuffler.shuffle(order)
    return [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C until the block is done, so an optimizer step is applied whole.

    Signal handlers can only be set in the main thread; elsewhere Ctrl-C does
    not arrive anyway, so the block simply runs (as it does when the Ctrl-C
    handler was installed outside Python and could not be put back).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is None
    ):
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received and callable(previous):
        previous(signal.SIGINT, None)


def accuracy(model: Module, X: Sequence[Input], y: Sequence[Any]) -> float:
    """The fraction of samples the model classifies right (evaluated under ``no_grad``).

    For a model with one output, a sample with label 1 is right when the output
    is > 0, and one with label 0 (or -1) when it is <= 0. For several outputs,
    the index of the largest output must equal the label.

    >>> from autograd_scalar.nn import Neuron
    >>> neuron = Neuron(1, activation="linear")
    >>> neuron.w[0].data, neuron.b.data = 1.0, 0.0
    >>> accuracy(neuron, [[2.0], [-1.0], [0.0], [3.0]], [1, 0, 0, 0])
    0.75
    """
    X, y = _samples(X, "accuracy"), _targets(y, "accuracy")
    if len(X) != len(y) or not X:
        raise ValueError(f"accuracy: got {len(X)} samples and {len(y)} labels")
    with no_grad():
        predictions = [model(x) for x in X]
    return _count_correct(_scores(predictions), y) / len(y)


def _outputs(prediction: Prediction) -> list[Value]:
    return [prediction] if isinstance(prediction, Value) else list(prediction)


def _scores(predictions: Sequence[Prediction]) -> Scores:
    """The predictions' numbers."""
    if predictions and isinstance(predictions[0], Value):
        return [p.data for p in predictions]  # type: ignore[union-attr]
    return [[output.data for output in p] for p in predictions]  # type: ignore[union-attr]


def _count_correct(scores: Sequence[Any], targets: Sequence[Any]) -> int:
    return sum(_is_correct(s, t) for s, t in zip(scores, targets))


def _is_correct(score: float | list[float], target: Any) -> bool:
    if isinstance(score, float):
        return (score > 0.0) == bool(target > 0)
    return bool(score.index(max(score)) == target)


def _samples(X: Any, caller: str) -> list[list[float]]:
    """The inputs as lists of floats (from lists, tuples or numpy arrays), all finite."""
    rows: list[list[float]] = []
    for i, sample in enumerate(X):
        try:
            row = [_finite(x, f"{caller}: input {i}") for x in sample]
        except TypeError as error:
            if "not iterable" not in str(error):
                raise
            raise TypeError(f"{caller}: sample {i} ({sample!r}) must be a sequence of numbers"
                            ) from None
        rows.append(row)
    return rows


def _targets(y: Any, caller: str) -> list[Any]:
    """The targets as numbers (a label or a regression target each), all finite."""
    return [_finite(t, f"{caller}: target {i}") for i, t in enumerate(y)]


def _finite(x: Any, where: str) -> float:
    if isinstance(x, str) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where} is {x!r}, not a number; labels must be numbers "
                        "(class indices, 0/1 or +-1)")
    number = float(x)
    if not math.isfinite(number):
        raise ValueError(f"{where} is {number!r}: every input and target must be finite")
    return int(x) if isinstance(x, numbers.Integral) else number


def _check_validation(validation: Any, caller: str) -> tuple[list[list[float]], list[Any]]:
    """The held-out samples and targets of ``validation``, checked."""
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError(f"{caller}: validation must be a pair (X_val, y_val), not "
                        f"{type(validation).__name__}")
    X = _samples(validation[0], f"{caller}: validation")
    y = _targets(validation[1], f"{caller}: validation")
    if len(X) != len(y) or not X:
        raise ValueError(f"{caller}: validation has {len(X)} samples and {len(y)} "
                         f"targets; give as many of each, at least one")
    return X, y


def _check_fit_arguments(
    X: Sequence[Input], y: Sequence[Any], epochs: int, batch_size: int | None, l2: float,
    caller: str = "fit",
) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise TypeError(f"{caller}: epochs must be a whole number, not {epochs!r}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not 0.0 <= l2 < math.inf:
        raise ValueError(f"{caller}: l2 must be a finite number >= 0, not {l2!r}")
    if len(X) != len(y):
        raise ValueError(f"{caller}: got {len(X)} samples but {len(y)} targets; they must match")
    if not X:
        raise ValueError(f"{caller}: there are no samples to train on")
    if epochs < 0:
        raise ValueError(f"{caller}: epochs must be >= 0, not {epochs}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"{caller}: batch_size must be None or >= 1, not {batch_size}")
