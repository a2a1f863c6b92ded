"""Tests for course_lib.tanh: the sigmoid relation, accuracy against mpmath, limits."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib import (
    bounds,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
    tanh_derivative_from_output,
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


def grid(dtype):
    g = np.linspace(-400.0, 400.0, 16001).astype(dtype)
    return np.unique(
        np.concatenate([g, np.linspace(-20, 20, 4001).astype(dtype), hard_points(dtype)])
    )


class TestTanh:
    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-300, 300)))
    def test_twice_sigmoid_of_twice_minus_one(self, x):
        # tanh(x) = 2 sigma(2x) - 1: the subtraction costs up to 2 ulp of 1 absolute
        np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, rtol=0, atol=5e-16)

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_accuracy(self, dtype):
        x = grid(dtype)
        err = ulp_error(tanh(x), mp_map(mpmath.tanh, x))
        assert err.max() <= bounds.BOUNDS["tanh"][np.dtype(dtype).name], worst(err, x)

    def test_limits(self):
        np.testing.assert_array_equal(tanh(np.array([np.inf, -np.inf, np.nan])), [1, -1, np.nan])


class TestTanhDerivative:
    @pytest.mark.slow
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_accuracy_within_the_bound(self, dtype):
        x = grid(dtype)
        err = ulp_error(tanh_derivative(x), mp_map(MP["tanh_derivative"], x))
        assert err.max() <= bounds.BOUNDS["tanh_derivative"][np.dtype(dtype).name], worst(err, x)

    # Beyond where any faithful tanh is ±1: 1 - tanh(z) = 2e^(-2z) is below a tenth of
    # the spacing just under 1 (2^-53 in float64 from z = 20.0, 2^-24 in float32 from 10.5).
    @pytest.mark.parametrize(
        ("dtype", "z"),
        [(np.float64, [20.0, 30.0, 300.0, -350.0]), (np.float32, [10.5, 20.0, 40.0])],
    )
    def test_never_zero_where_textbook_form_is(self, dtype, z):
        x = np.array(z, dtype=dtype)
        assert np.all(1 - np.tanh(x) ** 2 == 0)
        assert np.all(tanh_derivative(x) > 0)

    @pytest.mark.parametrize(
        ("dtype", "low", "high"),
        # where exp(-2|z|) underflows to 0 but 4 exp(-2|z|) is still representable
        [(np.float64, 372.57, 372.91), (np.float32, 51.99, 52.33), (np.float16, 8.67, 9.01)],
    )
    def test_not_zero_where_the_true_value_is_representable(self, dtype, low, high):
        z = np.linspace(low, high, 201).astype(dtype)
        got = tanh_derivative(np.concatenate([z, -z]))
        assert np.all(got > 0), z[np.argmin(got[: z.size])]
        exact = mp_map(MP["tanh_derivative"], np.concatenate([z, -z]))
        assert ulp_error(got, exact).max() <= 2.0

    @pytest.mark.parametrize("dtype", [np.float16, np.float32])
    def test_narrow_dtypes_are_the_float64_result_rounded_once(self, dtype):
        z = np.linspace(-60, 60, 4001).astype(dtype)
        expected = tanh_derivative(z.astype(np.float64)).astype(dtype)
        np.testing.assert_array_equal(tanh_derivative(z), expected)

    @given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-100, 100)))
    def test_four_times_sigmoid_derivative_of_twice(self, x):
        # tanh'(x) = 4 sigma'(2x), from tanh(x) = 2 sigma(2x) - 1
        np.testing.assert_allclose(tanh_derivative(x), 4 * sigmoid_derivative(2 * x), rtol=1e-15)

    def test_against_central_difference(self):
        x = np.linspace(-10, 10, 401)
        h = 1e-5
        fd = (tanh(x + h) - tanh(x - h)) / (2 * h)
        # truncation ~ h^2 |tanh'''|/6 ~ 1e-11; rounding ~ u/h ~ 2e-11 absolute
        np.testing.assert_allclose(tanh_derivative(x), fd, rtol=1e-9, atol=5e-11)

    def test_limits(self):
        np.testing.assert_array_equal(
            tanh_derivative(np.array([np.inf, -np.inf, np.nan])), [0, 0, np.nan]
        )


class TestFromOutput:
    def test_factored_form_beats_textbook(self):
        # for t near 1, (1-t)(1+t) is exact to two roundings; 1 - t*t loses digits
        t = np.nextafter(1.0, 0) - np.arange(1, 200) * 2.0**-53
        exact = [(1 - mpmath.mpf(v)) * (1 + mpmath.mpf(v)) for v in t]
        assert ulp_error(tanh_derivative_from_output(t), exact).max() <= 1.0
        assert ulp_error(1 - t * t, exact).max() > 10

    def test_equals_derivative_where_t_keeps_precision(self):
        x = np.linspace(-3, 3, 601)
        # relative error ~ u/(1-|t|) <= 2.2e-16 / 0.005
        np.testing.assert_allclose(
            tanh_derivative_from_output(tanh(x)), tanh_derivative(x), rtol=1e-13
        )

    def test_zero_once_t_rounds_to_one(self):
        assert tanh_derivative_from_output(tanh(19.1)) == 0.0

    @pytest.mark.parametrize("bad", [-1.5, 1.5])
    def test_out_of_range_names_function_and_argument(self, bad):
        # the argument is t (a tanh output), not the default z
        with pytest.raises(
            ValueError, match=r"^tanh_derivative_from_output: y must lie in \[-1, 1\]"
        ):
            tanh_derivative_from_output(np.array([0.5, bad]))

    def test_bad_type_names_function_and_argument(self):
        with pytest.raises(
            TypeError, match=r"^tanh_derivative_from_output: argument 'y' must be a real"
        ):
            tanh_derivative_from_output("0.5")


@pytest.mark.parametrize("func", [tanh, tanh_derivative, tanh_derivative_from_output])
class TestCommonRules:
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_dtype_preserved(self, func, dtype):
        assert func(np.zeros((2, 2), dtype=dtype)).dtype == dtype

    def test_integers_scalars_empty(self, func):
        assert func(np.array([0, 1])).dtype == np.float64
        assert np.ndim(func(0.5)) == 0
        assert func(np.empty((3, 0))).shape == (3, 0)

    @pytest.mark.parametrize("bad", [np.array([False]), np.array([1 + 2j]), "x", None])
    def test_bad_types_raise(self, func, bad):
        # the message starts with the function's own name
        with pytest.raises(TypeError, match=f"^{func.__name__}: argument "):
            func(bad)

    def test_no_warning(self, func):
        for dtype in (np.float32, np.float64):
            info = np.finfo(dtype)
            v = [0.0, info.smallest_subnormal, info.max, np.inf, np.nan]
            x = np.array(v + [-a for a in v], dtype=dtype)
            func(tanh(x) if func is tanh_derivative_from_output else x)


@pytest.mark.parametrize("func", [tanh, tanh_derivative])
def test_worst_points_of_the_search(func):
    # the float64 points where make accuracy-search found each function's worst error
    # (tests/data/accuracy_worst.json)
    # plus where tanh_derivative was worst before it undid the rounding of 1 + e (4.27)
    z = np.concatenate([worst_points(func.__name__), [-3.8120632831357284]])
    err = ulp_error(func(z), mp_map(MP[func.__name__], z))
    assert err.max() <= bounds.BOUNDS[func.__name__]["float64"], worst(err, z)


CORRECTION_SETS = correction_points()


@pytest.mark.parametrize(
    "label", [k for k, v in CORRECTION_SETS.items() if v["function"] == "tanh_derivative"]
)
def test_derivative_correctly_rounded_where_the_correction_decides(label):
    # as test_sigmoid's: the kernel is correctly rounded at each point with glibc's exp,
    # the variant named by the set at none; 3/4 leaves room for another CPU's exp
    z = np.array([float.fromhex(h) for h in CORRECTION_SETS[label]["points"]])
    right = tanh_derivative(z) == correctly_rounded(MP["tanh_derivative"], z)
    assert right.mean() >= 0.75, f"{label}: correctly rounded at {right.sum()} of {z.size}"
