"""Tests for course_lib.softmax: identities, accuracy against mpmath, limits, bad input."""

import importlib

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from course_lib import (
    bounds,
    correctly_rounded,
    log_softmax,
    logsumexp,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_jacobian,
    softmax_vjp,
)
from tests.reference import mp_softmax, mp_softmax_vjp, ulp_error

SOFTMAX = importlib.import_module("course_lib.softmax")  # the module; the name is the function

METHODS = ["accurate", "fast"]
logits = arrays(
    np.float64,
    array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
    elements=st.floats(-1e3, 1e3),
)


def reference(z):
    return mp_softmax(z)


def random_logits(scale, k, dtype=np.float64, n=12, seed=0):
    return (np.random.default_rng(seed).standard_normal((n, k)) * scale).astype(dtype)


class TestSoftmax:
    @given(logits, st.sampled_from(METHODS))
    def test_sums_to_one_and_nonnegative(self, z, method):
        p = softmax(z, axis=-1, method=method)
        assert np.all(p >= 0)
        # pairwise sum of K <= 6 terms, each within a few ulp
        np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=8e-16)

    @given(logits, st.floats(-100, 100))
    def test_shift_invariance(self, z, c):
        np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=2e-12, atol=1e-300)

    @given(st.floats(-700, 700))
    def test_two_classes_with_zero_logit_is_the_sigmoid(self, z):
        # the article's reduction: K = 2, z_1 = 0 gives p_2 = 1/(1 + e^-z) = sigma(z)
        p = softmax(np.array([0.0, z]))
        np.testing.assert_allclose(p[1], sigmoid(z), rtol=4e-16)
        np.testing.assert_allclose(p[0], sigmoid(-z), rtol=4e-16)

    @pytest.mark.slow
    @pytest.mark.parametrize("scale", [1, 10, 100, 1000])
    @pytest.mark.parametrize("k", [10, 1000])
    def test_accurate_within_8_ulp(self, scale, k):
        z = random_logits(scale, k, n=4 if k == 1000 else 30, seed=scale + k)
        probs, _ = reference(z)
        err = ulp_error(softmax(z), probs)
        assert err.max() <= 8.0, err.max()

    def test_fast_form_loses_hundreds_of_ulp_at_scale_100(self):
        # rounding z - max is amplified by exp: the reason the accurate form exists
        z = random_logits(100, 100, n=10, seed=1)
        probs, _ = reference(z)
        assert ulp_error(softmax(z, method="fast"), probs).max() > 100
        assert ulp_error(scipy.special.softmax(z, axis=-1), probs).max() > 100
        assert ulp_error(softmax(z), probs).max() <= 8

    def test_float32_accurate(self):
        z = random_logits(100, 50, np.float32, seed=2)
        probs, _ = reference(z)
        assert ulp_error(softmax(z), probs).max() <= 1.0

    def test_matches_scipy_fast(self):
        z = random_logits(3, 7)
        np.testing.assert_allclose(
            softmax(z, method="fast"), scipy.special.softmax(z, axis=-1), rtol=1e-15
        )

    @pytest.mark.parametrize("method", METHODS)
    def test_extreme_finite_logits_give_no_nan_inf_or_warning(self, method):
        big = np.finfo(float).max
        z = np.array(
            [[big, -big, 0.0], [-big, -big, -big], [5e-324, 0.0, -5e-324], [1e308, -1e308, 1e308]]
        )
        p = softmax(z, method=method)
        assert np.all(np.isfinite(p))
        np.testing.assert_array_equal(p[0], [1, 0, 0])
        np.testing.assert_allclose(p[1], 1 / 3)
        np.testing.assert_array_equal(p[3], [0.5, 0, 0.5])

    @pytest.mark.parametrize("method", METHODS)
    def test_infinite_logits_give_the_limit(self, method):
        z = np.array(
            [
                [np.inf, 1.0, 2.0],
                [np.inf, np.inf, -np.inf],
                [-np.inf, -np.inf, -np.inf],
                [np.nan, 0, 1],
            ]
        )
        p = softmax(z, method=method)
        np.testing.assert_array_equal(p[:3], [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]])
        assert np.all(np.isnan(p[3]))

    @pytest.mark.parametrize("method", METHODS)
    def test_axis(self, method):
        z = random_logits(2, 5)
        np.testing.assert_array_equal(
            softmax(z, axis=0, method=method), softmax(z.T, method=method).T
        )
        z3 = np.random.default_rng(1).standard_normal((2, 3, 4))
        np.testing.assert_array_equal(
            softmax(z3, axis=1, method=method),
            np.moveaxis(softmax(np.moveaxis(z3, 1, -1), method=method), -1, 1),
        )

    def test_many_rows_cross_block_boundaries(self):
        z = random_logits(5, 3, n=70_000)  # 210000 elements: several row blocks
        np.testing.assert_array_equal(softmax(z)[-5:], softmax(z[-5:]))


class TestLogSoftmax:
    @pytest.mark.slow
    @pytest.mark.parametrize("scale", [1, 10, 100, 1000])
    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def test_accurate_within_4_ulp_top_logit_included(self, scale, dtype):
        z = random_logits(scale, 20, dtype, n=30, seed=scale)
        _, logs = reference(z)
        err = ulp_error(log_softmax(z), logs)
        assert err.max() <= 4.0, err.max()

    def test_dominant_logit_is_not_zero(self):
        # log p_top = -log1p(e^-40) = -4.248e-18; the textbook form rounds it to 0
        z = np.array([40.0, 0.0])
        _, logs = reference(z[None])
        assert ulp_error(log_softmax(z), logs).max() <= 1
        assert log_softmax(z, method="fast")[0] == 0.0
        assert scipy.special.log_softmax(z)[0] == 0.0

    @given(logits)
    def test_exp_is_softmax(self, z):
        np.testing.assert_allclose(np.exp(log_softmax(z)), softmax(z), rtol=1e-12, atol=1e-300)

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    @pytest.mark.parametrize("method", ["accurate", "fast"])
    def test_below_the_float_range_is_minus_inf_without_warning(self, dtype, method):
        # ln p_3 = -2 max - ln 2 is beyond the dtype's range: it rounds to -inf
        big = np.finfo(dtype).max
        out = log_softmax(np.array([big, big, -big], dtype), method=method)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, np.array([-np.log(2), -np.log(2), -np.inf], dtype))

    @pytest.mark.parametrize("method", ["accurate", "fast"])
    def test_infinite_logits(self, method):
        # the limit: the +inf entries share the probability, ln(1/2) and ln(1/3) within
        # an ulp of the correctly rounded values (numpy's log and log1p differ in the last
        # bit between SIMD levels), and -inf exactly where the probability is 0
        z = np.array([[np.inf, np.inf, 0.0], [-np.inf, -np.inf, -np.inf], [np.inf] * 3])
        out = log_softmax(z, method=method)
        ln2, ln3 = (float(correctly_rounded(mpmath.log, v)) for v in (2.0, 3.0))
        expected = np.array([[-ln2, -ln2, -np.inf], [-ln3] * 3, [-ln3] * 3])
        finite = np.isfinite(expected)
        np.testing.assert_array_equal(out[~finite], expected[~finite])
        np.testing.assert_array_max_ulp(out[finite], expected[finite], maxulp=1)

    @pytest.mark.parametrize("k", [5, 12])  # K < 8 is worked on transposed
    @pytest.mark.parametrize("method", ["accurate", "fast"])
    def test_batched_equals_row_by_row(self, method, k):
        # each slice is normalised on its own: a batch is its rows stacked
        z = random_logits(10, k, n=7)
        rows = np.array([log_softmax(row, method=method) for row in z])
        np.testing.assert_array_equal(log_softmax(z, method=method), rows)
        np.testing.assert_array_equal(log_softmax(z.T, axis=0, method=method), rows.T)

    @staticmethod
    def both_ways(k):
        # slices of every kind in one block: max below 0 and past 700 - ln K (shifted),
        # in [0, 700 - ln K] (unshifted where long double is x87's), at both ends of that
        # range, a tie for the max, a dominant logit, and a spread of 1400
        z = random_logits(20, k, n=10, seed=k)
        z[0] -= z[0].max() + 3.0
        z[1] += 720.0 - z[1].max()
        z[2] -= z[2].max()
        z[3] += 700.0 - np.log(k) - z[3].max()
        z[4, :2] = z[4].max() + 1.0
        z[5, 0] = z[5].max() + 40.0
        z[6] = np.linspace(-700.0, 700.0 - np.log(k), k)
        return z

    @pytest.mark.parametrize("extended", [True, False])
    @pytest.mark.parametrize("k", [31, 32, 100])
    def test_shifted_and_unshifted_slices_within_the_bound(self, k, extended, monkeypatch):
        # each slice its own way (softmax._log_softmax_float64), with or without x87's
        # long double (without it, as on Windows or ARM, every slice is shifted)
        monkeypatch.setattr(SOFTMAX, "_EXTENDED", extended and SOFTMAX._EXTENDED)
        z = self.both_ways(k)
        out = log_softmax(z)
        _, logs = reference(z)
        assert ulp_error(out, logs).max() <= bounds.BOUNDS["log_softmax"]["float64"]
        np.testing.assert_array_equal(out, np.array([log_softmax(row) for row in z]))
        np.testing.assert_array_equal(log_softmax(z.T, axis=0), out.T)

    @pytest.mark.skipif(not SOFTMAX._EXTENDED, reason="no x87 long double")
    def test_an_unshifted_slice_30_apart_within_an_ulp(self):
        # logits near 30 apart: the shifted form compensates 16 ulps of rounded z_j - m,
        # the unshifted one has no rounded argument (the top entry is -T, T = K e^-30)
        z = np.zeros((1, 64))
        z[0, 0] = 30.0 + 2.0**-40
        out = log_softmax(z)
        _, logs = reference(z)
        assert ulp_error(out, logs).max() <= 1.0

    @pytest.mark.parametrize("func", [softmax, log_softmax])
    def test_a_thousand_ties_at_the_top_of_the_unshifted_range(self, func):
        # max 706 <= 700 + ln 1000: a sum of e^706 each would overflow, so this slice
        # must be shifted (the unshifted range ends at 700 - ln K)
        z = np.full((2, 1000), 706.0)
        z[1, 0] = 700.0 - np.log(1000.0)  # the other end of it, unshifted
        out = func(z)
        probs, logs = reference(z)
        expected = probs if func is softmax else logs
        assert ulp_error(out, expected).max() <= bounds.BOUNDS[func.__name__]["float64"]

    def test_float32_is_the_float64_result_rounded_once(self):
        z = random_logits(30, 40, np.float32, n=50, seed=2)
        np.testing.assert_array_equal(
            log_softmax(z), log_softmax(z.astype(np.float64)).astype(np.float32)
        )

    @pytest.mark.parametrize("k", [3, 12])  # K < 8 is worked on transposed
    def test_a_slice_beyond_the_float_range_leaves_its_neighbours_alone(self, k):
        # z - m overflows to -inf in the first slice (its rounding error is NaN there),
        # and the second has a NaN: the other slices of the block get their own bits
        z = random_logits(6, k, n=11)
        z[0, :2] = [1e308, -1e308]
        z[1, 1] = np.nan
        out = log_softmax(z)
        rows = np.array([log_softmax(row) for row in z])
        np.testing.assert_array_equal(out, rows)
        assert out[0, 1] == -np.inf
        assert np.isnan(out[1]).all()
        assert np.isfinite(out[2:]).all()


class TestLogsumexp:
    @given(logits)
    def test_matches_scipy(self, z):
        # m + log(sum exp(z - m)) cancels when the result is near 0 and m < 0 (both
        # libraries compute it so): the error is relative to max(|result|, |max z|), as
        # logsumexp's bound is measured (z = [-8, -1.0977, -1.0977, -1.0977] gives 0.0013)
        scale = np.maximum(np.abs(scipy.special.logsumexp(z, axis=-1)), np.abs(z.max(axis=-1)))
        np.testing.assert_allclose(
            logsumexp(z), scipy.special.logsumexp(z, axis=-1), rtol=0, atol=1e-13 * scale.max()
        )

    def test_the_cancelling_case_hypothesis_found(self):
        # against 50 digits: within the bound in ulps of |max z|, not of the tiny result
        z = np.array([-8.0, -1.09765625, -1.09765625, -1.09765625])
        with mpmath.workdps(50):
            exact = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in z))
        error = abs(mpmath.mpf(float(logsumexp(z))) - exact) / np.spacing(1.09765625)
        assert float(exact) == pytest.approx(0.0012910, rel=1e-4)
        assert error <= bounds.BOUNDS["logsumexp"]["float64"]

    def test_accurate_for_a_dominant_term(self):
        # log(e^0 + e^-40) = log1p(e^-40) = 4.248e-18 exactly to 50 digits
        exact = [mpmath.log1p(mpmath.exp(-40))]
        assert ulp_error(np.atleast_1d(logsumexp(np.array([0.0, -40.0]))), exact).max() <= 1

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("x", [0.0, -3.5, 1e30, -1e-30, np.inf, -np.inf])
    def test_one_element_is_that_element(self, dtype, x):
        # log(exp(x)) = x exactly, for a slice of one
        z = np.array([x], dtype)
        assert logsumexp(z) == z[0]
        np.testing.assert_array_equal(logsumexp(np.array([[x], [x]], dtype)), [z[0], z[0]])

    @pytest.mark.parametrize("k", [5, 12])  # K < 8 is worked on transposed
    def test_batched_equals_row_by_row(self, k):
        z = random_logits(10, k, n=7)
        rows = np.array([logsumexp(row) for row in z])
        np.testing.assert_array_equal(logsumexp(z), rows)
        np.testing.assert_array_equal(logsumexp(z.T, axis=0), rows)

    def test_float32_is_the_float64_result_rounded_once(self):
        # computed in float64 and rounded to float32 once: within half a float32 ulp of the
        # exact value (mpmath at 50 digits), plus float64's own error (~1e-8 float32 ulp)
        z = random_logits(3, 5, np.float32, n=20, seed=1)
        exact = [
            mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in row)) for row in z
        ]
        assert ulp_error(logsumexp(z), exact).max() <= 0.5 + 1e-6

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_empty_results_keep_the_dtype(self, dtype):
        # no slice, or slices of nothing: log of an empty sum is -inf, in z's dtype
        empty_axis = logsumexp(np.empty((3, 0), dtype))
        assert empty_axis.dtype == dtype
        np.testing.assert_array_equal(empty_axis, [-np.inf] * 3)
        assert logsumexp(np.empty((0, 3), dtype)).dtype == dtype

    def test_reduces_axis_and_edge_cases(self):
        assert logsumexp(np.zeros((2, 3, 4)), axis=1).shape == (2, 4)
        np.testing.assert_array_equal(logsumexp(np.empty((3, 0))), [-np.inf] * 3)
        assert logsumexp(np.empty((0, 3))).shape == (0,)
        np.testing.assert_array_equal(
            logsumexp(np.array([[np.inf, 0.0], [-np.inf, -np.inf], [np.nan, 1.0]])),
            [np.inf, -np.inf, np.nan],
        )


class TestJacobian:
    @given(logits)
    def test_is_diag_minus_outer_symmetric_rows_sum_to_zero(self, z):
        jac = softmax_jacobian(z)
        p = softmax(z)
        assert jac.shape == (*z.shape, z.shape[-1])
        eye = np.eye(z.shape[-1], dtype=bool)
        # off the diagonal -p_i p_j; on it p_i (1 - p_i) = p_i sum_{j != i} p_j, the
        # cancellation-free form (1 - p_i by subtraction would lose u/(1 - p_i))
        others = np.where(eye, 0.0, p[..., None, :]).sum(axis=-1)
        expected = np.where(eye, (p * others)[..., None], -p[..., :, None] * p[..., None, :])
        np.testing.assert_allclose(jac, expected, rtol=1e-14, atol=1e-300)
        np.testing.assert_array_equal(jac, np.swapaxes(jac, -1, -2))
        # entries are at most 1/4: rounding of the K-term row sum stays below 8 ulp of 1/4
        np.testing.assert_allclose(jac.sum(axis=-1), 0, atol=4.5e-16)

    def test_against_central_differences(self):
        z = np.array([0.3, -1.2, 2.0, 0.5])
        h = 1e-6
        numerical = np.stack(
            [(softmax(z + h * e) - softmax(z - h * e)) / (2 * h) for e in np.eye(4)], axis=1
        )
        np.testing.assert_allclose(softmax_jacobian(z), numerical, rtol=1e-8, atol=1e-10)

    @pytest.mark.parametrize("z", [0.5, 20.0, 40.0, 700.0, -40.0])
    def test_two_classes_diagonal_is_sigmoid_derivative(self, z):
        # not 0 for z = 40, where diag(p) - p p^T computed naively is 0
        jac = softmax_jacobian(np.array([0.0, z]))
        np.testing.assert_allclose(jac[1, 1], sigmoid_derivative(z), rtol=4e-16)
        np.testing.assert_allclose(jac[0, 0], sigmoid_derivative(z), rtol=4e-16)

    def test_axis_moves_last(self):
        z = np.random.default_rng(0).standard_normal((3, 4, 2))
        np.testing.assert_array_equal(
            softmax_jacobian(z, axis=1), softmax_jacobian(np.moveaxis(z, 1, -1))
        )
        assert softmax_jacobian(z, axis=1).shape == (3, 2, 4, 4)


class TestVjp:
    @given(logits, st.integers(0, 2**32 - 1))
    def test_equals_jacobian_transpose_times_g(self, z, seed):
        g = np.random.default_rng(seed).standard_normal(z.shape)
        expected = np.einsum("...ij,...i->...j", softmax_jacobian(z), g)
        np.testing.assert_allclose(softmax_vjp(softmax(z), g), expected, rtol=1e-9, atol=1e-15)

    @pytest.mark.slow
    @pytest.mark.parametrize("scale", [1, 100, 1000])
    def test_componentwise_within_16_ulp(self, scale):
        # reference: y_i = p_i (g_i - sum_j p_j g_j) for the given p, at 1000 digits so
        # the sum keeps every product however small
        rng = np.random.default_rng(scale)
        for _ in range(8):
            p = softmax(rng.standard_normal(50) * scale)
            g = rng.standard_normal(50)
            exact = mp_softmax_vjp(p, g)
            err = ulp_error(softmax_vjp(p, g), exact)
            naive = ulp_error(p * (g - p @ g), exact)
            assert err.max() <= 16, err.max()
        if scale == 100:
            assert naive.max() > 512  # the anchor: the textbook form loses that much

    def test_float32(self):
        z = random_logits(10, 8, np.float32)
        g = np.ones_like(z)
        out = softmax_vjp(softmax(z), g)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, 0, atol=1e-7)  # J^T 1 = 0: rows of J sum to 0

    @pytest.mark.parametrize(
        ("p", "g", "dtype"),
        [
            # float32 with a dominant entry: g_1 - p.g = -9.4e-14 cancels in float64 too
            ([1.0, 9.357622912219837e-14], [1.0, 1.0], np.float32),
            # |g| beyond 2**995, where the exact split of two_product would overflow
            ([0.3, 0.7], [1e300, -1.2e300], np.float64),
            ([0.9, 0.05, 0.05], [1.7e300, 1.7e300 * (1 - 1e-15), 0.5e300], np.float64),
            # a dominant entry whose g_j - p.g cancels to 1e-16 of g: its correction
            # (1 - p_j) g_j - sum_{i != j} p_i g_i carries the low-order parts
            ([0.2, 0.8], [1e16, 1e16 + 2.0], np.float64),
            ([1e-12, 1 - 1e-12], [1.0, 1.0 + 1e-6], np.float64),
        ],
    )
    def test_cancelling_and_huge_cases_within_4_ulp(self, p, g, dtype):
        p, g = np.array(p, dtype), np.array(g, dtype)
        out = softmax_vjp(p, g)
        assert out.dtype == dtype
        err = ulp_error(out, mp_softmax_vjp(p, g))
        assert err.max() <= 4, err

    @pytest.mark.parametrize("k", [3, 5, 10])  # K < 8 is worked on transposed
    def test_a_dominant_entry_anywhere_in_a_batch(self, k):
        # the dominant entry's own formula, (1 - p_i) g_i - sum_{j != i} p_j g_j, must be
        # used at the dominant entry of each slice: in every position, in every row
        n = 2 * k
        p = np.full((n, k), 1e-12 / (k - 1))
        p[np.arange(n), np.arange(n) % k] = 1 - 1e-12
        g = 1.0 + 1e-6 * np.random.default_rng(k).standard_normal((n, k))
        out = softmax_vjp(p, g)
        for row, p_row, g_row in zip(out, p, g, strict=True):
            assert ulp_error(row, mp_softmax_vjp(p_row, g_row)).max() <= 4

    @pytest.mark.parametrize("bad", [np.inf, -0.5, 1.5])
    def test_p_outside_zero_one_is_refused(self, bad):
        with pytest.raises(ValueError, match=r"softmax_vjp: p must lie in \[0, 1\]"):
            softmax_vjp(np.array([bad, 0.5]), np.ones(2))

    def test_axis_and_shapes(self):
        z = np.random.default_rng(0).standard_normal((4, 3))
        g = np.random.default_rng(1).standard_normal((4, 3))
        np.testing.assert_allclose(
            softmax_vjp(softmax(z, axis=0), g, axis=0), softmax_vjp(softmax(z.T), g.T).T, rtol=1e-15
        )

    def test_shape_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r"softmax_vjp: p and v must have the same shape; "
            r"got p.shape=\(3,\) and v.shape=\(4,\)",
        ):
            softmax_vjp(np.ones(3) / 3, np.ones(4))

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_empty(self, dtype):
        out = softmax_vjp(np.empty((0, 3), dtype), np.empty((0, 3), dtype))
        assert out.shape == (0, 3)
        assert out.dtype == dtype

    @pytest.mark.parametrize(
        ("p_dtype", "g_dtype"), [(np.float32, np.float64), (np.float64, np.float32)]
    )
    def test_dtype_is_that_of_p_times_g(self, p_dtype, g_dtype):
        # as numpy's p * g: float32 with float64 gives float64, whichever comes first
        out = softmax_vjp(np.full(2, 0.5, p_dtype), np.ones(2, g_dtype))
        assert out.dtype == np.float64

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            (("abc", [1.0]), r"^softmax_vjp: argument 'p' must be"),
            (([1.0], "abc"), r"^softmax_vjp: argument 'v' must be"),
        ],
    )
    def test_bad_types_name_the_argument(self, args, match):
        with pytest.raises(TypeError, match=match):
            softmax_vjp(*args)

    def test_bad_axis_names_the_function(self):
        with pytest.raises(np.exceptions.AxisError, match=r"^softmax_vjp: axis 2 is out of"):
            softmax_vjp(np.full((2, 3), 1 / 3), np.ones((2, 3)), axis=2)

    def test_non_finite_g_stays_in_its_slice(self):
        # the inf in row 0 makes row 0 nan/-inf (IEEE), and leaves row 1 finite: by hand
        # p.g = 0.2 + 0.6 + 1.5 = 2.3, so row 1 is p (g - 2.3) = [-0.26, -0.09, 0.35]
        p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
        g = np.array([[np.inf, 0.0, 1.0], [1.0, 2.0, 3.0]])
        out = softmax_vjp(p, g)
        np.testing.assert_array_equal(out[0], softmax_vjp(p[0], g[0]))
        np.testing.assert_allclose(out[1], [-0.26, -0.09, 0.35], rtol=1e-14)
        np.testing.assert_array_equal(softmax_vjp(p.T, g.T, axis=0), out.T)

    def test_huge_g_in_one_slice_is_scaled_in_that_slice_only(self):
        # row 0 needs the exact scaling (|g| > 2**995), row 1 is a cancelling case;
        # reference: mpmath at 1000 digits, row by row
        p = np.array([[0.3, 0.7], [0.2, 0.8]])
        g = np.array([[1e300, -1.2e300], [1e16, 1e16 + 2.0]])
        out = softmax_vjp(p, g)
        for row in range(2):
            assert ulp_error(out[row], mp_softmax_vjp(p[row], g[row])).max() <= 4, row

    def test_scaled_slice_keeps_tiny_components(self):
        # found by make accuracy-search: with g scaled by 2**-600 (as softmax_vjp once
        # did for |g| >= 2**995), p_1 (g_1 - p.g) = 2**-1000 * (0 - 1) underflowed to 0
        # before it was scaled back. p.g = 1, so the exact answer is [0, -2**-1000, 0].
        p = np.array([1.0, 2.0**-1000, 0.0])
        g = np.array([1.0, 0.0, 2.0**996])
        np.testing.assert_array_equal(softmax_vjp(p, g), [0.0, -(2.0**-1000), 0.0])
        # tiny g beside a huge one (at p = 0): scaling g by 2**-600 would flush 2**-570
        p = np.array([1.0, 2.0**-350, 0.0])
        g = np.array([-(2.0**-600), 2.0**-570, 2.0**996])
        assert ulp_error(softmax_vjp(p, g), mp_softmax_vjp(p, g)).max() <= 1
        # the other way round: the unscaled difference 2**1000 + 2**1023 would overflow
        p = np.array([0.5, 0.5])
        g = np.array([2.0**1023, -(2.0**1023)])
        assert ulp_error(softmax_vjp(p, g), mp_softmax_vjp(p, g)).max() <= 1

    def test_g_next_to_the_largest_float(self):
        # found in review: within 2**-27 of the largest float the scaled split of g rounded
        # up to inf, and the result was NaN. Now: accurate, or inf where it overflows.
        # References: mpmath at 1000 digits.
        big = float.fromhex("0x1.ffffffcp+1023")
        for p, g in (
            ([0.25, 0.75], [big, 0.0]),  # about -3.4e307 and 3.4e307
            ([0.5, 0.5], [np.finfo(float).max, np.finfo(float).max]),  # exactly 0
            ([0.5, 0.25, 0.25], [big, -big, 2.0**-1074]),  # a subnormal g beside them
        ):
            p, g = np.array(p), np.array(g)
            out = softmax_vjp(p, g)
            assert np.isfinite(out).all(), out
            assert ulp_error(out, mp_softmax_vjp(p, g)).max() <= 1, out
        # (-max, max) at p = (1/2, 1/2): p_0 (g_0 - p.g) = 1/2 (-max - 0) = -max/2
        out = softmax_vjp(np.array([0.5, 0.5]), np.array([-1.0, 1.0]) * np.finfo(float).max)
        np.testing.assert_array_equal(out, np.array([-0.5, 0.5]) * np.finfo(float).max)
        # a result beyond the range (p need not sum to 1): at p = (1, 1, 1) and
        # g = (-max, max, max), p.g = max, so y = (-max - max, 0, 0) = (-inf, 0, 0)
        out = softmax_vjp(np.ones(3), np.array([-1.0, 1.0, 1.0]) * np.finfo(float).max)
        np.testing.assert_array_equal(out, [-np.inf, 0.0, 0.0])

    def test_non_finite_g_elsewhere_keeps_a_slice_accurate(self):
        # row 1 is a cancelling case that is within 4 ulp when computed alone (see
        # test_cancelling_and_huge_cases_within_4_ulp); reference: mpmath at 1000 digits
        p = np.array([[0.5, 0.5], [0.2, 0.8]])
        g = np.array([[np.inf, 0.0], [1e16, 1e16 + 2.0]])
        err = ulp_error(softmax_vjp(p, g)[1], mp_softmax_vjp(p[1], g[1]))
        assert err.max() <= 4, err

    def test_two_classes_take_the_general_path_bit_for_bit(self):
        # K = 2 has its own kernel (_vjp_pair); it must give _vjp_compensated's bits, on
        # rows like the accuracy search's (a dominant class, near-ties, g close to p.g)
        # and on the edges of the top-class branch: a tie at 1/2, no p above 1/2, NaN
        from course_lib.softmax import _vjp_compensated

        rng = np.random.default_rng(7)
        z = rng.standard_normal((3000, 2)) * 10.0 ** rng.uniform(-3, 2, (3000, 1))
        p = softmax(z)
        g = np.where(rng.random((3000, 1)) < 0.5, 1 + rng.standard_normal((3000, 2)) * 1e-9, z)
        p[:4] = [[0.5, 0.5], [0.3, 0.3], [np.nan, 0.9], [0.9, np.nan]]
        out = softmax_vjp(p, g)
        general = _vjp_compensated(np.ascontiguousarray(p.T), np.ascontiguousarray(g.T), axis=0).T
        np.testing.assert_array_equal(out, general)
        np.testing.assert_array_equal(softmax_vjp(p.T, g.T, axis=0), out.T)
        assert np.isnan(out[2:4]).all()

    def test_non_finite_g_follows_ieee_without_warning(self):
        # p.g = inf, so y = p * (g - inf) = [0.5 (inf - inf), 0.5 (0 - inf)] = [nan, -inf]
        out = softmax_vjp(np.array([0.5, 0.5]), np.array([np.inf, 0.0]))
        np.testing.assert_array_equal(out, [np.nan, -np.inf])


ALL = [softmax, log_softmax, logsumexp, softmax_jacobian]


@pytest.mark.parametrize("func", ALL)
class TestCommonRules:
    def test_axis_errors(self, func):
        with pytest.raises(np.exceptions.AxisError, match=f"^{func.__name__}: axis 2 is out"):
            func(np.zeros((2, 3)), axis=2)
        with pytest.raises(np.exceptions.AxisError):
            func(np.float64(1.0))  # a 0-d input has no axis -1
        with pytest.raises(TypeError, match="axis must be an integer"):
            func(np.zeros(3), axis=1.0)

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_dtype(self, func, dtype):
        assert func(np.zeros((2, 3), dtype=dtype)).dtype == dtype
        assert func(np.array([[1, 2]])).dtype == np.float64

    @pytest.mark.parametrize("bad", [np.array([True, False]), np.array([1j]), "abc", None])
    def test_bad_types(self, func, bad):
        with pytest.raises(TypeError, match=f"^{func.__name__}: argument 'z' must be"):
            func(bad)

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_empty(self, func, dtype):
        # an empty result keeps z's dtype, as every other result does
        out = func(np.empty((0, 4), dtype))
        assert out.size == 0
        assert out.dtype == dtype


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_unknown_method(func):
    with pytest.raises(
        ValueError,
        match=rf"^{func.__name__}: method must be one of \('accurate', 'fast'\); got 'exact'",
    ):
        func(np.zeros(3), method="exact")
