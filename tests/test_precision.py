"""Tests for course_lib.precision: references, ulp and relative errors, float thresholds."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib import sigmoid, sigmoid_derivative_from_output
from course_lib.precision import (
    DPS,
    correctly_rounded,
    first_zero,
    high_precision,
    relative_error,
    softmax_high_precision,
    threshold,
    ulp_error,
)
from tests.reference import MP

finite = st.floats(allow_nan=False, allow_infinity=False)


class TestHighPrecision:
    def test_values_and_shape(self):
        x = np.array([[0.0, 1.0], [-2.0, 40.0]])
        exact = high_precision(MP["sigmoid"], x)
        assert exact.shape == (2, 2)
        assert exact.dtype == object
        # sigma(0) = 1/2 exactly; 1 - sigma(40) = sigma(-40) = 4.248354255291589e-18 (mpmath)
        assert exact[0, 0] == mpmath.mpf("0.5")
        assert float(1 - exact[1, 1]) == pytest.approx(4.248354255291589e-18, rel=1e-15)

    def test_floats_are_converted_exactly(self):
        # 0.3 - 0.2 of the two floats is 0.09999999999999997779553950749686919152736663818359375
        diff = high_precision(lambda a, b: a - b, 0.3, 0.2)[()]
        assert diff == mpmath.mpf("0.09999999999999997779553950749686919152736663818359375")

    def test_broadcasts_several_arrays(self):
        exact = high_precision(lambda a, b: a * b, np.array([1.0, 2.0, 3.0]), 2.0)
        assert [float(v) for v in exact] == [2.0, 4.0, 6.0]

    def test_precision_is_local(self):
        before = mpmath.mp.dps
        third = high_precision(lambda t: t / 3, 1.0, dps=80)[()]
        assert mpmath.mp.dps == before
        with mpmath.workdps(80):
            assert abs(third - mpmath.mpf(1) / 3) < mpmath.mpf(10) ** -78

    def test_needs_an_array(self):
        with pytest.raises(TypeError, match="at least one array"):
            high_precision(mpmath.exp)


class TestCorrectlyRounded:
    # IEEE 754 rounds +, * and sqrt correctly (to nearest, ties to even) on every CPU, so
    # numpy's results for them are the reference, subnormals and overflow included.
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    @given(data=st.data())
    def test_products_and_sums_as_ieee_rounds_them(self, dtype, data):
        floats = st.floats(width=np.finfo(dtype).bits, allow_nan=False, allow_infinity=False)
        a, b = data.draw(floats), data.draw(floats)
        x, y = np.array([a, b], dtype=dtype)
        with np.errstate(over="ignore", under="ignore"):
            product, total = x * y, x + y
        assert correctly_rounded(lambda s, t: s * t, x, y, dtype=dtype)[()] == product
        assert correctly_rounded(lambda s, t: s + t, x, y, dtype=dtype)[()] == total

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    @given(data=st.data())
    def test_square_roots_as_ieee_rounds_them(self, dtype, data):
        floats = st.floats(0, width=np.finfo(dtype).bits, allow_infinity=False)
        x = np.array(data.draw(floats), dtype=dtype)
        assert correctly_rounded(mpmath.sqrt, x, dtype=dtype)[()] == np.sqrt(x)

    def test_ties_go_to_even(self):
        # 1 + 2**-53 lies halfway between 1 and the next float; even is 1.0. Halfway
        # between 1 + 2**-52 and 1 + 2**-51 is 1 + 3 * 2**-53; even is 1 + 2**-51.
        half = float.fromhex("0x1p-53")
        got = correctly_rounded(lambda t: 1 + t, [half, 3 * half]).tolist()
        assert got == [1.0, 1 + 4 * half]
        # the subnormal grid: halfway between 0 and the smallest subnormal goes to 0
        tiny = float(np.finfo(np.float64).smallest_subnormal)
        assert correctly_rounded(lambda t: t / 2, [tiny, 3 * tiny]).tolist() == [0.0, 2 * tiny]

    def test_limits_nan_and_shape(self):
        got = correctly_rounded(mpmath.exp, [[710.0, -800.0], [np.nan, 0.0]])
        assert got.shape == (2, 2)
        np.testing.assert_array_equal(got, [[np.inf, 0.0], [np.nan, 1.0]])
        assert correctly_rounded(mpmath.exp, 89.0, dtype=np.float32)[()] == np.inf

    @pytest.mark.parametrize(
        ("dtype", "edge", "gap"), [(np.float64, 27.5, 0), (np.float32, 13.0, 1e-6)]
    )
    def test_the_tanh_thresholds(self, dtype, edge, gap):
        # 1 - tanh z = 2e/(1 + e), e = e^(-2z), is half the spacing below 1, 2^-(p+1) with
        # p significand bits, where z = ((p + 2) ln 2 + ln(1 - 2^-(p+2))) / 2, just below
        # (p + 2) ln 2 / 2 = 27.5 ln 2 or 13 ln 2: by 2^-56 (under an ulp of 19) or 2^-27
        z = float(edge * mpmath.log(2))
        below, above = np.nextafter(z - gap, 0), np.nextafter(z + gap, 30)
        values = correctly_rounded(mpmath.tanh, [below, above], dtype=dtype)
        assert values[0] < 1
        assert values[1] == 1


class TestSoftmaxHighPrecision:
    def test_rows_sum_to_one(self):
        rng = np.random.default_rng(0)
        z = rng.standard_normal((3, 5)) * 100
        p = softmax_high_precision(z)
        with mpmath.workdps(DPS):
            for row in p:
                assert abs(mpmath.fsum(row) - 1) < mpmath.mpf(10) ** -45

    def test_two_logits_reduce_to_sigmoid(self):
        # softmax([0, z])[1] = sigma(z)
        z = 40.0
        p = softmax_high_precision([0.0, z])
        with mpmath.workdps(DPS):
            assert abs(p[1] - MP["sigmoid"](mpmath.mpf(z))) < mpmath.mpf(10) ** -48

    def test_log_keeps_the_tiny_top_value(self):
        # log p_top = -log1p(exp(-40)) = -4.248354255291589e-18 (mpmath)
        lp = softmax_high_precision([40.0, 0.0], log=True)
        assert float(lp[0]) == pytest.approx(-4.248354255291589e-18, rel=1e-15)
        assert float(lp[1]) == pytest.approx(-40.0, rel=1e-15)

    def test_log_is_log_of_probabilities(self):
        z = np.array([[1.0, 2.0, 3.0], [-5.0, 0.0, 700.0]])
        p, lp = softmax_high_precision(z), softmax_high_precision(z, log=True)
        with mpmath.workdps(DPS):
            for a, b in zip(p.ravel(), lp.ravel(), strict=True):
                assert abs(mpmath.log(a) - b) < mpmath.mpf(10) ** -45 * max(1, abs(b))

    def test_scalar_is_refused(self):
        with pytest.raises(ValueError, match="at least one dimension"):
            softmax_high_precision(1.0)


class TestUlpError:
    def test_exact_and_one_ulp(self):
        computed = np.array([1.0, 1.0 + 2**-52, 1.0 - 2**-53, 3.0])
        # the ulp is the spacing at the exact value: 2**-52 at 1, so 1 - 2**-53 is half an
        # ulp off 1 (although it is the float just below); 2**-51 at 2.5, so 3 is 2**50 off
        exact = [1, 1, 1, "2.5"]
        assert ulp_error(computed, exact).tolist() == [0.0, 1.0, 0.5, 2.0**50]

    def test_the_ulp_is_that_of_the_exact_value(self):
        # exact value just below 1 (spacing 2**-53): a computed 1 is off by 0.5 of that spacing
        with mpmath.workdps(DPS):
            exact = mpmath.mpf(1) - mpmath.mpf(2) ** -54
        assert ulp_error(np.array([1.0]), [exact])[0] == 0.5

    def test_float32_ulps(self):
        # float32 spacing at 1 is 2**-23
        assert ulp_error(np.array([1 + 2**-23], dtype=np.float32), [1])[0] == 1.0

    def test_subnormal_spacing_is_the_floor(self):
        # 0 where the exact value is 3 smallest subnormals: 3 ulps
        tiny = mpmath.mpf(2) ** -1074
        with mpmath.workdps(DPS):
            assert ulp_error(np.array([0.0]), [3 * tiny])[0] == 3.0

    def test_non_finite(self):
        computed = np.array([np.inf, np.inf, np.nan, 1.0, np.nan])
        exact = [mpmath.inf, -mpmath.inf, mpmath.nan, mpmath.inf, 1]
        assert ulp_error(computed, exact).tolist() == [0.0, np.inf, 0.0, np.inf, np.inf]

    def test_correctly_rounded_is_within_half(self):
        # float(mpf) rounds to nearest, so the error of the rounded reference is <= 0.5
        x = np.linspace(-30, 30, 61)
        exact = high_precision(mpmath.exp, x)
        rounded = np.array([float(v) for v in exact])
        assert ulp_error(rounded, exact).max() <= 0.5

    def test_shape_and_dtype_errors(self):
        with pytest.raises(ValueError, match="differ in shape"):
            ulp_error(np.zeros(2), [0, 0, 0])
        with pytest.raises(TypeError, match="float16/32/64"):
            ulp_error(np.array([1, 2]), [1, 2])

    @given(finite)
    def test_a_float_against_itself_is_exact(self, v):
        assert ulp_error(np.array([v]), [mpmath.mpf(v)])[0] == 0.0


class TestRelativeError:
    def test_values(self):
        # the float 0.1 exceeds 1/10 by 5.551115123125783e-18 (mpmath): relative 5.55e-17
        err = relative_error(np.array([0.0, 0.1, 2.0]), [4.2e-18, "0.1", 2])
        assert err[0] == 1.0
        assert err[1] == pytest.approx(5.551115123125783e-17, rel=1e-12)
        assert err[2] == 0.0

    def test_zero_exact_value(self):
        assert relative_error(np.array([0.0, 1e-300]), [0, 0]).tolist() == [0.0, np.inf]

    def test_keeps_shape(self):
        assert relative_error(np.ones((2, 3)), np.ones((2, 3), dtype=object)).shape == (2, 3)


class TestThreshold:
    def test_sigmoid_rounds_to_one(self):
        # the nearest float to sigma(z) is 1 once 1 - sigma(z) < 2**-54, half the spacing
        # below 1: z > 54 ln 2 = 37.4299... (sigmoid undoes the rounding of 1 + e^-z, so
        # it does not round to 1 at 53 ln 2 as the textbook form does)
        t = threshold(lambda z: sigmoid(z) == 1, 0.0, 100.0)
        assert isinstance(t, np.float64)
        assert sigmoid(t) == 1
        assert sigmoid(np.nextafter(t, 0.0)) < 1
        assert t == pytest.approx(54 * math.log(2), rel=1e-14)
        textbook = threshold(lambda z: 1 / (1 + np.exp(-z)) == 1, 0.0, 100.0)
        assert textbook == pytest.approx(53 * math.log(2), rel=1e-14)

    def test_float32_and_float16(self):
        t32 = threshold(lambda z: sigmoid(z) == 1, 0, 100, np.float32)
        assert t32.dtype == np.float32
        assert t32 == pytest.approx(25 * math.log(2), rel=1e-6)  # half the spacing 2**-24
        t16 = threshold(lambda z: z * z > 2, 0, 10, np.float16)  # first float16 above sqrt(2)
        assert t16 == np.float16(1.415)  # float16 spacing at 1.4 is 2**-10
        assert np.nextafter(t16, np.float16(0)) ** 2 <= 2

    def test_going_down(self):
        # exp underflows to 0 below ln(2**-1075) = -745.1332191019412 (mpmath)
        t = threshold(lambda z: np.exp(z) == 0, -700.0, -800.0)
        assert np.exp(t) == 0
        assert np.exp(np.nextafter(t, 0.0)) > 0
        assert float(t) == pytest.approx(-745.1332191019412, rel=1e-15)

    def test_across_zero(self):
        # ordering of the floats runs through -5e-324, 0, 5e-324
        assert threshold(lambda x: x > 0, -1.0, 1.0) == 5e-324
        assert threshold(lambda x: x >= 0, -1.0, 1.0) == 0.0
        assert threshold(lambda x: x < 0, 1.0, -1.0) == -5e-324

    @given(st.floats(-1e300, 1e300))
    def test_finds_any_float(self, target):
        assert threshold(lambda x: x >= target, -np.inf, np.inf) == target

    def test_bad_ends(self):
        with pytest.raises(ValueError, match="already holds at start"):
            threshold(lambda x: True, 0.0, 1.0)
        with pytest.raises(ValueError, match="does not hold at stop"):
            threshold(lambda x: False, 0.0, 1.0)
        with pytest.raises(TypeError, match="dtype must be"):
            threshold(lambda x: x > 0, 0, 1, np.int64)


class TestFirstZero:
    def test_textbook_sigmoid_derivative(self):
        def textbook(z):
            return sigmoid_derivative_from_output(sigmoid(z))

        t = first_zero(textbook, 0.0, 100.0)
        assert textbook(t) == 0
        assert textbook(np.nextafter(t, 0.0)) > 0
        assert t == threshold(lambda z: sigmoid(z) == 1, 0.0, 100.0)
