"""Tests for course_lib.datasets: shapes, balance, geometry, determinism and input checks."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.datasets import one_hot, spirals, two_moons


class TestTwoMoons:
    @pytest.mark.parametrize("n", [2, 7, 200])
    def test_shapes_and_balance(self, n):
        x, labels = two_moons(n, rng=0)
        assert x.shape == (n, 2)
        assert x.dtype == np.float64
        assert labels.shape == (n,)
        assert np.issubdtype(labels.dtype, np.integer)
        # class 0 gets the extra point of an odd count
        assert np.bincount(labels, minlength=2).tolist() == [(n + 1) // 2, n // 2]

    def test_noiseless_points_lie_on_their_arcs(self):
        # Without noise, class 0 is the unit upper half circle and class 1 the unit lower
        # half circle centred at (1, 0.5): the definition in the docstring.
        x, labels = two_moons(101, noise=0.0, rng=1)
        upper, lower = x[labels == 0], x[labels == 1]
        np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-14)
        assert np.all(upper[:, 1] >= 0)
        np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, rtol=1e-14)
        assert np.all(lower[:, 1] <= 0.5)

    def test_noise_has_the_requested_size(self):
        # The noise is added after the arcs: its spread is the difference from noise=0
        # drawn with the same angles, which the same seed reproduces.
        x0, _ = two_moons(4000, noise=0.0, rng=3)
        x1, _ = two_moons(4000, noise=0.2, rng=3)
        assert np.std(x1 - x0) == pytest.approx(0.2, rel=0.05)

    def test_same_seed_same_data(self):
        a, la = two_moons(50, rng=np.random.default_rng(5))
        b, lb = two_moons(50, rng=5)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(la, lb)

    def test_shuffled(self):
        _, labels = two_moons(100, rng=0)
        assert not np.all(np.diff(labels) >= 0)

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"n_samples": 1}, ValueError),
            ({"n_samples": 2.0}, TypeError),
            ({"n_samples": True}, TypeError),
            ({"noise": -0.1}, ValueError),
            ({"noise": np.inf}, ValueError),
            ({"noise": "0.1"}, TypeError),
        ],
    )
    def test_invalid_input(self, kwargs, error):
        with pytest.raises(error, match="two_moons"):
            two_moons(**kwargs)


class TestSpirals:
    @pytest.mark.parametrize(("n", "k"), [(3, 3), (10, 3), (300, 2), (301, 4)])
    def test_shapes_and_balance(self, n, k):
        x, labels = spirals(n, n_classes=k, rng=0)
        assert x.shape == (n, 2)
        counts = np.bincount(labels, minlength=k)
        assert counts.sum() == n
        assert counts.max() - counts.min() <= 1
        assert np.all(counts[:-1] >= counts[1:])  # the first classes take the remainder

    def test_noiseless_arms_follow_their_angle(self):
        # Without noise a point at radius r on arm c has angle 4r + 2 pi c / k (mod 2 pi).
        k = 3
        x, labels = spirals(90, n_classes=k, noise=0.0, rng=2)
        r = np.hypot(x[:, 0], x[:, 1])
        assert np.all(r <= 1.0)
        expected = 4 * r + 2 * np.pi * labels / k
        diff = np.angle(np.exp(1j * (np.arctan2(x[:, 1], x[:, 0]) - expected)))
        np.testing.assert_allclose(diff, 0.0, atol=1e-12)

    def test_same_seed_same_data(self):
        a, la = spirals(40, rng=7)
        b, lb = spirals(40, rng=np.random.default_rng(7))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(la, lb)

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"n_classes": 1}, ValueError),
            ({"n_samples": 2, "n_classes": 3}, ValueError),
            ({"n_classes": 2.5}, TypeError),
            ({"noise": -1.0}, ValueError),
        ],
    )
    def test_invalid_input(self, kwargs, error):
        with pytest.raises(error, match="spirals"):
            spirals(**kwargs)


class TestOneHot:
    def test_rows(self):
        t = one_hot(np.array([1, 0, 2, 1]))
        np.testing.assert_array_equal(t, np.eye(3)[[1, 0, 2, 1]])
        assert t.dtype == np.float64
        np.testing.assert_array_equal(t.sum(axis=1), 1.0)

    def test_explicit_classes(self):
        assert one_hot([0, 1], n_classes=4).shape == (2, 4)

    def test_empty(self):
        assert one_hot(np.array([], dtype=int), n_classes=2).shape == (0, 2)
        # a bare [] has numpy's default float dtype but holds no label that is not an int
        assert one_hot([], n_classes=2).shape == (0, 2)
        assert one_hot([]).shape == (0, 0)
        with pytest.raises(TypeError, match="one_hot: labels must be integers"):
            one_hot(np.array([], dtype=float), n_classes=2)

    def test_many_classes_cost_n_times_k(self):
        # an n x n identity for 200,000 classes would be 320 GB; this is 3 rows of 200,000
        labels = np.array([0, 199_999, 5])
        t = one_hot(labels, n_classes=200_000)
        assert t.shape == (3, 200_000)
        np.testing.assert_array_equal(t.argmax(axis=1), labels)
        assert t.sum() == 3

    def test_matches_dataset_labels(self):
        _, labels = two_moons(20, rng=0)
        np.testing.assert_array_equal(one_hot(labels).argmax(axis=1), labels)

    @pytest.mark.parametrize(
        ("labels", "n_classes", "error"),
        [
            ([0.0, 1.0], None, TypeError),
            ([True, False], None, TypeError),
            ([[0, 1]], None, ValueError),
            ([0, -1], 2, ValueError),
            ([0, 2], 2, ValueError),
            ([0, 1], 0, ValueError),
        ],
    )
    def test_invalid_input(self, labels, n_classes, error):
        with pytest.raises(error, match="one_hot"):
            one_hot(labels, n_classes)
