"""A burst of Ctrl-C never escapes fit: it returns its history with interrupted=True."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# The burst starts from a callback, so it begins inside fit; the progress bar's
# close is slowed to 300 ms so that the whole burst (30 signals 0.5 ms apart, about
# 15 ms on an idle machine, several times that on a busy one) lands inside fit, most
# of it in the clean-up where interrupts used to escape.
SCRIPT = textwrap.dedent("""
    import os, signal, threading, time
    import autograd_scalar.train as train
    from autograd_scalar import MLP, fit, make_moons, hinge_loss, to_plus_minus

    class SlowToClose(train.tqdm):
        def close(self):
            time.sleep(0.3)
            super().close()

    train.tqdm = SlowToClose
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    sent = []

    def burst():
        time.sleep(START)
        for _ in range(30):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.0005)
        sent.append(True)

    def callback(epoch, history):
        if epoch == 3:
            threading.Thread(target=burst, daemon=True).start()

    history = fit(model, X, to_plus_minus(y), loss=hinge_loss, epochs=100000,
                  progress=True, callback=callback)
    print("interrupted", history.interrupted, history.epochs > 0, bool(sent))
""")


@pytest.mark.parametrize("start", [0.0, 0.001, 0.002, 0.003, 0.005, 0.008, 0.013, 0.021])
def test_a_burst_of_interrupts_returns_the_history(start: float) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("START", repr(start))],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "interrupted True True True" in done.stdout
