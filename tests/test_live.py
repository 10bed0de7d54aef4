"""fit(validation=...) records held-out loss and accuracy; fit(live=True) draws a throttled
view in a notebook (checked in a real kernel), and outside one says it needs a notebook."""

from __future__ import annotations

import io
import math
import os
import sys
import tempfile
import textwrap
from typing import Any, ClassVar

import nbformat
import pytest
from nbclient import NotebookClient

import autograd_scalar.live as live
from autograd_scalar import (
    MLP,
    Adam,
    binary_cross_entropy_with_logits,
    cross_entropy,
    fit,
    make_blobs,
    make_moons,
    mse_loss,
    no_grad,
)
from autograd_scalar.live import LiveView, LiveViewWarning, Throttle
from autograd_scalar.train import History

PNG = b"\x89PNG\r\n\x1a\n"


def moons() -> tuple[Any, Any, Any, Any]:
    X, y = make_moons(30, noise=0.1, seed=0)
    X_val, y_val = make_moons(25, noise=0.1, seed=1)
    return X, y, X_val, y_val


def by_hand(model: MLP, X: Any, y: Any) -> tuple[float, float]:
    """Binary cross-entropy (no L2) and accuracy on (X, y), written out from the scores z:
    -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + e^z) - y z with s the sigmoid; a sample
    is right when (z > 0) == (y == 1)."""
    with no_grad():
        scores = [model(x).data for x in X]
    losses = [math.log1p(math.exp(z)) - t * z for z, t in zip(scores, y)]
    right = [(z > 0) == (t == 1) for z, t in zip(scores, y)]
    return sum(losses) / len(losses), sum(right) / len(right)


# ---------------------------------------------------------------------------
# validation=


@pytest.mark.parametrize("compile", [False, "python", "numpy"])
def test_validation_history_is_the_held_out_loss_without_l2_and_accuracy(
    compile: bool | str,
) -> None:
    X, y, X_val, y_val = moons()
    model = MLP(2, [8, 1], seed=0)
    expected: list[tuple[float, float]] = []
    history = fit(model, X, y, loss=binary_cross_entropy_with_logits, l2=0.05, epochs=6,
                  optimizer=Adam(model.parameters(), lr=0.05), progress=False, compile=compile,
                  validation=(X_val, y_val),
                  callback=lambda epoch, history: expected.append(by_hand(model, X_val, y_val)))
    assert len(history.validation_loss) == len(history.validation_accuracy) == 6
    for (loss, accuracy), got_loss, got_accuracy in zip(
            expected, history.validation_loss, history.validation_accuracy):
        assert math.isclose(got_loss, loss, rel_tol=1e-12)
        assert got_accuracy == accuracy


@pytest.mark.parametrize("compile", [False, "numpy"])  # cross_entropy: the full graph
def test_validation_accuracy_of_several_outputs_is_the_argmax(compile: bool | str) -> None:
    X, y = make_blobs(30, centers=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    history = fit(model, X[:20], y[:20], loss=cross_entropy, epochs=3, progress=False,
                  validation=(X[20:], y[20:]), compile=compile)
    with no_grad():
        outputs = [[o.data for o in model(x)] for x in X[20:]]
    right = [scores.index(max(scores)) == t for scores, t in zip(outputs, y[20:])]
    assert history.validation_accuracy[-1] == sum(right) / 10


def test_without_validation_the_lists_stay_empty_and_to_dict_leaves_them_out() -> None:
    X, y, _, _ = moons()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss=binary_cross_entropy_with_logits,
                  epochs=2, progress=False)
    assert history.validation_loss == history.validation_accuracy == []
    assert "validation_loss" not in history.to_dict()


def test_with_validation_to_dict_holds_the_lists() -> None:
    X, y, X_val, y_val = moons()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss=binary_cross_entropy_with_logits,
                  epochs=2, progress=False, validation=(X_val, y_val))
    fields = history.to_dict()
    assert fields["validation_loss"] == history.validation_loss
    assert fields["validation_accuracy"] == history.validation_accuracy


@pytest.mark.parametrize(("validation", "error", "message"), [
    ([[0.0, 1.0]], TypeError, "pair"),
    (([[0.0, 1.0]], [1, 0]), ValueError, "1 samples and 2 targets"),
    (([], []), ValueError, "at least one"),
    (([[0.0, float("nan")]], [1]), ValueError, "validation: input 0"),
])
def test_bad_validation_is_refused_before_training(
    validation: Any, error: type[Exception], message: str,
) -> None:
    X, y, _, _ = moons()
    with pytest.raises(error, match=message):
        fit(MLP(2, [4, 1], seed=0), X, y, loss=binary_cross_entropy_with_logits, epochs=1,
            progress=False, validation=validation)


# ---------------------------------------------------------------------------
# live=True outside a notebook


def test_live_outside_a_notebook_warns_and_trains_as_without_it() -> None:
    X, y, _, _ = moons()
    options: dict[str, Any] = {"loss": binary_cross_entropy_with_logits, "epochs": 4,
                               "progress": False}
    plain = fit(MLP(2, [4, 1], seed=0), X, y, **options)
    with pytest.warns(LiveViewWarning, match="needs a Jupyter notebook") as caught:
        watched = fit(MLP(2, [4, 1], seed=0), X, y, live=True, **options)
    assert watched == plain
    assert caught[0].filename == __file__  # the warning points at the call of fit


def test_in_notebook_is_false_in_plain_python() -> None:
    assert not live.in_notebook()


def test_without_matplotlib_the_error_names_the_plot_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # ``import`` fails
    X, y, _, _ = moons()
    with pytest.raises(ImportError, match=r'pip install "autograd-scalar\[plot\]"'):
        LiveView(MLP(2, [4, 1], seed=0), X, y, display=lambda png: None)


# ---------------------------------------------------------------------------
# the throttle, on a fake clock


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_throttle_allows_a_frame_only_within_its_share_of_training_time() -> None:
    clock = Clock()
    throttle = Throttle(0.2, clock=clock)
    assert throttle.due()  # nothing drawn and no cost known: the first frame may come at once
    with throttle.drawing():
        clock.now += 1.0  # a frame of 1 s, after 0 s of training
    assert throttle.drawn == throttle.last_cost == 1.0
    clock.now += 14.9  # 14.9 s trained: 1 s drawn + 1 s now + 1 s kept for the end > 2.98 s
    assert not throttle.due()
    clock.now += 0.1  # 15 s trained: 3 s <= 0.2 * 15
    assert throttle.due()


def test_throttle_refuses_a_budget_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="budget"):
        Throttle(0.0)


def test_live_view_keeps_drawing_within_the_budget_and_always_draws_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    X, y, _, _ = moons()
    view = LiveView(MLP(2, [4, 1], seed=0), X, y, epochs=100, display=lambda png: None,
                    clock=clock, budget=0.2)

    def one_second_frame(history: History) -> None:
        clock.now += 1.0

    monkeypatch.setattr(view._figure, "render", one_second_frame)
    monkeypatch.setattr(view._figure, "png", lambda compact: PNG)
    history = History()
    for epoch in range(1, 101):
        clock.now += 0.5  # half a second of training per epoch: 50 s in all
        history.loss.append(1.0 / epoch)
        history.accuracy.append(0.5)
        view(epoch, history)
    drawn_before_the_end = view.frames
    view.finish(history)
    # A frame at epoch 1 (the set-up took no time on this clock: no cost known); with k
    # frames drawn, the next once k + 2 s fit in 0.2 * training, 0.1 s per epoch: at epochs
    # 30, 40, ..., 100. The last shows the end already: finish only shows its pixels again,
    # compactly, without drawing them anew.
    assert drawn_before_the_end == 9 and view.drawn_epoch == 100
    assert view.frames == 10 and view.throttle.drawn == 9.0
    assert view.throttle.drawn <= 0.2 * view.throttle.training + 1e-9


def test_finish_draws_the_last_state_when_no_frame_shows_it() -> None:
    frames: list[bytes] = []
    X, y, _, _ = moons()
    view = LiveView(MLP(2, [4, 1], seed=0), X, y, epochs=10, display=frames.append,
                    budget=1e-9)  # never due
    history = History(loss=[0.7, 0.6], accuracy=[0.5, 0.6])
    view(2, history)
    assert frames == []
    view.finish(history)
    assert len(frames) == 1 and frames[0].startswith(PNG) and view.drawn_epoch == 2
    view.finish(history)
    assert len(frames) == 1  # already shown


def test_the_final_frame_is_compact_and_shows_the_same_picture() -> None:
    from PIL import Image

    frames: list[bytes] = []
    X, y, _, _ = moons()
    view = LiveView(MLP(2, [4, 1], seed=0), X, y, epochs=10, display=frames.append)
    history = History(loss=[0.7], accuracy=[0.5])
    view.draw(history)
    view.finish(history)
    fast, compact = (Image.open(io.BytesIO(frame)) for frame in frames)
    assert compact.mode == "P" and fast.size == compact.size
    assert len(frames[1]) < len(frames[0])
    difference = [abs(a - b) for a, b in zip(fast.convert("L").tobytes(),
                                             compact.convert("L").tobytes())]
    assert sum(difference) / len(difference) < 2  # grey levels, of 255


class RecordingView(LiveView):
    """A LiveView that shows frames in a list, and remembers every view made."""

    made: ClassVar[list[RecordingView]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.shown: list[bytes] = []
        super().__init__(*args, display=self.shown.append, **kwargs)
        RecordingView.made.append(self)


def test_an_interrupted_fit_draws_its_last_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "in_notebook", lambda: True)
    monkeypatch.setattr(live, "LiveView", RecordingView)
    RecordingView.made.clear()

    def interrupt(epoch: int, history: History) -> None:
        if epoch == 3:
            raise KeyboardInterrupt

    X, y, _, _ = moons()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss=binary_cross_entropy_with_logits,
                  epochs=50, progress=False, live=True, callback=interrupt)
    (view,) = RecordingView.made
    assert history.interrupted and history.epochs == 3
    assert view.drawn_epoch == 3 and view.shown[-1].startswith(PNG)


# ---------------------------------------------------------------------------
# what the view draws


def test_the_fast_grid_gives_the_eager_models_numbers() -> None:
    X, _, _, _ = moons()
    model = MLP(2, [5, 3, 1], seed=2)
    plane = live._Plane(model, X, resolution=7)
    assert plane.program is not None  # compiled to numpy
    scores, activations = plane.evaluate()
    with no_grad():
        for i, b in enumerate(plane.ys):
            for j, a in enumerate(plane.xs):
                assert math.isclose(scores[0][i][j], model([a, b]).data, abs_tol=1e-12)
                hidden = [v.data for v in model.layers[0].outputs([a, b])]
                assert [float(activations[k][i][j]) for k in range(5)] == pytest.approx(hidden)


@pytest.mark.parametrize(("samples", "model", "loss", "planar"), [
    ("moons", MLP(2, [20, 1], seed=0), binary_cross_entropy_with_logits, True),
    ("blobs", MLP(2, [4, 3], seed=0), cross_entropy, True),
    ("3-D", MLP(3, [4, 1], seed=0), binary_cross_entropy_with_logits, False),
    ("two outputs, mse", MLP(2, [4, 2], seed=0), None, True),
])
def test_the_view_draws_a_png_for(samples: str, model: MLP, loss: Any, planar: bool) -> None:
    if samples == "blobs":
        X, y = make_blobs(30, centers=3, seed=0)
    elif loss is None:  # several outputs, a loss that is not a classifier's: mse per output
        X, y = make_moons(30, seed=0)
        loss = lambda outputs, targets: mse_loss([o[0] for o in outputs], targets)  # noqa: E731
    else:
        X, y = make_moons(30, seed=0)
        if samples == "3-D":
            X = [[*x, 0.5] for x in X]
    frames: list[bytes] = []
    view = LiveView(model, X, y, epochs=3, display=frames.append)
    history = fit(model, X, y, loss=loss, epochs=3, progress=False, callback=view,
                  validation=(X[:10], y[:10]))
    view.finish(history)
    assert frames[-1].startswith(PNG)
    assert (view._figure.plane is not None) is planar


# ---------------------------------------------------------------------------
# in a real notebook kernel


class RecordingClient(NotebookClient):  # type: ignore[misc]
    """Runs a notebook and keeps every iopub message it sees, by cell."""

    messages: list[tuple[int, dict[str, Any]]]

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        self.messages.append((cell_index, msg))
        return super().process_message(msg, cell, cell_index)


def run_notebook(*cells: str) -> tuple[Any, list[tuple[int, dict[str, Any]]]]:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(textwrap.dedent(cell)) for cell in cells])
    with tempfile.TemporaryDirectory() as directory:
        client = RecordingClient(notebook, timeout=120, kernel_name="python3",
                                 resources={"metadata": {"path": directory}})
        client.messages = []
        client.execute(env={**os.environ, "PYTHONWARNINGS": "ignore:IProgress not found"})
    return notebook, client.messages


SET_UP = """
    import time
    from autograd_scalar import MLP, fit, make_moons, binary_cross_entropy_with_logits
    X, y = make_moons(60, noise=0.1, seed=0)
    X_val, y_val = make_moons(60, noise=0.1, seed=1)
    model = MLP(2, [8, 8, 1], seed=0)
    slowly = lambda epoch, history: time.sleep(0.05)  # 3 s of "training" in all
"""


@pytest.fixture(scope="module")
def trained_live() -> tuple[Any, list[tuple[int, dict[str, Any]]]]:
    return run_notebook(SET_UP, """
        history = fit(model, X, y, loss=binary_cross_entropy_with_logits, epochs=60,
                      progress=False, live=True, validation=(X_val, y_val), callback=slowly)
        print("epochs", history.epochs, "interrupted", history.interrupted)
    """)


def displays(messages: list[tuple[int, dict[str, Any]]], cell: int, kind: str
             ) -> list[dict[str, Any]]:
    return [msg["content"] for index, msg in messages
            if index == cell and msg["msg_type"] == kind]


def test_in_a_kernel_the_view_is_one_display_updated_in_place(
    trained_live: tuple[Any, list[tuple[int, dict[str, Any]]]],
) -> None:
    _, messages = trained_live
    (first,) = displays(messages, 1, "display_data")
    updates = displays(messages, 1, "update_display_data")
    display_id = first["transient"]["display_id"]
    assert "image/png" in first["data"]
    assert updates and all(u["transient"]["display_id"] == display_id for u in updates)
    assert all("image/png" in u["data"] for u in updates)


def test_in_a_kernel_the_updates_are_throttled(
    trained_live: tuple[Any, list[tuple[int, dict[str, Any]]]],
) -> None:
    _, messages = trained_live
    frames = 1 + len(displays(messages, 1, "update_display_data"))
    # 3 s of training leave 0.6 s of drawing: a handful of frames, not one per epoch
    assert 2 <= frames <= 20


def test_the_executed_notebook_keeps_the_final_frame(
    trained_live: tuple[Any, list[tuple[int, dict[str, Any]]]],
) -> None:
    notebook, messages = trained_live
    view, printed = notebook.cells[1].outputs
    last = displays(messages, 1, "update_display_data")[-1]
    assert view.output_type == "display_data"
    assert view.data["image/png"] == last["data"]["image/png"]
    assert printed.text == "epochs 60 interrupted False\n"


def test_interrupting_the_kernel_stops_training_and_shows_the_last_state() -> None:
    notebook, _ = run_notebook(SET_UP, """
        import os, signal, threading
        threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT)).start()  # as Jupyter does
        history = fit(model, X, y, loss=binary_cross_entropy_with_logits, epochs=100000,
                      progress=False, live=True, callback=slowly)
        print("interrupted", history.interrupted, "after", history.epochs, "epochs")
    """)
    outputs = notebook.cells[1].outputs
    assert [o.output_type for o in outputs] == ["display_data", "stream"]
    assert outputs[1].text.startswith("interrupted True after ")
    assert "image/png" in outputs[0].data
