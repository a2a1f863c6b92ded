"""Tests for course_lib.registry: every entry's derivatives, formulas and metadata."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.mathtext import MathTextParser

from course_lib.gradcheck import numerical_derivative
from course_lib.registry import ACTIVATIONS, Activation, get_activation

NAMES = list(ACTIVATIONS)
ROOT = Path(__file__).resolve().parent.parent
WITH_OUTPUT_FORM = [n for n in NAMES if ACTIVATIONS[n].derivative_from_output is not None]

# Central differences are accurate to about 1e-10 relative on smooth stretches; the
# absolute floor covers derivatives far below f itself (the sigmoid's tails), where
# the difference quotient carries f's rounding error, about 1e-16 * |f| / h.
RTOL, ATOL = 1e-6, 1e-9
# Stay this far from a kink, and from ELU's 0 where f'' jumps (f is C^1 there, but a
# difference step straddling it is off by about h).
MARGIN = 1e-3
DENSE = np.linspace(-30.0, 30.0, 6001)  # step 0.01, so it contains 0 and the kinks


def _smooth_mask(name: str, z: np.ndarray) -> np.ndarray:
    breaks = (*ACTIVATIONS[name].kinks, *((0.0,) if name == "elu" else ()))
    keep = np.ones(z.shape, dtype=bool)
    for k in breaks:
        keep &= np.abs(z - k) > MARGIN
    return keep


class TestEntries:
    def test_names(self):
        # the brief's list comes first, in the order the course meets it; what has been
        # added since (CONTRIBUTING.md, "Adding an activation") follows
        brief = [
            "identity", "sigmoid", "tanh", "relu", "leaky_relu",
            "elu", "softplus", "gelu", "gelu_tanh", "silu",
        ]  # fmt: skip
        assert NAMES[: len(brief)] == brief
        assert {"swish", "mish"} <= set(NAMES)

    @pytest.mark.parametrize("name", NAMES)
    def test_entry_is_consistent(self, name):
        act = ACTIVATIONS[name]
        assert isinstance(act, Activation)
        assert act.name == name
        assert (act.derivative_from_output is None) == (act.latex_derivative_from_output is None)
        assert all(isinstance(k, float) for k in act.kinks)
        assert act.stable_form.endswith(".")
        assert act.convention.endswith(".")
        low, high = act.output_range
        assert low < high

    @pytest.mark.parametrize("name", NAMES)
    def test_citations_are_in_the_bibliography(self, name):
        bib = (ROOT / "book" / "references.bib").read_text()
        keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.MULTILINE))
        act = ACTIVATIONS[name]
        assert set(act.citations) <= keys
        assert act.title[:1].isupper()

    @pytest.mark.parametrize("name", NAMES)
    def test_initialisation_scheme(self, name):
        # He et al. 2015 for the rectifier family, which passes on about half the
        # variance (f(z) ~ z on the right, |f(z)| << |z| on the left); Glorot and Bengio 2010
        # for the rest: the activations symmetric about 0, the sigmoid, and softplus
        act = ACTIVATIONS[name]
        right, left = float(act.function(1e6)) / 1e6, float(act.function(-1e6)) / -1e6
        rectifier = right == pytest.approx(1.0) and abs(left) < 0.5
        assert act.init == ("he" if rectifier and name != "softplus" else "glorot")

    @pytest.mark.parametrize("name", NAMES)
    def test_output_form_exactly_when_monotone(self, name):
        # a function that is not monotone maps two inputs with different slopes to one
        # output (gelu, silu, mish), so f' is no function of the output there
        act = ACTIVATIONS[name]
        monotone = np.all(np.diff(act.function(DENSE)) >= 0)
        assert (act.derivative_from_output is not None) == monotone

    def test_kinks(self):
        with_kinks = {n: ACTIVATIONS[n].kinks for n in NAMES if ACTIVATIONS[n].kinks}
        assert with_kinks == {"relu": (0.0,), "leaky_relu": (0.0,)}

    @pytest.mark.parametrize("name", NAMES)
    def test_output_range(self, name):
        act = ACTIVATIONS[name]
        y = act.function(DENSE)
        low, high = act.output_range
        assert np.all((low <= y) & (y <= high))

    @pytest.mark.parametrize(("name", "expected"), [("relu", 0.0), ("leaky_relu", 0.01)])
    def test_convention_at_kink(self, name, expected):
        # the value the convention sentence states, from z and from the output alike
        act = ACTIVATIONS[name]
        assert float(act.derivative(0.0)) == expected
        assert float(act.derivative_from_output(act.function(0.0))) == expected

    @pytest.mark.parametrize("name", WITH_OUTPUT_FORM)
    def test_output_form_keeps_nan(self, name):
        # as every derivative in course_lib does (a bare y > 0 would turn NaN into 0)
        act = ACTIVATIONS[name]
        assert np.isnan(act.derivative_from_output(np.array([np.nan, 1.0]))[0])

    def test_defaults_are_bound(self):
        # leaky_relu's alpha = 0.01 and elu's alpha = 1 are part of the entry
        z = np.array([-2.0, 3.0])
        np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].function(z), [-0.02, 3.0])
        np.testing.assert_allclose(ACTIVATIONS["elu"].function(z), [np.expm1(-2.0), 3.0])


FIELDS = ("latex", "latex_derivative", "latex_derivative_from_output")


class TestLatex:
    parser = MathTextParser("path")

    @pytest.mark.parametrize(
        ("name", "field"),
        [(n, f) for n in NAMES for f in FIELDS if getattr(ACTIVATIONS[n], f) is not None],
    )
    def test_parses_as_mathtext(self, name, field):
        s = getattr(ACTIVATIONS[name], field)
        assert "$" not in s
        self.parser.parse(f"${s}$")  # raises ValueError on an unknown macro or bad braces

    def test_parser_rejects_bad_latex(self):
        # the test above would catch a macro mathtext lacks, e.g. \ge (we write \geq)
        with pytest.raises(ValueError, match="Unknown symbol"):
            self.parser.parse(r"$z \ge 0$")


class TestDerivativeMatchesNumerical:
    @pytest.mark.parametrize("name", NAMES)
    def test_dense_grid(self, name):
        act = ACTIVATIONS[name]
        z = DENSE[_smooth_mask(name, DENSE)]
        np.testing.assert_allclose(
            act.derivative(z), numerical_derivative(act.function, z), rtol=RTOL, atol=ATOL
        )

    @pytest.mark.parametrize("name", NAMES)
    @settings(max_examples=50, deadline=None)
    @given(z=st.lists(st.floats(-30.0, 30.0), min_size=1, max_size=20))
    def test_hypothesis(self, name, z):
        act = ACTIVATIONS[name]
        z = np.array(z)
        z = z[_smooth_mask(name, z)]
        np.testing.assert_allclose(
            act.derivative(z), numerical_derivative(act.function, z), rtol=RTOL, atol=ATOL
        )


class TestDerivativeFromOutput:
    # On |z| <= 6 the output keeps enough precision: the from-output forms lose about
    # u / (1 - |y|) relative (tanh: 1 - |tanh 6| = 1.2e-5, so ~1e-11) and ELU's
    # y + alpha cancels to about u * exp(-z) (4e-14 at z = -6).
    GRID = np.linspace(-6.0, 6.0, 1201)

    @pytest.mark.parametrize("name", WITH_OUTPUT_FORM)
    def test_grid(self, name):
        act = ACTIVATIONS[name]
        np.testing.assert_allclose(
            act.derivative_from_output(act.function(self.GRID)),
            act.derivative(self.GRID),
            rtol=1e-10,
            atol=0,
        )

    @pytest.mark.parametrize("name", WITH_OUTPUT_FORM)
    @settings(max_examples=50, deadline=None)
    @given(z=st.floats(-6.0, 6.0))
    def test_hypothesis(self, name, z):
        act = ACTIVATIONS[name]
        assert float(act.derivative_from_output(act.function(z))) == pytest.approx(
            float(act.derivative(z)), rel=1e-10, abs=0
        )

    def test_where_precision_is_lost(self):
        # sigmoid(40) rounds to 1, so p(1 - p) is 0 while sigma'(40) = 4.2e-18
        act = ACTIVATIONS["sigmoid"]
        assert float(act.derivative_from_output(act.function(40.0))) == 0.0
        assert float(act.derivative(40.0)) == pytest.approx(4.248354255291589e-18)


class TestShapesAndDtypes:
    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_preserved(self, name, dtype):
        act = ACTIVATIONS[name]
        z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
        outputs = [act.function(z), act.derivative(z)]
        if act.derivative_from_output is not None:
            outputs.append(act.derivative_from_output(act.function(z)))
        for out in outputs:
            assert out.shape == (3, 4)
            assert out.dtype == dtype

    @pytest.mark.parametrize("name", NAMES)
    def test_integers_become_float64(self, name):
        assert ACTIVATIONS[name].derivative(np.arange(-2, 3)).dtype == np.float64

    @pytest.mark.parametrize("name", NAMES)
    def test_scalar_in_scalar_out(self, name):
        act = ACTIVATIONS[name]
        assert np.ndim(act.function(0.5)) == 0
        assert np.ndim(act.derivative(0.5)) == 0


class TestReadOnly:
    def test_mapping_is_read_only(self):
        with pytest.raises(TypeError):
            ACTIVATIONS["relu"] = ACTIVATIONS["tanh"]  # type: ignore[index]
        with pytest.raises(TypeError):
            del ACTIVATIONS["relu"]  # type: ignore[attr-defined]

    def test_entries_are_frozen(self):
        with pytest.raises(dataclasses.FrozenInstanceError):
            ACTIVATIONS["relu"].derivative = ACTIVATIONS["tanh"].derivative  # type: ignore[misc]


class TestGetActivation:
    @pytest.mark.parametrize("name", NAMES)
    def test_found(self, name):
        assert get_activation(name) is ACTIVATIONS[name]

    @pytest.mark.parametrize("name", ["Sigmoid", "Swish", ""])
    def test_unknown_lists_valid_names(self, name):
        with pytest.raises(ValueError, match="valid names are: identity, sigmoid") as info:
            get_activation(name)
        assert all(n in str(info.value) for n in NAMES)

    def test_softmax_explained(self):
        with pytest.raises(ValueError, match="softmax is not elementwise"):
            get_activation("softmax")

    @pytest.mark.parametrize("name", [None, 3, ACTIVATIONS["relu"]])
    def test_not_a_string(self, name):
        with pytest.raises(TypeError, match="must be a str"):
            get_activation(name)


class TestFromOutputRefusesWhatNoOutputIs:
    """A value outside the function's range is no output of it: a clear error, no warning."""

    @pytest.mark.parametrize("name", WITH_OUTPUT_FORM)
    def test_out_of_range(self, name):
        act = ACTIVATIONS[name]
        low, high = act.output_range
        outside = [v for v in (low - 1, high + 1, -np.inf, np.inf) if not low <= v <= high]
        if not outside:  # the whole real line is the range: nothing to refuse
            assert np.isfinite(act.derivative_from_output(np.array([1e308, -1e308]))).all()
            return
        for value in outside:
            y = np.array([act.function(0.5), value, np.nan])
            with pytest.raises(ValueError, match=rf"^{name}_derivative_from_output: .* must lie"):
                act.derivative_from_output(y)

    @pytest.mark.parametrize("name", WITH_OUTPUT_FORM)
    def test_range_ends_and_nan_are_accepted(self, name):
        act = ACTIVATIONS[name]
        ends = [v for v in act.output_range if np.isfinite(v)]
        got = act.derivative_from_output(np.array([*ends, np.nan]))
        assert np.isnan(got[-1])
        assert np.isfinite(got[:-1]).all()


# ---------------------------------------------------------------------------------------
# Rules every function of every entry follows: f, f' and the from-output form


def _functions():
    for name, act in ACTIVATIONS.items():
        yield name, act.function, None
        yield f"{name}_derivative", act.derivative, None
        if act.derivative_from_output is not None:
            yield f"{name}_derivative_from_output", act.derivative_from_output, act.function


FUNCTIONS = {key: (func, output_of) for key, func, output_of in _functions()}


def _valid_input(key, z):
    """`z`, or for a from-output form the outputs of `z` (what it is meant to take)."""
    output_of = FUNCTIONS[key][1]
    return z if output_of is None else output_of(z)


def _reported_name(func):
    """The name a function's errors carry: a bound entry reports its family's."""
    return getattr(func, "func", func).__name__


@pytest.mark.parametrize("key", [k for k, (_, output_of) in FUNCTIONS.items() if output_of is None])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_limits_at_infinity(key, dtype):
    # f(+-inf) is the limit: f at +-1e300 where that is bounded, else inf with its sign
    func = FUNCTIONS[key][0]
    far = func(np.array([1e300, -1e300]))
    expected = np.where(np.abs(far) < 1e100, far, np.copysign(np.inf, far))
    np.testing.assert_array_equal(
        func(np.array([np.inf, -np.inf], dtype=dtype)), expected.astype(dtype)
    )


@pytest.mark.parametrize("key", list(FUNCTIONS))
class TestCommonRules:
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
    def test_dtype_preserved(self, key, dtype):
        z = _valid_input(key, np.linspace(-2, 2, 5).astype(dtype))
        assert FUNCTIONS[key][0](z).dtype == dtype

    def test_integers_become_float64(self, key):
        func, output_of = FUNCTIONS[key]
        ints = [0, 1] if output_of is not None else [-1, 0, 2]
        assert func(np.array(ints)).dtype == np.float64
        assert isinstance(func(0), np.float64)

    def test_empty_zero_d_and_shapes(self, key):
        f = FUNCTIONS[key][0]
        assert f(np.empty((0, 3))).shape == (0, 3)
        assert f(_valid_input(key, np.full((2, 3, 4), -0.5))).shape == (2, 3, 4)
        out = f(_valid_input(key, np.float32(-0.5)))
        assert np.ndim(out) == 0
        assert isinstance(out, np.float32)

    def test_elementwise_on_views(self, key):
        # strided and Fortran-ordered inputs give the same values as contiguous ones
        f = FUNCTIONS[key][0]
        z = _valid_input(key, np.linspace(-5, 5, 60))
        np.testing.assert_array_equal(f(z[::3]), f(z)[::3])
        m = np.asfortranarray(z.reshape(6, 10))
        np.testing.assert_array_equal(f(m), f(z).reshape(6, 10))

    def test_nan_propagates(self, key):
        out = FUNCTIONS[key][0](np.array([np.nan, 0.5, np.nan]))
        assert np.isnan(out[0])
        assert np.isnan(out[2])
        assert not np.isnan(out[1])

    @pytest.mark.parametrize("bad", [np.array([True]), np.array([1j]), "0.5", None, [object()]])
    def test_bad_types_raise(self, key, bad):
        func = FUNCTIONS[key][0]
        with pytest.raises(TypeError, match=_reported_name(func)):
            func(bad)

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_no_floating_point_error_for_any_float(self, key, dtype):
        info = np.finfo(dtype)
        specials = [0.0, info.smallest_subnormal, info.tiny, 0.5, 30.0, info.max, np.inf]
        z = np.array(specials + [-v for v in specials] + [np.nan], dtype=dtype)
        z = _valid_input(key, z)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            FUNCTIONS[key][0](z)  # warnings are errors as well
