r"""Measuring floating-point error: high-precision references, ulps, thresholds.

Three questions a numerical notebook keeps asking, each answered by measurement:

- *What is the true value?* `high_precision` evaluates an mpmath function at each
  float exactly converted, with 50 significant digits (`DPS`); `softmax_high_precision`
  does the same for the softmax and log-softmax of each slice.
- *What would a correctly rounded implementation return?* `correctly_rounded` rounds
  that true value once to the nearest float of a dtype: a fact of mathematics, the
  same on every CPU, where NumPy's own ``exp`` or ``tanh`` may differ in the last bit.
- *How far off is a computed value?* `ulp_error` counts units in the last place of the
  true value in the computed dtype (a correctly rounded result is within 0.5);
  `relative_error` gives :math:`|c - x| / |x|`.
- *Where does a formula start to fail?* `threshold` bisects over the floats
  themselves for the first input at which a condition holds (such as
  ``sigmoid(z) == 1``), and `first_zero` for the first input at which a function
  returns exactly 0.

mpmath (installed with SymPy) is imported only by the functions that need it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

__all__ = [
    "DPS",
    "correctly_rounded",
    "first_zero",
    "high_precision",
    "relative_error",
    "softmax_high_precision",
    "threshold",
    "ulp_error",
]

DPS = 50
"""Significant decimal digits of the references: far more than float64's 16."""

_INT_OF = {
    np.dtype(np.float16): np.int16,
    np.dtype(np.float32): np.int32,
    np.dtype(np.float64): np.int64,
}


def _mpmath() -> Any:
    try:
        import mpmath
    except ImportError:  # pragma: no cover - mpmath comes with SymPy and the test extras
        raise ImportError(
            "course_lib.precision needs mpmath for its references: pip install mpmath"
        ) from None
    return mpmath


def high_precision(func: Callable[..., Any], *x: ArrayLike, dps: int = DPS) -> np.ndarray:
    r"""Evaluate an mpmath function elementwise with `dps` digits.

    Parameters
    ----------
    func : callable
        Takes one ``mpmath.mpf`` per array in `x` and returns one, e.g.
        ``lambda t: 1 / (1 + mpmath.exp(-t))``.
    *x : array_like
        One or more arrays of points, broadcast together; each float is converted
        exactly (a float is a dyadic rational), so ``lambda a, b: mpmath.exp(a - b)``
        sees the exact difference of two floats, not its rounding.
    dps : int, optional
        Working precision in significant decimal digits. Default `DPS` (50).

    Returns
    -------
    ndarray of object
        The ``mpf`` values, with the broadcast shape: pass them to `ulp_error` or
        `relative_error` as the exact values.

    Examples
    --------
    >>> import mpmath
    >>> exact = high_precision(lambda t: 1 / (1 + mpmath.exp(-t)), [0.0, 40.0])
    >>> [float(v) for v in exact]
    [0.5, 1.0]
    >>> mpmath.nstr(1 - exact[1], 5)  # sigma(-40), which float64 cannot hold beside 1
    '4.2484e-18'
    >>> float(high_precision(lambda a, b: (a - b) - 0.1, 0.3, 0.2)[()])  # 0.3 - 0.2 != 0.1
    -2.7755575615628914e-17
    """
    mpmath = _mpmath()
    if not x:
        raise TypeError("high_precision: give at least one array of points")
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in x))
    out = np.empty(arrays[0].shape, dtype=object)
    with mpmath.workdps(dps):
        for i in np.ndindex(out.shape):
            out[i] = func(*(mpmath.mpf(float(a[i])) for a in arrays))
    return out


def softmax_high_precision(z: ArrayLike, *, log: bool = False, dps: int = DPS) -> np.ndarray:
    r"""Softmax (or log-softmax) along the last axis of `z`, with `dps` digits.

    Parameters
    ----------
    z : array_like
        Logits with at least one dimension; each float is converted exactly.
    log : bool, optional
        Return :math:`\ln p_i` instead of :math:`p_i`.
    dps : int, optional
        Working precision in decimal digits. Default `DPS` (50).

    Returns
    -------
    ndarray of object
        ``mpf`` values with the shape of `z`.

    Notes
    -----
    With :math:`m` the max of a slice and :math:`T = \sum_{j \ne \hat\imath} e^{z_j - m}`
    the sum of the other terms,

    .. math:: p_i = \frac{e^{z_i - m}}{1 + T}, \qquad \ln p_i = (z_i - m) - \ln(1 + T),

    with :math:`\ln(1 + T)` from ``log1p``, so even a :math:`T` far below
    :math:`10^{-50}` keeps its digits. :math:`z_i - m` is exact at this precision.

    Examples
    --------
    >>> lp = softmax_high_precision([40.0, 0.0], log=True)
    >>> [float(v) for v in lp]
    [-4.248354255291589e-18, -40.0]
    """
    mpmath = _mpmath()
    arr = np.asarray(z, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError("softmax_high_precision: z needs at least one dimension")
    rows = arr.reshape(-1, arr.shape[-1])
    out = np.empty(rows.shape, dtype=object)
    with mpmath.workdps(dps):
        for r, row in enumerate(rows):
            v = [mpmath.mpf(float(t)) for t in row]
            top = max(range(len(v)), key=v.__getitem__)
            e = [mpmath.exp(t - v[top]) for t in v]
            rest = mpmath.fsum(e[:top] + e[top + 1 :])
            log1p_rest = mpmath.log1p(rest)
            for i, t in enumerate(v):
                out[r, i] = (t - v[top]) - log1p_rest if log else e[i] / (1 + rest)
    return out.reshape(arr.shape)


def _ulp_at(exact: Any, dtype: np.dtype, mpmath: Any) -> Any:
    """Spacing of `dtype`'s floats at |exact|, never below the smallest subnormal."""
    info = np.finfo(dtype)
    tiny = mpmath.mpf(float(info.smallest_subnormal))
    if exact == 0:
        return tiny
    _, e = mpmath.frexp(abs(exact))  # |exact| = m * 2**e with 1/2 <= m < 1
    return max(mpmath.ldexp(1, int(e) - 1 - info.nmant), tiny)


def _errors(computed: ArrayLike, exact: ArrayLike, per_ulp: bool, dps: int) -> np.ndarray:
    mpmath = _mpmath()
    c = np.asarray(computed)
    if c.dtype not in _INT_OF:
        raise TypeError(f"computed must be a float16/32/64 array; got dtype {c.dtype}")
    x = np.asarray(exact, dtype=object)
    if x.shape != c.shape:
        raise ValueError(f"computed and exact differ in shape: {c.shape} and {x.shape}")
    out = np.empty(c.shape)
    with mpmath.workdps(dps):
        for i in np.ndindex(c.shape):
            ci, xi = float(c[i]), mpmath.mpf(x[i])
            if mpmath.isnan(xi) or np.isnan(ci):
                out[i] = 0.0 if (mpmath.isnan(xi) and np.isnan(ci)) else np.inf
            elif mpmath.isinf(xi) or np.isinf(ci):
                same = mpmath.isinf(xi) and np.isinf(ci) and (xi > 0) == (ci > 0)
                out[i] = 0.0 if same else np.inf
            else:
                diff = abs(mpmath.mpf(ci) - xi)
                if per_ulp:
                    out[i] = float(diff / _ulp_at(xi, c.dtype, mpmath))
                elif xi == 0:
                    out[i] = 0.0 if ci == 0 else np.inf
                else:
                    out[i] = float(diff / abs(xi))
    return out


def ulp_error(computed: ArrayLike, exact: ArrayLike, dps: int = DPS) -> np.ndarray:
    r"""Error of each computed value in units in the last place (ulps) of the exact value.

    Parameters
    ----------
    computed : array_like
        float16, float32 or float64 results; their dtype sets the ulp.
    exact : array_like
        The true values, the shape of `computed`: ``mpf`` from `high_precision`, or
        anything ``mpmath.mpf`` accepts.
    dps : int, optional
        Precision of the subtraction. Default `DPS`.

    Returns
    -------
    ndarray
        :math:`|c - x| / \operatorname{ulp}(x)`, float64, the shape of `computed`.
        :math:`\operatorname{ulp}(x)` is the spacing of the dtype's floats at
        :math:`|x|` (:math:`2^{e - p + 1}` for :math:`2^e \le |x| < 2^{e+1}` and
        :math:`p` significand bits), never less than the smallest subnormal.
        Matching infinities or NaNs count 0, any other non-finite value ``inf``.

    See Also
    --------
    relative_error, numpy.spacing

    Notes
    -----
    A correctly rounded result is within 0.5 ulp. An error of :math:`k` ulps is a
    relative error between :math:`k\,u` and :math:`2k\,u`, :math:`u` the unit roundoff.
    A result 0 where the exact value is a normal number is off by
    :math:`2^{p-1} \approx 4.5 \times 10^{15}` ulps or more in float64.

    Examples
    --------
    >>> ulp_error(np.array([1.0, 1.0 + 2**-52]), [1, 1])
    array([0., 1.])
    >>> ulp_error(np.array([0.0], dtype=np.float32), [2**-30])  # 0 for a normal float32
    array([8388608.])
    """
    return _errors(computed, exact, per_ulp=True, dps=dps)


def correctly_rounded(
    func: Callable[..., Any], *x: ArrayLike, dtype: DTypeLike = np.float64, dps: int = DPS
) -> np.ndarray:
    r"""``func(*x)`` rounded once to the nearest float of `dtype`, ties to even.

    What a correctly rounded implementation of `func` returns, on any CPU: the value
    is computed with `dps` digits (`high_precision`) and rounded once, subnormals and
    overflow to :math:`\pm\infty` included. NumPy's ``exp``, ``log`` and ``tanh`` are
    not correctly rounded, and which last bit they get depends on the CPU's SIMD
    kernels; comparisons with these values do not.

    Parameters
    ----------
    func : callable
        An mpmath function of one ``mpf`` per array in `x`, as for `high_precision`.
    *x : array_like
        The points, broadcast together.
    dtype : {float64, float32, float16}, optional
        The floats to round to. Default float64.
    dps : int, optional
        Working precision of the true value. Default `DPS` (50).

    Returns
    -------
    ndarray
        The rounded values, of `dtype` and the broadcast shape.

    Examples
    --------
    >>> import mpmath
    >>> float(correctly_rounded(mpmath.exp, 1.0)[()]) == np.e
    True
    >>> correctly_rounded(mpmath.tanh, [19.0, 19.1]).tolist()  # 1 from 27.5 ln 2 on
    [0.9999999999999999, 1.0]
    >>> bool(correctly_rounded(lambda t: t / 10, 1.0, dtype=np.float32) == np.float32(0.1))
    True
    >>> correctly_rounded(mpmath.exp, [-745.0, 710.0]).tolist()  # subnormal, and overflow
    [5e-324, inf]
    """
    mpmath = _mpmath()
    info = np.finfo(dtype)
    exact = high_precision(func, *x, dps=dps)
    out = np.empty(exact.shape, dtype=info.dtype)
    tiny = mpmath.mpf(float(info.tiny))
    step = mpmath.mpf(float(info.smallest_subnormal))  # the spacing below tiny
    largest = float(info.max)
    for i in np.ndindex(exact.shape):
        value = exact[i]
        if not mpmath.isfinite(value):
            out[i] = float(value)
        elif abs(value) < tiny:  # a fixed grid of multiples of the smallest subnormal
            out[i] = float(mpmath.nint(value / step) * step)
        else:
            with mpmath.workprec(info.nmant + 1):  # the significand's bits
                rounded = float(+value)
            out[i] = rounded if abs(rounded) <= largest else np.copysign(np.inf, rounded)
    return out


def relative_error(computed: ArrayLike, exact: ArrayLike, dps: int = DPS) -> np.ndarray:
    r"""Relative error :math:`|c - x| / |x|` of each computed value.

    Parameters
    ----------
    computed : array_like
        float16, float32 or float64 results.
    exact : array_like
        The true values, the shape of `computed` (see `ulp_error`).
    dps : int, optional
        Precision of the subtraction. Default `DPS`.

    Returns
    -------
    ndarray
        float64, the shape of `computed`. An exact value of 0 gives 0 when matched and
        ``inf`` otherwise; infinities and NaNs are treated as in `ulp_error`.

    See Also
    --------
    ulp_error

    Examples
    --------
    >>> relative_error(np.array([0.0, 0.1]), [4.2e-18, "0.1"])  # 0 for a nonzero: 100 %
    array([1.00000000e+00, 5.55111512e-17])
    """
    return _errors(computed, exact, per_ulp=False, dps=dps)


def _ordinal(x: float, dtype: np.dtype) -> int:
    """Position of `x` among the floats of `dtype`: consecutive floats differ by 1."""
    bits = int(np.array(x, dtype=dtype).view(_INT_OF[dtype]))
    mask = (1 << (8 * dtype.itemsize - 1)) - 1
    return bits if bits >= 0 else -(bits & mask)


def _from_ordinal(n: int, dtype: np.dtype) -> np.floating:
    sign = 1 << (8 * dtype.itemsize - 1)
    bits = n if n >= 0 else -n - sign  # the two's-complement int of the negative float
    # numpy's stubs type arr[()] as an ndarray; on a 0-d array it is a NumPy scalar
    return np.array(bits, dtype=_INT_OF[dtype]).view(dtype)[()]  # type: ignore[return-value]


def threshold(
    predicate: Callable[[np.floating], Any],
    start: float,
    stop: float,
    dtype: DTypeLike = np.float64,
) -> np.floating:
    r"""The float closest to `start`, on the way to `stop`, at which `predicate` holds.

    Parameters
    ----------
    predicate : callable
        Called with one scalar of `dtype`; its truth value is used. It must be false at
        `start`, true at `stop`, and change only once in between.
    start, stop : float
        The ends of the search; `stop` may lie on either side of `start`.
    dtype : dtype, optional
        float16, float32 or float64 (default): the floats searched.

    Returns
    -------
    numpy scalar of `dtype`
        The first float :math:`t` from `start` towards `stop` with ``predicate(t)``
        true; its neighbour towards `start` has it false.

    Raises
    ------
    ValueError
        If `predicate` is true at `start` or false at `stop`.

    Notes
    -----
    Bisection over the floats themselves, not over the reals: floats of one sign are
    ordered like the integers their bits spell, so at most 64 steps in float64 pin the
    exact float, however far apart `start` and `stop` are.

    Examples
    --------
    >>> t = threshold(lambda x: 1 + np.exp(-x) == 1, 0.0, 100.0)  # exp(-x) <= 2**-53
    >>> float(t), float(53 * np.log(2))
    (36.73680056967711, 36.7368005696771)
    >>> float(threshold(lambda x: np.exp(x) == 0, -700.0, -800.0))  # underflow, going down
    -745.1332191019412
    """
    dt: np.dtype = np.dtype(dtype)  # its stubs add dtype[void] (structured); refused below
    if dt not in _INT_OF:
        raise TypeError(f"threshold: dtype must be float16, float32 or float64; got {dt}")
    lo, hi = dt.type(start), dt.type(stop)
    if predicate(lo):
        raise ValueError(f"threshold: predicate already holds at start={float(lo)!r}")
    if not predicate(hi):
        raise ValueError(f"threshold: predicate does not hold at stop={float(hi)!r}")
    a, b = _ordinal(lo, dt), _ordinal(hi, dt)
    while abs(b - a) > 1:
        mid = (a + b) // 2
        if predicate(_from_ordinal(mid, dt)):
            b = mid
        else:
            a = mid
    return _from_ordinal(b, dt)


def first_zero(
    f: Callable[[np.floating], Any], start: float, stop: float, dtype: DTypeLike = np.float64
) -> np.floating:
    r"""The first float from `start` towards `stop` at which ``f`` returns exactly 0.

    A shorthand for ``threshold(lambda t: f(t) == 0, start, stop, dtype)``: use it to
    find where a textbook formula such as :math:`p(1 - p)` gives up.

    Examples
    --------
    >>> def textbook(z):  # p (1 - p), with the textbook p = 1 / (1 + e^-z)
    ...     p = 1 / (1 + np.exp(-z))
    ...     return p * (1 - p)
    >>> float(first_zero(textbook, 0.0, 100.0))
    36.73680056967711
    """
    return threshold(lambda t: f(t) == 0, start, stop, dtype)
