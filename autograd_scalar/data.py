"""Small 2-D datasets for classification, generated in pure Python from a seed.

Each maker returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` points and ``y`` a
list of int class labels (0/1 for two classes), in shuffled order. The same
seed gives the same data on every machine. The noise is Gaussian, added to
each coordinate, with the standard deviation ``noise``.

>>> X, y = make_moons(4, noise=0.0)
>>> sorted((label, round(x1, 9), round(x2, 9)) for (x1, x2), label in zip(X, y))
[(0, -1.0, 0.0), (0, 1.0, 0.0), (1, 0.0, 0.5), (1, 2.0, 0.5)]
>>> to_plus_minus([0, 1, 1])
[-1, 1, 1]
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

__all__ = [
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "to_plus_minus",
]

Point = list[float]
Dataset = tuple[list[Point], list[int]]
"""``(X, y)``: the points and their class labels."""


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles, scikit-learn's ``make_moons``.

    The outer moon (label 0) is (cos t, sin t) for ``n_samples // 2`` angles t
    evenly spaced over [0, π]; the inner moon (label 1) is
    (1 - cos t, 1 - sin t - 0.5) for the remaining points. With ``noise=0``
    the points are exactly scikit-learn's.
    """
    _check_arguments(n_samples, noise)
    n_outer = n_samples // 2
    outer = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_outer)]
    inner = [
        [1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5]
        for t in _linspace(0.0, math.pi, n_samples - n_outer)
    ]
    return _finish(outer + inner, [0] * len(outer) + [1] * len(inner), noise, seed)


def make_circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> Dataset:
    """A circle of radius ``factor`` (label 1) inside the unit circle (label 0).

    Points are evenly spaced around each circle (``n_samples // 2`` on the
    outer one), as in scikit-learn's ``make_circles``.
    """
    _check_arguments(n_samples, noise)
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"make_circles: factor must be in [0, 1), not {factor!r}")
    n_outer = n_samples // 2
    outer = _circle(n_outer, 1.0)
    inner = _circle(n_samples - n_outer, factor)
    return _finish(outer + inner, [0] * len(outer) + [1] * len(inner), noise, seed)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    cluster_std: float = 1.0,
    seed: int = 0,
) -> Dataset:
    """Gaussian clusters, one class per center, labelled 0, 1, 2 ...

    ``centers`` is a list of ``[x1, x2]`` points, or a number of centers drawn
    uniformly from the box [-10, 10]² (as scikit-learn does). The samples are
    shared out evenly, the first clusters taking one more when they do not divide.
    """
    _check_arguments(n_samples, cluster_std, "cluster_std")
    rng = random.Random(seed)
    if isinstance(centers, int):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be at least 1, not {centers}")
        centers = [[rng.uniform(-10.0, 10.0), rng.uniform(-10.0, 10.0)] for _ in range(centers)]
    points, labels = [], []
    for label, count in enumerate(_share(n_samples, len(centers))):
        points += [[float(c) for c in centers[label]] for _ in range(count)]
        labels += [label] * count
    return _finish(points, labels, cluster_std, rng)


def make_spirals(
    n_samples: int = 100, n_classes: int = 2, noise: float = 0.1, turns: float = 1.0, seed: int = 0
) -> Dataset:
    """Interleaved spiral arms, one per class, winding ``turns`` times around the origin.

    Arm k's i-th point is at radius r = (i + 1) / m (m points on the arm) and
    angle 2π (k / n_classes + turns r).
    """
    _check_arguments(n_samples, noise)
    if n_classes < 1:
        raise ValueError(f"make_spirals: n_classes must be at least 1, not {n_classes}")
    points, labels = [], []
    for label, count in enumerate(_share(n_samples, n_classes)):
        for i in range(count):
            radius = (i + 1) / count
            angle = 2.0 * math.pi * (label / n_classes + turns * radius)
            points.append([radius * math.cos(angle), radius * math.sin(angle)])
        labels += [label] * count
    return _finish(points, labels, noise, seed)


def make_xor(n_samples: int = 100, noise: float = 0.2, seed: int = 0) -> Dataset:
    """The XOR problem: clusters around the corners (±1, ±1) of a square.

    A point is labelled 1 when its corner's coordinates have different signs,
    which no single straight line can separate.
    """
    _check_arguments(n_samples, noise)
    corners = ([-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0])
    points, labels = [], []
    for corner, count in zip(corners, _share(n_samples, 4)):
        points += [list(corner) for _ in range(count)]
        labels += [int(corner[0] != corner[1])] * count
    return _finish(points, labels, noise, seed)


def to_plus_minus(y: Sequence[int]) -> list[int]:
    """0/1 labels as -1/+1, the labels :func:`~autograd_scalar.losses.hinge_loss` takes."""
    for index, label in enumerate(y):
        if label not in (0, 1) or isinstance(label, bool):
            raise ValueError(f"to_plus_minus: label {index} is {label!r}; expected 0 or 1")
    return [2 * label - 1 for label in y]


def _linspace(start: float, stop: float, count: int) -> list[float]:
    """``count`` evenly spaced numbers from ``start`` to ``stop``, computed as numpy does."""
    if count < 2:
        return [start] * count
    step = (stop - start) / (count - 1)
    return [start + i * step for i in range(count - 1)] + [stop]


def _circle(count: int, radius: float) -> list[Point]:
    """``count`` points evenly spaced around a circle, starting at angle 0."""
    angles = (2.0 * math.pi * i / count for i in range(count))
    return [[radius * math.cos(t), radius * math.sin(t)] for t in angles]


def _share(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts as equal as possible, larger ones first."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _check_arguments(n_samples: int, noise: float, noise_name: str = "noise") -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, not {n_samples!r}")
    if not 0.0 <= noise < math.inf:
        raise ValueError(f"{noise_name} must be a finite number >= 0, not {noise!r}")


def _finish(
    points: list[Point], labels: list[int], noise: float, seed: int | random.Random
) -> Dataset:
    """Shuffle the points with their labels, then add Gaussian noise to every coordinate."""
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    order = list(range(len(points)))
    rng.shuffle(order)
    noisy = [[x + rng.gauss(0.0, noise) for x in points[i]] for i in order]
    return noisy, [labels[i] for i in order]
