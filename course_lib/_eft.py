"""Error-free transformations: sums and products carried to twice the working precision.

`two_sum(a, b)` returns ``s = fl(a + b)`` and the rounding error ``e`` with
``a + b = s + e`` exactly (Knuth). `two_product(a, b)` does the same for ``a * b``
with Veltkamp's splitting (Dekker), since NumPy has no fused multiply-add.
`dot2` builds a dot product from them (Ogita, Rump and Oishi, 2005), accurate as if
computed in twice the precision and then rounded. All are vectorized over arrays.
"""

from __future__ import annotations

import functools
from typing import TypeAlias, overload

import numpy as np

__all__ = ["dot2", "fast_two_sum", "sum2", "two_product", "two_sum"]

# An array or a NumPy scalar: both carry the dtype that the split needs. Either operand
# of two_sum or two_product may be a scalar, but not both: the array gives the result.
_Operand: TypeAlias = np.ndarray | np.floating
# (hi, lo) of each operand: see `split`
_Splits: TypeAlias = tuple[tuple[_Operand, _Operand], tuple[_Operand, _Operand]]


@overload
def two_sum(a: np.ndarray, b: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def two_sum(a: float, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
def two_sum(
    a: np.ndarray | float, b: np.ndarray | float
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly (no overflow)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def fast_two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`two_sum` in three operations, for ``|a| >= |b|`` (Dekker's Fast2Sum).

    Exact whenever the exponent of `a` is at least that of `b` (and there is no overflow).
    """
    s = a + b
    e = s - a
    np.subtract(b, e, out=e)
    return s, e


def split(a: _Operand, huge: bool = False) -> tuple[_Operand, _Operand]:
    """Veltkamp's split ``a = hi + lo``, each of at most half the significand (`two_product`)."""
    # a * factor overflows for |a| >= 2**995 (float64): with `huge`, such a is split
    # as a * 2**-28 and both halves are scaled back, exactly (powers of two).
    half = (np.finfo(a.dtype).nmant + 2) // 2
    factor = a.dtype.type(2.0**half + 1)
    if huge:
        big = np.abs(a) >= a.dtype.type(np.finfo(a.dtype).max) / factor
        up = np.where(big, a.dtype.type(2.0 ** (half + 1)), a.dtype.type(1))
        a_in = a / up
        c_in = a_in * factor
        hi_in = c_in - (c_in - a_in)
        return hi_in * up, (a_in - hi_in) * up
    c = a * factor
    hi = c - (c - a)
    return hi, a - hi


@overload
def two_product(
    a: np.ndarray, b: _Operand, huge: bool = False, splits: _Splits | None = None
) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def two_product(
    a: np.floating, b: np.ndarray, huge: bool = False, splits: _Splits | None = None
) -> tuple[np.ndarray, np.ndarray]: ...
def two_product(
    a: _Operand, b: _Operand, huge: bool = False, splits: _Splits | None = None
) -> tuple[_Operand, _Operand]:
    """``(p, e)`` with ``p = fl(a * b)`` and ``a * b = p + e`` exactly.

    Exact unless the product underflows, or without `huge` when ``|a|`` or ``|b|``
    exceeds about ``2**995`` (the split overflows; `huge` splits such values scaled,
    at the cost of a comparison per element). `splits`: ``(split(a), split(b))``
    (`split`) when the caller has them already, from another product of `a` or `b`.
    """
    p = a * b
    if splits is None:
        ah, al = split(a, huge)
        bh, bl = (ah, al) if b is a else split(b, huge)  # a square: split once
    else:
        (ah, al), (bh, bl) = splits
    e = al * bl - (((p - ah * bh) - al * bh) - ah * bl)
    return p, e


def _tree(x: np.ndarray, axis: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sum along `axis` (-1 or 0) by a pairwise tree of `two_sum`: the sum and its errors.

    The sum plus the errors of all levels (one array per level) is exactly the sum of `x`.
    """

    def part(index: slice | int) -> np.ndarray:
        return x[index] if axis == 0 else x[..., index]

    errors = []
    while x.shape[axis] > 1:
        n = x.shape[axis] // 2 * 2
        s, e = two_sum(part(slice(0, n, 2)), part(slice(1, n, 2)))
        errors.append(e)
        x = s if n == x.shape[axis] else np.concatenate([s, part(slice(n, None))], axis=axis)
    hi = part(0) if x.shape[axis] else np.zeros(np.delete(x.shape, axis), dtype=x.dtype)
    return hi, errors


def sum2(
    x: np.ndarray, axis: int = -1, more: tuple[np.ndarray, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Sum along `axis` (-1 or 0) of `x` and `more` (small terms) as ``hi + lo``.

    `x` is summed by a tree of `two_sum`; its errors and `more` are summed by a second
    tree (in plain floating point they would carry an error that grows with K, about
    ``K u`` times their own sum), and only the errors of that are summed plainly. So
    ``hi + lo`` is the sum to about ``u |sum| + u**2 sum|x|`` whatever K.
    """
    hi, errors = _tree(x, axis)
    terms = errors + list(more)
    if not terms:
        return hi, np.zeros_like(hi)
    lo_hi, lo_errors = _tree(np.concatenate(terms, axis=axis), axis)
    s, t = two_sum(hi, lo_hi)
    if lo_errors:  # summed first, then added to t: one rounding at t's scale, not one a level
        t = t + functools.reduce(np.add, (e.sum(axis=axis) for e in lo_errors))
    # two_sum, not Dekker's shorter one: where the first tree cancels exactly, t can
    # outgrow s (a tiny hi beside errors that did not cancel)
    return two_sum(s, t)


def dot2(
    a: np.ndarray,
    b: np.ndarray,
    huge: bool = False,
    axis: int = -1,
    splits: _Splits | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Dot products along `axis` (-1 or 0) as unevaluated sums ``hi + lo``.

    The result is as accurate as if computed in twice the working precision:
    its error is about ``u * |a.b| + u**2 * (|a|.|b|)`` (the products' and the sums'
    errors are summed compensated too, see `sum2`). `splits` as in `two_product`.
    """
    p, e = two_product(a, b, huge, splits)
    return sum2(p, axis, (e,))
