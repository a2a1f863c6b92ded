"""Tests for course_lib.rectifiers: accuracy against mpmath, derivatives, limits, bad input."""

import functools
import re

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib import bounds
from course_lib.gradcheck import numerical_derivative
from course_lib.rectifiers import (
    elu,
    elu_derivative,
    elu_derivative_from_output,
    gelu,
    gelu_derivative,
    identity,
    identity_derivative,
    identity_derivative_from_output,
    leaky_relu,
    leaky_relu_derivative,
    leaky_relu_derivative_from_output,
    relu,
    relu_derivative,
    relu_derivative_from_output,
    silu,
    silu_derivative,
    softplus,
    softplus_derivative,
    softplus_derivative_from_output,
)
from course_lib.registry import ACTIVATIONS
from course_lib.sigmoid import sigmoid
from tests.reference import (
    MP,
    MP_TERMS,
    hard_points,
    mp_map,
    terms_error,
    ulp_error,
    worst,
)

EPS64 = np.finfo(np.float64).eps
finite = st.floats(-30, 30, allow_nan=False)

gelu_tanh = functools.partial(gelu, approximate="tanh")
gelu_tanh_derivative = functools.partial(gelu_derivative, approximate="tanh")


# ---------------------------------------------------------------------------------------
# Accuracy against mpmath


def grid(dtype):
    """[-40, 40] in steps of 0.02, the hard points, and (float64) the subnormal tails."""
    parts = [np.linspace(-40, 40, 4001).astype(dtype), hard_points(dtype)]
    if dtype == np.float64:  # exp(z) is subnormal below -708: silu's and elu''s tails
        parts.append(np.linspace(-745.5, -690.0, 223))
    return np.unique(np.concatenate(parts))


@functools.cache
def exact(name, dtype):
    """The grid in `dtype` and the mpmath values of reference `name` on it (cached)."""
    z = grid(dtype)
    return z, mp_map(REFERENCES[name], z)


def _module(func):
    return getattr(func, "func", func).__module__  # a bound entry is a functools.partial


# The registry's entries whose functions live in this module and are not exact (the
# piecewise-linear ones have no reference to compare with: they are tested by value),
# with their derivatives, and ELU with another alpha
OWN = [
    name
    for name, act in ACTIVATIONS.items()
    if _module(act.function) == "course_lib.rectifiers" and name in MP
]
COMPUTED = {
    **{name: ACTIVATIONS[name].function for name in OWN},
    **{f"{name}_derivative": ACTIVATIONS[name].derivative for name in OWN},
    "elu_alpha": functools.partial(elu, alpha=2.5),
    "elu_derivative_alpha": functools.partial(elu_derivative, alpha=2.5),
}
# tests/reference.py's references (the registry's formulas), and elu's with alpha = 2.5
REFERENCES = {
    **{key: MP[key] for key in COMPUTED if key in MP},
    "elu_alpha": functools.partial(MP["elu"], alpha=mpmath.mpf(2.5)),
    "elu_derivative_alpha": functools.partial(MP["elu_derivative"], alpha=mpmath.mpf(2.5)),
    **{f"{key}_terms": MP_TERMS[key] for key in MP_TERMS},
}

# The bounds are course_lib.bounds' (the worst errors of the adversarial search, at
# every SIMD level); these grid tests hold the functions to them on the hard points too.
_KEY = {"elu_alpha": "elu", "elu_derivative_alpha": "elu_derivative"}
BOUNDS = {
    (name, dtype): bounds.BOUNDS[_KEY.get(name, name)][np.dtype(dtype).name]
    for name in COMPUTED
    if name not in bounds.SCALED
    for dtype in (np.float64, np.float32)
}
ZEROS = bounds.ZEROS
# (ulps where |z - z0| > 0.5, error in u times the terms everywhere)
DERIVATIVE_BOUNDS = {
    name: (bounds.BOUNDS[name]["float64"], bounds.SCALED[name])
    for name in bounds.SCALED
    if name in COMPUTED  # mish's are in tests/test_mish.py
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dtype"), list(BOUNDS))
def test_accuracy_against_mpmath(name, dtype):
    z, ref = exact(name, dtype)
    err = ulp_error(COMPUTED[name](z), ref)
    assert err.max() <= BOUNDS[(name, dtype)], f"{name} {dtype.__name__}: {worst(err, z)}"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DERIVATIVE_BOUNDS))
def test_derivative_accuracy_against_mpmath(name):
    # Near its zero z0 the derivative is a difference of two terms of size 0.2, so its
    # rounding errors are absolute, a few eps times the terms; relative to the small
    # result they are unbounded. So the error is measured in ulps away from z0, and
    # everywhere in units of u times the sum of the terms' magnitudes (terms_error).
    z, ref = exact(name, np.float64)
    _, terms = exact(f"{name}_terms", np.float64)
    computed = COMPUTED[name](z)
    ulps = ulp_error(computed, ref)
    far = np.abs(z - ZEROS[name]) > 0.5
    ulp_bound, scaled_bound = DERIVATIVE_BOUNDS[name]
    assert ulps[far].max() <= ulp_bound, worst(ulps[far], z[far])
    scaled = terms_error(computed, ref, terms)
    assert scaled.max() <= scaled_bound, worst(scaled, z)


@pytest.mark.slow
def test_float32_is_float64_rounded_once():
    # what "computed in float64, rounded once" means, bit for bit
    z = grid(np.float32)
    for func in COMPUTED.values():
        expected = func(z.astype(np.float64)).astype(np.float32)
        np.testing.assert_array_equal(func(z), expected)


# ---------------------------------------------------------------------------------------
# Derivatives against central differences

# Every registry entry's derivative is checked against central differences in
# tests/test_registry.py; here the parameters the registry does not bind.
PAIRS = {
    "leaky_relu_0.2": (
        functools.partial(leaky_relu, alpha=0.2),
        functools.partial(leaky_relu_derivative, alpha=0.2),
    ),
    "elu_0.5": (functools.partial(elu, alpha=0.5), functools.partial(elu_derivative, alpha=0.5)),
    "swish_2": (functools.partial(silu, beta=2.0), functools.partial(silu_derivative, beta=2.0)),
    "gelu_tanh": (gelu_tanh, gelu_tanh_derivative),
}


@pytest.mark.parametrize("name", list(PAIRS))
@given(z=arrays(np.float64, st.integers(1, 20), elements=finite))
def test_derivative_matches_central_difference(name, z):
    # numerical_derivative is good to about 1e-10 relative; stay 1e-3 from the kink at 0
    # (ELU's too: with alpha != 1 its slope jumps there)
    f, df = PAIRS[name]
    z = z[np.abs(z) > 1e-3]
    np.testing.assert_allclose(df(z), numerical_derivative(f, z), rtol=1e-6, atol=1e-9)


def test_derivative_on_a_dense_grid():
    # the same check on every 0.01 from -30 to 30, kinks excluded
    z = np.linspace(-30, 30, 6001)
    z = z[np.abs(z) > 1e-3]
    for f, df in PAIRS.values():
        np.testing.assert_allclose(df(z), numerical_derivative(f, z), rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------------------
# One class per function


class TestRelu:
    def test_values(self):
        # max(z, 0) by hand
        np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.5])), [0.0, 0.0, 3.5])

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(allow_nan=False)))
    def test_odd_part_is_identity(self, z):
        # relu(z) - relu(-z) = z, exactly
        np.testing.assert_array_equal(relu(z) - relu(-z), z)


class TestReluDerivative:
    def test_values_and_convention_at_zero(self):
        # 1 for z > 0, 0 for z < 0, and 0 at the kink (PyTorch's choice)
        z = np.array([-2.0, -0.0, 0.0, 5e-324, 3.0])
        np.testing.assert_array_equal(relu_derivative(z), [0.0, 0.0, 0.0, 1.0, 1.0])

    def test_nan_propagates_where_a_comparison_would_not(self):
        z = np.array([np.nan, 1.0])
        assert (z > 0).astype(float)[0] == 0.0
        assert np.isnan(relu_derivative(z)[0])

    def test_from_output_agrees_everywhere_kink_included(self):
        z = np.array([-np.inf, -2.0, -0.0, 0.0, 5e-324, 3.0, np.inf, np.nan])
        np.testing.assert_array_equal(relu_derivative_from_output(relu(z)), relu_derivative(z))


class TestLeakyRelu:
    def test_values(self):
        # alpha z for z <= 0, z for z > 0, by hand
        z = np.array([-2.0, 0.0, 3.0])
        np.testing.assert_allclose(leaky_relu(z), [-0.02, 0.0, 3.0], rtol=1e-16)
        np.testing.assert_allclose(leaky_relu(z, alpha=0.5), [-1.0, 0.0, 3.0], rtol=0)

    def test_alpha_zero_is_relu_even_at_minus_inf(self):
        # 0 * -inf would be NaN
        z = np.array([-np.inf, -1.0, 2.0])
        np.testing.assert_array_equal(leaky_relu(z, alpha=0.0), relu(z))

    def test_large_alpha_overflows_to_inf_silently(self):
        # 2 * -max is beyond the range: -inf is the correctly rounded answer
        assert leaky_relu(-np.finfo(np.float64).max, alpha=2.0) == -np.inf

    def test_negative_alpha(self):
        np.testing.assert_array_equal(
            leaky_relu(np.array([-2.0, -np.inf]), alpha=-0.5), [1.0, np.inf]
        )

    def test_float32_alpha_stays_float32(self):
        # alpha is cast to float32, so the product is float32's rounding of 0.1f * z
        z = np.array([-3.0], dtype=np.float32)
        out = leaky_relu(z, alpha=0.1)
        assert out.dtype == np.float32
        assert out[0] == np.float32(0.1) * np.float32(-3.0)


class TestLeakyReluDerivative:
    def test_values_and_convention_at_zero(self):
        # 1 for z > 0; alpha for z < 0 and, the left derivative, at 0
        z = np.array([-2.0, 0.0, 3.0])
        np.testing.assert_array_equal(leaky_relu_derivative(z, alpha=0.25), [0.25, 0.25, 1.0])

    @pytest.mark.parametrize("alpha", [0.0, 0.01, 0.25])
    def test_from_output_agrees_everywhere_kink_included(self, alpha):
        z = np.array([-np.inf, -2.0, -0.0, 0.0, 5e-324, 3.0, np.inf, np.nan])
        np.testing.assert_array_equal(
            leaky_relu_derivative_from_output(leaky_relu(z, alpha), alpha),
            leaky_relu_derivative(z, alpha),
        )

    def test_from_output_refuses_negative_alpha(self):
        # with alpha < 0 the output's sign no longer tells the side of the kink
        with pytest.raises(
            ValueError, match="leaky_relu_derivative_from_output: alpha must be >= 0"
        ):
            leaky_relu_derivative_from_output(np.ones(2), alpha=-0.5)


class TestElu:
    def test_values(self):
        # expm1(-1) = e^-1 - 1 = -0.6321205588285577 (mpmath)
        z = np.array([-1.0, 0.0, 2.0])
        np.testing.assert_allclose(elu(z), [float(mpmath.expm1(-1)), 0.0, 2.0], rtol=1e-16)
        np.testing.assert_allclose(elu(z, alpha=2.0), [2 * float(mpmath.expm1(-1)), 0, 2])

    def test_expm1_where_exp_minus_one_cancels(self):
        # exp(z) - 1 is 0 at z = -1e-17 and off by 1e-6 relative at z = -1e-10
        z = np.array([-1e-17, -1e-10])
        assert np.exp(z[0]) - 1 == 0
        err = ulp_error(elu(z), mp_map(mpmath.expm1, z))
        assert err.max() <= 0.5

    def test_no_overflow_for_large_z(self):
        # expm1 only sees min(z, 0)
        big = np.finfo(np.float64).max
        np.testing.assert_array_equal(elu(np.array([1000.0, big])), [1000.0, big])


class TestEluDerivative:
    def test_values_and_convention_at_zero(self):
        # alpha e^z for z < 0, alpha at 0 (the left derivative), 1 for z > 0
        z = np.array([-1.0, 0.0, 1.0])
        np.testing.assert_allclose(elu_derivative(z), [np.exp(-1), 1.0, 1.0], rtol=1e-16)
        np.testing.assert_array_equal(elu_derivative(z, alpha=0.5)[1:], [0.5, 1.0])

    def test_subnormal_tail_with_large_alpha(self):
        # alpha * exp(z) would round exp(z) to a subnormal and multiply its error by alpha
        z = np.linspace(-745, -709, 73)
        ref = mp_map(lambda v: 100 * mpmath.exp(v), z)
        naive = ulp_error(100 * np.exp(z), ref)
        assert naive.max() > 10
        assert ulp_error(elu_derivative(z, alpha=100.0), ref).max() <= 1.7  # as alpha = 2.5


class TestEluDerivativeFromOutput:
    def test_agrees_with_derivative(self):
        # y + alpha carries y's rounding error, about u * alpha, as an absolute error
        z = np.linspace(-40, 5, 901)
        for alpha in (1.0, 0.3, 4.0):
            got = elu_derivative_from_output(elu(z, alpha), alpha)
            np.testing.assert_allclose(got, elu_derivative(z, alpha), rtol=0, atol=alpha * EPS64)

    def test_cancels_as_documented(self):
        # from z = -37.4 on, elu(z) rounds to -1 and the result is 0 (true: 5.6e-17)
        assert elu_derivative_from_output(elu(-37.5)) == 0.0
        assert elu_derivative(-37.5) > 0

    def test_at_zero_gives_alpha(self):
        assert elu_derivative_from_output(0.0, alpha=0.5) == 0.5

    def test_negative_alpha_raises(self):
        with pytest.raises(ValueError, match=r"elu_derivative_from_output: alpha must be >= 0"):
            elu_derivative_from_output(0.5, alpha=-1.0)


class TestSoftplus:
    def test_values(self):
        # ln 2 at 0; ln(1 + e) at 1; log1p(e^-40) = e^-40 - e^-80/2 at -40 (mpmath)
        z = np.array([0.0, 1.0, -40.0])
        expected = [float(MP["softplus"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(softplus(z), expected, rtol=2.3e-16)

    def test_where_the_textbook_form_fails(self):
        # log(1 + exp(z)) overflows for z > 709.78 and is 0 for z < -37
        z = np.array([1000.0, -50.0])
        with np.errstate(over="ignore"):
            naive = np.log(1 + np.exp(z))
        assert naive[0] == np.inf
        assert naive[1] == 0.0
        assert softplus(z)[0] == 1000.0
        assert softplus(z)[1] == pytest.approx(np.exp(-50.0), rel=1e-15)

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-700, 700)))
    def test_odd_part_is_identity(self, z):
        # softplus(z) - softplus(-z) = z: each side within 1.1 ulp of its size
        assert np.all(np.abs(softplus(z) - softplus(-z) - z) <= 3 * EPS64 * (np.abs(z) + 1))


class TestSoftplusDerivative:
    def test_is_sigmoid(self):
        z = np.linspace(-800, 800, 1601)
        np.testing.assert_array_equal(softplus_derivative(z), sigmoid(z))
        assert softplus_derivative(np.float32(1)).dtype == np.float32


class TestSoftplusDerivativeFromOutput:
    def test_agrees_with_sigmoid(self):
        # 1 - e^-y with y's rounding error u*y: an error u*y*(1 - sigma) <= u*sigma here
        z = np.linspace(-40, 40, 801)
        np.testing.assert_allclose(
            softplus_derivative_from_output(softplus(z)), sigmoid(z), rtol=4 * EPS64
        )

    def test_out_of_range_output_is_refused(self):
        # y < 0 never comes from softplus: 1 - e^800 = -inf would be no derivative
        with pytest.raises(
            ValueError,
            match=r"softplus_derivative_from_output: y must lie in \[0, inf\].*got -800.0",
        ):
            softplus_derivative_from_output(np.array([-800.0, 0.0]))


class TestGelu:
    def test_values(self):
        # z Phi(z) with Phi from mpmath.ncdf: gelu(1) = 0.8413447460685429
        z = np.array([1.0, -1.0, 3.0, -3.0])
        expected = [float(MP["gelu"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(gelu(z), expected, rtol=2.3e-16)

    def test_left_tail_where_one_plus_erf_cancels(self):
        # 0.5 z (1 + erf(z/sqrt(2))) is 0 from z = -8.3 on; z Phi(z) is still 1e-16
        z = np.array([-10.0, -20.0, -37.0])
        naive = 0.5 * z * (1 + scipy.special.erf(z / np.sqrt(2)))
        assert np.all(naive == 0)
        err = ulp_error(gelu(z), mp_map(MP["gelu"], z))
        assert err.max() <= BOUNDS[("gelu", np.float64)]

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e3, 1e3)))
    def test_odd_part_is_identity(self, z):
        # Phi(z) + Phi(-z) = 1, so gelu(z) - gelu(-z) = z
        # (and half the smallest subnormal rounds to 0 on both sides)
        for f in (gelu, gelu_tanh):
            assert np.all(np.abs(f(z) - f(-z) - z) <= 4 * EPS64 * np.abs(z) + 5e-324)

    def test_matches_scipy(self):
        # z * scipy.special.ndtr(z), where ndtr keeps full accuracy (z > -5)
        z = np.linspace(-5, 10, 1501)
        np.testing.assert_allclose(gelu(z), z * scipy.special.ndtr(z), rtol=1e-14, atol=1e-300)

    def test_tanh_approximation_is_close(self):
        # the approximation's known maximum error, 4.73e-4 near z = -2.70 (measured)
        z = np.linspace(-10, 10, 20001)
        assert np.abs(gelu(z) - gelu_tanh(z)).max() < 4.8e-4

    def test_minimum(self):
        # gelu' = 0 at z0 = -0.75179152469 (mpmath.findroot); gelu(z0) = -0.16997
        z0 = -0.7517915246935645
        assert gelu(z0) == pytest.approx(float(MP["gelu"](mpmath.mpf(z0))), rel=1e-15)
        assert np.all(gelu(np.linspace(-5, 5, 10001)) >= gelu(z0))

    def test_huge_arguments(self):
        # the tanh form's z**3 must not overflow, and -inf * 0 must not give NaN
        big = np.finfo(np.float64).max
        z = np.array([big, -big, np.inf, -np.inf, 1e200, -1e200])
        for f in (gelu, gelu_tanh):
            np.testing.assert_array_equal(f(z), [big, 0, np.inf, 0, 1e200, 0])


class TestGeluDerivative:
    def test_values(self):
        # Phi(z) + z phi(z) from mpmath; the tanh form from its own mpmath definition
        z = np.array([1.0, -1.0, 0.0, 3.0])
        expected = [float(MP["gelu_derivative"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(gelu_derivative(z), expected, rtol=4.5e-16)
        expected = [float(MP["gelu_tanh_derivative"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(gelu_tanh_derivative(z), expected, rtol=4.5e-16)

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e3, 1e3)))
    def test_symmetry(self, z):
        # gelu'(z) + gelu'(-z) = 1, for both forms (Phi(z) + Phi(-z) = 1, z phi(z) is odd)
        for df in (gelu_derivative, gelu_tanh_derivative):
            np.testing.assert_allclose(df(z) + df(-z), 1.0, rtol=0, atol=8 * EPS64)

    def test_sign_change(self):
        # negative left of z0 (the minimum of gelu), positive right of it
        for df, z0 in ((gelu_derivative, -0.7517915), (gelu_tanh_derivative, -0.7524614)):
            assert df(z0 - 1e-6) < 0 < df(z0 + 1e-6)

    def test_exact_square_in_the_tail(self):
        # with exp(-z*z/2) rounded, the tail would be hundreds of ulps off
        z = np.linspace(-37.5, -30, 76)
        phi = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
        ref = mp_map(MP["gelu_derivative"], z)
        assert ulp_error(scipy.special.ndtr(z) + z * phi, ref).max() > 100
        assert ulp_error(gelu_derivative(z), ref).max() <= DERIVATIVE_BOUNDS["gelu_derivative"][0]


class TestSilu:
    def test_values(self):
        # z sigma(z): silu(1) = 0.7310585786300049, silu(-1) = -0.2689414213699951
        z = np.array([1.0, -1.0, 10.0])
        expected = [float(MP["silu"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(silu(z), expected, rtol=2.3e-16)

    def test_subnormal_tail(self):
        # z * sigmoid(z) multiplies the error of a subnormal sigma(z) by |z| (~740)
        z = np.linspace(-745, -709, 73)
        ref = mp_map(MP["silu"], z)
        assert ulp_error(z * sigmoid(z), ref).max() > 10
        assert ulp_error(silu(z), ref).max() <= BOUNDS[("silu", np.float64)]

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e3, 1e3)))
    def test_odd_part_is_identity(self, z):
        # sigma(z) + sigma(-z) = 1
        assert np.all(np.abs(silu(z) - silu(-z) - z) <= 4 * EPS64 * np.abs(z) + 5e-324)


BETAS = [0.0, 0.5, 2.0, 10.0, -1.3, 1e-300, 1e300]
SEARCHED_BETAS = [0.5, 1.7, 10.0, 0.1, -1.3]  # tests/accuracy_search.py's, besides 1


class TestSwishBeta:
    @pytest.mark.parametrize("beta", BETAS)
    def test_is_silu_of_beta_z_over_beta(self, beta):
        # z sigma(beta z) = silu(beta z) / beta, within the two functions' rounding
        z = np.linspace(-30, 30, 601) / max(abs(beta), 1e-300) if beta else np.linspace(-9, 9, 7)
        with np.errstate(over="ignore", under="ignore"):
            expected = silu(beta * z) / beta if beta else z / 2
        np.testing.assert_allclose(silu(z, beta=beta), expected, rtol=2e-15, atol=1e-300)

    @pytest.mark.parametrize("beta", SEARCHED_BETAS)
    def test_derivative_matches_central_difference(self, beta):
        z = np.linspace(-20, 20, 2001) / abs(beta)
        z = z[np.abs(z) > 1e-3]
        f = functools.partial(silu, beta=beta)
        np.testing.assert_allclose(
            silu_derivative(z, beta=beta), numerical_derivative(f, z), rtol=1e-6, atol=1e-9
        )

    @pytest.mark.parametrize("beta", BETAS)
    def test_no_floating_point_error_and_limits(self, beta):
        info = np.finfo(np.float64)
        specials = [0.0, info.smallest_subnormal, info.tiny, 0.5, 30.0, 1e300, info.max, np.inf]
        z = np.array(specials + [-v for v in specials] + [np.nan])
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y, d = silu(z, beta=beta), silu_derivative(z, beta=beta)
        # z sigma(beta z) at +-inf: z where the gate opens, 0 with z's sign where it shuts
        gate = np.sign(beta)
        expected = [np.inf, 0.0] if gate > 0 else [0.0, -np.inf] if gate < 0 else [np.inf, -np.inf]
        np.testing.assert_array_equal(y[[7, 15]], expected)
        d_expected = [1.0, 0.0] if gate > 0 else [0.0, 1.0] if gate < 0 else [0.5, 0.5]
        np.testing.assert_array_equal(d[[7, 15]], d_expected)
        assert np.isnan(y[-1])
        assert np.isnan(d[-1])

    @pytest.mark.parametrize("beta", SEARCHED_BETAS)
    def test_accuracy_in_the_left_tail(self, beta):
        # sigma(beta z) ~ e**(beta z): the rounding of beta z is carried, not multiplied
        t = np.linspace(-745, -600, 146)
        z = t / beta
        exact = mp_map(functools.partial(MP["swish"], beta=mpmath.mpf(beta)), z)
        assert ulp_error(silu(z, beta=beta), exact).max() <= bounds.BOUNDS["swish"]["float64"]
        exact = mp_map(functools.partial(MP["swish_derivative"], beta=mpmath.mpf(beta)), z)
        err = ulp_error(silu_derivative(z, beta=beta), exact)
        assert err.max() <= bounds.BOUNDS["swish_derivative"]["float64"]


class TestSwishBetaParameter:
    @pytest.mark.parametrize("func", [silu, silu_derivative])
    @pytest.mark.parametrize("beta", [np.inf, -np.inf, np.nan])
    def test_non_finite_raises(self, func, beta):
        with pytest.raises(ValueError, match=rf"{func.__name__}: beta must be finite"):
            func(np.array([-1.0]), beta=beta)

    @pytest.mark.parametrize("func", [silu, silu_derivative])
    @pytest.mark.parametrize("beta", ["1", True, 1j, None])
    def test_non_real_raises(self, func, beta):
        with pytest.raises(TypeError, match=rf"{func.__name__}: beta must be a real number"):
            func(np.array([-1.0]), beta=beta)

    def test_beta_is_cast_to_the_dtype(self):
        # as alpha is for ELU: float32 inputs see float32(1.7), and stay float32
        z = np.array([-3.0, 2.0], dtype=np.float32)
        out = silu(z, beta=1.7)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(
            out, silu(z.astype(np.float64), beta=float(np.float32(1.7))).astype(np.float32)
        )


class TestSiluDerivative:
    def test_values(self):
        # sigma(z) (1 + z sigma(-z)) at 0, 1, -1, 40 (mpmath); at -1, near the zero at
        # -1.28, the terms 0.269 and -0.197 cancel and the error is 3 ulp of the result
        z = np.array([0.0, 1.0, -1.0, 40.0])
        expected = [float(MP["silu_derivative"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(silu_derivative(z), expected, rtol=1e-15)

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e3, 1e3)))
    def test_symmetry(self, z):
        # silu'(z) + silu'(-z) = sigma(z) + sigma(-z) + z (sigma'(z) - sigma'(-z)) = 1
        np.testing.assert_allclose(
            silu_derivative(z) + silu_derivative(-z), 1.0, rtol=0, atol=4 * EPS64
        )

    def test_large_z_keeps_the_small_term(self):
        # 1 + z(1 - sigma(z)) with 1 - sigmoid(z) rounded to 0 would give exactly 1
        z = 40.0
        assert silu_derivative(z) > 1.0
        assert silu_derivative(z) == pytest.approx(float(MP["silu_derivative"](mpmath.mpf(z))))


class TestIdentity:
    def test_returns_a_new_array(self):
        z = np.array([1.0, -2.0])
        out = identity(z)
        assert out is not z
        np.testing.assert_array_equal(out, z)

    def test_derivatives_are_ones(self):
        z = np.array([-np.inf, -1.0, 0.0, 1e300])
        np.testing.assert_array_equal(identity_derivative(z), np.ones(4))
        np.testing.assert_array_equal(identity_derivative_from_output(z), np.ones(4))


# ---------------------------------------------------------------------------------------
# The rules every function of every registered activation follows (limits, dtypes,
# shapes, NaN, bad input, no warning) are in tests/test_registry.py.


WITH_ALPHA = [
    leaky_relu,
    leaky_relu_derivative,
    elu,
    elu_derivative,
    elu_derivative_from_output,
]


@pytest.mark.parametrize("func", WITH_ALPHA)
class TestAlpha:
    @pytest.mark.parametrize("alpha", [np.inf, -np.inf, np.nan])
    def test_non_finite_raises(self, func, alpha):
        with pytest.raises(ValueError, match=rf"{func.__name__}: alpha must be finite"):
            func(np.array([-1.0]), alpha=alpha)

    @pytest.mark.parametrize("alpha", ["0.1", True, 1j, None])
    def test_non_real_raises(self, func, alpha):
        with pytest.raises(TypeError, match=rf"{func.__name__}: alpha must be a real number"):
            func(np.array([-1.0]), alpha=alpha)

    def test_alpha_keeps_float32(self, func):
        # -0.25 is an output of ELU for alpha = 0.5 (its range is [-0.5, inf])
        assert func(np.array([-0.25, 1.0], dtype=np.float32), alpha=0.5).dtype == np.float32


@pytest.mark.parametrize("func", [gelu, gelu_derivative])
@pytest.mark.parametrize("approximate", ["exact", "TANH", "", None, 1, True])
def test_bad_approximate_raises(func, approximate):
    # the message names the function, the value and the accepted values
    message = f"{func.__name__}: approximate must be one of 'none', 'tanh'; got {approximate!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        func(np.array([1.0]), approximate=approximate)
