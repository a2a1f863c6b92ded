"""The accuracy bounds of course_lib.bounds: the search's fast core, its worst points, the docs.

The full search is ``make accuracy-search`` (10^7 points per case and dtype, at every
SIMD level); here its core runs on a few thousand points, and every worst point it
ever found is checked again, at whatever SIMD level this run has (``make test-simd``
repeats the file at the lower ones).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import course_lib as cl
from course_lib import bounds
from tests import accuracy_search as search

# Runs again at every SIMD level (make test-simd): the bounds must hold on every CPU
pytestmark = pytest.mark.simd

README = Path(__file__).resolve().parents[1] / "README.md"
ALL_WORST = json.loads(search.WORST_FILE.read_text())
WORST = [w for w in ALL_WORST if w["label"] not in search.ROW_FUNCTIONS]
ROW_WORST = [w for w in ALL_WORST if w["label"] in search.ROW_FUNCTIONS]
LABELS = [c.label for c in search.CASES]


def _normal(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("key", list(bounds.BOUNDS))
def test_docstring_states_the_bound(key):
    func = getattr(cl, bounds.FUNCTIONS[key])
    assert bounds.sentence(key) in _normal(func.__doc__)


@pytest.mark.parametrize("key", list(bounds.BOUNDS))
def test_readme_quotes_the_bound(key):
    section = README.read_text().split("### Accuracy", 1)[1]
    row = next((line for line in section.splitlines() if line.startswith(f"| `{key}` |")), None)
    assert row is not None, f"README's accuracy table has no row for {key}"
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == [f"{bounds.BOUNDS[key][d]:g}" for d in bounds.DTYPES], row


def test_every_function_is_searched():
    assert {c.key for c in search.CASES} | set(search.ROW_FUNCTIONS) == set(bounds.BOUNDS)


@pytest.mark.parametrize(("label", "dtype"), sorted({(w["label"], w["dtype"]) for w in WORST}))
def test_worst_points_found_stay_within_bounds(label, dtype):
    case = search.for_dtype(search.case_by_label(label), dtype)
    z = np.array(
        [float.fromhex(w["z"]) for w in WORST if (w["label"], w["dtype"]) == (label, dtype)]
    )
    ulps, scaled = search.verified_errors(case, z.astype(dtype))
    assert ulps.max() <= bounds.BOUNDS[case.key][dtype], (label, dtype, z[np.argmax(ulps)])
    if case.key in bounds.SCALED and dtype == "float64":
        assert scaled.max() <= bounds.SCALED[case.key], (label, z[np.argmax(scaled)])


def test_worst_points_cover_every_case():
    # the exact functions have no error to keep: every point is a worst point
    inexact = {c.label for c in search.CASES if bounds.BOUNDS[c.key]["float64"] > 0}
    assert {w["label"] for w in ALL_WORST} == inexact | set(search.ROW_FUNCTIONS)


@pytest.mark.parametrize(("name", "dtype"), sorted({(w["label"], w["dtype"]) for w in ROW_WORST}))
def test_worst_rows_found_stay_within_bounds(name, dtype):
    for w in ROW_WORST:
        if (w["label"], w["dtype"]) != (name, dtype):
            continue
        z = np.array([[float.fromhex(v) for v in w["z"]]], dtype=dtype)
        g = np.array([[float.fromhex(v) for v in w["g"]]], dtype=dtype) if "g" in w else None
        err = search.row_errors(name, z, g, exact=search.row_exact(name, z, g))[0]
        assert err <= bounds.BOUNDS[name][dtype], (name, dtype, w["z"], err)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", search.ROW_FUNCTIONS)
def test_fast_core_finds_no_row_beyond_the_bound(name, dtype):
    r = search.search_rows(name, dtype, 6000, seed=1, width=32)
    assert r.ulp <= bounds.BOUNDS[name][dtype], (r.ulp, r.worst[0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", search.ROW_FUNCTIONS)
def test_row_screen_agrees_with_mpmath(name, dtype):
    rng = np.random.default_rng(3)
    z = search.logit_rows(3, 40, dtype, rng)
    g = None
    if name == "softmax_vjp":
        z = cl.softmax(z)
        g = search.gradient_rows(z, rng)
    screened = search.row_errors(name, z, g)
    verified = search.row_errors(name, z, g, exact=search.row_exact(name, z, g))
    np.testing.assert_allclose(screened, verified, rtol=0, atol=0.01)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label", LABELS)
def test_fast_core_finds_nothing_beyond_the_bound(label, dtype):
    # the search itself, at 3000 points and a narrow local refinement, another seed
    case = search.case_by_label(label)
    r = search.search(case, dtype, 3000, seed=1, width=64)
    assert r.ulp <= bounds.BOUNDS[case.key][dtype], (r.ulp, r.at)
    if case.key in bounds.SCALED and dtype == "float64":
        assert r.scaled <= bounds.SCALED[case.key], (r.scaled, r.scaled_at)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label", LABELS)
def test_screen_agrees_with_mpmath(label, dtype):
    # the long-double (or Arb) screen ranks points as mpmath does: within 0.01 ulp
    case = search.for_dtype(search.case_by_label(label), dtype)
    rng = np.random.default_rng(2)
    x = search.points(case.domain, dtype, 600, rng)
    if dtype == "float32" and case.flint:
        pytest.skip("float32 GELU is screened by the float64 result, tested in float64")
    screened, _ = search.screen_errors(case, x)
    verified, _ = search.verified_errors(case, x)
    finite = np.isfinite(verified)
    assert np.array_equal(np.isfinite(screened), finite)
    s, v = screened[finite], verified[finite]
    # next to a power of two the long double cannot always tell which side the exact value
    # is on, and so which ulp to count in: a factor 2 there, harmless for the ranking
    agree = (np.abs(s - v) <= 0.01) | (np.abs(2 * s - v) <= 0.02) | (np.abs(s - 2 * v) <= 0.02)
    assert agree.all(), list(zip(x[finite][~agree], s[~agree], v[~agree], strict=True))


def test_float16_is_searched_exhaustively():
    x = search.points("real", np.float16, 10, np.random.default_rng(0))
    assert x.size == 63488  # every finite float16, -0 and +0 included
    assert search.points("unit", np.float16, 10, np.random.default_rng(0)).max() == 1


def test_points_span_the_range():
    x = search.points("real", np.float64, 30000, np.random.default_rng(0))
    assert x.min() == -np.finfo(np.float64).max
    assert x.max() == np.finfo(np.float64).max
    assert np.any((np.abs(x) > 0) & (np.abs(x) < np.finfo(np.float64).smallest_normal))
    assert np.count_nonzero(np.abs(x) < 40) > 10000


def test_report_flags_a_broken_bound(capsys):
    r = search.Result("sigmoid", "sigmoid", "float64", 10, 99.0, 1.0, 0.0, 0.0, [], 0.0)
    assert search.report([("native", r)]) == 1
    assert "EXCEEDED" in capsys.readouterr().out


def test_sentence_names_the_zero():
    text = bounds.sentence("silu_derivative")
    assert re.search(r"-1\.2785", text)
    assert "terms" in text
