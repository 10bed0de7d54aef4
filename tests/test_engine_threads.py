"""Backward passes from several threads through shared nodes lose and invent nothing."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from autograd_scalar import Value


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so that passes interleave inside backward."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_concurrent_backward_through_a_shared_intermediate_adds_every_pass_once() -> None:
    x = Value(3.0, label="x")
    shared = x * 2.0
    for _ in range(20):  # a chain of shared intermediates: d shared / dx = 2
        shared = shared * 1.0
    passes, threads = 5000, 4

    def work() -> None:
        for _ in range(passes):
            (shared * 1.0).backward()  # each pass: its own root, the same shared node

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert x.grad == 2.0 * passes * threads  # exact: 20,000 contributions of 2.0


def test_concurrent_backward_of_independent_graphs_matches_the_closed_form() -> None:
    results: list[float] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        for _ in range(200):
            x = Value(float(k))
            (x * x * x).backward()
            with lock:
                results.append(x.grad - 3.0 * k * k)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [0.0] * 800
