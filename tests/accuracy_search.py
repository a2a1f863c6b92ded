r"""Adversarial accuracy search: where is each elementwise function furthest from the truth?

``make accuracy-search`` runs it in full (``python -m tests.accuracy_search``); its fast
core, at a few thousand points, runs in ``make test`` (tests/test_accuracy_search.py),
and so do the worst points it keeps in ``tests/data/accuracy_worst.json``.

For every case (a function, its parameters, a dtype) the search

1. draws :math:`10^7` points (float16: all 63,488 finite values, exhaustively): a
   third uniform where the functions bend, the rest log-uniform in magnitude over
   the whole range and as random bit patterns, plus the hard points of
   `tests.reference.hard_points` (and for GELU another third in ``[-4.1, -1.2]``,
   where its errors peak);
2. *screens* them against a reference in ``np.longdouble`` (64-bit significand, 11
   bits more than float64, so its own error is about 1/1000 of a float64 ulp),
   vectorised; GELU's :math:`\Phi` has no long-double form in NumPy, so its cases
   are screened with python-flint's ball arithmetic at 128 bits;
3. *refines* around the 24 worst points: every float within 1024 ulps and 2048
   random points within a relative :math:`2^{-12}`, twice, moving to the new worst;
4. *verifies* the 16 worst points found against mpmath at 50 digits
   (`tests.reference.MP`), and reports the worst verified error.

A bound in `course_lib.bounds` is the worst verified error, rounded up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import mpmath
import numpy as np

import course_lib as cl
from course_lib import bounds, precision
from tests.reference import MP, MP_ROW, MP_TERMS, hard_points

LD = np.longdouble
WORST_FILE = Path(__file__).parent / "data" / "accuracy_worst.json"
FULL_POINTS = 10_000_000

# --------------------------------------------------------------------------- screens
# Long-double references, vectorised. Each is the stable form of the mathematics; its
# own error is a few long-double roundings, about 1/1000 ulp of float64.


def _sig(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _dsig(x):
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


def _log_sig(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _logit(p):
    # near 1/2 the ratio is close to 1: log1p of (2p - 1)/(1 - p), where 2p - 1 is exact;
    # elsewhere log1p would cancel (its argument is near -1 for small p)
    with np.errstate(divide="ignore"):
        middle = np.log1p((2 * p - 1) / (1 - p))
        return np.where(np.abs(p - 0.5) < 0.25, middle, np.log(p / (1 - p)))


def _tanh_der(x):
    e = np.exp(-2 * np.abs(x))
    return 4 * e / ((1 + e) * (1 + e))


def _elu(alpha):
    return lambda x: np.where(x > 0, x, LD(alpha) * np.expm1(np.minimum(x, 0)))


def _elu_der(alpha):
    return lambda x: np.where(x > 0, 1, LD(alpha) * np.exp(np.minimum(x, 0)))


def _silu_der_terms(x):
    return _sig(x), x * _dsig(x)


def _beta_times(beta, x):
    """beta x as t + t_lo in long double (exact: two products of doubles)."""
    return _two_prod(LD(beta), x)


def _swish_gate(beta, x):
    t, t_lo = _beta_times(beta, x)
    return t, _sig(t) + _dsig(t) * t_lo  # sigma(t + t_lo) to first order


def _swish(beta):
    return lambda x: x * _swish_gate(beta, x)[1]


def _swish_der_terms(beta):
    def terms(x):
        t, s = _swish_gate(beta, x)
        return s, (t * s) * _sig(-t)

    return terms


def _mish_gate(x):
    sp = _softplus(x)
    return np.tanh(sp), 1 / np.cosh(sp) ** 2  # tanh s and 1 - tanh(s)**2, which cancels


def _mish_der_terms(x):
    th, sech2 = _mish_gate(x)
    return th, x * _sig(x) * sech2


def _sum_terms(terms):
    return lambda x: sum(terms(x))


def _abs_terms(terms):
    return lambda x: sum(np.abs(t) for t in terms(x))


# GELU: python-flint (Arb) at 128 bits; each value is returned as hi + lo in long double.
def _flint_map(func: Callable, x: np.ndarray, cut: float, beyond: Callable) -> np.ndarray:
    import flint

    flint.ctx.prec = 128
    out = np.empty(x.shape, dtype=LD)
    inner = np.abs(x) <= cut
    out[~inner] = beyond(x[~inner].astype(LD))
    vals = []
    up = flint.arb(2) ** 600  # tiny values are split as hi + lo scaled up, so that lo
    for v in x[inner].astype(np.float64).tolist():  # is not lost to float64's subnormals
        r = func(flint.arb(v))
        scaled = abs(float(r)) < 2.0**-800
        if scaled:
            r = r * up
        hi = float(r)
        vals.append((hi, float(r - hi), scaled))
    if vals:
        pair = np.array(vals, dtype=np.float64)
        value = pair[:, 0].astype(LD) + pair[:, 1].astype(LD)
        out[inner] = np.where(pair[:, 2] > 0, np.ldexp(value, -600), value)
    return out


def _flint_w(a):
    import flint

    return 2 * (2 / flint.arb.pi()).sqrt() * (a + flint.arb("0.044715") * a**3)


def _flint_sig(w):
    return 1 / (1 + (-w).exp())


def _flint_gelu_tanh(x):
    # beyond |z| = 30, z sigma(w) is z to far below an ulp, or below the subnormals
    return _flint_map(
        lambda a: a * _flint_sig(_flint_w(a)), x, 30.0, lambda b: np.where(b > 0, b, 0)
    )


def _flint_gelu_tanh_der_terms(a):
    import flint

    w = _flint_w(a)
    dw = 2 * (2 / flint.arb.pi()).sqrt() * (1 + 3 * flint.arb("0.044715") * a * a)
    return _flint_sig(w), a * _flint_sig(w) * _flint_sig(-w) * dw


def _flint_gelu_tanh_der(x):
    def f(a):
        s, t = _flint_gelu_tanh_der_terms(a)
        return s + t

    return _flint_map(f, x, 30.0, lambda b: np.where(b > 0, 1, 0).astype(LD))


def _flint_gelu_tanh_der_abs_terms(x):
    def f(a):
        s, t = _flint_gelu_tanh_der_terms(a)
        return s + abs(t)

    return _flint_map(f, x, 30.0, lambda b: np.where(b > 0, 1, 0).astype(LD))


def _flint_gelu_parts(a):
    import flint

    phi_cdf = (-a / flint.arb(2).sqrt()).erfc() / 2
    pdf = (-a * a / 2).exp() / (2 * flint.arb.pi()).sqrt()
    return phi_cdf, pdf


def _flint_gelu(x):
    # beyond |z| = 40, gelu is z to 1e-349 relative, or below the smallest subnormal
    return _flint_map(
        lambda a: a * _flint_gelu_parts(a)[0], x, 40.0, lambda b: np.where(b > 0, b, 0)
    )


def _flint_gelu_der(x):
    def f(a):
        c, p = _flint_gelu_parts(a)
        return c + a * p

    return _flint_map(f, x, 40.0, lambda b: np.where(b > 0, 1, 0).astype(LD))


def _flint_gelu_der_abs_terms(x):
    def f(a):
        c, p = _flint_gelu_parts(a)
        return c + abs(a * p)

    return _flint_map(f, x, 40.0, lambda b: np.where(b > 0, 1, 0).astype(LD))


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One function with fixed parameters, searched in each dtype."""

    key: str  # the name in course_lib.bounds.BOUNDS
    label: str
    func: Callable[[np.ndarray], np.ndarray]
    screen: Callable[[np.ndarray], np.ndarray]  # long double in, long double out
    exact: Callable  # mpmath, one mpf in
    domain: str = "real"  # "real", "unit" [0, 1], "sym" [-1, 1], "softplus_out" [0, inf)
    flint: bool = False  # the screen needs python-flint
    abs_terms: Callable | None = None  # zero-crossers: sum of |terms|, long double
    params: dict = field(default_factory=dict)
    band: tuple[float, float] | None = None  # drawn densely too (`points`)


_GELU_BAND = (-4.1, -1.2)


def _cases() -> list[Case]:
    cases = [
        Case("sigmoid", "sigmoid", cl.sigmoid, _sig, MP["sigmoid"]),
        Case("log_sigmoid", "log_sigmoid", cl.log_sigmoid, _log_sig, MP["log_sigmoid"]),
        Case(
            "sigmoid_derivative",
            "sigmoid_derivative",
            cl.sigmoid_derivative,
            _dsig,
            MP["sigmoid_derivative"],
        ),
        Case(
            "sigmoid_derivative_from_output",
            "sigmoid_derivative_from_output",
            cl.sigmoid_derivative_from_output,
            lambda p: p * (1 - p),
            lambda p: p * (1 - p),
            domain="unit",
        ),
        Case("logit", "logit", cl.logit, _logit, MP["logit"], domain="unit"),
        Case("tanh", "tanh", cl.tanh, np.tanh, MP["tanh"]),
        Case(
            "tanh_derivative",
            "tanh_derivative",
            cl.tanh_derivative,
            _tanh_der,
            MP["tanh_derivative"],
        ),
        Case(
            "tanh_derivative_from_output",
            "tanh_derivative_from_output",
            cl.tanh_derivative_from_output,
            lambda t: (1 - t) * (1 + t),
            lambda t: (1 - t) * (1 + t),
            domain="sym",
        ),
        Case("softplus", "softplus", cl.softplus, _softplus, MP["softplus"]),
        Case(
            "softplus_derivative_from_output",
            "softplus_derivative_from_output",
            cl.softplus_derivative_from_output,
            lambda y: -np.expm1(-y),
            lambda y: -mpmath.expm1(-y),
            domain="softplus_out",
        ),
        # w = 2u is rounded in long double, and e^w turns its absolute error |w| 2**-64
        # into a relative one (0.3 ulp at z = -20): these are screened with Arb too
        Case(
            "gelu_tanh",
            'gelu(approximate="tanh")',
            partial(cl.gelu, approximate="tanh"),
            _flint_gelu_tanh,
            MP["gelu_tanh"],
            flint=True,
        ),
        Case(
            "gelu_tanh_derivative",
            'gelu_derivative(approximate="tanh")',
            partial(cl.gelu_derivative, approximate="tanh"),
            _flint_gelu_tanh_der,
            MP["gelu_tanh_derivative"],
            flint=True,
            abs_terms=_flint_gelu_tanh_der_abs_terms,
        ),
        Case("silu", "silu", cl.silu, lambda x: x * _sig(x), MP["silu"]),
        Case(
            "silu_derivative",
            "silu_derivative",
            cl.silu_derivative,
            _sum_terms(_silu_der_terms),
            MP["silu_derivative"],
            abs_terms=_abs_terms(_silu_der_terms),
        ),
        Case("mish", "mish", cl.mish, lambda x: x * _mish_gate(x)[0], MP["mish"]),
        Case(
            "mish_derivative",
            "mish_derivative",
            cl.mish_derivative,
            _sum_terms(_mish_der_terms),
            MP["mish_derivative"],
            abs_terms=_abs_terms(_mish_der_terms),
        ),
        # GELU's worst errors lie where s_erf.c's ranges meet and the result is small
        # beside its terms, z in [-4.1, -1.2]; 10**7 points over [-40, 40] put 4 * 10**4
        # there, which missed 3.79 ulps of gelu_derivative that 3 * 10**6 found
        Case("gelu", "gelu", cl.gelu, _flint_gelu, MP["gelu"], flint=True, band=_GELU_BAND),
        Case(
            "gelu_derivative",
            "gelu_derivative",
            cl.gelu_derivative,
            _flint_gelu_der,
            MP["gelu_derivative"],
            flint=True,
            abs_terms=_flint_gelu_der_abs_terms,
            band=_GELU_BAND,
        ),
    ]
    for alpha in (1.0, 2.5, 0.1):
        cases.append(
            Case(
                "elu",
                f"elu(alpha={alpha:g})",
                partial(cl.elu, alpha=alpha),
                _elu(alpha),
                partial(MP["elu"], alpha=mpmath.mpf(alpha)),
                params={"alpha": alpha},
            )
        )
        cases.append(
            Case(
                "elu_derivative",
                f"elu_derivative(alpha={alpha:g})",
                partial(cl.elu_derivative, alpha=alpha),
                _elu_der(alpha),
                partial(MP["elu_derivative"], alpha=mpmath.mpf(alpha)),
                params={"alpha": alpha},
            )
        )
    for beta in SWISH_BETAS:
        cases += [_swish_case("swish", beta), _swish_case("swish_derivative", beta)]
    # the piecewise-linear functions: exact, or one rounding of alpha z (alpha rounded to
    # the input's dtype first, see for_dtype)
    step = lambda x: np.where(x > 0, 1, 0).astype(LD)  # noqa: E731
    mp_step = lambda x: mpmath.mpf(x > 0)  # noqa: E731
    one = lambda x: np.ones_like(x)  # noqa: E731
    cases += [
        Case("relu", "relu", cl.relu, lambda x: np.maximum(x, 0), lambda x: max(x, 0)),
        Case("relu_derivative", "relu_derivative", cl.relu_derivative, step, mp_step),
        Case(
            "relu_derivative_from_output",
            "relu_derivative_from_output",
            cl.relu_derivative_from_output,
            step,
            mp_step,
            domain="softplus_out",
        ),
        Case("identity", "identity", cl.identity, lambda x: x, lambda x: x),
        Case(
            "identity_derivative", "identity_derivative", cl.identity_derivative, one, lambda x: 1
        ),
        Case(
            "identity_derivative_from_output",
            "identity_derivative_from_output",
            cl.identity_derivative_from_output,
            one,
            lambda x: 1,
        ),
        Case(
            "softplus_derivative",
            "softplus_derivative",
            cl.softplus_derivative,
            _sig,
            MP["sigmoid"],
        ),
        Case(
            "elu_derivative_from_output",
            "elu_derivative_from_output",
            cl.elu_derivative_from_output,
            lambda y: np.where(y > 0, 1, y + 1),
            lambda y: mpmath.mpf(1) if y > 0 else y + 1,
            domain="elu_out",
        ),
    ]
    for alpha in (0.01, 0.2):
        for key, func in [
            ("leaky_relu", cl.leaky_relu),
            ("leaky_relu_derivative", cl.leaky_relu_derivative),
            ("leaky_relu_derivative_from_output", cl.leaky_relu_derivative_from_output),
        ]:
            screen, exact = _LEAKY[key](alpha)
            cases.append(
                Case(
                    key,
                    f"{key}(alpha={alpha:g})",
                    partial(func, alpha=alpha),
                    screen,
                    exact,
                    params={"alpha": alpha},
                )
            )
    return cases


# swish's beta: below, at and above SiLU's 1, large, small and negative
SWISH_BETAS = (1.0, 0.5, 1.7, 10.0, 0.1, -1.3)


def _swish_case(key: str, beta: float) -> Case:
    func = cl.silu if key == "swish" else cl.silu_derivative
    if key == "swish":
        screen, abs_terms = _swish(beta), None
    else:
        screen = _sum_terms(_swish_der_terms(beta))
        abs_terms = _abs_terms(_swish_der_terms(beta))
    return Case(
        key,
        f"{func.__name__}(beta={beta:g})",
        partial(func, beta=beta),
        screen,
        partial(MP[key], beta=mpmath.mpf(beta)),
        abs_terms=abs_terms,
        params={"beta": beta},
    )


def from_zero(case: Case, x: np.ndarray) -> np.ndarray:
    """Distance from the zero of a derivative that crosses 0, in its own variable
    (beta z for swish's, whose zero is at t0 = beta z0)."""
    with np.errstate(over="ignore"):
        t = x.astype(np.float64) * case.params.get("beta", 1.0)
    return np.abs(t - bounds.ZEROS[case.key])


def _leaky(a):
    return (
        lambda x: np.where(x > 0, x, LD(a) * x),
        lambda x: x if x > 0 else mpmath.mpf(a) * x,
    )


def _leaky_derivative(a):  # from z or from y = leaky_relu(z): the sign is the same
    return (
        lambda x: np.where(x > 0, 1, LD(a)),
        lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(a),
    )


_LEAKY = {
    "leaky_relu": _leaky,
    "leaky_relu_derivative": _leaky_derivative,
    "leaky_relu_derivative_from_output": _leaky_derivative,
}

CASES = _cases()

# ---------------------------------------------------------------------------- points


def all_finite(dtype) -> np.ndarray:
    """Every finite value of a 16-bit float type."""
    x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(dtype)
    return x[np.isfinite(x)]


def _in_domain(x: np.ndarray, domain: str) -> np.ndarray:
    if domain == "unit":
        return x[(x >= 0) & (x <= 1)]
    if domain == "sym":
        return x[(x >= -1) & (x <= 1)]
    if domain == "softplus_out":
        return x[x >= 0]
    if domain == "elu_out":  # the range of elu with alpha = 1
        return x[x >= -1]
    return x


def points(
    domain: str, dtype, n: int, rng: np.random.Generator, band: tuple[float, float] | None = None
) -> np.ndarray:
    """`n` points of `dtype` in `domain` (all of them for float16), plus the hard points,
    and with a `band` another ``n/3`` uniform in it."""
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return _in_domain(all_finite(dtype), domain)
    info = np.finfo(dtype)
    k = n // 3
    if domain == "real":
        bend = rng.uniform(-40, 40, k)
        lo, hi = -1075, 1024
    elif domain in ("softplus_out", "elu_out"):
        bend = rng.uniform(-1, 40, k)
        lo, hi = -1075, 1024
    else:  # the unit intervals: uniform, and log-uniform towards 0 and towards 1
        bend = np.concatenate(
            [rng.uniform(0, 1, k // 2), 1 - 2.0 ** -rng.uniform(1, 60, k - k // 2)]
        )
        lo, hi = -1075, 0
    mags = 2.0 ** rng.uniform(lo, hi, k)  # log-uniform magnitudes, subnormals to huge
    mags = np.where(rng.random(k) < 0.5, -mags, mags)
    bits = rng.integers(0, np.iinfo(np.uint64).max, n - 2 * k, dtype=np.uint64, endpoint=True)
    raw = bits.astype(np.uint32).view(np.float32) if dtype == np.float32 else bits.view(np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        x = np.concatenate([bend.astype(dtype), mags.astype(dtype), raw.astype(dtype)])
    x = np.concatenate([x[np.isfinite(x)], hard_points(dtype)])
    if band is not None:
        x = np.concatenate([x, rng.uniform(*band, k).astype(dtype)])
    if domain in ("unit", "sym"):
        x = np.concatenate([x, np.abs(x) % 1, -(np.abs(x) % 1)]).astype(dtype)
    x = _in_domain(x, domain)
    return np.unique(x[np.abs(x) <= info.max])


# ----------------------------------------------------------------------------- errors


def _ulp_ld(r: np.ndarray, dtype) -> np.ndarray:
    info = np.finfo(dtype)
    p = info.nmant + 1
    _, e = np.frexp(np.abs(r))  # |r| = m 2**e with m in [1/2, 1): its ulp is 2**(e - p)
    e = np.where(r == 0, info.minexp + 1, np.maximum(e, info.minexp + 1))  # subnormals
    return np.ldexp(np.ones(r.shape, dtype=LD), (e - p).astype(np.int32))


def screen_errors(
    case: Case, x: np.ndarray, reference: Callable | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(errors in ulps, errors in u times the terms) of `case` at `x`, from the screen."""
    y = np.asarray(case.func(x))
    with np.errstate(all="ignore"):
        r = case.screen(x.astype(LD)) if reference is None else reference(x).astype(LD)
        diff = np.abs(y.astype(LD) - r)
        ulps = diff / _ulp_ld(r, x.dtype)
        same = (y.astype(LD) == r) | (np.isnan(y) & np.isnan(r))
        ulps = np.where(same, 0, np.where(np.isfinite(ulps), ulps, np.inf))
        scaled = np.zeros(x.shape)
        if case.key in bounds.ZEROS:
            ulps = np.where(from_zero(case, x) > 0.5, ulps, 0)
            if x.dtype == np.float64:
                u = np.ldexp(LD(1), -53)
                tiny = np.ldexp(LD(1), -1074)
                scaled = (diff / np.maximum(u * case.abs_terms(x.astype(LD)), tiny)).astype(float)
                scaled = np.where(same, 0, scaled)
    return ulps.astype(np.float64), scaled


def verified_errors(case: Case, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same two errors against mpmath at 50 digits."""
    y = np.asarray(case.func(x))
    exact = precision.high_precision(case.exact, x)
    ulps = precision.ulp_error(y, exact)
    scaled = np.zeros(x.shape)
    if case.key in bounds.ZEROS:
        ulps = np.where(from_zero(case, x) > 0.5, ulps, 0)
        if x.dtype == np.float64:
            terms = precision.high_precision(partial(MP_TERMS[case.key], **case.params), x)
            tiny = mpmath.mpf(2) ** -1074
            u = mpmath.mpf(2) ** -53
            scaled = np.array(
                [
                    float(abs(mpmath.mpf(float(c)) - e) / max(u * t, tiny))
                    for c, e, t in zip(y.ravel(), exact.ravel(), terms.ravel(), strict=True)
                ]
            )
    return ulps, scaled


# ----------------------------------------------------------------------------- search


def _neighbours(z: np.ndarray, rng: np.random.Generator, domain: str, width: int) -> np.ndarray:
    out = []
    steps = np.arange(-width, width + 1)
    with np.errstate(over="ignore", invalid="ignore"):  # next to the largest float
        for v in z:
            sp = np.spacing(np.abs(v))
            near = v + steps.astype(z.dtype) * sp
            rel = v * (1 + rng.uniform(-(2.0**-12), 2.0**-12, 2 * width)).astype(z.dtype)
            out.extend([near, rel])
        x = np.concatenate(out).astype(z.dtype)
    return np.unique(_in_domain(x[np.isfinite(x)], domain))


def _top(x: np.ndarray, err: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(-err, kind="stable")[:k]
    return x[order]


@dataclass
class Result:
    label: str
    key: str
    dtype: str
    n: int
    ulp: float
    at: float
    scaled: float
    scaled_at: float
    worst: list  # [(z, ulps, scaled)], verified
    seconds: float


def for_dtype(case: Case, dtype) -> Case:
    """`case` as it is meant in `dtype`: a parameter such as ELU's alpha is first rounded
    to the input's dtype, as the function itself does (and as PyTorch does)."""
    if "beta" in case.params:
        beta = float(np.dtype(dtype).type(case.params["beta"]))
        return replace(_swish_case(case.key, beta), label=case.label, params=case.params)
    if "alpha" not in case.params:
        return case
    alpha = float(np.dtype(dtype).type(case.params["alpha"]))
    if case.key in _LEAKY:
        screen, exact = _LEAKY[case.key](alpha)
        return replace(case, screen=screen, exact=exact)
    maker = _elu if case.key == "elu" else _elu_der
    return replace(case, screen=maker(alpha), exact=partial(MP[case.key], alpha=mpmath.mpf(alpha)))


def search(case: Case, dtype, n: int, seed: int = 0, width: int = 1024) -> Result:
    """Search one case in one dtype; see the module docstring.

    The refinement looks at the floats within `width` ulps of each of the 24 worst
    points and at ``2 * width`` random points within a relative ``2**-12`` of each.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    case = for_dtype(case, dtype)
    x = points(case.domain, dtype, n, rng, case.band)
    count = x.size
    if case.flint and dtype != np.float64:
        # float16/32 are float64 rounded once; the float64 result, whose own error the
        # float64 search bounds (a few 1e-9 float32 ulp), screens them
        screen = partial(screen_errors, reference=lambda v: case.func(v.astype(np.float64)))
    elif case.flint and not _have_flint():
        screen = verified_errors  # slow: only for the fast core, at few points
    else:
        screen = screen_errors
    ulps, scaled = screen(case, x)
    pool_x = [x]
    pool_e = [np.maximum(ulps, scaled)]
    if width and dtype != np.float16:
        for rnd in range(2):
            xs = np.concatenate(pool_x)
            es = np.concatenate(pool_e)
            seeds = np.unique(_top(xs, es, 24))
            near = _neighbours(seeds, np.random.default_rng(seed + 1 + rnd), case.domain, width)
            nu, ns = screen(case, near)
            count += near.size
            pool_x.append(near)
            pool_e.append(np.maximum(nu, ns))
            ulps = np.concatenate([ulps, nu])
            scaled = np.concatenate([scaled, ns])
            x = np.concatenate([x, near])
    # the 16 worst by each measure, and 16 drawn from the next 1000, in case the screen
    # is off somewhere (tests/test_accuracy_search.py checks it against mpmath)
    near_top = _top(x, ulps, 1000)[16:]
    drawn = rng.choice(near_top, size=min(16, near_top.size), replace=False)
    candidates = np.unique(np.concatenate([_top(x, ulps, 16), _top(x, scaled, 16), drawn]))
    vu, vs = verified_errors(case, candidates)
    iu, is_ = int(np.argmax(vu)), int(np.argmax(vs))
    order = np.argsort(-np.maximum(vu, vs))[:4]
    worst = [(float(candidates[i]), float(vu[i]), float(vs[i])) for i in order]
    return Result(
        case.label,
        case.key,
        dtype.name,
        count,
        float(vu[iu]),
        float(candidates[iu]),
        float(vs[is_]),
        float(candidates[is_]),
        worst,
        time.perf_counter() - start,
    )


def _have_flint() -> bool:
    try:
        import flint  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------- softmax family
# Rows of logits, each drawn from one of five families that stress a different step:
# plain Gaussian at a log-uniform scale, one dominant logit, near-ties, a few leaders
# over a far tail, and a huge common offset. softmax_vjp adds upstream gradients g that
# nearly cancel (g_i close to p.g), span hundreds of orders of magnitude, or are huge.

ROW_SIZES = (2, 3, 4, 8, 33, 100)
# A row function's worst is a sum's rounding error at its worst, found by refining around
# the worst rows of a sample: each float64 search draws this many samples (seeds). One
# seed found 4.24 ulps for log_softmax where six found 6.37.
ROW_SEEDS = 6
ROW_FUNCTIONS = ("softmax", "log_softmax", "logsumexp", "softmax_vjp")


def logit_rows(k: int, n: int, dtype, rng: np.random.Generator) -> np.ndarray:
    dtype = np.dtype(dtype)
    top = 4.0 if dtype == np.float16 else 35.0 if dtype == np.float32 else 300.0
    kind = rng.integers(0, 5, n)[:, None]
    g = rng.standard_normal((n, k))
    scale = 10.0 ** rng.uniform(-3, 3.5, (n, 1))
    z = g * scale
    dominant = g + np.where(np.arange(k) == 0, rng.uniform(0, 50, (n, 1)), 0)
    c = rng.uniform(-100, 100, (n, 1))
    ties = c + g * np.abs(c) * 10.0 ** rng.uniform(-16, -1, (n, 1))
    leaders = np.where(rng.random((n, k)) < 0.3, 0.0, -rng.uniform(0, 800, (n, k))) + g * 1e-3
    offset = g + np.sign(c) * 10.0 ** rng.uniform(0, top, (n, 1))
    z = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3], [z, dominant, ties, leaders], offset
    )
    with np.errstate(over="ignore"):
        z = z.astype(dtype)
    return z[np.all(np.isfinite(z), axis=1)]


def gradient_rows(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n, k = p.shape
    dtype = p.dtype
    top = 4.0 if dtype == np.float16 else 37.0 if dtype == np.float32 else 300.0
    kind = rng.integers(0, 3, n)[:, None]
    g = rng.standard_normal((n, k))
    wide = g * 10.0 ** rng.uniform(-top, top, (n, k))
    near = 1 + g * 10.0 ** rng.uniform(-16, -1, (n, 1))  # g_i close to p.g
    huge = g * 10.0 ** rng.uniform(top - 8, top, (n, 1))
    out = np.select([kind == 0, kind == 1], [wide, near], huge)
    with np.errstate(over="ignore", under="ignore"):
        out = out.astype(dtype)
    return np.where(np.isfinite(out), out, 0).astype(dtype)


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    t = a * LD(2**32 + 1)
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _dot_ld(p: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row sums of p*g as hi + lo in long double, as if in twice its precision (Dot2)."""
    s, c = _two_prod(p[:, 0], g[:, 0])
    for j in range(1, p.shape[1]):
        h, r = _two_prod(p[:, j], g[:, j])
        s, q = _two_sum(s, h)
        c = c + (q + r)
    return _two_sum(s, c)


def row_screen(name: str, z: np.ndarray, g: np.ndarray | None = None) -> np.ndarray:
    """Long-double reference of a row function (p for softmax_vjp is `z`)."""
    x = z.astype(LD)
    if name == "softmax_vjp":
        hi, lo = _dot_ld(x, g.astype(LD))
        return x * ((g.astype(LD) - hi[:, None]) - lo[:, None])
    m = x.max(axis=1, keepdims=True)
    # x - m can need more than 64 bits: carry its rounding error e, e^(s + e) = e^s (1 + e)
    shift, err = _two_sum(x, -m)
    t = np.exp(shift) * (1 + err)
    top = np.argmax(x, axis=1)[:, None]
    rest = t.copy()
    np.put_along_axis(rest, top, 0, axis=1)
    others = rest.sum(axis=1, keepdims=True)  # T, the sum beside the max's e^0 = 1
    if name == "softmax":
        return t / (1 + others)
    if name == "log_softmax":  # log1p keeps a tiny T that 1 + T would round away
        return (shift + err) - np.log1p(others)
    return (m + np.log1p(others))[:, 0]


def row_call(name: str, z: np.ndarray, g: np.ndarray | None = None) -> np.ndarray:
    if name == "softmax_vjp":
        return cl.softmax_vjp(z, g)
    return getattr(cl, name)(z)


def row_exact(name: str, z: np.ndarray, g: np.ndarray | None = None) -> np.ndarray:
    """mpmath values (50 digits; 1000 for softmax_vjp) of a few rows, as an object array."""
    if name == "softmax_vjp":
        out = [MP_ROW["softmax_vjp"](pr, gr) for pr, gr in zip(z, g, strict=True)]
        return np.array(out, dtype=object)
    if name == "logsumexp":
        return np.array([MP_ROW["logsumexp"](r) for r in z], dtype=object)
    return precision.softmax_high_precision(z, log=name == "log_softmax")


def row_scale(name: str, z: np.ndarray, g: np.ndarray | None, r: np.ndarray) -> np.ndarray:
    r"""The size against which a row function's error is measured, in long double.

    ``logsumexp``: the larger of :math:`|r|` and :math:`|\max z|`, since
    :math:`m + \ln(1 + T)` cancels when :math:`m < 0` is close to :math:`-\ln(1 + T)`.
    ``softmax_vjp``: the larger of :math:`|r_j|` and :math:`u\,p_j \sum_i |p_i g_i|`,
    since :math:`g_j - p \cdot g` computed in twice the working precision can cancel
    beyond it. The others: :math:`|r|`.
    """
    r = np.abs(r)
    if name == "logsumexp":
        return np.maximum(r, np.abs(z.max(axis=1)).astype(LD))
    if name == "softmax_vjp":
        u = np.ldexp(LD(1), -(np.finfo(z.dtype).nmant + 1))
        size = np.abs(z.astype(LD) * g.astype(LD)).sum(axis=1, keepdims=True)
        return np.maximum(r, u * z.astype(LD) * size)
    return r


def row_errors(name: str, z, g, exact: np.ndarray | None = None) -> np.ndarray:
    """Worst error of each row in ulps of `row_scale`: against `exact` (mpmath) or the screen."""
    y = row_call(name, z, g)
    with np.errstate(all="ignore"):
        if exact is not None:
            err = precision.ulp_error(y, exact)
            r = np.array([float(v) for v in exact.ravel()], dtype=LD).reshape(exact.shape)
        else:
            r = row_screen(name, z, g)
            err = np.abs(y.astype(LD) - r) / _ulp_ld(r, z.dtype)
            err = np.where(y.astype(LD) == r, 0, err).astype(np.float64)
        err = err * (_ulp_ld(r, z.dtype) / _ulp_ld(row_scale(name, z, g, r), z.dtype)).astype(float)
    return err if err.ndim == 1 else err.max(axis=1)


def search_rows(name: str, dtype, n: int, seed: int = 0, width: int = 256) -> Result:
    """Search a row function over `n` elements in all, spread over `ROW_SIZES`."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    worst: list[tuple[float, np.ndarray, np.ndarray | None]] = []
    count = 0
    for k in ROW_SIZES:
        z = logit_rows(k, max(n // (len(ROW_SIZES) * k), 4), dtype, rng)
        g = None
        if name == "softmax_vjp":
            z = cl.softmax(z)
            g = gradient_rows(z, rng)
        err = row_errors(name, z, g)
        count += z.size
        order = np.argsort(-err)[:4]
        for i in order:
            zi, gi = z[i], None if g is None else g[i]
            # refine: `width` random neighbours, each element moved a few ulps
            steps = rng.integers(-8, 9, (width, k)).astype(dtype)
            with np.errstate(over="ignore", invalid="ignore"):
                zn = (zi + steps * np.spacing(np.abs(zi))).astype(dtype)
            if name == "softmax_vjp":
                zn = np.repeat(zi[None], width, axis=0)
                with np.errstate(over="ignore", invalid="ignore"):
                    gn = (gi + steps * np.spacing(np.abs(gi))).astype(dtype)
                ok = np.all(np.isfinite(gn), axis=1)
                zn, gn = zn[ok], gn[ok]
            else:
                zn, gn = zn[np.all(np.isfinite(zn), axis=1)], None
            en = row_errors(name, zn, gn)
            count += zn.size
            j = int(np.argmax(en))
            best = (en[j], zn[j], None if gn is None else gn[j])
            worst.append(best if en[j] > err[i] else (err[i], zi, gi))
    worst.sort(key=lambda w: -w[0])
    verified = []
    for _, zi, gi in worst[:8]:
        zr, gr = zi[None], None if gi is None else gi[None]
        e = float(row_errors(name, zr, gr, exact=row_exact(name, zr, gr))[0])
        verified.append((e, zi, gi))
    verified.sort(key=lambda w: -w[0])
    e, zi, gi = verified[0]
    rows = [(zi.tolist(), None if gi is None else gi.tolist(), e) for e, zi, gi in verified[:3]]
    return Result(
        name, name, dtype.name, count, e, float(zi[0]), 0.0, 0.0, rows, time.perf_counter() - start
    )


def _run(job):
    what, dtype, n, seed = job
    if isinstance(what, str):
        return search_rows(what, dtype, n, seed)
    return search(CASES[what], dtype, n, seed)


def simd_levels() -> list[tuple[str, dict[str, str]]]:
    """This CPU's own SIMD level, then the lower ones of tools/simd_levels.py."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from simd_levels import reachable

    return [("native", {})] + [(level.name, level.env) for level in reachable()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=FULL_POINTS, help="points per case and dtype")
    parser.add_argument("--only", nargs="*", help="labels or keys to search")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--native-only", action="store_true", help="skip the lower SIMD levels")
    parser.add_argument("--dtypes", nargs="*", default=list(bounds.DTYPES), help="dtypes to search")
    parser.add_argument(
        "--write", action="store_true", help=f"keep the worst points in {WORST_FILE}"
    )
    args = parser.parse_args(argv)
    if not _have_flint():
        print("accuracy-search needs python-flint (the dev extra) for GELU", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results: list[tuple[str, Result]] = []
    levels = simd_levels()[:1] if args.native_only else simd_levels()
    for name, env in levels:
        # numpy picks its SIMD kernels at import: fresh worker processes, this level's env.
        # float16/32 are float64 rounded once, so the lower levels search float64 only.
        dtypes = [d for d in args.dtypes if not env or d == "float64"]
        wanted = [
            i for i, c in enumerate(CASES) if not args.only or {c.key, c.label} & set(args.only)
        ]
        wanted += [name for name in ROW_FUNCTIONS if not args.only or name in args.only]
        jobs = [
            (what, dt, args.n, seed)
            for what in wanted
            for dt in dtypes
            for seed in range(ROW_SEEDS if isinstance(what, str) and dt == "float64" else 1)
        ]
        # the slow ones (GELU's Arb reference) first, so that the workers finish together
        jobs.sort(key=lambda j: (isinstance(j[0], str) or not CASES[j[0]].flint, j[1] != "float64"))
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
                level_results = list(pool.map(_run, jobs))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        print(
            f"==> SIMD level {name}: {len(jobs)} searches, {time.perf_counter() - start:.0f} s",
            flush=True,
        )
        results += [(name, r) for r in level_results]
    failed = report(results)
    print(
        f"\n{len(results)} searches, {sum(r.n for _, r in results):,} points, "
        f"{time.perf_counter() - start:.0f} s"
    )
    if args.write:
        write_worst([r for _, r in results])
    return 1 if failed else 0


def report(results: list[tuple[str, Result]]) -> int:
    """Print each case's worst over the SIMD levels; return how many exceed their bound."""
    print("| function | dtype | points | worst ulp | at z | SIMD level | bound | scaled (u) |")
    print("|---|---|---|---|---|---|---|---|")
    failed = 0
    merged: dict[tuple[str, str], tuple[str, Result, int]] = {}
    for level, r in results:
        key = (r.label, r.dtype)
        if key not in merged:
            merged[key] = (level, r, r.n)
        else:
            old_level, old, n = merged[key]
            best = (level, r) if r.ulp > old.ulp else (old_level, old)
            if r.scaled > old.scaled:
                best[1].scaled, best[1].scaled_at = r.scaled, r.scaled_at
            merged[key] = (*best, n + r.n)
    for level, r, n in merged.values():
        bound = bounds.BOUNDS[r.key][r.dtype]
        scaled_bound = bounds.SCALED.get(r.key)
        bad = r.ulp > bound or (scaled_bound is not None and r.scaled > scaled_bound)
        failed += bad
        shows_scaled = r.key in bounds.ZEROS and r.dtype == "float64"
        sc = f"{r.scaled:.2f} at {r.scaled_at!r}" if shows_scaled else "-"
        print(
            f"| `{r.label}` | {r.dtype} | {n:,} | {r.ulp:.3f} | {r.at!r} | {level} | {bound:g}"
            f"{' **EXCEEDED**' if bad else ''} | {sc} |"
        )
    return failed


def write_worst(results: list[Result]) -> None:
    """Keep the worst verified points of every search as regression cases."""
    data = []
    for r in results:
        if r.label in ROW_FUNCTIONS:
            for z, g, err in r.worst:
                if err == 0:
                    continue
                item = {"label": r.label, "key": r.key, "dtype": r.dtype, "ulp": round(err, 4)}
                item["z"] = [float(v).hex() for v in z]
                if g is not None:
                    item["g"] = [float(v).hex() for v in g]
                data.append(item)
            continue
        case = next(c for c in CASES if c.label == r.label)
        for z, ulps, scaled in r.worst:
            if ulps == 0 and scaled == 0:
                continue
            data.append(
                {
                    "label": r.label,
                    "key": case.key,
                    "dtype": r.dtype,
                    "z": float(z).hex(),
                    "ulp": round(ulps, 4),
                    "scaled": round(scaled, 4),
                }
            )
    # keep what an earlier run found for the cases this run did not search
    searched = {(r.label, r.dtype) for r in results}
    if WORST_FILE.exists():
        kept = [
            w
            for w in json.loads(WORST_FILE.read_text())
            if (w["label"], w["dtype"]) not in searched
        ]
        data = kept + data
    unique: dict[str, dict] = {}
    for w in data:  # the same point found at several SIMD levels is kept once
        unique.setdefault(json.dumps([w["label"], w["dtype"], w["z"], w.get("g")]), w)
    data = sorted(unique.values(), key=lambda w: (w["label"], w["dtype"], -w["ulp"]))
    WORST_FILE.parent.mkdir(exist_ok=True)
    WORST_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(data)} points to {WORST_FILE}")


def case_by_label(label: str) -> Case:
    return next(c for c in CASES if c.label == label)


if __name__ == "__main__":
    sys.exit(main())
