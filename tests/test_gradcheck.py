"""Tests for course_lib.gradcheck: central differences and the PASS/FAIL checks.

Expected values come from calculus (sin' = cos, exp' = exp, (x**3)' = 3 x**2) and from
the error model of a central difference: truncation h**2 |f'''| / 6 plus rounding
eps |f| / h, with h = cbrt(eps) max(|x|, 1).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib.gradcheck import (
    DEFAULT_FLOOR,
    DEFAULT_RTOL,
    GradientCheck,
    check_derivative,
    check_gradient,
    numerical_derivative,
    numerical_gradient,
    numerical_jacobian,
)
from course_lib.sigmoid import sigmoid, sigmoid_derivative

EPS = np.finfo(np.float64).eps
CBRT_EPS = np.cbrt(EPS)  # 6.06e-6, the default step for |x| <= 1

pytestmark = pytest.mark.filterwarnings("error")


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def arrays(lo: float, hi: float, max_side: int = 4) -> st.SearchStrategy[np.ndarray]:
    shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=max_side)
    return hnp.arrays(np.float64, shapes, elements=finite(lo, hi))


def central_difference_bound(x: float, m0: float, m3: float, dfx: float) -> float:
    """Error bound of the default central difference at x, doubled for safety.

    Truncation h**2 m3 / 6 (m3 bounds |f'''| near x), rounding eps m0 / h of the two
    values of f (each within 1 ulp, m0 bounds |f| near x; the divisor is the exact
    distance stepped), and 3 eps |f'| for the subtraction and the division.
    """
    h = CBRT_EPS * max(abs(x), 1.0)
    return 2 * (h * h * m3 / 6 + EPS * m0 / h + 3 * EPS * abs(dfx))


class TestNumericalDerivative:
    @given(finite(-100.0, 100.0))
    def test_sin_within_error_model(self, x):
        # sin' = cos; |sin| <= 1 and |sin'''| = |cos| <= 1
        got = numerical_derivative(np.sin, x)
        assert abs(got - np.cos(x)) <= central_difference_bound(x, 1.0, 1.0, np.cos(x))

    @given(finite(-50.0, 50.0))
    def test_exp_within_error_model(self, x):
        # exp' = exp''' = exp; both bounded near x by exp(x + h)
        m = np.exp(x + CBRT_EPS * max(abs(x), 1.0))
        got = numerical_derivative(np.exp, x)
        assert abs(got - np.exp(x)) <= central_difference_bound(x, m, m, np.exp(x))

    @given(finite(-1e3, 1e3))
    def test_cube_within_error_model(self, x):
        # (x**3)' = 3 x**2, (x**3)''' = 6: the truncation error is exactly h**2
        h = CBRT_EPS * max(abs(x), 1.0)
        got = numerical_derivative(lambda v: v**3, x)
        bound = central_difference_bound(x, (abs(x) + h) ** 3, 6.0, 3 * x * x)
        assert abs(got - 3 * x * x) <= bound

    def test_default_accuracy_is_eps_to_the_two_thirds(self):
        # with h ~ eps**(1/3) both error terms are ~ eps**(2/3) = 3.7e-11 for |x| <= 1
        x = np.linspace(-1.0, 1.0, 201)
        err = np.abs(numerical_derivative(np.sin, x) - np.cos(x))
        assert err.max() < 4 * EPS ** (2 / 3)

    def test_step_size_trade_off(self):
        # Truncation ~ h**2 / 6 dominates at h = 1e-2 (1.7e-5 here); rounding
        # ~ eps / h at h = 1e-12 (2e-4); the default balances them at ~ 1e-11.
        x = np.linspace(0.1, 3.0, 50)
        exact = np.cos(x)

        def worst(h):
            return np.abs(numerical_derivative(np.sin, x, h) - exact).max()

        default, big, tiny = worst(None), worst(1e-2), worst(1e-12)
        assert default < 1e-10
        assert big > 1000 * default
        assert tiny > 1000 * default

    def test_truncation_error_is_quadratic_in_h(self):
        # for x**3 the error is exactly h**2 (times rounding): halving h quarters it
        x = 1.0
        e1 = numerical_derivative(lambda v: v**3, x, 1e-2) - 3.0
        e2 = numerical_derivative(lambda v: v**3, x, 5e-3) - 3.0
        assert e1 == pytest.approx(1e-4, rel=1e-6, abs=0)
        assert e1 / e2 == pytest.approx(4.0, rel=1e-5, abs=0)

    @given(finite(-1e6, 1e6), finite(1e-9, 1e-1))
    def test_divisor_is_the_distance_stepped(self, x, h):
        # The identity's difference quotient is exactly 1 only if the divisor is
        # (x + h) - (x - h) as rounded, not 2h.
        assert numerical_derivative(lambda v: v, x, h) == 1.0

    def test_shape_and_dtype(self):
        x = np.arange(6.0).reshape(2, 3)
        got = numerical_derivative(np.sin, x)
        assert got.shape == (2, 3)
        assert got.dtype == np.float64

    def test_float32_input_is_computed_in_float64(self):
        # x = 0.5 is exact in float32: the same result as for float64 x
        x32 = np.array([0.5, 1.5], dtype=np.float32)
        got = numerical_derivative(np.sin, x32)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, numerical_derivative(np.sin, x32.astype(np.float64)))

    def test_zero_d_gives_numpy_scalar(self):
        got = numerical_derivative(np.sin, 0.0)
        assert isinstance(got, np.float64)
        assert got == pytest.approx(1.0, abs=1e-10)

    def test_integer_input(self):
        assert numerical_derivative(lambda v: v * v, 3) == pytest.approx(6.0, rel=1e-10, abs=0)

    def test_step_array_broadcasts(self):
        x = np.array([[0.1, 0.2], [0.3, 0.4]])
        got = numerical_derivative(np.sin, x, np.array([1e-5, 1e-6]))
        np.testing.assert_allclose(got, np.cos(x), rtol=1e-9)

    def test_not_callable(self):
        with pytest.raises(TypeError, match="numerical_derivative: f must be callable; got int"):
            numerical_derivative(3, 1.0)

    def test_not_elementwise(self):
        with pytest.raises(
            ValueError, match=r"f must be elementwise.*f\(x\)\.shape=\(\) and x\.shape=\(3,\)"
        ):
            numerical_derivative(np.sum, np.ones(3))

    @pytest.mark.parametrize("h", [0.0, -1e-3, np.nan, np.inf, [1e-3, -1e-3]])
    def test_bad_step(self, h):
        with pytest.raises(ValueError, match="h must be positive and finite"):
            numerical_derivative(np.sin, np.ones(2), h)

    def test_step_of_wrong_shape(self):
        with pytest.raises(ValueError, match=r"h\.shape=\(3,\) and x\.shape=\(2,\)"):
            numerical_derivative(np.sin, np.ones(2), np.full(3, 1e-3))

    def test_boolean_step(self):
        with pytest.raises(TypeError, match="argument 'h' must be a real array_like"):
            numerical_derivative(np.sin, 1.0, True)

    def test_step_below_spacing(self):
        # the spacing of 1e10 is 1.9e-6: a step of 1e-10 rounds away
        with pytest.raises(ValueError, match=r"h is below the spacing of x at index \(1,\)"):
            numerical_derivative(np.sin, [1.0, 1e10], 1e-10)

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_x(self, bad):
        with pytest.raises(ValueError, match=r"x must be finite; got .* at index \(1,\)"):
            numerical_derivative(np.sin, [0.0, bad])

    def test_x_near_the_float_limit(self):
        with pytest.raises(ValueError, match="overflows"):
            numerical_derivative(np.sin, np.finfo(np.float64).max)

    def test_boolean_x(self):
        with pytest.raises(TypeError, match="numerical_derivative: argument 'x'"):
            numerical_derivative(np.sin, [True, False])


class TestNumericalGradient:
    def test_half_sum_of_squares(self):
        # grad of sum(x**2)/2 is x; the quadratic has no truncation error
        x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -0.25]])
        np.testing.assert_allclose(
            numerical_gradient(lambda a: 0.5 * np.sum(a**2), x), x, rtol=1e-9, atol=1e-10
        )

    @settings(deadline=None)
    @given(arrays(-3.0, 3.0), st.integers(0, 2**32 - 1))
    def test_quadratic_form(self, x, seed):
        # grad of v.A.v is (A + A.T) v
        v = x.ravel()
        a = np.random.default_rng(seed).normal(size=(v.size, v.size))
        got = numerical_gradient(lambda u: u.ravel() @ a @ u.ravel(), x)
        np.testing.assert_allclose(got.ravel(), (a + a.T) @ v, rtol=1e-7, atol=1e-8)

    def test_f_sees_one_element_moved_at_a_time(self):
        # f is not vectorized over perturbations: it gets x, of x's shape, each time
        x = np.array([[1.0, 2.0], [3.0, 4.0]])
        seen = []

        def f(a):
            assert a.shape == (2, 2)
            seen.append(a.copy())
            return float(np.prod(a))

        numerical_gradient(f, x)
        assert len(seen) == 2 * x.size + 1
        moved = [int(np.count_nonzero(s != x)) for s in seen]
        assert moved == [0] + [1] * (2 * x.size)

    def test_x_is_restored_bit_for_bit(self):
        x = np.array([0.1, 1e10, -3.7, 5e-324])
        before = x.copy()
        numerical_gradient(lambda a: float(np.sum(np.sin(a))), x)
        np.testing.assert_array_equal(x, before)

    def test_x_is_restored_when_f_raises(self):
        x = np.array([1.0, 2.0, 3.0])
        calls = 0

        def f(a):
            nonlocal calls
            calls += 1
            if calls == 4:  # in the middle of perturbing x[1]
                raise RuntimeError("boom")
            return float(np.sum(a))

        with pytest.raises(RuntimeError, match="boom"):
            numerical_gradient(f, x)
        np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])

    def test_closure_over_x(self):
        # f ignores its argument and reads the weights it closes over, as a network's
        # loss does: the gradient is still right because x is perturbed in place
        w = np.array([0.5, -1.0])
        x = np.array([2.0, 3.0])

        def loss():
            return 0.5 * float(w @ x) ** 2

        got = numerical_gradient(lambda _: loss(), w)
        np.testing.assert_allclose(got, (w @ x) * x, rtol=1e-9)

    def test_float32_x_is_copied(self):
        x = np.array([1.0, 2.0], dtype=np.float32)
        got = numerical_gradient(lambda a: float(np.sum(a * a)), x)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, [2.0, 4.0], rtol=1e-9)
        np.testing.assert_array_equal(x, np.array([1.0, 2.0], dtype=np.float32))

    def test_list_and_scalar_inputs(self):
        np.testing.assert_allclose(
            numerical_gradient(lambda a: float(a[0] * a[1]), [2.0, 3.0]), [3.0, 2.0], rtol=1e-9
        )
        got = numerical_gradient(lambda a: float(a) ** 2, 3.0)
        assert isinstance(got, np.float64)
        assert got == pytest.approx(6.0, rel=1e-9, abs=0)

    def test_size_one_array_counts_as_scalar(self):
        got = numerical_gradient(lambda a: np.array([np.sum(a)]), np.ones(3))
        np.testing.assert_allclose(got, np.ones(3), rtol=1e-9)

    def test_empty(self):
        assert numerical_gradient(lambda a: 0.0, np.empty((0, 2))).shape == (0, 2)

    def test_non_scalar_f(self):
        with pytest.raises(
            ValueError, match=r"numerical_gradient: f must return a scalar; got .* shape \(2,\)"
        ):
            numerical_gradient(lambda a: a, np.ones(2))

    def test_not_callable(self):
        with pytest.raises(TypeError, match="numerical_gradient: f must be callable; got list"):
            numerical_gradient([1.0], np.ones(2))

    def test_bad_step(self):
        with pytest.raises(ValueError, match="numerical_gradient: h must be positive"):
            numerical_gradient(np.sum, np.ones(2), h=0)


class TestNumericalJacobian:
    def test_shape(self):
        # f: (2, 3) -> (4,) gives (4, 2, 3)
        a = np.arange(24.0).reshape(4, 6)
        jac = numerical_jacobian(lambda x: a @ x.ravel(), np.ones((2, 3)))
        assert jac.shape == (4, 2, 3)
        # a linear map's Jacobian is its matrix (no truncation error)
        np.testing.assert_allclose(jac.reshape(4, 6), a, rtol=1e-9, atol=1e-9)

    def test_elementwise_gives_diagonal(self):
        x = np.array([0.3, -1.2, 2.0])
        np.testing.assert_allclose(
            numerical_jacobian(np.sin, x), np.diag(np.cos(x)), rtol=1e-9, atol=1e-10
        )

    def test_scalar_f_matches_gradient(self):
        x = np.array([0.3, -1.2])

        def f(v):
            return float(np.sum(np.exp(v)))

        np.testing.assert_array_equal(numerical_jacobian(f, x), numerical_gradient(f, x))

    def test_x_is_restored(self):
        x = np.array([0.25, 0.5])
        numerical_jacobian(lambda v: 2 * v, x)
        np.testing.assert_array_equal(x, [0.25, 0.5])

    def test_shape_must_not_change(self):
        def f(v):
            return v if v[0] == 1.0 else v[:1]

        with pytest.raises(ValueError, match="f must return the same shape at every point"):
            numerical_jacobian(f, np.ones(2))

    def test_not_callable(self):
        with pytest.raises(TypeError, match="numerical_jacobian: f must be callable"):
            numerical_jacobian(None, np.ones(2))


class TestCheckDerivative:
    def test_correct_derivative_passes(self):
        x = np.linspace(-10.0, 10.0, 101)
        result = check_derivative(sigmoid, sigmoid_derivative, x)
        assert result.passed
        assert bool(result)
        assert result.max_rel_error < 1e-9  # measured 1.9e-11: 1e-6 leaves a wide margin
        assert str(result).startswith("PASS: worst relative error ")

    def test_wrong_derivative_fails_at_its_index(self):
        # right everywhere except at x[7], where it is off by 1e-3
        x = np.linspace(-2.0, 2.0, 11)

        def df(v):
            out = np.cos(v)
            out[7] += 1e-3
            return out

        result = check_derivative(np.sin, df, x)
        assert not result.passed
        assert not bool(result)
        assert result.index == (7,)
        assert result.x_at_worst == x[7]
        assert result.analytic == np.cos(x[7]) + 1e-3
        assert result.numerical == pytest.approx(np.cos(x[7]), abs=1e-10)
        # |cos(0.8)| = 0.70 < floor 1: the error is absolute, 1e-3
        assert result.max_rel_error == pytest.approx(1e-3, rel=1e-6, abs=0)
        assert str(result).startswith("FAIL: worst relative error 1.0e-03 at index (7,) (x = ")

    def test_two_d_index(self):
        x = np.linspace(0.1, 1.2, 12).reshape(3, 4)
        bad = np.cos(x)
        bad[2, 1] *= -1
        result = check_derivative(np.sin, bad, x)  # analytic values as an array
        assert result.index == (2, 1)
        assert "at index (2, 1)" in " ".join(str(result).split())

    @settings(deadline=None)
    @given(arrays(-5.0, 5.0, max_side=6), st.data())
    def test_can_fail_anywhere(self, x, data):
        # a derivative off by 1e-4 at one random element is caught there (|sigmoid'| is
        # below the floor 1, so the error is absolute: 1e-4 against rtol * floor = 1e-6)
        flat = data.draw(st.integers(0, x.size - 1))
        index = np.unravel_index(flat, x.shape)
        df = sigmoid_derivative(x)
        df[index] += 1e-4
        result = check_derivative(sigmoid, df, x)
        assert not result.passed
        assert result.index == tuple(int(i) for i in index)

    def test_nan_fails(self):
        df = np.cos(np.array([0.0, 1.0, 2.0]))
        df[1] = np.nan
        result = check_derivative(np.sin, df, [0.0, 1.0, 2.0])
        assert not result.passed
        assert result.index == (1,)
        assert result.max_rel_error == np.inf

    def test_relative_error_formula(self):
        # a = 2.0 against n = sin'(0) = 1: |2 - 1| / max(2, 1, floor 1) = 0.5
        assert check_derivative(np.sin, 2.0, 0.0).max_rel_error == pytest.approx(
            0.5, rel=1e-9, abs=0
        )
        # a = 0.5, n = 1 with floor 4: |0.5 - 1| / 4 = 0.125
        got = check_derivative(np.sin, 0.5, 0.0, floor=4.0)
        assert got.max_rel_error == pytest.approx(0.125, rel=1e-9, abs=0)

    def test_floor_keeps_tiny_values_from_blowing_up(self):
        # sigmoid'(40) = 4.2e-18, but sigmoid(40 +- h) both round to 1: numerical 0
        floored = check_derivative(sigmoid, sigmoid_derivative, 40.0)
        assert floored.numerical == 0.0
        assert floored.passed
        assert floored.max_rel_error == pytest.approx(4.248e-18, rel=1e-3, abs=0)
        assert not check_derivative(sigmoid, sigmoid_derivative, 40.0, floor=0.0).passed

    def test_defaults(self):
        result = check_derivative(np.sin, np.cos, 1.0)
        assert (result.rtol, result.floor) == (DEFAULT_RTOL, DEFAULT_FLOOR) == (1e-6, 1.0)
        assert result.index == ()

    def test_float32_analytic_gets_a_looser_rtol(self):
        # float32 derivatives carry ~1e-7 relative rounding of their own
        x = np.linspace(-4, 4, 81, dtype=np.float32)
        result = check_derivative(sigmoid, sigmoid_derivative, x)
        assert result.rtol == 100 * float(np.finfo(np.float32).eps)
        assert result.passed

    def test_df_gets_x_in_its_own_dtype(self):
        seen = []
        check_derivative(
            np.sin, lambda v: seen.append(v.dtype) or np.cos(v), np.ones(2, dtype=np.float32)
        )
        assert seen == [np.float32]

    def test_result_is_frozen(self):
        result = check_derivative(np.sin, np.cos, 1.0)
        assert isinstance(result, GradientCheck)
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.passed = False

    def test_not_callable(self):
        with pytest.raises(TypeError, match="check_derivative: f must be callable; got float"):
            check_derivative(1.0, np.cos, 1.0)

    def test_shape_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r"check_derivative: df\(x\) and x must have the same shape; "
            r"got df\(x\)\.shape=\(2,\) and x\.shape=\(3,\)",
        ):
            check_derivative(np.sin, lambda v: v[:2], np.ones(3))

    def test_empty(self):
        with pytest.raises(ValueError, match="check_derivative: x is empty"):
            check_derivative(np.sin, np.cos, [])

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"rtol": 0.0}, "rtol must be positive and finite"),
            ({"rtol": np.inf}, "rtol must be positive and finite"),
            ({"floor": -1.0}, "floor must be non-negative and finite"),
            ({"h": -1e-3}, "check_derivative: h must be positive and finite"),
        ],
    )
    def test_bad_parameters(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            check_derivative(np.sin, np.cos, 1.0, **kwargs)

    def test_non_finite_x(self):
        with pytest.raises(ValueError, match="check_derivative: x must be finite"):
            check_derivative(np.sin, np.cos, [1.0, np.nan])


class TestCheckGradient:
    def test_correct_gradient_passes(self):
        x = np.array([[1.0, -2.0], [0.5, 3.0]])
        result = check_gradient(lambda a: np.sum(a**3), lambda a: 3 * a**2, x)
        assert result.passed
        assert str(result).startswith("PASS")

    def test_wrong_gradient_fails_at_its_index(self):
        # 3a instead of 3a**2: equal at a = 1 and 0, worst where |3a**2 - 3a| / |3a**2|
        # is largest, at a = -2: |12 - (-6)| / 12 = 1.5
        x = np.array([[1.0, -2.0], [0.5, 3.0]])
        result = check_gradient(lambda a: np.sum(a**3), lambda a: 3 * a, x)
        assert not result.passed
        assert result.index == (0, 1)
        assert result.max_rel_error == pytest.approx(1.5, rel=1e-8, abs=0)
        assert str(result).startswith("FAIL: worst relative error 1.5e+00 at index (0, 1)")

    def test_analytic_as_array(self):
        x = np.array([0.3, 0.7])
        assert check_gradient(lambda a: np.sum(np.sin(a)), np.cos(x), x).passed

    def test_grad_returning_x_itself(self):
        # grad is evaluated (and copied) before x is perturbed
        x = np.array([1.0, 2.0])
        assert check_gradient(lambda a: 0.5 * np.sum(a * a), lambda a: a, x).passed
        np.testing.assert_array_equal(x, [1.0, 2.0])

    @settings(deadline=None)
    @given(arrays(-3.0, 3.0))
    def test_sum_of_sigmoids(self, x):
        assert check_gradient(lambda a: np.sum(sigmoid(a)), sigmoid_derivative, x)

    def test_x_is_restored(self):
        x = np.array([0.1, 0.2, 0.3])
        check_gradient(lambda a: np.sum(a**2), lambda a: 2 * a, x)
        np.testing.assert_array_equal(x, [0.1, 0.2, 0.3])

    def test_not_callable(self):
        with pytest.raises(TypeError, match="check_gradient: f must be callable; got str"):
            check_gradient("loss", np.ones(2), np.ones(2))

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"grad\(x\)\.shape=\(2, 1\) and x\.shape=\(2,\)"):
            check_gradient(np.sum, lambda a: a.reshape(2, 1), np.ones(2))

    def test_array_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"grad\.shape=\(3,\) and x\.shape=\(2,\)"):
            check_gradient(np.sum, np.ones(3), np.ones(2))

    def test_non_scalar_f(self):
        with pytest.raises(ValueError, match="check_gradient: f must return a scalar"):
            check_gradient(lambda a: a, np.ones(2), np.ones(2))
