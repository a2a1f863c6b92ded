"""Tests for course_lib.formulas: the formulas on the pages are true, and are the code.

Each registry entry's `Formula` is the one written source of its mathematics. Here
every stated identity is proved symbolically, every form shown on a page is evaluated
at 50 digits and compared with the NumPy function within the entry's accuracy bound,
and the references agree with the hand-written mpmath ones of tests/reference.py.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from course_lib import bounds
from course_lib.formulas import Formula
from course_lib.registry import ACTIVATIONS
from tests.reference import MP, MP_TERMS, hard_points, mp_map, terms_error, ulp_error, worst

NAMES = list(ACTIVATIONS)
WITH_OUTPUT_FORM = [n for n in NAMES if ACTIVATIONS[n].formula.from_output is not None]
# the pages' range, with points beside 0 and the kinks
GRID = np.unique(np.concatenate([np.linspace(-30, 30, 241), [-1e-8, 1e-8, -1e-300, 1e-300]]))


def within_bound(key, computed, exact, x):
    """Assert `computed` is within `key`'s float64 bound of the mpf values `exact`."""
    if key in bounds.SCALED:  # derivatives that cross 0: units of roundoff of the terms
        err = terms_error(computed, exact, mp_map(MP_TERMS[key], x))
        assert err.max() <= bounds.SCALED[key], f"{key}: worst (u, x) {worst(err, x)}"
    else:
        err = ulp_error(computed, exact)
        assert err.max() <= bounds.BOUNDS[key]["float64"], f"{key}: worst (ulp, x) {worst(err, x)}"


@pytest.mark.parametrize("name", NAMES)
def test_identities_hold_symbolically(name):
    # every form of f is f, every form of f' is df/dz, and f' from the output with
    # y = f(z) put in is df/dz: each difference simplifies to 0 on both half-lines
    assert ACTIVATIONS[name].formula.check() == []


def test_check_finds_a_wrong_derivative():
    wrong = Formula(r"\sigma", ("1/(1 + exp(-z))",), ("sigma(z)*(1 + sigma(z))",))
    message = (
        "form 0 of f' is not df/dz = exp(-z)/(1 + exp(-z))**2: (1 + 1/(1 + exp(-z)))/(1 + exp(-z))"
    )
    assert wrong.check() == [message]
    bad_output = Formula(r"\tanh", ("tanh(z)",), ("1 - tanh(z)**2",), from_output="1 + t**2",
                         output="t")  # fmt: skip
    assert bad_output.check() == ["the from-output form is not df/dz = 1 - tanh(z)**2"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("part", ["f", "df"])
def test_every_form_on_the_page_is_the_code(name, part):
    # each expression the site shows, at 50 digits on the grid, against the function
    act = ACTIVATIONS[name]
    func, key = (act.function, name) if part == "f" else (act.derivative, f"{name}_derivative")
    computed = func(GRID)
    forms = act.formula.forms if part == "f" else act.formula.derivative_forms
    for i in range(len(forms)):
        exact = [act.formula.form_value(part, i, x) for x in GRID]
        within_bound(key, computed, exact, GRID)


@pytest.mark.parametrize("name", WITH_OUTPUT_FORM)
def test_the_from_output_form_on_the_page_is_the_code(name):
    act = ACTIVATIONS[name]
    y = act.function(GRID)
    exact = [act.formula.form_value("from_output", 0, v) for v in y]
    within_bound(f"{name}_derivative_from_output", act.derivative_from_output(y), exact, y)


@pytest.mark.parametrize("name", NAMES)
def test_references_hold_over_the_whole_range(name):
    # the tails, subnormals and the largest floats: 50 digits, or a proven 0 below every
    # float; tests/reference.py's MP are these references
    act = ACTIVATIONS[name]
    x = hard_points(np.float64)
    for ref in (act.formula.reference, act.formula.derivative_reference):
        values = [ref(v) for v in x]
        assert all(mpmath.isfinite(v) for v in values), name
    if name in MP:
        assert MP[name](mpmath.mpf(0.5)) == act.formula.reference(0.5)


def test_latex_is_generated():
    act = ACTIVATIONS["sigmoid"]
    assert act.latex == r"\sigma(z) = \frac{1}{1 + e^{- z}}"
    from_output = r"\sigma'(z) = p \left(1 - p\right), \quad p = \sigma(z)"
    assert act.latex_derivative_from_output == from_output
    gelu_tanh = ACTIVATIONS["gelu_tanh"].latex
    assert gelu_tanh.endswith(r", \quad u = \sqrt{\frac{2}{\pi}} \left(z + 0.044715 z^{3}\right)")
    assert ACTIVATIONS["leaky_relu"].latex.endswith(r"\quad \alpha = 0.01")


def test_decimals_are_exact_and_parameters_are_the_code_floats():
    f = ACTIVATIONS["gelu_tanh"].formula.expressions()["f"][0]
    assert "8943*z**3/200000" in str(f)  # 0.044715 = 8943/200000 exactly
    alpha = ACTIVATIONS["leaky_relu"].formula.expressions()["f"][0]
    assert "5764607523034235*z/576460752303423488" in str(alpha)  # the float 0.01, exactly
