"""Datasets: scikit-learn's geometry, written out by hand, and seeded Gaussian noise."""

from __future__ import annotations

import math
import statistics

import pytest

from autograd_scalar.data import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    to_plus_minus,
)

Labelled = list[tuple[int, float, float]]


def labelled(X: list[list[float]], y: list[int]) -> Labelled:
    return sorted((label, x1, x2) for (x1, x2), label in zip(X, y))


def assert_same_points(actual: Labelled, expected: Labelled) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert got[0] == want[0]
        assert got[1:] == pytest.approx(want[1:], abs=1e-12)


def test_make_moons_without_noise_gives_scikit_learns_six_points() -> None:
    # n_out = n_in = 3, t = 0, pi/2, pi. Outer (cos t, sin t); inner (1 - cos t, 1 - sin t - 0.5)
    expected = [
        (0, -1.0, 0.0),  # t = pi
        (0, 0.0, 1.0),  # t = pi/2
        (0, 1.0, 0.0),  # t = 0
        (1, 0.0, 0.5),  # t = 0
        (1, 1.0, -0.5),  # t = pi/2
        (1, 2.0, 0.5),  # t = pi
    ]
    assert_same_points(labelled(*make_moons(6, noise=0.0)), expected)


def test_make_moons_odd_count_puts_the_extra_point_on_the_inner_moon() -> None:
    # n_out = 2 (t = 0, pi), n_in = 3 (t = 0, pi/2, pi)
    expected = [(0, -1.0, 0.0), (0, 1.0, 0.0), (1, 0.0, 0.5), (1, 1.0, -0.5), (1, 2.0, 0.5)]
    assert_same_points(labelled(*make_moons(5, noise=0.0)), expected)


def test_make_moons_noise_is_gaussian_with_the_given_standard_deviation() -> None:
    # The same seed shuffles the same way, so the clean and noisy points line up.
    clean, _ = make_moons(2000, noise=0.0, seed=7)
    noisy, _ = make_moons(2000, noise=0.1, seed=7)
    residuals = [n - c for p, q in zip(noisy, clean) for n, c in zip(p, q)]
    assert statistics.fmean(residuals) == pytest.approx(0.0, abs=0.005)
    assert statistics.pstdev(residuals) == pytest.approx(0.1, abs=0.005)


def test_same_seed_gives_the_same_data_and_another_seed_does_not() -> None:
    assert make_moons(50, seed=3) == make_moons(50, seed=3)
    assert make_moons(50, seed=3) != make_moons(50, seed=4)


def test_samples_are_shuffled() -> None:
    _, y = make_moons(40, noise=0.0, seed=0)
    assert sorted(y) == [0] * 20 + [1] * 20
    assert y != sorted(y)


def test_make_circles_puts_class_one_on_the_inner_circle() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3)
    radii = {(label, round(math.hypot(*point), 12)) for point, label in zip(X, y)}
    assert radii == {(0, 1.0), (1, 0.3)}


def test_make_blobs_spreads_each_class_around_its_center() -> None:
    centers = [[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]]
    X, y = make_blobs(10, centers=centers, cluster_std=0.1)
    assert sorted(y) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    for point, label in zip(X, y):
        assert math.dist(point, centers[label]) < 1.0


def test_make_blobs_draws_random_centers_inside_the_box() -> None:
    X, y = make_blobs(300, centers=4, cluster_std=0.0)
    assert set(y) == {0, 1, 2, 3}
    assert all(-10.0 <= c <= 10.0 for point in X for c in point)


def test_make_spirals_has_one_arm_per_class_inside_the_unit_disc() -> None:
    X, y = make_spirals(90, n_classes=3, noise=0.0)
    assert sorted(set(y)) == [0, 1, 2] and y.count(0) == 30
    assert max(math.hypot(*p) for p in X) == pytest.approx(1.0)


def test_make_xor_labels_opposite_sign_corners_one() -> None:
    X, y = make_xor(20, noise=0.0)
    assert all(label == int(x1 * x2 < 0) for (x1, x2), label in zip(X, y))
    assert sorted(y) == [0] * 10 + [1] * 10


def test_to_plus_minus_maps_zero_to_minus_one() -> None:
    assert to_plus_minus([0, 1, 0, 1]) == [-1, 1, -1, 1]


@pytest.mark.parametrize("labels", [[0, 2], [-1, 1], [0.5]])
def test_to_plus_minus_rejects_labels_other_than_zero_and_one(labels: list[int]) -> None:
    with pytest.raises(ValueError, match="expected 0 or 1"):
        to_plus_minus(labels)


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_moons(0),
        lambda: make_moons(10, noise=-0.1),
        lambda: make_circles(10, factor=1.5),
        lambda: make_blobs(10, centers=0),
        lambda: make_spirals(10, n_classes=0),
        lambda: make_xor(10, noise=math.inf),
    ],
)
def test_bad_arguments_raise_value_error(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]
