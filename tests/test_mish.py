"""Tests for course_lib.mish: values, the tails, the dip, and where the textbook form fails.

The rules every activation follows (derivative against central differences, the formula
against the code, shapes, dtypes, NaN, infinities, bad input, no warning) are tested for
every registry entry in tests/test_registry.py, tests/test_formulas.py and
tests/test_rectifiers.py's common rules.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib import bounds
from course_lib.mish import mish, mish_derivative
from tests.reference import MP, MP_TERMS, mp_map, terms_error, ulp_error, worst

Z0 = -1.1924312145154952  # mish'(z0) = 0 (mpmath.findroot); mish(z0) = -0.30884...


def grid():
    """[-40, 40] in steps of 0.02 and the subnormal tail, where e**z nears 2**-1074."""
    return np.unique(np.concatenate([np.linspace(-40, 40, 4001), np.linspace(-745, -690, 221)]))


class TestMish:
    def test_values(self):
        # z tanh(log(1 + e^z)): mish(1) = 0.8650983882673103, mish(-1) = -0.3034014613741089
        z = np.array([1.0, -1.0, 0.0, 5.0])
        expected = [float(MP["mish"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(mish(z), expected, rtol=3e-16)

    @pytest.mark.slow
    def test_accuracy_against_mpmath(self):
        z = grid()
        err = ulp_error(mish(z), mp_map(MP["mish"], z))
        assert err.max() <= bounds.BOUNDS["mish"]["float64"], worst(err, z)

    def test_subnormal_tail_where_the_textbook_form_fails(self):
        # e**z is subnormal below -708: z * tanh(log1p(exp(z))) multiplies its rounding
        # error by |z| (hundreds of ulps); mish forms z e**z scaled and rounds once
        z = np.linspace(-745, -709, 73)
        ref = mp_map(MP["mish"], z)
        with np.errstate(under="ignore"):
            naive = z * np.tanh(np.log1p(np.exp(z)))
        assert ulp_error(naive, ref).max() > 100
        assert ulp_error(mish(z), ref).max() <= bounds.BOUNDS["mish"]["float64"]

    def test_textbook_form_overflows_on_the_right(self):
        with pytest.warns(RuntimeWarning, match="overflow"):
            np.exp(np.array([710.0]))
        big = np.finfo(np.float64).max
        np.testing.assert_array_equal(mish(np.array([710.0, 1e300, big])), [710.0, 1e300, big])

    def test_minimum(self):
        assert mish(Z0) == pytest.approx(float(MP["mish"](mpmath.mpf(Z0))), rel=1e-15)
        assert float(mish(Z0)) == pytest.approx(-0.30884, abs=1e-5)
        assert np.all(mish(np.linspace(-6, 6, 12001)) >= mish(Z0))

    @given(arrays(np.float64, st.integers(0, 20), elements=st.floats(-700, 700)))
    def test_lies_between_relu_and_its_reflection(self, z):
        # 0 <= tanh(softplus(z)) < 1, so mish(z) lies between 0 and z
        y = mish(z)
        assert np.all(np.abs(y) <= np.abs(z))
        assert np.all((y == 0) | (np.sign(y) == np.sign(z)))


class TestMishDerivative:
    def test_values(self):
        # mish'(0) = tanh(ln 2) = 3/5; the others from mpmath
        assert float(mish_derivative(0.0)) == pytest.approx(0.6, rel=1e-16)
        z = np.array([1.0, -3.0, 20.0])
        expected = [float(MP["mish_derivative"](mpmath.mpf(v))) for v in z]
        np.testing.assert_allclose(mish_derivative(z), expected, rtol=5e-16)

    @pytest.mark.slow
    def test_accuracy_against_mpmath(self):
        # ulps away from the zero; everywhere, units of roundoff of the two terms
        z = grid()
        ref = mp_map(MP["mish_derivative"], z)
        computed = mish_derivative(z)
        ulps = ulp_error(computed, ref)
        far = np.abs(z - bounds.ZEROS["mish_derivative"]) > 0.5
        assert ulps[far].max() <= bounds.BOUNDS["mish_derivative"]["float64"]
        scaled = terms_error(computed, ref, mp_map(MP_TERMS["mish_derivative"], z))
        assert scaled.max() <= bounds.SCALED["mish_derivative"], worst(scaled, z)

    def test_sign_change_at_the_minimum(self):
        assert mish_derivative(Z0 - 1e-6) < 0 < mish_derivative(Z0 + 1e-6)
        assert bounds.ZEROS["mish_derivative"] == pytest.approx(Z0, abs=1e-4)

    def test_overshoots_one_and_returns(self):
        # like SiLU's, the slope exceeds 1 on the right and tends to 1
        z = np.linspace(0, 40, 4001)
        d = mish_derivative(z)
        assert d.max() > 1.08
        assert d[-1] == 1.0
