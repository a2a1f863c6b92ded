r"""Special functions that NumPy lacks: erf, erfc and the standard normal distribution.

`erf` and `erfc` are a vectorized port of FreeBSD msun's ``s_erf.c`` (Sun's fdlibm),
because SciPy's are not accurate enough for GELU's left tail. Measured against mpmath
on 60,000 points of [-6, 27.3], SciPy 1.17.1's ``erfc`` is off by up to 508 ulp where
its result is a normal float (at x = 22.96), and returns 0 from x = 26.64, where the
true value is a subnormal (erfc(26.6) = 1.1e-309; it reaches 0 only at x = 27.23).
This port stays within 2.13 ulp on the same points (2.44 at x = 4.09 on a denser
grid: fdlibm's "less than one ulp" is for erf, within 0.81 ulp, and its erfc rounds
three times in the tail) and keeps the subnormals down to 27.2. `ndtr` (the normal CDF :math:`\Phi`)
and `normal_pdf` (:math:`\varphi`) build on them, with the two roundings that would
cost hundreds of ulps in the tails removed:

- :math:`\Phi(z) = \operatorname{erfc}(-z/\sqrt{2})/2`, and rounding :math:`-z/\sqrt{2}`
  to a float changes :math:`\operatorname{erfc}` by a relative :math:`z^2 u`
  (:math:`u` the unit roundoff), up to 1600 ulps near :math:`z = -37`; `ndtr` carries the
  rounding error along and corrects for it;
- :math:`e^{-z^2/2}` has the same problem when :math:`z^2` is rounded; `normal_pdf`
  splits :math:`z^2` exactly into ``hi + lo``.

Products such as :math:`z\,\Phi(z)` lose digits when :math:`\Phi(z)` is subnormal
(:math:`z < -37.5`): its few significant bits are multiplied by :math:`|z|`. With
``scaled=True`` these helpers return the value times :math:`2^{64}` (`SCALE`),
computed without passing through a subnormal, and the caller scales the final result
back with one rounding.

GELU's kernels, `z_ndtr` (:math:`z\,\Phi(z)`) and `z_ndtr_derivative`
(:math:`\Phi(z) + z\,\varphi(z)`), use `ndtr`'s method near 0. In the tails they
rewrite s_erf.c's :math:`\operatorname{erfc}(x) = e^{-x^2 - 0.5625 + R/S}/x` at
:math:`x = |z|/\sqrt{2}`: :math:`|z|\,\Phi(-|z|)` is one exponential, no division,
whose argument :math:`-z^2/2` is carried as an exact part plus a rest below
:math:`2^{-20} z^2`, so no rounded :math:`x` needs correcting there.

Everything here takes and returns float64 arrays and skips the input checks of
`course_lib._arrays`: the public functions do those.
"""

# The rational approximations and the method of `erf` and `erfc` below come from
# FreeBSD's lib/msun/src/s_erf.c (the tail multiplies one exp instead of two, see
# `_tail`), which carries this notice:
#
# ====================================================
# Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
#
# Developed at SunPro, a Sun Microsystems, Inc. business.
# Permission to use, copy, modify, and distribute this
# software is freely granted, provided that this notice
# is preserved.
# ====================================================

from __future__ import annotations

import functools
import struct
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from ._eft import fast_two_sum, split, two_product, two_sum

__all__ = [
    "DEEP",
    "SCALE",
    "erf",
    "erfc",
    "exp_scaled",
    "exp_times",
    "ndtr",
    "normal_pdf",
    "z_ndtr",
    "z_ndtr_derivative",
]

SCALE = 64
"""``scaled=True`` results are the value times ``2**SCALE``."""

DEEP = -700.0
"""Below this exponent e**a is within a factor e**8 of the subnormal range, where a product
such as z * exp(z) would multiply the rounding error of a subnormal by |z|: such tails
are formed times ``2**SCALE`` (`exp_scaled`, `exp_times`) and scaled back with a single
rounding."""

# erx = (float)0.84506291151, erf(1) rounded to single precision
_ERX = 8.45062911510467529297e-01  # 0x3FEB0AC1, 0x60000000
# In the domain [0, 2**-28], only the first term of erf's power series is used.
_EFX = 1.28379167095512586316e-01  # 0x3FC06EBA, 0x8214DB69
_EFX8 = 1.02703333676410069053e00  # 0x3FF06EBA, 0x8214DB69


def _fdlibm(words: str) -> tuple[float, ...]:
    """Coefficients as fdlibm's comments give them: each double's 64 bits in hex."""
    return tuple(struct.unpack(">d", bytes.fromhex(w))[0] for w in words.split())


# The coefficient tables of fdlibm's s_erf.c, bit for bit (the C source writes each as a
# decimal literal with these words beside it).
# erf on [0, 0.84375]
_PP = _fdlibm(
    """
    3FC06EBA8214DB68 BFD4CD7D691CB913 BF9D2A51DBD7194F BF77A291236668E4 BEF8EAD6120016AC
    """
)
_QQ = _fdlibm(
    """
    3FF0000000000000 3FD97779CDDADC09 3FB0A54C5536CEBA 3F74D022C4D36B0F 3F215DC9221C1A10
    BED09C4342A26120
    """
)
# erf on [0.84375, 1.25]
_PA = _fdlibm(
    """
    BF6359B8BEF77538 3FDA8D00AD92B34D BFD7D240FBB8C3F1 3FD45FCA805120E4 BFBC63983D3E28EC
    3FA22A36599795EB BF61BF380A96073F
    """
)
_QA = _fdlibm(
    """
    3FF0000000000000 3FBB3E6618EEE323 3FE14AF092EB6F33 3FB2635CD99FE9A7 3FC02660E763351F
    3F8BEDC26B51DD1C 3F888B545735151D
    """
)
# erfc on [1.25, 1/0.35]
_RA = _fdlibm(
    """
    BF843412600D6435 BFE63416E4BA7360 C0251E0441B0E726 C04F300AE4CBA38D C0644CB184282266
    C067135CEBCCABB2 C054526557E4D2F2 C023A0EFC69AC25C
    """
)
_SA = _fdlibm(
    """
    3FF0000000000000 4033A6B9BD707687 4061350C526AE721 407B290DD58A1A71 40842B1921EC2868
    407AD02157700314 405B28A3EE48AE2C 401A47EF8E484A93 BFAEEFF2EE749A62
    """
)
# erfc on [1/0.35, 28]
_RB = _fdlibm(
    """
    BF84341239E86F4A BFE993BA70C285DE C031C209555F995A C064145D43C5ED98 C083EC881375F228
    C09004616A2E5992 C07E384E9BDC383F
    """
)
_SB = _fdlibm(
    """
    3FF0000000000000 403E568B261D5190 40745CAE221B9F0A 409802EB189D5118 40A8FFB7688C246A
    40A3F219CEDF3BE6 407DA874E79FE763 C03670E242712D62
    """
)

# High words (sign bit cleared) that bound s_erf.c's ranges, as in the C source.
_TINY_SUB = 0x00800000  # 2**-1015: below it, avoid a spurious underflow
_TINY_ERF = 0x3E300000  # 2**-28
_QUARTER = 0x3FD00000  # 0.25
_SMALL = 0x3FEB0000  # 0.84375
_MID = 0x3FF40000  # 1.25
_RA_ERF = 0x4006DB6E  # about 1/0.35; erf and erfc split at neighbouring words
_RA_ERFC = 0x4006DB6D
_SIX = 0x40180000  # 6
_ERFC_ZERO = 0x403C0000  # 28
_INF = 0x7FF00000

# Constants as hi + lo, both doubles, hi the rounded value (computed with mpmath).
_SQRT1_2, _SQRT1_2_LO = 0.7071067811865476, -4.833646656726457e-17  # 1/sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2 pi)
_INV_SQRT_2PI_REL_LO = -2.49232720227773e-17 / _INV_SQRT_2PI  # its relative error
_TWO_OVER_SQRT_PI = 1.1283791670955126  # 2/sqrt(pi), erfc'(x) = -2/sqrt(pi) exp(-x**2)
# ln 2 = _LN2_HI + _LN2_LO with _LN2_HI's last 21 bits zero (fdlibm's e_exp.c), so that
# a + k * _LN2_HI is exact for a in [-1024, -512] and integers 0 <= k <= 64.
_LN2_HI = 6.93147180369123816490e-01  # 0x3FE62E42, 0xFEE00000
_LN2_LO = 1.90821492927058770002e-10  # 0x3DEA39EF, 0x35793C76
# 2**SCALE = exp(SCALE*_LN2_HI) * (1 + _EXP_SCALE_LO_M1)
_EXP_SCALE_LO_M1 = float(np.expm1(SCALE * _LN2_LO))


def _flat(x: ArrayLike) -> np.ndarray:
    """`x` as a 1-d float64 array (a copy when needed), so that masks and views work."""
    return np.array(x, dtype=np.float64, copy=None).reshape(-1)


def _high_word(x: np.ndarray) -> np.ndarray:
    """The upper 32 bits of each double with the sign cleared (fdlibm's ``ix``)."""
    return (x.view(np.uint64) >> np.uint64(32)).astype(np.int64) & 0x7FFFFFFF


def _poly(coefficients: tuple[float, ...], s: np.ndarray) -> np.ndarray:
    """Horner's rule, in the order s_erf.c writes it: c0 + s*(c1 + s*(c2 + ...))."""
    out = coefficients[-1] * s  # the first step, c_n*s + c_(n-1), without a filled array
    np.add(out, coefficients[-2], out=out)
    for c in coefficients[-3::-1]:  # c + s*out, in place (the same two roundings)
        np.multiply(out, s, out=out)
        np.add(out, c, out=out)
    return out


def _small_ratio(x: np.ndarray) -> np.ndarray:
    """``y`` with ``erf(x) = x + x*y`` for ``|x| < 0.84375``."""
    z = x * x
    return _poly(_PP, z) / _poly(_QQ, z)


def _mid_ratio(ax: np.ndarray) -> np.ndarray:
    """``P/Q`` with ``erf(|x|) = erx + P/Q`` for ``0.84375 <= |x| < 1.25``."""
    s = ax - 1.0
    return _poly(_PA, s) / _poly(_QA, s)


def _tail(
    ax: np.ndarray, ix: np.ndarray, split: int, lo: np.ndarray | None, scaled: bool
) -> np.ndarray:
    """``erfc(ax + lo)`` for ``1.25 <= ax < 28``: ``exp(-x*x - 0.5625 + R/S) / x``.

    ``lo`` is a correction much smaller than ``ulp(ax)``; ``scaled`` multiplies the
    result by ``2**SCALE``. With ``lo=None`` and ``scaled=False`` this is s_erf.c's
    formula but for one change: ``exp(a) * exp(b)`` becomes ``exp(s) * (1 + e)`` with
    ``s + e = a + b`` exactly, one rounding of ``exp`` fewer.
    """
    s = 1.0 / (ax * ax)
    first = ix < split  # ax < 1/0.35
    ratio = np.where(first, _poly(_RA, s) / _poly(_SA, s), _poly(_RB, s) / _poly(_SB, s))
    return _tail_from_ratio(ax, ratio, lo, scaled)


def _tail_ratio(s: np.ndarray, first: bool) -> np.ndarray:
    """`_tail`'s ``R/S`` at ``s = 1/x**2``, for `x` all below 1/0.35 (`first`) or all above."""
    return _poly(_RA, s) / _poly(_SA, s) if first else _poly(_RB, s) / _poly(_SB, s)


def _high_part(x: np.ndarray) -> np.ndarray:
    """`x` cut to its high word (s_erf.c's ``SET_LOW_WORD(z, 0)``): 21 significant bits,
    so that its square is exact."""
    return (x.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)


def _tail_from_ratio(
    ax: np.ndarray, ratio: np.ndarray, lo: np.ndarray | None, scaled: bool
) -> np.ndarray:
    # z is ax cut to its high word (SET_LOW_WORD(z, 0)): z*z is exact, and so is
    # -z*z - 0.5625; the rest of -ax**2 = -z*z + (z - ax)*(z + ax) is small.
    z = _high_part(ax)
    a = -z * z - 0.5625
    if lo is None:
        b = (z - ax) * (z + ax) + ratio
        c: np.ndarray | float = 0.0
    else:  # -(ax + lo)**2 = -z*z + (z - ax - lo)*(z + ax + lo), and 1/(ax + lo) = (1 - lo/ax)/ax
        b = ((z - ax) - lo) * ((z + ax) + lo) + ratio
        c = -lo / ax
    # s_erf.c multiplies exp(a) by exp(b); one exp(s) with s + e = a + b exactly,
    # times exp(e) = 1 + e (|e| < 1e-13), rounds once less.
    s, e = two_sum(a, b)
    if scaled:
        r, rel = _exp_scaled_parts(s)
        c = c + rel
    else:
        r = np.exp(s)
    return (r + r * (e + c)) / ax


def erf(x: ArrayLike) -> np.ndarray:
    r"""Error function, to within 1 ulp (a port of FreeBSD msun's ``s_erf.c``).

    Parameters
    ----------
    x : array_like
        Real input of any shape, converted to float64.

    Returns
    -------
    ndarray
        :math:`\operatorname{erf}(x)`, float64, the shape of `x` (0-d for a scalar).

    See Also
    --------
    erfc : :math:`1 - \operatorname{erf}(x)` without the cancellation.
    scipy.special.erf : the same function in SciPy.

    Notes
    -----
    .. math:: \operatorname{erf}(x) = \frac{2}{\sqrt{\pi}} \int_0^x e^{-t^2}\,dt

    Range by range, as in the C source: :math:`x + x R(x^2)` with a rational
    :math:`R` below 0.84375, :math:`\operatorname{erx} + P(s)/Q(s)` with
    :math:`s = |x| - 1` below 1.25, :math:`1 - \operatorname{erfc}(|x|)` below 6 and
    :math:`\pm 1` beyond; erf is odd.

    Examples
    --------
    >>> erf(np.array([-np.inf, -1.0, 0.0, 0.5, 3.0]))
    array([-1.        , -0.84270079,  0.        ,  0.52049988,  0.99997791])
    """
    x = np.asarray(x, dtype=np.float64)
    shape, x = x.shape, _flat(x)
    ix, neg = _high_word(x), np.signbit(x)
    ax = np.abs(x)
    out = np.empty_like(x)
    with np.errstate(under="ignore"):  # subnormal and vanishing terms are expected
        # erf(nan) = nan, erf(+-inf) = +-1
        m = ix >= _INF
        out[m] = np.where(np.isnan(x[m]), x[m], np.where(neg[m], -1.0, 1.0))
        # |x| < 2**-28: the first term of the series
        m = ix < _TINY_ERF
        xm = x[m]
        out[m] = np.where(ix[m] < _TINY_SUB, (8.0 * xm + _EFX8 * xm) / 8.0, xm + _EFX * xm)
        # 2**-28 <= |x| < 0.84375
        m = (ix >= _TINY_ERF) & (ix < _SMALL)
        xm = x[m]
        out[m] = xm + xm * _small_ratio(xm)
        # 0.84375 <= |x| < 1.25
        m = (ix >= _SMALL) & (ix < _MID)
        pq = _mid_ratio(ax[m])
        out[m] = np.where(neg[m], -_ERX - pq, _ERX + pq)
        # 1.25 <= |x| < 6
        m = (ix >= _MID) & (ix < _SIX)
        r = _tail(ax[m], ix[m], _RA_ERF, None, scaled=False)
        out[m] = np.where(neg[m], r - 1.0, 1.0 - r)
        # 6 <= |x| < inf: 1 - tiny rounds to 1
        m = (ix >= _SIX) & (ix < _INF)
        out[m] = np.where(neg[m], -1.0, 1.0)
    return out.reshape(shape)


def erfc(x: ArrayLike) -> np.ndarray:
    r"""Complementary error function, to within 1 ulp (a port of ``s_erf.c``).

    Parameters and shapes as in `erf`. Returns
    :math:`\operatorname{erfc}(x) = 1 - \operatorname{erf}(x)`, which underflows to 0 for
    :math:`x > 27.2`.

    See Also
    --------
    erf, ndtr
    scipy.special.erfc : the same function in SciPy.

    Notes
    -----
    .. math:: \operatorname{erfc}(x) = \frac{2}{\sqrt{\pi}} \int_x^\infty e^{-t^2}\,dt

    ``1 - erf(x)`` cancels for large :math:`x` (it is 0 from :math:`x = 5.9` on, where
    erfc is still :math:`10^{-17}`). For :math:`1.25 \le x < 28` this computes
    :math:`e^{-x^2 - 0.5625 + R(1/x^2)/S(1/x^2)}/x` with :math:`x^2` split so that the
    exponent is exact.

    Examples
    --------
    >>> erfc(np.array([-np.inf, 0.0, 1.0, 10.0, 27.0, 28.0]))
    array([2.00000000e+000, 1.00000000e+000, 1.57299207e-001, 2.08848758e-045,
           5.23704644e-319, 0.00000000e+000])
    """
    x = np.asarray(x, dtype=np.float64)
    return _erfc(_flat(x), None, scaled=False).reshape(x.shape)


@functools.cache  # a constant: erfc asks for the same ones on every block
def _below(high_word: int) -> float:
    """The double whose high word is `high_word` and low word 0.

    For a non-negative double ``a``, s_erf.c's test ``ix < high_word`` on its high word
    is ``a < _below(high_word)``: comparing floats spares extracting the words.
    """
    return float(np.uint64(high_word << 32).view(np.float64))


def _erfc_small(
    x: np.ndarray, lo: np.ndarray | None, gauss: np.ndarray | None = None
) -> np.ndarray:
    """``erfc(x + lo)`` for ``|x| < 0.84375``, as s_erf.c computes it.

    ``1 - erf(x)``, rearranged for ``x >= 1/4`` so that ``x - 0.5`` is exact. (s_erf.c's
    ``1 - x`` below ``2**-56`` is left out: there both round to 1.) `lo` adds the
    first-order correction ``-2/sqrt(pi) exp(-x**2) lo``, with `gauss` for
    ``2/sqrt(pi) exp(-x**2)`` when the caller has it to a few digits.
    """
    xy = x * _small_ratio(x)
    v = np.where(x < 0.25, 1.0 - (x + xy), 0.5 - (xy + (x - 0.5)))
    return _corrected(v, x, lo, gauss)


def _erfc_mid(x: np.ndarray, lo: np.ndarray | None, gauss: np.ndarray | None = None) -> np.ndarray:
    """``erfc(x + lo)`` for ``0.84375 <= |x| < 1.25``, as s_erf.c computes it (`_erfc_small`)."""
    pq = _mid_ratio(np.abs(x))
    v = np.where(np.signbit(x), 1.0 + (_ERX + pq), (1.0 - _ERX) - pq)
    return _corrected(v, x, lo, gauss)


def _corrected(
    v: np.ndarray, x: np.ndarray, lo: np.ndarray | None, gauss: np.ndarray | None
) -> np.ndarray:
    """``v - 2/sqrt(pi) exp(-x**2) lo``: ``erfc(x + lo)`` to first order, from ``v = erfc(x)``."""
    if lo is not None:
        lo = lo * (_TWO_OVER_SQRT_PI * np.exp(-x * x) if gauss is None else gauss)
        v -= lo
    return v


def _erfc(x: np.ndarray, lo: np.ndarray | None, scaled: bool) -> np.ndarray:
    """``erfc(x + lo)`` for a 1-d `x` and a correction ``|lo| << ulp(x)``.

    With ``lo=None`` and ``scaled=False`` this is s_erf.c's erfc, step for step (but
    for a step that changes no result, see `_erfc_small`); `lo`
    adds the first-order correction ``-2/sqrt(pi) exp(-x**2) lo``, exactly folded into
    the exponent in the tail; ``scaled`` multiplies the result by ``2**SCALE``.

    Each of s_erf.c's ranges is gathered once (by index) and computed on its own, the
    tail's two rational approximations included, so no element is computed twice.
    """
    ax = np.abs(x)
    neg = np.signbit(x)
    out = x.copy()  # NaN stays NaN; every other value is written below
    scale = 2.0**SCALE if scaled else 1.0  # exact, as ldexp: no value here is subnormal

    def where(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        i = np.flatnonzero(mask)
        return i, ax[i], None if lo is None else lo[i]

    with np.errstate(under="ignore"):
        # |x| < 0.84375: 1 - erf(x), rearranged for x >= 1/4
        i, a, d = where(ax < _below(_SMALL))
        out[i] = _erfc_small(x[i], d) * scale
        # 0.84375 <= |x| < 1.25
        i, a, d = where((ax >= _below(_SMALL)) & (ax < _below(_MID)))
        out[i] = _erfc_mid(x[i], d) * scale
        # 1.25 <= x < 28: the tail; erfc(-6 < x <= -1.25) = 2 - erfc(|x|); each side in
        # two parts, below and above 1/0.35, for the tail's two rational approximations
        mid, split = ax >= _below(_MID), ax < _below(_RA_ERFC)
        for first, right, left in (
            (True, mid & split & ~neg, mid & split & neg),
            (False, ~split & (ax < _below(_ERFC_ZERO)) & ~neg, ~split & (ax < _below(_SIX)) & neg),
        ):
            i, a, d = where(right)
            out[i] = _tail_from_ratio(a, _tail_ratio(1.0 / (a * a), first), d, scaled)
            i, a, d = where(left)
            ratio = _tail_ratio(1.0 / (a * a), first)
            tail = _tail_from_ratio(a, ratio, None if d is None else -d, False)
            out[i] = (2.0 - tail) * scale
        # x >= 28 (+inf too): tiny*tiny rounds to 0; x <= -6 (-inf too): 2 - tiny rounds to 2
        out[(ax >= _below(_ERFC_ZERO)) & ~neg] = 0.0
        out[(ax >= _below(_SIX)) & neg] = 2.0 * scale
    return out


def _exp_scaled_parts(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(e, rel)`` with ``exp(a) * 2**SCALE = e * (1 + rel)``, for a 1-d ``a <= 0``.

    Returning ``rel`` lets a caller fold it into its own last rounding.
    """
    out = np.ldexp(np.exp(a), SCALE)
    rel = np.zeros_like(a)
    deep = a < -512.0
    out[deep] = np.exp(a[deep] + SCALE * _LN2_HI)
    rel[deep] = _EXP_SCALE_LO_M1
    return out, rel


def exp_scaled(a: ArrayLike) -> np.ndarray:
    r"""``exp(a) * 2**SCALE`` for :math:`a \le 0`, without rounding to a subnormal first.

    For :math:`a < -512` the scaling goes into the exponent as
    ``exp(a + SCALE*ln2_hi) * exp(SCALE*ln2_lo)``: ``a + SCALE*ln2_hi`` is exact there,
    because ``ln2_hi`` has 32 significant bits and ``a`` is a multiple of ``2**-43``.
    Elsewhere ``exp(a)`` is normal and ``ldexp`` scales it exactly.

    Examples
    --------
    >>> float(np.ldexp(exp_scaled(np.array([-740.0]))[0], -SCALE))  # exp(-740) = 4.2e-322
    4.2e-322
    """
    a = np.asarray(a, dtype=np.float64)
    shape, a = a.shape, _flat(a)
    with np.errstate(under="ignore"):
        e, rel = _exp_scaled_parts(a)
        out = e + e * rel
    return out.reshape(shape)


def exp_times(x: np.ndarray, a: np.ndarray, a_lo: np.ndarray | float = 0.0) -> np.ndarray:
    r"""``x * exp(a + a_lo)`` for 1-d float64 arrays with ``a < DEEP``, rounded once.

    Where :math:`e^{a}` is subnormal, or near it, ``x * exp(a)`` would first round
    :math:`e^{a}` to a few significant bits and then multiply that error by
    :math:`|x|`. Here :math:`x = m\,2^k` with :math:`1/2 \le |m| < 1`, the power goes
    into the exponent, :math:`a + k \ln 2` is carried exactly as a sum of two floats,
    and the product is formed times `2**SCALE` and scaled back once. An infinite `x`
    gives 0 with its sign: the limit of :math:`x e^{a}` as :math:`a = \beta x \to -\infty`.

    Examples
    --------
    >>> x, a = np.array([-740.0, 1e300]), np.array([-740.0, -1200.0])
    >>> exp_times(x, a)  # exp(-1200) alone is 0.0
    array([-3.09966905e-319,  7.02460189e-222])
    """
    infinite = np.isinf(x)
    m, k = np.frexp(np.where(infinite, 0.0, x))
    kf = k.astype(np.float64)
    # k * _LN2_HI is exact (|k| <= 1074 has 11 bits, _LN2_HI 32); below -3000 the result
    # is 0 whatever x is, since k ln 2 <= 710
    far = a < -3000.0
    s, s_lo = two_sum(np.where(far, -3000.0, a), kf * _LN2_HI)
    # renormalised, |s_lo| <= ulp(s)/2, so that e**s_lo = 1 + s_lo to far below an ulp
    s, s_lo = two_sum(s, s_lo + (np.where(far, 0.0, a_lo) + kf * _LN2_LO))
    with np.errstate(under="ignore"):
        e, rel = _exp_scaled_parts(s)
        out = np.ldexp(m * (e + e * (rel + s_lo * (1.0 + rel))), -SCALE)
    return np.where(infinite, np.copysign(0.0, x), out)


def ndtr(z: ArrayLike, scaled: bool = False) -> np.ndarray:
    r"""Standard normal CDF :math:`\Phi(z) = \operatorname{erfc}(-z/\sqrt{2})/2`.

    Parameters
    ----------
    z : array_like
        Real input of any shape, converted to float64.
    scaled : bool, optional
        Return :math:`2^{64}\,\Phi(z)` (see `SCALE`), which stays normal down to
        :math:`z = -39`.

    Returns
    -------
    ndarray
        :math:`\Phi(z)`, float64, the shape of `z`.

    Notes
    -----
    ``1 + erf(z/sqrt(2))`` cancels to 0 for :math:`z < -8.3`; erfc does not. The
    argument :math:`-z/\sqrt{2}` is carried as ``t + d``, ``t`` the float and ``d``
    its rounding error (from an exact product and the error of the constant
    :math:`1/\sqrt{2}`), and ``_erfc`` corrects for ``d``. Without it the relative
    error would grow like :math:`z^2 u`.

    Examples
    --------
    >>> ndtr(np.array([-np.inf, -30.0, 0.0, 1.0, np.inf]))
    array([0.00000000e+000, 4.90671393e-198, 5.00000000e-001, 8.41344746e-001,
           1.00000000e+000])
    """
    z = np.asarray(z, dtype=np.float64)
    shape = z.shape
    zc = np.clip(_flat(z), -64.0, 64.0)  # Phi is 0 or 1 beyond; keeps the split finite
    with np.errstate(under="ignore"):
        out = np.ldexp(ndtr_twice_scaled(zc), -1 if scaled else -1 - SCALE)
    return out.reshape(shape)


def ndtr_twice_scaled(z: np.ndarray) -> np.ndarray:
    """``2 * 2**SCALE * Phi(z)`` for a 1-d float64 `z` within [-64, 64]: `ndtr`'s core.

    `ndtr` scales it back with one ldexp. (Call it with underflow ignored: the tail below
    ``z = -38.6`` is subnormal.)
    """
    return _erfc(*_minus_z_over_sqrt2(z), scaled=True)


def normal_pdf(z: ArrayLike, scaled: bool = False) -> np.ndarray:
    r"""Standard normal density :math:`\varphi(z) = e^{-z^2/2}/\sqrt{2\pi}`.

    Parameters
    ----------
    z : array_like
        Real input of any shape, converted to float64.
    scaled : bool, optional
        Return :math:`2^{64}\,\varphi(z)` (see `SCALE`).

    Returns
    -------
    ndarray
        :math:`\varphi(z)`, float64, the shape of `z`; 0 at :math:`\pm\infty`.

    Notes
    -----
    ``exp(-z*z/2)`` is off by up to a relative :math:`z^2 u/2` (:math:`u` the unit
    roundoff), hundreds of ulps at :math:`z = 37`: :math:`z^2` is rounded, and ``exp``
    turns that absolute error of its argument into a relative error of its result.
    Here :math:`z^2 = h + l` exactly (Dekker's product), :math:`e^{-h/2}` has an exact
    argument, :math:`e^{-l/2} = 1 - l/2` to within :math:`10^{-27}`, and the product
    with :math:`1/\sqrt{2\pi}` is formed exactly before one final rounding.

    Examples
    --------
    >>> normal_pdf(np.array([0.0, 1.0, 37.0, np.inf]))
    array([3.98942280e-001, 2.41970725e-001, 2.12000655e-298, 0.00000000e+000])
    """
    z = np.asarray(z, dtype=np.float64)
    shape = z.shape
    zc = np.clip(_flat(z), -40.0, 40.0)  # exp(-800) is 0: keeps z*z and its split finite
    with np.errstate(under="ignore"):
        out = normal_pdf_scaled(zc)
        if not scaled:
            out = np.ldexp(out, -SCALE)
    return out.reshape(shape)


_Split: TypeAlias = tuple[np.ndarray | np.floating, np.ndarray | np.floating]  # split()'s
# split() of the constants that multiply arrays in exact products
_SPLIT_MINUS_SQRT1_2 = split(np.float64(-_SQRT1_2))
_SPLIT_PDF = split(np.float64(_INV_SQRT_2PI))


def normal_pdf_scaled(z: np.ndarray) -> np.ndarray:
    """``2**SCALE * phi(z)`` for a 1-d float64 `z` within [-40, 40]: `normal_pdf`'s core."""
    p, rest, _ = _normal_pdf_parts(z, split(z), scaled=True)
    return p + rest


def _normal_pdf_parts(
    z: np.ndarray, z_split: _Split, scaled: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p, rest, exp(-fl(z*z)/2))`` with ``phi(z) = p + rest`` before its last rounding,
    times ``2**SCALE`` if `scaled` (else for ``|z| < 37``, where no result is near a
    subnormal); `z_split` is ``split(z)``."""
    hi, lo = two_product(z, z, splits=(z_split, z_split))
    # exp(-hi/2) (1 - lo/2) (c + c_lo) with c the constant: E*c exactly as p + pe, so the
    # only roundings are exp's and the final sum's.
    e, rel = _exp_scaled_parts(-0.5 * hi) if scaled else (np.exp(-0.5 * hi), 0.0)
    p, pe = two_product(e, np.float64(_INV_SQRT_2PI), splits=(split(e), _SPLIT_PDF))
    return p, pe + p * ((_INV_SQRT_2PI_REL_LO + rel) - 0.5 * lo), e


# ------------------------------------------------------- GELU's z Phi(z) and its derivative
# s_erf.c's ranges as bounds on |z|, for x = |z|/sqrt(2): |z| < _Z_SMALL is |x| < 0.84375, and so
# on. (A z within an ulp of a bound may take either side: the approximations overlap there.)
_Z_SMALL, _Z_MID, _Z_SPLIT = (float(np.sqrt(2.0) * _below(w)) for w in (_SMALL, _MID, _RA_ERFC))
# Constants c = hi + lo of the exponents below, hi a multiple of 2**-40 so that hi - zh*zh/2 is
# exact (zh*zh/2 is a multiple of 2**-41 for zh >= 1, and below 1024), computed with mpmath:
# -0.5625 - ln(2)/2, for |z| Phi(-|z|) = exp(-z*z/2 - 0.5625 + R/S) / sqrt(2) (s_erf.c's tail)
_TAIL_HI, _TAIL_LO = -0.9090735902800589, 8.619722262807417e-14
# -ln(2 pi)/2, for phi(z) = exp(-z*z/2 - ln(2 pi)/2)
_PDF_HI, _PDF_LO = -0.9189385332047095, 3.678716505667335e-14


def _minus_z_over_sqrt2(
    z: np.ndarray, z_split: _Split | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(t, d)`` with ``t = fl(-z/sqrt(2))`` and ``t + d = -z/sqrt(2)`` to far below an ulp."""
    zs = split(z) if z_split is None else z_split
    t, e = two_product(z, np.float64(-_SQRT1_2), splits=(zs, _SPLIT_MINUS_SQRT1_2))
    return t, e - z * _SQRT1_2_LO  # t + e = -z * _SQRT1_2 exactly


def _tail_exponent(az: np.ndarray, first: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(q, h, ratio)`` for ``az = |z|`` in s_erf.c's tail, ``x = az/sqrt(2) >= 1.25``.

    ``-z*z/2 = q + h``: ``q = -zh*zh/2`` with ``zh`` cut to its high word is exact,
    and the rest ``h = (zh - z)(zh + z)/2``, below ``2**-20 z*z``, is rounded twice (within
    2 ulps of ``h``, 2e-19 at most: far below an ulp of the exponent). ``ratio`` is
    s_erf.c's ``R/S`` at ``1/x**2 = 2/z**2`` (``first``: below ``x = 1/0.35``), which
    needs no more than its own accuracy.
    """
    zh = _high_part(az)
    ratio = _tail_ratio(2.0 / (az * az), first)
    q = zh * zh
    q *= -0.5
    h = zh - az
    h *= zh + az
    h *= 0.5
    return q, h, ratio


def _exp_of_sum(a: np.ndarray, b: np.ndarray, rel: float, exact: bool) -> np.ndarray:
    """``exp(a + b) * (1 + rel)`` with `exp` rounded once, for ``|b| < 1`` and a small `rel`.

    ``a + b = s + e`` exactly (`fast_two_sum` where ``|a| >= |b|`` always holds, else
    `two_sum` when `exact`), and ``exp(s + e) (1 + rel) = exp(s) (1 + e + rel)`` to far
    below an ulp, as ``|e|`` is within half an ulp of ``s``.
    """
    s, e = two_sum(a, b) if exact else fast_two_sum(a, b)
    r = np.exp(s)
    e += rel
    e *= r
    e += r
    return e


# The constants' low parts, as relative factors exp(lo) - 1, for the tail's two parts
_TAIL_REL = (float(np.expm1(_TAIL_LO)), float(np.expm1(_TAIL_LO + SCALE * _LN2_LO)))
_PDF_REL = (float(np.expm1(_PDF_LO)), float(np.expm1(_PDF_LO + SCALE * _LN2_LO)))


def _tail_terms(az: np.ndarray, first: bool, pdf: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """``(|z| Phi(-|z|), phi(z) if pdf)`` for `az` in the tail, times ``2**SCALE`` unless `first`.

    With ``x = |z|/sqrt(2)``, s_erf.c's ``erfc(x) = exp(-x*x - 0.5625 + R/S) / x`` gives
    ``|z| Phi(-|z|) = |z| erfc(x)/2 = exp(-z*z/2 - 0.5625 - ln(2)/2 + R/S)``: no division,
    and ``-z*z/2`` is carried as an exact part plus a tiny rest (`_tail_exponent`), so
    the roundings that count are exp's, those of ``R/S`` (a value of at most 0.22, off
    by up to 1.2 of its ulps: the largest term) and the last. Beyond ``1/0.35`` (not
    `first`) the result is formed times ``2**SCALE``, by adding ``SCALE * ln2_hi`` to the
    exponent exactly: ``|z| Phi(-|z|)`` is subnormal from ``z = -37.62``. There the
    exponent can cross 0, and its sum is `two_sum`'s.
    """
    part = 0 if first else 1
    q, h, ratio = _tail_exponent(az, first)
    shift = 0.0 if first else SCALE * _LN2_HI
    ratio += h
    v = _exp_of_sum(q + (_TAIL_HI + shift), ratio, _TAIL_REL[part], not first)
    if not pdf:
        return v, None
    q += _PDF_HI + shift
    return v, _exp_of_sum(q, h, _PDF_REL[part], not first)


def _ranges(z: np.ndarray, below: float | None = None) -> tuple[np.ndarray, ...]:
    """The indices of `z` in s_erf.c's four ranges of ``x = |z|/sqrt(2)``: below 0.84375,
    below 1.25, below 1/0.35, and the rest, with NaN (it propagates) or, given `below`,
    the rest where ``z < below``."""
    az = np.abs(z)
    under = [az < bound for bound in (_Z_SMALL, _Z_MID, _Z_SPLIT)]
    rest = ~under[2] if below is None else (z < below) & ~under[2]
    return (
        np.flatnonzero(under[0]),
        np.flatnonzero(under[1] ^ under[0]),
        np.flatnonzero(under[2] ^ under[1]),
        np.flatnonzero(rest),
    )


# Phi(z) rounds to 1 from z = 6 sqrt(2) on (s_erf.c's erfc(-6) = 2), and so z Phi(z) to z
_Z_ONE = float(np.sqrt(2.0) * _below(_SIX))


def z_ndtr(z: np.ndarray) -> np.ndarray:
    r"""GELU's :math:`z\,\Phi(z)` for a 1-d float64 `z` with no value below -40 (call it
    with underflow ignored).

    Near 0 (:math:`|z| < 1.25\sqrt{2}`) this is `ndtr`'s :math:`z\,\operatorname{erfc}(t + d)/2`
    with :math:`t + d = -z/\sqrt{2}`. In the tails, :math:`v = |z|\,\Phi(-|z|)` comes from
    one exp with an exact argument (`_tail_terms`) and
    :math:`z\,\Phi(z) = \max(z, -0) - v`: :math:`-v` for :math:`z < 0`, and
    :math:`z - v` for :math:`z > 0`, as :math:`\Phi(z) = 1 - \Phi(-z)`. From
    :math:`z = 6\sqrt{2}` on (and for NaN) the result is `z`, copied.
    """
    out = z.copy()
    small, mid, first, rest = _ranges(z, below=_Z_ONE)
    for i, erfc_part in ((small, _erfc_small), (mid, _erfc_mid)):
        zi = z[i]
        t, d = _minus_z_over_sqrt2(zi)
        v = erfc_part(t, d)
        v *= zi
        v *= 0.5
        out[i] = v
    for i, part in ((first, True), (rest, False)):
        zi = z[i]
        v, _ = _tail_terms(np.abs(zi), part, pdf=False)
        if not part:
            v *= 2.0**-SCALE  # one rounding, subnormal or not
        out[i] = np.maximum(zi, -0.0) - v  # -0.0 - v: the sign of an underflowed -v
    return out


def z_ndtr_derivative(z: np.ndarray) -> np.ndarray:
    r"""GELU's derivative :math:`\Phi(z) + z\,\varphi(z)` for a 1-d float64 `z` within
    [-40, 40] (call it with underflow ignored).

    Near 0, `ndtr`'s :math:`\operatorname{erfc}(t + d)/2` plus :math:`z` times
    `normal_pdf`'s :math:`\varphi`, whose exp serves erfc's correction too. In the tails,
    with :math:`v = |z|\,\Phi(-|z|)` and :math:`\varphi(z)` from the same exact exponent
    (`_tail_terms`), :math:`w = z\,\varphi(z) - v/z` is
    :math:`\Phi(z) + z\varphi(z)` for :math:`z < 0` and that minus 1 for
    :math:`z > 0`. It cancels little: :math:`v/|z| < |z|\varphi(z)/z^2` there.
    """
    out = np.empty_like(z)
    small, mid, first, rest = _ranges(z)
    for i, erfc_part in ((small, _erfc_small), (mid, _erfc_mid)):
        zi = z[i]
        zs = split(zi)
        t, d = _minus_z_over_sqrt2(zi, zs)
        pdf, pdf_rest, gauss = _normal_pdf_parts(zi, zs, scaled=False)
        # exp(-z*z/2) is exp(-t*t) to a few ulps: enough for erfc's correction
        v = erfc_part(t, d, _TWO_OVER_SQRT_PI * gauss)
        v *= 0.5
        # z phi(z) from phi's unrounded parts, z * pdf exactly: Phi + z phi cancels near
        # -0.75, and near -1.27, where it is just below 0.125 in size, z phi = 0.227 lies in
        # the binade above, so each rounding of z phi or of phi would cost 1.3 ulps of it
        p, pe = two_product(zi, pdf, splits=(zs, split(pdf)))
        pdf_rest *= zi
        pe += pdf_rest
        v += p
        v += pe
        out[i] = v
    for i, part in ((first, True), (rest, False)):
        zi = z[i]
        v, phi = _tail_terms(np.abs(zi), part, pdf=True)
        assert phi is not None
        phi *= zi  # z phi(z) - v/z: Phi(z) + z phi(z) for z < 0, and that minus 1 for z > 0
        v /= zi
        phi -= v
        if not part:
            phi *= 2.0**-SCALE
        phi += np.clip(zi, -0.0, 1.0)  # 1, or -0.0 (keeps an underflowed -0.0), as |z| > 1.7
        out[i] = phi
    return out
