"""Tests for course_lib.sigmoid: identities, accuracy against mpmath, limits, bad input."""

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib import (
    bounds,
    log_sigmoid,
    logit,
    sigmoid,
    sigmoid_derivative,
    sigmoid_derivative_from_output,
)
from course_lib.precision import correctly_rounded
from tests.reference import (
    MP,
    correction_points,
    hard_points,
    mp_map,
    ulp_error,
    worst,
    worst_points,
)

FLOATS = (np.float32, np.float64)
finite = st.floats(-1e3, 1e3, allow_nan=False)


def grid(dtype, lo=-800.0, hi=800.0, n=16001):
    """A dense grid plus the hard points, in `dtype`, within its finite range."""
    g = np.linspace(lo, hi, n).astype(dtype)
    return np.unique(np.concatenate([g, hard_points(dtype)]))


# course_lib.bounds: the worst errors of the adversarial search, at every SIMD level
BOUNDS = {
    (func, dtype): bounds.BOUNDS[func.__name__][np.dtype(dtype).name]
    for func in (sigmoid, sigmoid_derivative, log_sigmoid)
    for dtype in (np.float64, np.float32)
}
REFERENCE = {
    sigmoid: MP["sigmoid"],
    sigmoid_derivative: MP["sigmoid_derivative"],
    log_sigmoid: MP["log_sigmoid"],
}


@pytest.mark.slow
@pytest.mark.parametrize(("func", "dtype"), list(BOUNDS))
def test_accuracy_against_mpmath(func, dtype):
    # float32 reaches subnormals near -103.9; float64 near -745: [-800, 800] covers both.
    x = grid(dtype)
    err = ulp_error(func(x), mp_map(REFERENCE[func], x))
    bound = BOUNDS[(func, dtype)]
    assert err.max() <= bound, f"{func.__name__} {dtype.__name__}: worst (ulp, x) {worst(err, x)}"


class TestSigmoid:
    def test_values(self):
        # 1/(1+e^-x) by hand: sigma(0) = 1/2, sigma(ln 3) = 3/4
        np.testing.assert_array_equal(sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])

    def test_subnormal_range_where_scipy_returns_zero(self):
        # the true values are representable subnormals; expit overflows exp(745) and gives 0
        x = np.array([-709.9, -720.0, -740.0, -745.0])
        assert np.all(scipy.special.expit(x) == 0)
        err = ulp_error(sigmoid(x), mp_map(MP["sigmoid"], x))
        assert np.all(sigmoid(x) > 0)
        assert err.max() <= 1.0

    def test_limits(self):
        out = sigmoid(np.array([np.inf, -np.inf, np.nan]))
        np.testing.assert_array_equal(out, [1.0, 0.0, np.nan])

    @given(arrays(np.float64, st.integers(0, 20), elements=finite))
    def test_symmetry(self, x):
        # sigma(-x) = 1 - sigma(x); both sides computed, compared to rounding
        np.testing.assert_allclose(sigmoid(-x), 1 - sigmoid(x), rtol=0, atol=2e-16)

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-30, 30)))
    def test_logit_inverts(self, x):
        # logit(sigma(x)) = x. Rounding sigma(x) to p costs u/(1-p) ~ u e^|x| in logit(p).
        atol = 4 * np.finfo(float).eps * (1 + np.exp(np.abs(x)))
        assert np.all(np.abs(logit(sigmoid(x)) - x) <= atol)

    def test_matches_scipy_where_scipy_is_accurate(self):
        x = np.linspace(-700, 700, 10001)
        np.testing.assert_allclose(sigmoid(x), scipy.special.expit(x), rtol=4e-16, atol=0)

    def test_non_contiguous_and_multi_block(self):
        # larger than one block (65536), a strided view and Fortran order
        x = np.linspace(-50, 50, 300_001)
        np.testing.assert_array_equal(sigmoid(x[::3]), sigmoid(x)[::3])
        f = np.asfortranarray(x[:300_000].reshape(600, 500))
        np.testing.assert_array_equal(sigmoid(f), sigmoid(x[:300_000]).reshape(600, 500))


class TestLogit:
    def test_values(self):
        # ln(p/(1-p)): ln(1/3), 0, ln 3
        np.testing.assert_allclose(
            logit(np.array([0.25, 0.5, 0.75])), [-np.log(3), 0, np.log(3)], rtol=1e-15
        )

    def test_quarter_and_three_quarters_are_correctly_rounded(self):
        # ln(1/3) and ln 3 are exact real numbers at these float64 points; mpmath at 50
        # digits rounds ln 3 = 1.098612288668109691... to 1.0986122886681098
        ln3 = float(mpmath.log(3))
        assert logit(0.25) == -ln3
        assert logit(0.75) == ln3

    def test_endpoints_are_exact_limits_without_warning(self):
        np.testing.assert_array_equal(
            logit(np.array([0.0, 1.0, np.nan])), [-np.inf, np.inf, np.nan]
        )

    def test_accuracy_near_half_and_tails(self):
        p = np.concatenate([np.linspace(0.2, 0.8, 2001), [1e-300, 5e-324, 1e-10, 1 - 2**-53]])
        err = ulp_error(logit(p), mp_map(lambda v: mpmath.log(v / (1 - v)), p))
        assert err.max() <= 3.0, worst(err, p)

    @pytest.mark.parametrize("bad", [-0.1, 1.5, -np.inf, np.inf])
    def test_out_of_range_raises(self, bad):
        with pytest.raises(ValueError, match=r"logit: p must lie in \[0, 1\]"):
            logit(np.array([0.5, bad]))

    def test_out_of_range_message_counts_and_shows_a_value(self):
        # by hand: 2.0 and -1.0 are outside [0, 1], 2.0 is the first of them
        with pytest.raises(
            ValueError,
            match=r"^logit: p must lie in \[0, 1\]; got 2 value\(s\) outside it, e\.g\. 2\.0$",
        ):
            logit(np.array([0.5, 2.0, -1.0]))

    def test_bad_type_names_function_and_argument(self):
        with pytest.raises(TypeError, match=r"^logit: argument 'p' must be a real array_like"):
            logit("0.5")


class TestSigmoidDerivative:
    def test_values(self):
        # p(1-p) at p = 1/2 and p = 3/4
        np.testing.assert_allclose(sigmoid_derivative(np.array([0.0, np.log(3)])), [0.25, 0.1875])

    def test_never_zero_where_representable(self):
        # the textbook p(1-p) is 0 from z = 36.75 (float64) and 16.65 (float32) on
        for dtype, z in (
            (np.float64, [36.75, 100.0, 700.0, -740.0]),
            (np.float32, [16.65, 50.0, 100.0]),
        ):
            x = np.array(z, dtype=dtype)
            p = sigmoid(x)
            assert np.any(p * (1 - p) == 0)
            assert np.all(sigmoid_derivative(x) > 0)

    @given(arrays(np.float64, st.integers(1, 10), elements=st.floats(-40, 40)))
    def test_is_even(self, x):
        np.testing.assert_array_equal(sigmoid_derivative(x), sigmoid_derivative(-x))

    def test_bounded_by_quarter(self):
        x = grid(np.float64, -50, 50, 10001)
        assert sigmoid_derivative(x).max() == 0.25

    def test_against_central_difference(self):
        x = np.linspace(-20, 20, 401)
        h = 1e-5
        fd = (sigmoid(x + h) - sigmoid(x - h)) / (2 * h)
        # truncation h^2/6 |sigma'''| ~ 1e-12 relative; rounding u/h ~ 2e-11 absolute
        np.testing.assert_allclose(sigmoid_derivative(x), fd, rtol=1e-9, atol=5e-11)

    def test_limits(self):
        np.testing.assert_array_equal(
            sigmoid_derivative(np.array([np.inf, -np.inf, np.nan])), [0.0, 0.0, np.nan]
        )


class TestFromOutput:
    def test_equals_derivative_where_p_keeps_precision(self):
        # relative error about u/(1-p) <= 2.2e-16/0.0067 = 3.3e-14 for z <= 5
        x = np.linspace(-30, 5, 1001)
        np.testing.assert_allclose(
            sigmoid_derivative_from_output(sigmoid(x)), sigmoid_derivative(x), rtol=1e-13
        )

    @pytest.mark.parametrize("bad", [-0.5, 1.5])
    def test_out_of_range_names_function_and_argument(self, bad):
        # the argument is p (a sigmoid output), not the default z
        with pytest.raises(
            ValueError, match=r"^sigmoid_derivative_from_output: p must lie in \[0, 1\]"
        ):
            sigmoid_derivative_from_output(np.array([0.5, bad]))

    def test_bad_type_names_function_and_argument(self):
        with pytest.raises(
            TypeError, match=r"^sigmoid_derivative_from_output: argument 'p' must be a real"
        ):
            sigmoid_derivative_from_output("0.5")

    def test_loses_precision_as_documented(self):
        # relative error about u/(1-p): near 1e-3 at z = 25, exactly 0 once p rounds to 1,
        # from z = 54 ln 2 = 37.43 for sigmoid (from 36.74 for the textbook 1/(1 + e^-z))
        assert sigmoid_derivative_from_output(sigmoid(37.5)) == 0.0
        assert sigmoid_derivative_from_output(1 / (1 + np.exp(-36.75))) == 0.0
        rel = abs(sigmoid_derivative_from_output(sigmoid(25.0)) / sigmoid_derivative(25.0) - 1)
        assert 1e-7 < rel < 1e-3


class TestLogSigmoid:
    def test_matches_scipy_log_expit(self):
        x = np.linspace(-1000, 1000, 20001)
        np.testing.assert_allclose(log_sigmoid(x), scipy.special.log_expit(x), rtol=1e-15)

    def test_limits(self):
        np.testing.assert_array_equal(
            log_sigmoid(np.array([np.inf, -np.inf, np.nan])), [0.0, -np.inf, np.nan]
        )


ALL = [sigmoid, log_sigmoid, sigmoid_derivative, sigmoid_derivative_from_output]


@pytest.mark.parametrize("func", ALL)
class TestCommonRules:
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_dtype_preserved(self, func, dtype):
        assert func(np.zeros(3, dtype=dtype)).dtype == dtype

    def test_integers_become_float64(self, func):
        assert func(np.array([0, 1])).dtype == np.float64
        assert isinstance(func(0), np.float64)

    def test_empty_and_shapes(self, func):
        assert func(np.empty((0, 3))).shape == (0, 3)
        assert func(np.full((2, 3, 4), 0.25)).shape == (2, 3, 4)
        assert np.ndim(func(0.25)) == 0

    @pytest.mark.parametrize("bad", [np.array([True]), np.array([1j]), "0.5", None, [object()]])
    def test_bad_types_raise(self, func, bad):
        # the message starts with the function's own name
        with pytest.raises(TypeError, match=f"^{func.__name__}: argument "):
            func(bad)

    def test_no_warning_for_any_float(self, func):
        # every float64 bit pattern class: subnormals, huge, inf, nan, signed zeros
        for dtype in FLOATS:
            info = np.finfo(dtype)
            specials = [0.0, -0.0, info.smallest_subnormal, info.max, np.inf, np.nan]
            x = np.array(specials + [-v for v in specials], dtype=dtype)
            if func is sigmoid_derivative_from_output:
                x = sigmoid(x)
            func(x)  # warnings are errors


@pytest.mark.parametrize("func", [sigmoid, sigmoid_derivative, log_sigmoid])
def test_worst_points_of_the_search(func):
    # the float64 points where make accuracy-search found each function's worst error
    # (tests/data/accuracy_worst.json): the rounding of 1 + e that the kernels undo is
    # worth about an ulp there
    # plus where the kernels were worst before they undid it (2.41, 4.18 ulp)
    z = np.concatenate([worst_points(func.__name__), [-6.2380144022041275, 5.544367155046874]])
    err = ulp_error(func(z), mp_map(MP[func.__name__], z))
    assert err.max() <= bounds.BOUNDS[func.__name__]["float64"], worst(err, z)


# Points where the kernels' undoing of the rounding of 1 + e, or logit's switch between
# its two forms at 3/4, decides the last bit (tests/data/correction_points.json): with
# glibc's exp and log the function is correctly rounded at every one of them, and the
# variant named by the set (a mutant of make mutation) at none. Another CPU's exp or log
# may differ in a last bit at a few points, hence 3/4 rather than all.
CORRECTION_SETS = correction_points()
FUNCTIONS = {"sigmoid": sigmoid, "sigmoid_derivative": sigmoid_derivative, "logit": logit}


@pytest.mark.parametrize(
    "label", [k for k, v in CORRECTION_SETS.items() if v["function"] in FUNCTIONS]
)
def test_correctly_rounded_where_the_correction_decides(label):
    entry = CORRECTION_SETS[label]
    z = np.array([float.fromhex(h) for h in entry["points"]])
    name = entry["function"]
    right = FUNCTIONS[name](z) == correctly_rounded(MP[name], z)
    assert right.mean() >= 0.75, f"{label}: correctly rounded at {right.sum()} of {z.size}"
