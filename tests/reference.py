"""High-precision references (mpmath, 50 digits) and ulp error measurement for the tests.

`ulp_error(computed, exact)` measures each element of a float array against an mpmath
value in units in the last place of the exact value *in the computed dtype*: the
spacing of floats of that dtype at |exact|, down to the smallest subnormal. A
correctly rounded result has an error of at most 0.5.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import mpmath
import numpy as np

from course_lib import precision
from course_lib.registry import ACTIVATIONS

__all__ = [
    "MP",
    "MP_DPS",
    "MP_ROW",
    "MP_TERMS",
    "correction_points",
    "hard_points",
    "mp_map",
    "mp_softmax",
    "mp_softmax_vjp",
    "terms_error",
    "ulp_error",
    "worst",
    "worst_points",
]

MP_DPS = 50
mpmath.mp.dps = MP_DPS


def mp_map(func: Callable[[mpmath.mpf], mpmath.mpf], x: Iterable[float]) -> list[mpmath.mpf]:
    """Evaluate `func` at each float of `x` (exactly converted) with 50 digits."""
    with mpmath.workdps(MP_DPS):
        return [func(mpmath.mpf(float(v))) for v in np.asarray(x, dtype=np.float64).ravel()]


def ulp_error(computed: np.ndarray, exact: Iterable[mpmath.mpf]) -> np.ndarray:
    """Return |computed - exact| in ulps of the computed dtype, elementwise, as float64.

    `exact` is a flat sequence in C order (as `mp_map` returns). The measurement is
    `course_lib.precision.ulp_error` (tested on exact values in tests/test_precision.py):
    matching infinities and NaNs count 0 ulp, any other non-finite value ``inf``.
    """
    computed = np.asarray(computed)
    values = np.empty(computed.size, dtype=object)
    values[:] = list(exact)
    return precision.ulp_error(computed, values.reshape(computed.shape))


def terms_error(
    computed: np.ndarray, exact: Iterable[mpmath.mpf], terms: Iterable[mpmath.mpf]
) -> np.ndarray:
    """|computed - exact| in units of roundoff u = 2**-53 of the terms, elementwise.

    The measure of `course_lib.bounds.SCALED`, for the derivatives that cross 0: near
    the zero the two terms cancel and the error is small against them, not against the
    sum. The unit is at least 2**-1075, half the smallest subnormal, where the terms
    underflow.
    """
    floor = mpmath.mpf(2) ** -1075
    return np.array(
        [
            float(abs(mpmath.mpf(float(c)) - r) / max(t * mpmath.mpf(2) ** -53, floor))
            for c, r, t in zip(np.ravel(computed), exact, terms, strict=True)
        ]
    )


def worst(errors: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """The largest error and the input where it occurred, for assertion messages."""
    i = int(np.argmax(errors))
    return float(errors.ravel()[i]), float(np.asarray(x).ravel()[i])


def hard_points(dtype: np.dtype = np.float64) -> np.ndarray:
    """Inputs where activations and their derivatives are known to go wrong.

    0, the float64 and float32 thresholds where textbook forms round to 0 or 1
    (±10.0, ±16.64, ±18.99, ±19.06, ±36.75; a correctly rounded tanh reaches 1 at
    19.06 in float64 and 9.01 in float32, NumPy's SIMD tanh on some CPUs at 18.99 and
    10.0), the edges of exp's range (±88.7,
    ±103.9, ±709.78, ±745.13), subnormal magnitudes and the largest finite value.
    """
    info = np.finfo(dtype)
    base = [
        0.0,
        1e-300,
        5e-324,
        1e-30,
        1e-8,
        0.5,
        1.0,
        2.0,
        9.01,
        10.0,
        16.64,
        16.65,
        17.0,
        18.99,
        19.06,
        20.0,
        36.75,
        37.0,
        88.72,
        103.97,
        200.0,
        700.0,
        709.78,
        710.0,
        740.0,
        745.0,
        745.13,
        750.0,
        800.0,
        1e10,
        1e300,
    ]
    pts = np.array(base + [-v for v in base], dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):  # values beyond float32's range drop out
        cast = pts.astype(dtype)
    pts = cast[np.isfinite(cast) & ((cast != 0) | (pts == 0))]
    return np.unique(np.concatenate([pts, np.array([info.max, -info.max], dtype=dtype)]))


def mp_softmax(z: np.ndarray) -> tuple[list[mpmath.mpf], list[mpmath.mpf]]:
    """Softmax and log-softmax along the last axis of `z`, flattened in C order.

    From `course_lib.precision.softmax_high_precision`, which is cancellation-free at 50
    digits: with m the max and T the sum of the other exp(z_j - m), p_i = exp(z_i - m)/(1 + T)
    and log p_i = (z_i - m) - log1p(T), so no digit is lost however small T is.
    """
    probs = precision.softmax_high_precision(z)
    logs = precision.softmax_high_precision(z, log=True)
    return list(probs.ravel()), list(logs.ravel())


def mp_softmax_vjp(p: np.ndarray, g: np.ndarray) -> list[mpmath.mpf]:
    """``p_i (g_i - sum_j p_j g_j)`` for 1-D `p`, `g`, at 1000 digits.

    The products p_j g_j span hundreds of orders of magnitude at large logit scales;
    1000 digits keep every one of them in the sum.
    """
    with mpmath.workdps(1000):
        pm = [mpmath.mpf(float(v)) for v in p]
        gm = [mpmath.mpf(float(v)) for v in g]
        d = mpmath.fsum(a * b for a, b in zip(pm, gm, strict=True))
        return [a * (b - d) for a, b in zip(pm, gm, strict=True)]


# The mathematics of each elementwise function, once, for every test and the search:
# the registry's formulas (course_lib.formulas), evaluated in ball arithmetic to 50
# correct digits; the few functions outside the registry are written here.
def _sigma(x):
    return 1 / (1 + mpmath.exp(-x))


def _softplus(x):
    return mpmath.log1p(mpmath.exp(x)) if x < 1e5 else x


def _ncdf(x):
    return mpmath.ncdf(x) if abs(x) < 1e5 else mpmath.mpf(x > 0)  # erfc overflows at 1e300


def _npdf(x):
    return mpmath.npdf(x) if abs(x) < 1e5 else mpmath.mpf(0)


_K = mpmath.sqrt(2 / mpmath.pi)
_C = mpmath.mpf("0.044715")


def _w(x):
    return 2 * _K * (x + _C * x**3)


def _dw(x):
    return 2 * _K * (1 + 3 * _C * x**2)


def _from_formula(name: str, derivative: bool) -> Callable[..., mpmath.mpf]:
    """The registry entry's 50-digit reference of f or f'; parameters as keywords."""
    formula = ACTIVATIONS[name].formula

    def reference(x: mpmath.mpf, **parameters: mpmath.mpf) -> mpmath.mpf:
        f = formula
        if parameters:
            values = dict(formula.parameters) | {k: float(v) for k, v in parameters.items()}
            f = dataclasses.replace(formula, parameters=tuple(values.items()))
        return f.derivative_reference(float(x)) if derivative else f.reference(float(x))

    return reference


# identity, relu and leaky_relu are exact: their tests compare with the values themselves
_SMOOTH = [n for n, act in ACTIVATIONS.items() if not act.kinks and n != "identity"]

MP: dict[str, Callable[..., mpmath.mpf]] = {
    **{name: _from_formula(name, False) for name in _SMOOTH},
    **{f"{name}_derivative": _from_formula(name, True) for name in _SMOOTH},
    "log_sigmoid": lambda x: -mpmath.log1p(mpmath.exp(-x)) if x > -1e5 else x,
    "logit": lambda p: mpmath.log(p / (1 - p)) if 0 < p < 1 else mpmath.mpf("inf") * (2 * p - 1),
}
"""mpmath references by name in `course_lib.bounds.BOUNDS`; parameters as keywords."""

MP_TERMS: dict[str, Callable[..., mpmath.mpf]] = {
    "gelu_derivative": lambda x: _ncdf(x) + abs(x * _npdf(x)),
    "gelu_tanh_derivative": lambda x: (
        _sigma(_w(x)) + abs(x * _sigma(_w(x)) * _sigma(-_w(x)) * _dw(x))
    ),
    "silu_derivative": lambda x: _sigma(x) + abs(x * _sigma(x) * _sigma(-x)),
    "swish_derivative": lambda x, beta=1: (
        _sigma(beta * x) + abs(beta * x * _sigma(beta * x) * _sigma(-beta * x))
    ),
    "mish_derivative": lambda x: (
        mpmath.tanh(_softplus(x)) + abs(x * _sigma(x) / mpmath.cosh(_softplus(x)) ** 2)
    ),
}
"""For the derivatives that cross zero: the sum of the magnitudes of the two terms."""


def _mp_logsumexp(z: np.ndarray) -> mpmath.mpf:
    with mpmath.workdps(MP_DPS):
        v = [mpmath.mpf(float(t)) for t in z]
        m = max(v)
        return m + mpmath.log(mpmath.fsum(mpmath.exp(t - m) for t in v))


MP_ROW: dict[str, Callable[..., list[mpmath.mpf] | mpmath.mpf]] = {
    "logsumexp": _mp_logsumexp,
    "softmax_vjp": mp_softmax_vjp,
}
"""mpmath references of the row functions beyond `precision.softmax_high_precision`."""


def worst_points(key: str, dtype: str = "float64") -> np.ndarray:
    """The points of `key` kept by make accuracy-search in tests/data/accuracy_worst.json."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "data" / "accuracy_worst.json").read_text())
    z = [float.fromhex(w["z"]) for w in data if w["key"] == key and w["dtype"] == dtype]
    return np.array(z, dtype=dtype)


def correction_points() -> dict[str, dict]:
    """tests/data/correction_points.json's sets: label -> {"function", "points" (hex)}."""
    import json
    from pathlib import Path

    path = Path(__file__).parent / "data" / "correction_points.json"
    return json.loads(path.read_text())["sets"]
