"""Tests for course_lib.losses: values by hand and from SciPy, gradients against gradcheck.

References: SciPy's ``log_softmax`` (with ``axis`` passed explicitly) for the
softmax cross-entropy, and ``-(t*log_expit(z) + (1-t)*log_expit(-z))`` for the binary
one. Hand values use ln 2 = 0.693..., ln 3, and softmax of equal logits = 1/K.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.exceptions import AxisError
from scipy import special

from course_lib.gradcheck import check_gradient, numerical_gradient
from course_lib.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    squared_error,
    squared_error_gradient,
)
from course_lib.sigmoid import sigmoid
from course_lib.softmax import log_softmax, softmax

pytestmark = pytest.mark.filterwarnings("error")

LN2 = np.log(2.0)


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


SHAPES = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)


@st.composite
def pairs(draw, logits: st.SearchStrategy[float], targets: st.SearchStrategy[float]):
    """Logits (or predictions) and targets of one shape, elementwise from the strategies."""
    shape = draw(SHAPES)
    z = draw(hnp.arrays(np.float64, shape, elements=logits))
    t = draw(hnp.arrays(np.float64, shape, elements=targets))
    return z, t


@st.composite
def logits_and_distributions(draw, lo: float = -30.0, hi: float = 30.0):
    """Logits and target distributions along the last axis: one-hot or soft."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=5))
    z = draw(hnp.arrays(np.float64, shape, elements=finite(lo, hi)))
    if draw(st.booleans()):
        labels = draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, shape[-1] - 1)))
        t = np.eye(shape[-1])[labels]
    else:
        raw = draw(hnp.arrays(np.float64, shape, elements=finite(0.0, 1.0)))
        raw[..., 0] += 1.0  # a positive sum in every slice
        t = raw / raw.sum(axis=-1, keepdims=True)
    return z, t


def bce_reference(z, t):
    """SciPy's form, elementwise: a sum of non-positive terms, so no cancellation."""
    return -(t * special.log_expit(z) + (1 - t) * special.log_expit(-z))


class TestSquaredError:
    def test_hand_value(self):
        # (0**2 + 2**2 + (-1)**2) / 2 = 2.5
        assert squared_error([1.0, 2.0, 3.0], [1.0, 0.0, 4.0]) == 2.5

    def test_returns_numpy_scalar_of_the_dtype(self):
        got = squared_error(np.array([1.0, 2.0], dtype=np.float32), [0, 0])
        assert isinstance(got, np.float32)
        assert got == np.float32(2.5)  # (1 + 4) / 2
        assert isinstance(squared_error([[1, 2]], [[0, 0]]), np.float64)

    def test_total_over_all_elements(self):
        y = np.arange(6.0).reshape(2, 3)
        # sum of 0..5 squared is 55
        assert squared_error(y, np.zeros_like(y)) == 27.5

    def test_empty(self):
        assert squared_error(np.empty((0, 3)), np.empty((0, 3))) == 0.0

    def test_beyond_float_range_is_inf_without_warning(self):
        assert squared_error([1e200], [-1e200]) == np.inf
        big = np.finfo(np.float64).max
        assert squared_error([big], [-big]) == np.inf  # y - t overflows already
        # float16's largest is 65504: two halves of 45000 make 90000
        assert squared_error(np.full(2, 300, np.float16), np.zeros(2, np.float16)) == np.inf

    @pytest.mark.parametrize(
        ("dtype", "d", "expected"),
        [
            # d**2 overflows but d**2 / 2 fits: 300**2 / 2 = 45000 <= 65504
            (np.float16, 300.0, 45000.0),
            # (2**64)**2 / 2 = 2**127 fits float32, (2**64)**2 does not
            (np.float32, 2.0**64, 2.0**127),
            # 1.5e154**2 = 2.25e308 > 1.797e308, half of it fits
            (np.float64, 1.5e154, 1.5e154 * (1.5e154 / 2)),
        ],
    )
    def test_no_spurious_overflow_where_the_half_fits(self, dtype, d, expected):
        got = squared_error(np.array([d], dtype), np.zeros(1, dtype))
        assert got.dtype == dtype
        assert got == dtype(expected)

    def test_shape_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r"squared_error: y and t must have the same shape; "
            r"got y\.shape=\(2,\) and t\.shape=\(3,\)",
        ):
            squared_error(np.ones(2), np.ones(3))

    def test_bad_type(self):
        with pytest.raises(TypeError, match="squared_error: argument 't'"):
            squared_error([1.0], ["a"])

    def test_narrow_dtypes_sum_in_float64_and_round_once(self):
        # by hand: (4097**2 + 1**2) / 2 = 8392705, a float32; summed in float32 the first
        # half-square 8392704.5 would round to even (8392704) and + 0.5 stay there
        y = np.array([4097.0, 1.0], np.float32)
        assert squared_error(y, np.zeros(2, np.float32)) == np.float32(8392705.0)

    def test_targets_are_cast_to_the_dtype_of_y_first(self):
        # the documented rule: float64 targets become float32 before y - t
        y = np.zeros(3, np.float32)
        t = np.array([0.1, 1 / 3, 2.0**-25 + 2.0**-50])
        assert squared_error(y, t) == squared_error(y, t.astype(np.float32))


class TestSquaredErrorGradient:
    def test_hand_value(self):
        np.testing.assert_array_equal(
            squared_error_gradient([1.0, 2.0, 3.0], [1.0, 0.0, 4.0]), [0.0, 2.0, -1.0]
        )

    def test_dtype_follows_y(self):
        y = np.array([1.0, 2.0], dtype=np.float32)
        assert squared_error_gradient(y, np.array([0.5, 0.5])).dtype == np.float32

    def test_empty(self):
        assert squared_error_gradient(np.empty((0, 2)), np.empty((0, 2))).shape == (0, 2)

    @settings(deadline=None)
    @given(pairs(finite(-5.0, 5.0), finite(-5.0, 5.0)))
    def test_matches_numerical_gradient(self, yt):
        # the loss is quadratic: central differences are exact up to rounding
        y, t = yt
        assert check_gradient(
            lambda a: squared_error(a, t), lambda a: squared_error_gradient(a, t), y
        )

    def test_beyond_float_range_is_inf_without_warning(self):
        big = np.finfo(np.float64).max
        assert squared_error_gradient([big], [-big])[0] == np.inf  # y - t overflows

    def test_targets_are_cast_to_the_dtype_of_y_first(self):
        # by hand: t rounds to 2**-25 in float32, and 1 - 2**-25 is a tie that rounds to
        # even, 1.0; from the float64 t, 1 - t lies below the tie and would give 1 - 2**-24
        got = squared_error_gradient(np.ones(1, np.float32), [2.0**-25 + 2.0**-50])
        assert got.dtype == np.float32
        assert got[0] == 1.0

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"squared_error_gradient: y and t must have"):
            squared_error_gradient(np.ones((2, 1)), np.ones(2))


class TestSoftmaxCrossEntropy:
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_beyond_the_float_range_is_inf_without_warning(self, dtype):
        # -ln p_2 = 2 max is beyond the dtype's range; the right class costs ln 1 = 0
        big = np.finfo(dtype).max
        z = np.array([[big, -big], [big, -big]], dtype)
        t = np.array([[0, 1], [1, 0]], dtype)
        assert softmax_cross_entropy(z, t) == np.inf
        assert softmax_cross_entropy(z[1:], t[1:]) == 0

    def test_uniform_logits(self):
        # equal logits: p = 1/3 for each class, so each one-hot row costs ln 3
        z = np.zeros((4, 3))
        t = np.eye(3)[[0, 1, 2, 0]]
        assert softmax_cross_entropy(z, t) == pytest.approx(4 * np.log(3.0), rel=1e-15, abs=0)

    def test_hand_value(self):
        # -ln(e^2 / (e^2 + e + e^0.1)) = 0.41703 for the first row, ln 3 for the second
        z = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
        t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        first = -(2.0 - np.log(np.exp(2.0) + np.exp(1.0) + np.exp(0.1)))
        assert softmax_cross_entropy(z, t) == pytest.approx(first + np.log(3.0), rel=1e-15, abs=0)

    @given(logits_and_distributions())
    def test_matches_scipy(self, zt):
        z, t = zt
        expected = -np.sum(t * special.log_softmax(z, axis=-1))
        assert softmax_cross_entropy(z, t) == pytest.approx(expected, rel=1e-12, abs=1e-12)

    @given(logits_and_distributions())
    def test_axis(self, zt):
        z, t = zt
        z2, t2 = np.atleast_2d(z), np.atleast_2d(t)
        assert softmax_cross_entropy(z2.T, t2.T, axis=0) == pytest.approx(
            softmax_cross_entropy(z2, t2), rel=1e-15, abs=1e-300
        )

    def test_extreme_logits_are_finite(self):
        # log p = (0, -2000): the loss is 0 for the right class and 2000 for the wrong
        z = np.array([[1000.0, -1000.0], [1000.0, -1000.0]])
        t = np.array([[1.0, 0.0], [0.0, 1.0]])
        assert softmax_cross_entropy(z, t) == 2000.0
        assert softmax_cross_entropy(z[:1], t[:1]) == 0.0

    def test_spread_beyond_the_float_range(self):
        # z_1 - z_0 overflows, so log p_1 = -inf: t_1 = 0 must skip it, not give NaN
        z = np.array([1.7e308, -1.7e308])
        assert softmax_cross_entropy(z, [1.0, 0.0]) == 0.0
        assert softmax_cross_entropy(z, [0.0, 1.0]) == np.inf

    def test_soft_targets(self):
        # t = (1/2, 1/2) with z = (0, 0): ln 2
        assert softmax_cross_entropy([0.0, 0.0], [0.5, 0.5]) == pytest.approx(LN2, rel=1e-15, abs=0)

    def test_float32(self):
        z = np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32)
        t = np.array([[0.0, 0.0, 1.0]])  # float64 targets are cast to z's dtype
        got = softmax_cross_entropy(z, t)
        assert isinstance(got, np.float32)
        assert got == np.float32(1000.0)

    def test_empty_batch(self):
        assert softmax_cross_entropy(np.empty((0, 3)), np.empty((0, 3))) == 0.0
        assert softmax_cross_entropy(np.empty(0), np.empty(0)) == 0.0

    def test_a_perfect_single_class_is_plus_zero(self):
        # K = 1: log p = 0 and the term -1 * 0 is -0.0; a loss is never -0.0
        got = softmax_cross_entropy([[5.0]], [[1.0]])
        assert got == 0.0
        assert not np.signbit(got)

    def test_float64_targets_are_cast_to_float32_first(self):
        # the documented rule: the loss is that of the targets rounded to z's dtype
        rng = np.random.default_rng(0)
        z = (3 * rng.standard_normal((40, 3))).astype(np.float32)
        t = rng.dirichlet(np.ones(3), size=40)
        for zi, ti in zip(z, t, strict=True):
            assert softmax_cross_entropy(zi, ti) == softmax_cross_entropy(zi, ti.astype(np.float32))

    @pytest.mark.parametrize(
        ("t", "ok"),
        [
            # the tolerance is 4 K eps of t's dtype, with K = max(K, 1); each sum below is
            # exact in float64: 1 + 8 eps (K = 2) is in, 1 + 9 eps is out
            ([0.5, 0.5 + 8 * 2.0**-52], True),
            ([0.5, 0.5 + 9 * 2.0**-52], False),
            # K = 1: 1 + 4 eps is in, 1 + 5 eps is out
            ([1 + 4 * 2.0**-52], True),
            ([1 + 5 * 2.0**-52], False),
        ],
    )
    def test_sum_tolerance_is_4_k_eps(self, t, ok):
        z = np.zeros(len(t))
        if ok:
            assert np.isfinite(softmax_cross_entropy(z, t))
        else:
            with pytest.raises(
                ValueError, match=r"^softmax_cross_entropy: targets t must sum to 1"
            ):
                softmax_cross_entropy(z, t)

    def test_float32_targets_are_summed_exactly(self):
        # 0.75 + (0.25 + 33 * 2**-25) = 1 + 8.25 eps32 (exact in float64) is beyond
        # 4 K eps32 = 8 eps32; a float32 sum would round it to 1 + 8 eps32 and accept it
        t = np.array([0.75, 0.25 + 33 * 2.0**-25], np.float32)
        with pytest.raises(ValueError, match=r"^softmax_cross_entropy: targets t must sum to 1"):
            softmax_cross_entropy(np.zeros(2, np.float32), t)

    def test_targets_from_a_float32_softmax_pass(self):
        # rounding K float32 probabilities leaves sums within a few K ulps of 1
        rng = np.random.default_rng(0)
        t = softmax(rng.normal(size=(50, 100)).astype(np.float32))
        assert np.isfinite(softmax_cross_entropy(np.zeros((50, 100)), t))

    def test_negative_target(self):
        with pytest.raises(
            ValueError,
            match=r"softmax_cross_entropy: targets t must be non-negative; "
            r"got 1 value\(s\), e\.g\. -0\.5 at index \(0, 1\)",
        ):
            softmax_cross_entropy(np.zeros((1, 3)), [[1.0, -0.5, 0.5]])

    def test_targets_not_summing_to_one(self):
        with pytest.raises(
            ValueError,
            match=r"softmax_cross_entropy: targets t must sum to 1 along axis 1 .*"
            r"got 0\.9 at index \(1,\) \(1 of 2 slices are off\)",
        ):
            softmax_cross_entropy(np.zeros((2, 2)), [[0.5, 0.5], [0.5, 0.4]])

    def test_nan_target(self):
        with pytest.raises(ValueError, match="targets t must be non-negative"):
            softmax_cross_entropy(np.zeros(2), [np.nan, 1.0])

    def test_shape_mismatch(self):
        with pytest.raises(
            ValueError, match=r"z and t must have the same shape; got z\.shape=\(2, 3\) and "
        ):
            softmax_cross_entropy(np.zeros((2, 3)), np.zeros((3, 2)))

    def test_bad_axis(self):
        with pytest.raises(AxisError, match="softmax_cross_entropy"):
            softmax_cross_entropy(np.zeros((2, 3)), np.full((2, 3), 1 / 3), axis=2)


class TestSoftmaxCrossEntropyGradient:
    @given(logits_and_distributions())
    def test_is_p_minus_t(self, zt):
        z, t = zt
        got = softmax_cross_entropy_gradient(z, t)
        np.testing.assert_allclose(got, special.softmax(z, axis=-1) - t, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(got, softmax(z, axis=-1) - t)

    @given(logits_and_distributions())
    def test_slices_sum_to_zero(self, zt):
        z, t = zt
        sums = softmax_cross_entropy_gradient(z, t).sum(axis=-1)
        np.testing.assert_allclose(sums, 0.0, atol=20 * np.finfo(np.float64).eps)

    @settings(deadline=None)
    @given(logits_and_distributions(-20.0, 20.0))
    def test_matches_numerical_gradient(self, zt):
        z, t = zt
        result = check_gradient(
            lambda a: softmax_cross_entropy(a, t),
            lambda a: softmax_cross_entropy_gradient(a, t),
            z,
        )
        assert result, result

    def test_p_minus_t_needs_targets_summing_to_one(self):
        # Why the check: for t summing to s, the gradient of -sum t log_softmax(z) is
        # p * s - t (Notes); with s = 2 it differs from p - t.
        z = np.array([0.3, -1.0, 2.0])
        t = np.array([1.0, 0.5, 0.5])
        p = softmax(z)
        grad = numerical_gradient(lambda a: -np.sum(t * log_softmax(a)), z)
        np.testing.assert_allclose(grad, 2 * p - t, rtol=1e-8)
        assert not np.allclose(grad, p - t)
        with pytest.raises(ValueError, match="must sum to 1 along axis 0"):
            softmax_cross_entropy_gradient(z, t)

    def test_extreme_logits(self):
        # p = (1, 0) to within exp(-2000): the gradient is (0, 0) or (1, -1), exactly
        z = np.array([[1000.0, -1000.0], [1000.0, -1000.0]])
        t = np.array([[1.0, 0.0], [0.0, 1.0]])
        np.testing.assert_array_equal(
            softmax_cross_entropy_gradient(z, t), [[0.0, 0.0], [1.0, -1.0]]
        )

    def test_float32(self):
        z = np.array([[1.0, 2.0]], dtype=np.float32)
        assert softmax_cross_entropy_gradient(z, [[1.0, 0.0]]).dtype == np.float32

    def test_axis_zero(self):
        z = np.array([[0.0, 1.0], [0.0, -1.0]])
        t = np.array([[1.0, 0.0], [0.0, 1.0]])
        np.testing.assert_array_equal(
            softmax_cross_entropy_gradient(z, t, axis=0),
            softmax_cross_entropy_gradient(z.T, t.T).T,
        )

    def test_empty(self):
        got = softmax_cross_entropy_gradient(np.empty((0, 3)), np.empty((0, 3)))
        assert got.shape == (0, 3)

    def test_targets_not_summing_to_one(self):
        with pytest.raises(
            ValueError,
            match=r"softmax_cross_entropy_gradient: targets t must sum to 1 along axis 0 "
            r"\(within 2e-15\); got 1\.4$",
        ):
            softmax_cross_entropy_gradient([1.0, 2.0], [0.7, 0.7])


class TestBinaryCrossEntropy:
    def test_infinite_logits_give_the_limits(self):
        # z -> +inf with t = 1, and z -> -inf with t = 0: certain and right, loss 0;
        # certain and wrong, or t strictly between 0 and 1: infinite loss
        assert binary_cross_entropy([np.inf, -np.inf], [1.0, 0.0]) == 0.0
        assert binary_cross_entropy([np.inf], [0.0]) == np.inf
        assert binary_cross_entropy([-np.inf], [1.0]) == np.inf
        assert binary_cross_entropy([np.inf], [0.5]) == np.inf
        assert np.isnan(binary_cross_entropy([np.nan], [1.0]))

    def test_hand_values(self):
        # z = 0: sigma = 1/2, so each element costs ln 2 whatever t is
        assert binary_cross_entropy(np.zeros(3), [0.0, 1.0, 0.25]) == pytest.approx(
            3 * LN2, rel=1e-15, abs=0
        )
        # z = 1000, t = 0: -ln(1 - sigma(1000)) = 1000 + ln(1 + e^-1000) = 1000
        assert binary_cross_entropy([1000.0], [0.0]) == 1000.0
        # z = -1000, t = 0: -ln(1 - sigma(-1000)) = ln(1 + e^-1000) = 0
        assert binary_cross_entropy([-1000.0], [0.0]) == 0.0

    def test_confident_and_right_keeps_its_digits(self):
        # ln(1 + e^-40) = 4.2483542552915889863e-18 (mpmath, 30 digits); log(1 + e^-40)
        # would round 1 + e^-40 to 1 and return 0
        assert binary_cross_entropy([40.0], [1.0]) == pytest.approx(
            4.248354255291589e-18, rel=1e-15, abs=0
        )
        assert binary_cross_entropy([-40.0], [0.0]) == pytest.approx(
            4.248354255291589e-18, rel=1e-15, abs=0
        )

    def test_no_cancellation_for_soft_targets(self):
        # z >= 0: the loss is (1 - t) z + ln(1 + e^-z); here e^-z = 0 and 1 - t is exact
        # (Sterbenz), so the true value is (1 - t) * z rounded once. The textbook
        # max(z, 0) - t z subtracts two numbers near 3e5 and keeps only ~7 digits.
        z, t = 299792.458, 1 - 1e-9
        assert binary_cross_entropy([z], [t]) == pytest.approx((1 - t) * z, rel=1e-15, abs=0)
        assert max(z, 0) - t * z != pytest.approx((1 - t) * z, rel=1e-9, abs=0)

    @given(pairs(finite(-1e6, 1e6), finite(0.0, 1.0)))
    def test_matches_scipy(self, zt):
        # both are sums of non-negative terms, each accurate to a few ulps
        z, t = zt
        expected = np.sum(bce_reference(z, t))
        assert binary_cross_entropy(z, t) == pytest.approx(expected, rel=1e-13, abs=1e-300)

    @given(pairs(st.sampled_from([1000.0, -1000.0, 1e300, -1e300]), st.sampled_from([0.0, 1.0])))
    def test_finite_at_extreme_logits(self, zt):
        z, t = zt
        loss = binary_cross_entropy(z, t)
        assert not np.isnan(loss)
        assert loss >= 0
        # each term is |z| when the label is wrong, 0 when right
        wrong = (z > 0) != (t == 1)
        if np.sum(np.abs(z[wrong])) < 1e308:
            assert loss == pytest.approx(np.sum(np.abs(z[wrong])), rel=1e-15, abs=0)

    @given(pairs(finite(-1.7e308, 1.7e308), finite(0.0, 1.0)))
    def test_never_nan_for_finite_input(self, zt):
        z, t = zt
        loss = binary_cross_entropy(z, t)
        assert loss >= 0  # inf allowed: a total beyond the float range

    def test_is_softmax_cross_entropy_with_k_2(self):
        # sigma(z) is the softmax of (0, z): the losses and gradients agree
        z = np.array([-3.0, 0.5, 40.0])
        t = np.array([0.2, 1.0, 0.0])
        z2 = np.stack([np.zeros_like(z), z], axis=-1)
        t2 = np.stack([1 - t, t], axis=-1)
        assert binary_cross_entropy(z, t) == pytest.approx(
            softmax_cross_entropy(z2, t2), rel=1e-14, abs=0
        )
        np.testing.assert_allclose(
            binary_cross_entropy_gradient(z, t),
            softmax_cross_entropy_gradient(z2, t2)[:, 1],
            rtol=1e-14,
        )

    def test_float32(self):
        z = np.array([1000.0, -1000.0, 0.5], dtype=np.float32)
        got = binary_cross_entropy(z, [1, 1, 0])  # integer labels are cast to float32
        assert isinstance(got, np.float32)
        assert got == pytest.approx(1000.0 + 0.5 + np.log1p(np.exp(-0.5)), rel=1e-6, abs=0)

    def test_empty(self):
        assert binary_cross_entropy(np.empty((2, 0)), np.empty((2, 0))) == 0.0

    def test_scalars(self):
        # by hand: t = 1, z = 0: -ln sigma(0) = ln 2
        got = binary_cross_entropy(0.0, 1.0)
        assert isinstance(got, np.float64)
        assert got == LN2

    def test_total_beyond_the_float_range_is_inf_without_warning(self):
        # each term is -z = 1e308 (t = 1), their sum 2e308 is beyond float64
        assert binary_cross_entropy([-1e308, -1e308], [1.0, 1.0]) == np.inf

    def test_float64_targets_are_cast_to_float32_first(self):
        # the documented rule: the loss is that of the targets rounded to z's dtype
        rng = np.random.default_rng(0)
        z = (3 * rng.standard_normal((40, 3))).astype(np.float32)
        t = rng.uniform(0, 1, (40, 3))
        for zi, ti in zip(z, t, strict=True):
            assert binary_cross_entropy(zi, ti) == binary_cross_entropy(zi, ti.astype(np.float32))

    @pytest.mark.parametrize("bad", [-0.1, 1.5, np.nan])
    def test_target_out_of_range(self, bad):
        with pytest.raises(
            ValueError,
            match=r"binary_cross_entropy: targets t must lie in \[0, 1\]; "
            r"got 1 value\(s\), e\.g\. .* at index \(1,\)",
        ):
            binary_cross_entropy(np.zeros(3), [0.0, bad, 1.0])

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"got z\.shape=\(3,\) and t\.shape=\(1, 3\)"):
            binary_cross_entropy(np.zeros(3), np.zeros((1, 3)))


class TestBinaryCrossEntropyGradient:
    @given(pairs(finite(-1e3, 1e3), finite(0.0, 1.0)))
    def test_is_sigmoid_minus_t(self, zt):
        z, t = zt
        got = binary_cross_entropy_gradient(z, t)
        np.testing.assert_array_equal(got, sigmoid(z) - t)
        # SciPy's expit and the stable sigmoid may differ by an ulp or two of sigma(z) <= 1
        # (bound 2.2 ulp), which sigma(z) - t keeps as an absolute error when it cancels
        # (z = 14, t = 1 gives -8.3e-7 with expit one ulp of 1 away)
        np.testing.assert_allclose(got, special.expit(z) - t, rtol=1e-14, atol=4.5e-16)

    @settings(deadline=None)
    @given(pairs(finite(-30.0, 30.0), finite(0.0, 1.0)))
    def test_matches_numerical_gradient(self, zt):
        z, t = zt
        result = check_gradient(
            lambda a: binary_cross_entropy(a, t),
            lambda a: binary_cross_entropy_gradient(a, t),
            z,
        )
        assert result, result

    def test_extreme_logits(self):
        z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
        t = np.array([1.0, 0.0, 0.0, 1.0])
        np.testing.assert_array_equal(binary_cross_entropy_gradient(z, t), [0.0, 0.0, 1.0, -1.0])

    def test_dtype_and_scalar(self):
        assert binary_cross_entropy_gradient(np.float32([0.0]), [1]).dtype == np.float32
        got = binary_cross_entropy_gradient(0.0, 1.0)
        assert isinstance(got, np.float64)
        assert got == -0.5

    def test_empty(self):
        assert binary_cross_entropy_gradient(np.empty(0), np.empty(0)).shape == (0,)

    def test_targets_are_cast_to_the_dtype_of_z_first(self):
        # by hand: sigma(100) is 1.0 in float32; t rounds to 2**-25 in float32 and
        # 1 - 2**-25 is a tie that rounds to even, 1.0 (from the float64 t: 1 - 2**-24)
        got = binary_cross_entropy_gradient(np.full(1, 100.0, np.float32), [2.0**-25 + 2.0**-50])
        assert got.dtype == np.float32
        assert got[0] == 1.0

    def test_target_out_of_range(self):
        with pytest.raises(ValueError, match=r"binary_cross_entropy_gradient: targets t must lie"):
            binary_cross_entropy_gradient([0.0], [2.0])


ALL = [
    (squared_error, "y"),
    (squared_error_gradient, "y"),
    (softmax_cross_entropy, "z"),
    (softmax_cross_entropy_gradient, "z"),
    (binary_cross_entropy, "z"),
    (binary_cross_entropy_gradient, "z"),
]


@pytest.mark.parametrize(("func", "first"), ALL)
class TestCommonRules:
    """Every message starts with the function's name, and names the argument at fault."""

    def test_bad_first_argument(self, func, first):
        with pytest.raises(TypeError, match=f"^{func.__name__}: argument '{first}' must be"):
            func("abc", [1.0])

    def test_bad_targets(self, func, first):
        with pytest.raises(TypeError, match=f"^{func.__name__}: argument 't' must be"):
            func([0.0], "abc")

    def test_shape_mismatch(self, func, first):
        with pytest.raises(
            ValueError,
            match=rf"^{func.__name__}: {first} and t must have the same shape; "
            rf"got {first}\.shape=\(2,\) and t\.shape=\(3,\)",
        ):
            func(np.zeros(2), np.full(3, 1 / 3))


@pytest.mark.parametrize("func", [softmax_cross_entropy, softmax_cross_entropy_gradient])
def test_bad_axis_names_the_function(func):
    with pytest.raises(AxisError, match=f"^{func.__name__}: axis 2 is out of bounds"):
        func(np.zeros((2, 3)), np.full((2, 3), 1 / 3), axis=2)
