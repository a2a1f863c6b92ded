"""Tests for the private building blocks: the input gate, error-free transformations, blocks."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import course_lib as cl
from course_lib._arrays import as_float_array, check_axis, check_same_shape, real_scalar
from course_lib._eft import dot2, fast_two_sum, split, two_product, two_sum
from course_lib._kernels import BLOCK, blockwise, blockwise_float64, neg_abs, via_float64

moderate = st.floats(-1e150, 1e150, allow_nan=False, allow_subnormal=False).filter(
    lambda v: v == 0 or abs(v) > 1e-140
)
# dot2's operands, away from underflow (where two_product is documented as inexact):
# drawn in range rather than filtered from `moderate`, which rejects most draws
small = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False).filter(
    lambda v: v == 0 or abs(v) > 1e-140
)


class TestGate:
    def test_dtypes(self):
        assert as_float_array(np.float16(1), "f").dtype == np.float16
        assert as_float_array([1, 2], "f").dtype == np.float64
        assert as_float_array(np.array([1], dtype=np.uint8), "f").dtype == np.float64
        x = np.ones(3)
        assert as_float_array(x, "f") is x  # no copy for float input

    @pytest.mark.parametrize(
        ("bad", "shown"),
        [
            (np.array([True]), "ndarray of dtype bool"),
            ([1j], "list converting to dtype complex128"),
            ("1.0", "got str"),
            (None, "got NoneType"),
            ([[1, 2], [3]], "got list"),
            (np.array(["a"]), "ndarray of dtype <U1"),
        ],
    )
    def test_type_errors_name_function_got_and_expected(self, bad, shown):
        with pytest.raises(
            TypeError, match="sigmoid: argument 'z' must be a real array_like"
        ) as info:
            as_float_array(bad, "sigmoid")
        assert shown in str(info.value)

    @pytest.mark.parametrize(
        ("big", "expected"),
        [(2**64, [2.0**64]), ([2**64, -1.5], [2.0**64, -1.5]), ([[2**70], [3]], [[2.0**70], [3]])],
    )
    def test_integers_beyond_int64_become_float64(self, big, expected):
        # numpy holds them in an object array; they are still integers
        got = as_float_array(big, "sigmoid")
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, np.reshape(expected, got.shape))

    def test_integer_beyond_float64_is_a_value_error(self):
        with pytest.raises(ValueError, match="sigmoid: argument 'z' holds an integer beyond"):
            as_float_array(2**1024, "sigmoid")

    @pytest.mark.parametrize("bad", [[2**64, True], [2**64, 1j], [2**64, "1"], [2**64, None]])
    def test_object_arrays_of_non_reals_are_refused(self, bad):
        with pytest.raises(TypeError, match="sigmoid: argument 'z' must be a real array_like"):
            as_float_array(bad, "sigmoid")

    def test_masked_arrays_are_refused(self):
        # the values under the mask would be used, silently: the caller must choose
        masked = np.ma.array([1.0, 1e300], mask=[False, True])
        with pytest.raises(TypeError, match=r"softmax: argument 'z' is a masked array.*filled"):
            as_float_array(masked, "softmax")

    def test_axis(self):
        assert check_axis(-2, 3, "f") == 1
        with pytest.raises(np.exceptions.AxisError, match="f: axis 3 is out of bounds"):
            check_axis(3, 3, "f")
        with pytest.raises(TypeError, match="f: axis must be an integer; got bool True"):
            check_axis(True, 3, "f")

    def test_same_shape(self):
        with pytest.raises(
            ValueError,
            match=r"f: a and b must have the same shape; got a.shape=\(2,\) and b.shape=\(3,\)",
        ):
            check_same_shape(np.ones(2), np.ones(3), "f", ("a", "b"))

    def test_real_scalar(self):
        assert real_scalar(0.1, "f", "alpha", np.dtype(np.float32)).dtype == np.float32
        with pytest.raises(TypeError, match="f: alpha must be a real number; got bool"):
            real_scalar(True, "f", "alpha", np.dtype(float))
        with pytest.raises(ValueError, match="f: alpha must be finite; got nan"):
            real_scalar(float("nan"), "f", "alpha", np.dtype(float))
        with pytest.raises(
            ValueError, match=r"f: alpha=100000\.0 does not fit in the input's dtype float16"
        ):
            real_scalar(1e5, "f", "alpha", np.dtype(np.float16))


def exact(x) -> Fraction:
    return Fraction(float(x))


class TestErrorFreeTransformations:
    @given(moderate, moderate)
    def test_two_sum_is_exact(self, a, b):
        s, e = two_sum(np.float64(a), np.float64(b))
        assert exact(s) + exact(e) == exact(a) + exact(b)
        assert s == a + b

    @given(moderate, moderate)
    def test_fast_two_sum_is_exact_for_the_larger_first(self, a, b):
        a, b = (a, b) if abs(a) >= abs(b) else (b, a)
        s, e = fast_two_sum(np.array([a]), np.array([b]))
        assert s[0] == a + b
        assert Fraction(s[0]) + Fraction(e[0]) == Fraction(a) + Fraction(b)

    @given(moderate, moderate)
    def test_two_product_is_exact(self, a, b):
        p, e = two_product(np.float64(a), np.float64(b))
        assert exact(p) + exact(e) == exact(a) * exact(b)

    @given(
        arrays(np.float64, st.integers(1, 40), elements=moderate),
        st.integers(0, 2**32 - 1),
    )
    def test_splits_given_are_the_splits_it_would_make(self, a, seed):
        # softmax_vjp reuses the split of an operand in a second product (and zeroes
        # entries of a split, as split(0) = (0, 0)): the same bits as splitting anew
        b = np.random.default_rng(seed).standard_normal(a.size) * 1e3
        for huge in (False, True):
            given_splits = (split(a, huge), split(b, huge))
            assert np.array_equal(
                two_product(a, b, huge, given_splits)[1], two_product(a, b, huge)[1]
            )
            assert np.array_equal(
                dot2(a, b, huge, splits=given_splits), dot2(a, b, huge), equal_nan=True
            )
        zero_hi, zero_lo = split(np.zeros(3))
        assert not zero_hi.any()
        assert not zero_lo.any()

    @given(
        arrays(np.float64, st.integers(1, 40), elements=small),
        st.integers(0, 2**32 - 1),
    )
    def test_dot2_is_as_if_twice_the_precision(self, a, seed):
        b = np.random.default_rng(seed).standard_normal(a.size)
        hi, lo = dot2(a, b)
        true = sum((exact(x) * exact(y) for x, y in zip(a, b, strict=True)), Fraction(0))
        # |error| <= u |a.b| (the rounding of hi) + u^2 sum|a b| (the tail), whatever K
        bound = 2.0**-53 * abs(float(true)) + 2.0**-106 * float(np.abs(a * b).sum()) * 2
        assert abs(exact(hi) + exact(lo) - true) <= Fraction(bound) + Fraction(2.0**-1074)
        assert hi == float(exact(hi) + exact(lo))  # normalized: lo below half an ulp of hi

    def test_dot2_tail_does_not_grow_with_k(self):
        # found by make accuracy-search (softmax_vjp, K = 33): one product near 1 beside
        # many near u. Each two_sum of the tree then errs by up to u, and those errors,
        # summed in plain floating point, erred by up to 2.1 u^2 sum|a b| on these rows.
        # Summed compensated, the tail stays within one u^2 of it (0.50), whatever K.
        rng = np.random.default_rng(33)
        worst = 0.0
        for k in (33, 100):
            a = np.column_stack([np.ones(40), rng.uniform(0.5, 1, (40, k - 1)) * 2.0**-53])
            b = 1 + rng.integers(-64, 64, (40, k)) * 2.0**-52
            hi, lo = dot2(a, b)
            for row in range(40):
                terms = [exact(x) * exact(y) for x, y in zip(a[row], b[row], strict=True)]
                err = abs(exact(hi[row]) + exact(lo[row]) - sum(terms, Fraction(0)))
                worst = max(worst, float(err / sum(map(abs, terms))) / 2.0**-106)
        assert worst <= 1, worst

    def test_dot2_is_exact_and_normalized_where_its_first_tree_cancels(self):
        # found in review: 1 + u squared, cancelled by -(1 + u)^2, leaves a tiny product
        # beside errors that did not cancel; a final Dekker sum assumed |hi| >= |lo| there
        # and returned a lo of half an ulp of an odd hi. a.b = 2**-210 + x exactly.
        u = 2.0**-52
        x = float.fromhex("0x1.7c5fb4c16c471p-230")
        a = np.array([1 + u, (1 + u) * 2.0**-53, 1 + u, -(1 + 2 * u) * 2.0**-53, x])
        b = np.array([1 + u, (1 + u) * 2.0**-53, -(1 + u), 2.0**-53, 1.0])
        hi, lo = dot2(a, b)
        assert exact(hi) + exact(lo) == Fraction(2) ** -210 + exact(x)
        assert hi == float(exact(hi) + exact(lo))

    def test_dot2_ill_conditioned(self):
        # a.b = 1 exactly, with terms 1e16 that cancel: np.dot gets 0 or 2
        a = np.array([1e16, 1.0, -1e16])
        b = np.array([1.0, 1.0, 1.0])
        hi, lo = dot2(a, b)
        assert (hi, lo) == (1.0, 0.0)


class TestKernels:
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
    def test_neg_abs(self, dtype):
        z = np.array([0.0, -0.0, 1.5, -2.5, np.inf, -np.inf], dtype=dtype)
        out = neg_abs(z, np.empty_like(z))
        np.testing.assert_array_equal(out, -np.abs(z))
        assert np.all(np.signbit(out))
        assert math.isnan(neg_abs(np.array([np.nan], dtype=dtype), np.empty(1, dtype))[0])

    @pytest.mark.parametrize("n", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7])
    def test_blockwise_covers_every_element_once(self, n):
        z = np.arange(n, dtype=np.float64)

        def kernel(zb, ob, scratch):
            np.add(zb, 1, out=scratch)
            np.multiply(scratch, 2, out=ob)

        np.testing.assert_array_equal(blockwise(kernel, z, (np.float64,)), 2 * (z + 1))

    def test_blockwise_keeps_shape_and_reads_any_order(self):
        z = np.asfortranarray(np.arange(12.0).reshape(3, 4))
        out = blockwise(lambda zb, ob: np.negative(zb, out=ob), z[:, ::2])
        np.testing.assert_array_equal(out, -z[:, ::2])
        assert blockwise(lambda zb, ob: np.negative(zb, out=ob), np.array(2.0)).shape == ()

    @pytest.mark.parametrize("n", [1, BLOCK + 1, 2 * BLOCK + 5])
    @pytest.mark.parametrize("dtype", [np.float32, np.longdouble])
    def test_float64_by_blocks_is_float64_rounded_once(self, n, dtype):
        z = np.linspace(-40, 40, n).astype(dtype)
        exact = np.exp(z.astype(np.float64)).astype(dtype)

        def kernel(zb, ob):
            assert zb.dtype == np.float64
            assert zb.size <= BLOCK
            np.exp(zb, out=ob)

        np.testing.assert_array_equal(blockwise_float64(kernel, z), exact)
        np.testing.assert_array_equal(via_float64(z, np.exp), exact)

    @pytest.mark.parametrize(
        "func", [cl.sigmoid, cl.log_sigmoid, cl.sigmoid_derivative, cl.tanh_derivative]
    )
    def test_float16_table_is_float64_rounded_once(self, func):
        # every float16 bit pattern, in any shape and order: the look-up table gives
        # what float64 rounded once gives, NaN for NaN
        every = np.arange(2**16, dtype=np.uint16).view(np.float16)
        with np.errstate(invalid="ignore"):  # signalling NaNs among the patterns
            expected = func(every.astype(np.float64)).astype(np.float16)
        shuffled = np.random.default_rng(0).permutation(every).reshape(256, 256)[:, ::-1]
        got = func(shuffled)
        assert got.dtype == np.float16
        assert got.shape == (256, 256)
        np.testing.assert_array_equal(got, expected[shuffled.view(np.uint16).astype(np.intp)])
        assert func(np.float16(1.0)) == expected[np.float16(1.0).view(np.uint16)]
