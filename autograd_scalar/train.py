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
from typing import Any, NamedTuple, Protocol

from tqdm.auto import tqdm

from . import live
from .batches import MIN_GROUP
from .compile import compile_graph
from .engine import Value, no_grad
from .history import History
from .losses import l2_penalty
from .nn import Input, Module
from .optim import Adam, Optimizer
from .replay import Replay, SampleRows

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
      batch, the float replay one graph per batch size. The numpy replay keeps the
      weights in its arrays from one epoch to the next and puts them into the model
      when training ends (however it ends) and after each epoch that a ``callback``,
      the live view or ``validation`` looks at.
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
    # Between epochs only a callback or the view looks at the model: without them the
    # numpy replay keeps the parameters in its arrays until training ends.
    watched = view is not None or callback is not None
    with _one_interrupt():
        bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not progress)
        try:
            for epoch in bar:
                epoch_loss, epoch_accuracy = trainer._epoch(write_back=watched)
                if progress:
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
            trainer._write_back()
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
            _CompiledStep(model, loss, l2, self.X, self.y, fixed=batch_size is None,
                          backend=backend)
            if backend is not None
            else _EagerStep(model, loss, l2, self.X, self.y)
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
        return self._epoch(write_back=True)

    def _epoch(self, write_back: bool) -> tuple[float, float]:
        """:meth:`epoch`; with ``write_back=False`` the numpy replay may keep the new
        parameters in its arrays after the epoch (``fit``'s loop, when nothing looks at
        the model between epochs), until :meth:`_write_back`."""
        number = self.history.epochs + 1
        batches = _batches(len(self.X), self.batch_size, self._shuffler)
        try:
            loss, accuracy = _train_epoch(len(self.X), batches, self._step, self.optimizer,
                                          number)
        finally:
            if write_back or self._evaluate is not None:
                self._step.write_back()
        held_out = self._evaluate() if self._evaluate is not None else None
        _record(self.history, loss, accuracy, held_out)
        return loss, accuracy

    def _write_back(self) -> None:
        """Put parameters the replay keeps in arrays into the model's Values."""
        self._step.write_back()


class _HeldOut(NamedTuple):
    """The model's loss (without the l2 term) and accuracy on the held-out samples."""

    loss: float
    accuracy: float


def _record(history: History, loss: float, accuracy: float, held_out: _HeldOut | None) -> None:
    """Append one finished epoch to ``history``: all of its lists at once."""
    history.loss.append(loss)
    history.accuracy.append(accuracy)
    if held_out is not None:
        history.validation_loss.append(held_out.loss)
        history.validation_accuracy.append(held_out.accuracy)


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


@dataclass
class _SampleProgram:
    """A replay that runs on samples given as rows (the numpy replay's program), with what
    it reads of a sample and what it outputs.

    ``columns``: for each of its sample leaves, the index of that value in a sample's
    inputs followed by its target. ``outputs``: the first sample's outputs, one per
    class; ``several``: the model gives a list of class scores, not one Value.
    """

    replay: Replay
    columns: list[int]
    outputs: list[Value]
    several: bool

    def rows(self, X: list[list[float]], y: list[Any]) -> Any:
        """These samples as the program reads them, one row each: a numpy array."""
        import numpy  # only the numpy replay makes programs: numpy is installed

        table = numpy.array([[*x, t] for x, t in zip(X, y)], dtype=float)
        return table[:, self.columns]


def _target_array(y: list[Any]) -> Any:
    """The targets as a numpy array, for counting right answers on the numpy replay's."""
    import numpy  # only for the numpy replay: numpy is installed

    return numpy.array(y, dtype=float)


def _correct_in_arrays(replay: Replay, outputs: list[Value], several: bool, targets: Any) -> int:
    """How many samples of the replay's last run the model got right (:func:`accuracy`'s
    rule), counted at once on the arrays of its outputs (the first sample's, one per class,
    given; ``several``: the model gives a list of class scores)."""
    import numpy

    if not several:
        scores = numpy.asarray(replay.values(outputs[0]))
        return int(numpy.count_nonzero((scores > 0.0) == (targets > 0)))
    scores = numpy.column_stack([replay.values(output) for output in outputs])
    return int(numpy.count_nonzero(scores.argmax(axis=1) == targets))


def _sample_program(model: Module, loss_fn: LossFunction, l2: float, X: list[list[float]],
                    y: list[Any]) -> _SampleProgram | None:
    """The numpy program of the loss of the first few samples, with their inputs and targets
    as leaves, to replay on any samples; None where the loss does not take targets as Values
    or the graph has no batch of samples over the inputs and targets."""
    if len(X) < MIN_GROUP:  # the fewest samples a batch has; the program then runs on any number
        return None
    inputs = [[Value(v) for v in x] for x in X[:MIN_GROUP]]
    targets = [Value(float(t)) for t in y[:MIN_GROUP]]
    try:
        loss, predictions = batch_loss(model, inputs, targets, loss_fn, l2)
    except (TypeError, ValueError):
        return None  # a loss that wants its targets as numbers
    outputs = _outputs(predictions[0])
    replay = compile_graph(loss, observe=outputs, backend="numpy")
    column = {leaf: k for k, leaf in enumerate([*inputs[0], targets[0]])}
    sample_leaves = replay.sample_leaves
    if not sample_leaves or any(leaf not in column for leaf in sample_leaves):
        return None
    return _SampleProgram(replay, [column[leaf] for leaf in sample_leaves], outputs,
                          _class_scores(predictions[0]))


@dataclass
class _BuiltBatch:
    """A replay of one batch's graph, on the samples it was built with: its input and target
    leaves (empty when the graph holds the numbers themselves) and its predictions,
    observed, so that every replay updates them."""

    replay: Replay
    inputs: list[list[Value]]
    targets: list[Value]
    predictions: list[Prediction]
    outputs_in_arrays: bool | None = None
    """Whether the replay gives the outputs of all samples as arrays (its :meth:`Replay.values`),
    so that it need not write them into the predictions; None until the first step."""

    def correct(self, y_batch: list[Any], targets: Any) -> int:
        """How many samples of the batch the model got right in the last replay: counted on
        the replay's output arrays where ``targets`` are an array (the numpy replay) and
        the outputs come in arrays, else on the predictions' Values."""
        first = self.predictions[0]
        if self.outputs_in_arrays is None:  # after the first step, which wrote the Values
            self.outputs_in_arrays = targets is not None and _in_arrays(self.replay, first)
            self.replay.write_observed = not self.outputs_in_arrays
        if self.outputs_in_arrays:
            return _correct_in_arrays(self.replay, _outputs(first), _class_scores(first), targets)
        return _count_correct(_scores(self.predictions), y_batch)

    def set_samples(self, X_batch: list[list[float]], y_batch: list[Any]) -> None:
        """Give the input and target leaves these samples' numbers."""
        for leaves, x in zip(self.inputs, X_batch):
            for leaf, value in zip(leaves, x):
                leaf.data = float(value)
        for leaf, target in zip(self.targets, y_batch):
            leaf.data = float(target)


def _in_arrays(replay: Replay, prediction: Prediction) -> bool:
    """Whether the replay gives this prediction's outputs in every sample as arrays."""
    try:
        for output in _outputs(prediction):
            replay.values(output)
    except KeyError:  # not in a batch of samples: only its own Value holds it
        return False
    return True


def _built_batch(model: Module, loss_fn: LossFunction, l2: float, X_batch: list[list[float]],
                 y_batch: list[Any], backend: str, leaves: bool) -> _BuiltBatch:
    """The batch's loss compiled whole: with its numbers in the graph, or, with ``leaves``,
    its inputs and targets as leaves to set for other samples of the same count."""
    inputs: list[list[Value]] = []
    targets: list[Value] = []
    if not leaves:
        loss, predictions = batch_loss(model, X_batch, y_batch, loss_fn, l2)
    else:
        inputs = [[Value(float(v)) for v in x] for x in X_batch]
        targets = [Value(float(t)) for t in y_batch]
        try:
            loss, predictions = batch_loss(model, inputs, targets, loss_fn, l2)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"fit(compile=True) with mini-batches gives the loss its targets as Values, "
                f"which {getattr(loss_fn, '__name__', 'this loss')} does not accept "
                f"({error}); train with batch_size=None or compile=False"
            ) from error
    outputs = [p for prediction in predictions for p in _outputs(prediction)]
    replay = compile_graph(loss, observe=outputs, backend=backend)
    return _BuiltBatch(replay, inputs, targets, predictions)


class _Evaluation:
    """The model's loss (without the l2 term) and accuracy on held-out samples, under
    ``no_grad``: eagerly, or with a ``backend`` as a compiled graph replayed forward only
    (it reads the parameters' current values at each replay).

    The numpy replay compiles the loss of a few samples whose inputs and targets are
    leaves, and replays that program on all the held-out samples at once: compiling it
    takes milliseconds, where a graph of every held-out sample would take about half a
    second for 1,000 samples. A loss that does not take targets as Values, or a graph
    without a batch of samples, gets that full graph instead (and the float replay always)."""

    def __init__(self, model: Module, loss_fn: LossFunction,
                 validation: tuple[Sequence[Input], Sequence[Any]], backend: str | None,
                 caller: str) -> None:
        self.X, self.y = _check_validation(validation, caller)
        self.model, self.loss_fn = model, loss_fn
        self.program = (_sample_program(model, loss_fn, 0.0, self.X, self.y)
                        if backend == "numpy" else None)
        if self.program is not None:
            self.rows, self.targets = self.program.rows(self.X, self.y), _target_array(self.y)
        self.built = (_built_batch(model, loss_fn, 0.0, self.X, self.y, backend, leaves=False)
                      if backend is not None and self.program is None else None)

    def __call__(self) -> _HeldOut:
        """The held-out loss and accuracy for the model's parameters now."""
        if self.program is not None:
            program = self.program
            loss = program.replay.forward(self.rows)
            correct = _correct_in_arrays(program.replay, program.outputs, program.several,
                                         self.targets)
        elif self.built is not None:
            loss = self.built.replay.forward()
            correct = _count_correct(_scores(self.built.predictions), self.y)
        else:
            with no_grad():
                predictions = [self.model(x) for x in self.X]
                loss = self.loss_fn(predictions, self.y).data
            correct = _count_correct(_scores(predictions), self.y)
        return _HeldOut(loss, correct / len(self.y))


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
    signal.signal(signal.SIGINT, _InterruptOnce())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


class _InterruptOnce:
    """:func:`_one_interrupt`'s Ctrl-C handler: KeyboardInterrupt at the first interrupt,
    later ones ignored. While ``deferring`` (inside :func:`_interrupts_deferred`) the first
    is held back, ``pending``, until the block is done: a flag, where swapping handlers
    around every step would cost more than the rest of a small step's bookkeeping."""

    def __init__(self) -> None:
        self.stopping = self.deferring = self.pending = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.stopping:
            return
        if self.deferring:
            self.pending = True
            return
        self.stopping = True
        raise KeyboardInterrupt


def _train_epoch(n_samples: int, batches: list[list[int]], step: _Step, optimizer: Optimizer,
                 epoch: int) -> tuple[float, float]:
    """One pass over the batches: the epoch's mean loss and accuracy."""
    total_loss, correct = 0.0, 0
    for batch in batches:
        try:
            result = step(batch, optimizer)
        except ArithmeticError as error:
            raise FloatingPointError(f"training diverged at epoch {epoch}: {error}") from error
        if not math.isfinite(result.loss):
            raise FloatingPointError(
                f"the loss became {result.loss} at epoch {epoch}: training diverged (try a "
                f"smaller learning rate), or the data holds a nan or an infinity"
            )
        total_loss += result.loss * len(batch)
        correct += result.correct
    return total_loss / n_samples, correct / n_samples


Scores = list[float] | list[list[float]]
"""A batch's model outputs as numbers: one per sample, or one list of class scores each."""


class _StepResult(NamedTuple):
    """One training step's batch loss, and how many of the batch's samples the model got
    right (judged from the predictions made for the update)."""

    loss: float
    correct: int


class _Step(Protocol):
    """One training step on a batch (indices into the training samples): zero the
    gradients, forward, backward and, unless the loss is not finite, the optimizer's
    update."""

    def __call__(self, batch: list[int], optimizer: Optimizer) -> _StepResult: ...

    def write_back(self) -> None:
        """Put parameters kept in a replay's arrays into the model's Values."""
        ...


def _update(optimizer: Optimizer) -> None:
    """The optimizer's step, applied whole even if Ctrl-C arrives during it."""
    with _interrupts_deferred():
        optimizer.step()


class _EagerStep:
    """Build the batch's graph and run ``backward()`` on it."""

    def __init__(self, model: Module, loss_fn: LossFunction, l2: float, X: list[list[float]],
                 y: list[Any]) -> None:
        self.model, self.loss_fn, self.l2, self.X, self.y = model, loss_fn, l2, X, y

    def __call__(self, batch: list[int], optimizer: Optimizer) -> _StepResult:
        X_batch, y_batch = [self.X[i] for i in batch], [self.y[i] for i in batch]
        optimizer.zero_grad()
        loss, predictions = batch_loss(self.model, X_batch, y_batch, self.loss_fn, self.l2)
        if math.isfinite(loss.data):
            loss.backward()
            _update(optimizer)
        return _StepResult(loss.data, _count_correct(_scores(predictions), y_batch))

    def write_back(self) -> None:
        """Nothing to write: eager steps update the Values."""


class _CompiledStep:
    """Replay a compiled graph of the batch loss instead of building one each step.

    Full-batch training (``fixed``) compiles the graph of all the samples once, holding
    their numbers. With mini-batches the numpy replay compiles one program
    (:func:`_sample_program`) and runs it on every batch, given as an array of rows;
    the float replay (or a loss the program cannot serve) compiles the graph once per
    batch size with the inputs and targets as leaves, set anew for each batch.

    On the numpy replay the accuracy is counted on the replay's output arrays, and the
    parameters stay in its arrays between steps until :meth:`write_back`.
    """

    def __init__(self, model: Module, loss_fn: LossFunction, l2: float, X: list[list[float]],
                 y: list[Any], fixed: bool, backend: str) -> None:
        self.model, self.loss_fn, self.l2, self.X, self.y = model, loss_fn, l2, X, y
        self.fixed, self.backend = fixed, backend
        self.program = (_sample_program(model, loss_fn, l2, X, y)
                        if backend == "numpy" and not fixed else None)
        self.rows: Any = self.program.rows(X, y) if self.program is not None else None
        self.targets = _target_array(y) if backend == "numpy" else None
        self.built: dict[int, _BuiltBatch] = {}
        self.holding: Replay | None = None
        """The replay that last stepped, which may keep the parameters in its arrays."""

    def __call__(self, batch: list[int], optimizer: Optimizer) -> _StepResult:
        targets = (self.targets if self.fixed or self.targets is None
                   else self.targets[batch])
        if self.program is not None:
            program = self.program
            rows = self.rows if self.fixed else self.rows[batch]  # fixed: every row, in order
            loss = self._replay_step(program.replay, optimizer, rows)
            return _StepResult(loss, _correct_in_arrays(program.replay, program.outputs,
                                                        program.several, targets))
        if self.fixed:  # every sample, in order
            X_batch, y_batch = self.X, self.y
        else:
            X_batch, y_batch = [self.X[i] for i in batch], [self.y[i] for i in batch]
        size = len(batch)
        if size not in self.built:
            self.built[size] = _built_batch(self.model, self.loss_fn, self.l2, X_batch, y_batch,
                                            self.backend, leaves=not self.fixed)
        built = self.built[size]
        if not self.fixed:
            built.set_samples(X_batch, y_batch)
        loss = self._replay_step(built.replay, optimizer)
        return _StepResult(loss, built.correct(y_batch, targets))

    def _replay_step(self, replay: Replay, optimizer: Optimizer, rows: SampleRows = None
                     ) -> float:
        """A step of ``replay``, whole even if Ctrl-C arrives; another replay first puts the
        parameters it keeps into the Values, which this one reads."""
        if self.holding is not None and self.holding is not replay:
            self.holding.write_back()
        self.holding = replay
        with _interrupts_deferred():
            return replay.step(optimizer, rows, write_back=False)

    def write_back(self) -> None:
        """Put the parameters the last replay keeps in its arrays into the model's Values."""
        if self.holding is not None:
            with _interrupts_deferred():
                self.holding.write_back()


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
    handler = signal.getsignal(signal.SIGINT)
    if isinstance(handler, _InterruptOnce):  # fit's own handler: it holds interrupts back
        handler.deferring = True
        try:
            yield
        finally:
            handler.deferring = False
        if handler.pending:
            handler.pending = False
            handler(signal.SIGINT, None)
        return
    if threading.current_thread() is not threading.main_thread() or handler is None:
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
    outputs = [_outputs(prediction) for prediction in predictions]
    if predictions and not _class_scores(predictions[0]):
        return [output.data for output, in outputs]
    return [[output.data for output in sample] for sample in outputs]


def _class_scores(prediction: Prediction) -> bool:
    """Whether the model gives a list of class scores (judged by the largest), not one Value
    (judged by its sign)."""
    return not isinstance(prediction, Value)


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
