r"""Softmax, its logarithm, log-sum-exp, the softmax Jacobian and its vector product.

Reductions run along ``axis``, default ``-1`` (rows are samples, the last axis holds
the :math:`K` logits; SciPy's default is ``axis=None``).

Two forms, one keyword. ``method="fast"`` is the textbook max shift
:math:`e^{z_i - m}/\sum_j e^{z_j - m}`. Its weakness: :math:`z_i - m` is rounded, and
``exp`` turns an absolute error :math:`\delta` in its argument into a relative error
:math:`\delta` in its result, so at logit scale :math:`|z| \approx 1000` an element can
be off by hundreds of ulps. ``method="accurate"`` (the default) also computes the
rounding error of each :math:`z_i - m` exactly (`two_sum`) and multiplies it back in:
:math:`e^{s + \epsilon} \approx e^{s}(1 + \epsilon)`. `softmax` skips the shift, and with
it the rounding, where none is needed: a float64 slice whose max lies in
:math:`[0, 700 - \ln K]` is :math:`e^{z_i}/\sum_j e^{z_j}` as written, since nothing
overflows and no :math:`p_i` is larger than its :math:`e^{z_i}`; `log_softmax` does the
same for such slices of 32 logits or more, with its few per-slice quantities in long
double where that is x87's 80-bit format. Measured against
SciPy's ``softmax`` (the fast form), the accurate one takes about the same time, and
`log_softmax` too; choose ``"fast"`` in a hot loop where a few hundred ulps do not
matter and the logits are large.

Non-finite logits. A NaN anywhere in a slice makes the whole slice NaN. If the largest
logit of a slice is :math:`+\infty` the result is the limit: all the probability
shared equally by the :math:`+\infty` entries (the limit of adding :math:`t \to \infty`
to each of them). ``-inf`` entries get probability 0; a slice of only ``-inf`` is
treated the same way (every entry ties for the maximum), so it is uniform.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from . import bounds
from ._arrays import (
    FloatArray,
    FloatResult,
    as_float_array,
    check_axis,
    check_range,
    check_same_shape,
    finish,
)
from ._eft import dot2, split, sum2, two_product, two_sum
from ._kernels import BLOCK

__all__ = ["log_softmax", "logsumexp", "softmax", "softmax_jacobian", "softmax_vjp"]

_METHODS = ("accurate", "fast")


def _check_method(method: object, func: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"{func}: method must be one of {_METHODS}; got {method!r}")


def _finite_max(z: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Max along `axis` (kept), with slices whose max is +-inf rewritten (`_finite`)."""
    return _finite(z, np.max(z, axis=axis, keepdims=True))


def _finite_argmax(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_finite_max` and the position of the first maximal entry of each slice (kept).

    A slice with a NaN has it as its max, as with ``np.max``. One pass, not two."""
    top = np.argmax(z, axis=axis, keepdims=True)
    return (*_finite(z, np.take_along_axis(z, top, axis=axis)), top)


def _finite(z: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`z` and its slices' max `m`, with the slices whose max is +-inf rewritten.

    Such a slice becomes 0 where it equals its max and -inf elsewhere (its max 0), so the
    normal computation then gives the limit described in the module docstring.
    """
    inf_max = np.isinf(m)
    if inf_max.any():
        tied = np.where(z == m, 0.0, -np.inf).astype(z.dtype)
        z = np.where(inf_max, tied, z)
        m = np.where(inf_max, np.zeros_like(m), m)
    return z, m


def _parts(
    z: np.ndarray, accurate: bool, axis: int = -1
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Shifted logits ``s``, their rounding errors ``err`` and ``e = exp(s + err)``.

    Works along `axis`. With `accurate`, a narrow `z` (float16/32) is
    computed in float64, where plain arithmetic is already far below its ulp and
    ``err`` is None; a float64 `z` gets the compensation. Without `accurate`, ``err``
    is None and nothing is compensated.
    """
    if accurate and np.finfo(z.dtype).bits < 64:
        z, accurate = z.astype(np.float64), False
    z, m = _finite_max(z, axis)
    with np.errstate(over="ignore", invalid="ignore"):
        # z - m overflows to -inf only when the spread of a slice exceeds the float
        # range; exp then gives the right 0 and the error lanes are cleared below.
        s = np.subtract(z, m)
        if not accurate:
            return s, None, np.exp(s)
        err, bb = np.empty_like(s), np.empty_like(s)
        _shift_error(z, m, s, err, bb)
    np.fmax(err, -1.0, out=err)  # NaN (overflowed lane, where e = 0) becomes harmless
    e = np.exp(s, out=bb)
    corr = np.multiply(e, err)
    np.add(e, corr, out=e)
    return s, err, e


def _rows(z: np.ndarray, axis: int) -> np.ndarray:
    """`z` as a C-contiguous 2-D array (slices, K) with `axis` last."""
    w = np.moveaxis(z, axis, -1)
    return np.ascontiguousarray(w).reshape(-1, w.shape[-1])


def _unrows(out: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Undo `_rows`: back to `shape` with the K axis at `axis`."""
    moved = (*shape[:axis], *shape[axis + 1 :], shape[axis])
    return np.moveaxis(out.reshape(moved), -1, axis)


# Rows shorter than this are worked on transposed (see _by_row_blocks)
SHORT_ROWS = 8


def _by_row_blocks(
    kernel: Callable[..., None], rows: np.ndarray, out: np.ndarray, **options: bool
) -> np.ndarray:
    """Apply ``kernel(block, out_block, axis, **options)`` to blocks of rows that fit in cache.

    Working on about `BLOCK` elements at a time keeps every temporary in cache;
    numpy sums each row pairwise either way, so results do not depend on the block.
    Short rows (K < `SHORT_ROWS`, such as K = 2) are reduced along axis 0 of the
    transposed block, so that each reduction runs across the block, vectorized, rather
    than once per row of two elements: softmax of (500000, 2) 3.5 and 4.1 times faster
    (two runs, 2026-12-04), log_softmax 1.1 and 1.3 times. numpy sums fewer than
    8 elements of a row one after the other, as it does along axis 0, so the
    results are bit for bit the same. (Not for float16 summed in float16, ``"fast"``:
    numpy sums a float16 row in float32 and rounds once, but axis 0 step by step.)
    """
    k = rows.shape[1]
    step = max(1, BLOCK // k)
    transpose = k < SHORT_ROWS and (rows.dtype != np.float16 or options.get("accurate", True))
    scratch = _Scratch(min(step, rows.shape[0]) * k)
    for start in range(0, rows.shape[0], step):
        block, out_block = rows[start : start + step], out[start : start + step]
        if transpose:
            out_t = np.empty(out_block.shape[::-1], dtype=out.dtype)
            kernel(np.ascontiguousarray(block.T), out_t, axis=0, scratch=scratch, **options)
            out_block[...] = out_t.T
        else:
            kernel(block, out_block, axis=-1, scratch=scratch, **options)
    return out


class _Scratch:
    """Float64 buffers of a block's size, reused from block to block.

    ``scratch(i, shape)`` is buffer `i` (made on first use) viewed as `shape`. A new
    array per block and per temporary would be faulted in afresh every time.
    """

    def __init__(self, size: int):
        self.size = size
        self.buffers: dict[int, np.ndarray] = {}

    def __call__(self, i: int, shape: tuple[int, ...]) -> np.ndarray:
        if i not in self.buffers:
            self.buffers[i] = np.empty(self.size)
        return self.buffers[i][: math.prod(shape)].reshape(shape)


def _shift_error(
    z: np.ndarray, m: np.ndarray, s: np.ndarray, err: np.ndarray, bb: np.ndarray
) -> None:
    """``err``: the rounding error of ``s = fl(z - m)``, so that ``z - m = s + err``.

    `two_sum(z, -m)` written with out= buffers, `bb` a scratch buffer:
    ``err = (z - (s - bb)) + (-m - bb)`` with ``bb = s - z``. Where ``z - m``
    overflowed (a slice spread over more than the float range) `err` is NaN.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        np.subtract(s, z, out=bb)
        np.subtract(s, bb, out=err)
        np.subtract(z, err, out=err)
        np.add(bb, m, out=bb)
        np.subtract(err, bb, out=err)


def _rest_sum(s: np.ndarray, e: np.ndarray, axis: int = -1) -> np.ndarray:
    """``sum(e) - 1`` without cancellation: the sum of the non-maximal terms.

    The maximal terms have ``s == 0`` and ``e == 1`` exactly; one of them is the 1
    being subtracted, the others (ties) add 1 each. `e` is overwritten.
    """
    top = s == 0
    ties = np.count_nonzero(top, axis=axis, keepdims=True)
    np.copyto(e, 0, where=top)
    return e.sum(axis=axis, keepdims=True) + (ties - 1)


# A slice whose max m lies in [0, _UNSHIFTED_MAX - ln K] needs no shift: no e**z_j
# overflows, nor does their sum, and since the sum is at least e**m >= 1 an e**z_i that
# is subnormal (or 0) gives a p_i that is no larger, so no digit is lost by skipping the
# shift. Without the shift there is no rounded z_i - m to compensate for. The same holds
# for log_softmax's T = sum of e**z_j / e**m over the non-maximal j: a subnormal e**z_j
# carries an absolute error that e**m >= 1 only shrinks.
_UNSHIFTED_MAX = 700.0

# log_softmax skips the shift too (see _log_softmax_float64) where numpy's long double is
# x87's 80-bit format (Linux and macOS on x86-64; elsewhere it is float64 or a software
# quad, too slow), for rows of at least this many logits: it costs an extended-precision
# exp and log1p per row, which the six passes it saves repay from about 24 logits on
# (time against the shifted form, 10^6 logits: 1.00 at K = 24, 0.91 at 32, 0.74 at 100).
_EXTENDED = np.finfo(np.longdouble).nmant == 63
_UNSHIFTED_LOG_MIN_K = 32


def _unshifted(m: np.ndarray, k: int) -> np.ndarray:
    """The slices, by their max `m`, that need no shift (see `_UNSHIFTED_MAX`)."""
    return (m >= 0.0) & (m <= _UNSHIFTED_MAX - np.log(k))


def _unshifted_where_possible(
    z: np.ndarray,
    out: np.ndarray,
    axis: int,
    plain: np.ndarray,
    unshifted: Callable[[np.ndarray, np.ndarray], None],
    shifted: Callable[[np.ndarray, np.ndarray], None],
) -> bool:
    """The `plain` slices by ``unshifted(z, out)``, the others by ``shifted(sub, sub_out)``.

    Returns False, having done nothing, when no slice is plain. Otherwise `unshifted` runs
    on the whole block and the other slices, taken out so that their cost is theirs
    alone, are written over with `shifted`'s result.
    """
    if plain.all():
        unshifted(z, out)
        return True
    if not plain.any():
        return False
    others = np.flatnonzero(~plain)
    sub = np.take(z, others, axis=1 - axis % 2)
    sub_out = np.empty_like(sub)
    shifted(sub, sub_out)
    with np.errstate(all="ignore"):  # in the other slices, overwritten below
        unshifted(z, out)
    if axis == 0:
        out[:, others] = sub_out
    else:
        out[others] = sub_out
    return True


def _softmax_block(
    z: np.ndarray, out: np.ndarray, axis: int, accurate: bool, scratch: _Scratch
) -> None:
    if accurate and out.dtype == np.float64 and z.dtype == np.float64:
        # slices that need no shift, and so have none to round: see _UNSHIFTED_MAX
        plain = _unshifted(np.max(z, axis=axis, keepdims=True), z.shape[axis])

        def unshifted(z: np.ndarray, out: np.ndarray) -> None:
            e = np.exp(z, out=out)
            np.divide(e, e.sum(axis=axis, keepdims=True), out=out)

        if _unshifted_where_possible(
            z,
            out,
            axis,
            plain,
            unshifted,
            lambda sub, sub_out: _softmax_block(sub, sub_out, axis, accurate, _Scratch(sub.size)),
        ):
            return
        # _parts' computation in `out` and two scratch buffers, and no guard against
        # overflowed lanes: a slice that comes out NaN is done again by _parts
        zf, m = _finite_max(z, axis)
        with np.errstate(over="ignore"):
            s = np.subtract(zf, m, out=out)
        err = scratch(0, z.shape)
        _shift_error(zf, m, s, err, scratch(1, z.shape))
        e = np.exp(s, out=out)
        with np.errstate(invalid="ignore"):  # 0 * NaN in an overflowed lane
            np.multiply(e, err, out=err)
        np.add(e, err, out=e)
        total = e.sum(axis=axis, keepdims=True)
        if not np.isnan(total).any():
            np.divide(e, total, out=out)
            return
    if accurate:
        _, _, e = _parts(z, accurate, axis)
    else:  # the textbook max shift, computed in place in `out`
        z, m = _finite_max(z, axis)
        with np.errstate(over="ignore"):  # z - m = -inf only where exp gives 0 anyway
            e = np.subtract(z, m, out=out)
        np.exp(e, out=e)
    np.divide(e, e.sum(axis=axis, keepdims=True), out=out, casting="same_kind")


def _log_softmax_block(
    z: np.ndarray, out: np.ndarray, axis: int, accurate: bool, scratch: _Scratch
) -> None:
    if accurate and out.dtype == np.float64 and z.dtype == np.float64:
        _log_softmax_float64(z, out, axis, scratch)
        return
    s, _, e = _parts(z, accurate, axis)  # accurate: a narrow z, in float64: no error term
    if accurate:
        np.subtract(s, np.log1p(_rest_sum(s, e, axis)), out=s)
        with np.errstate(over="ignore"):  # below float16/32's range, ln p rounds to -inf
            np.copyto(out, s, casting="same_kind")
    else:
        np.subtract(s, np.log(e.sum(axis=axis, keepdims=True)), out=out)


def _log_softmax_float64(z: np.ndarray, out: np.ndarray, axis: int, scratch: _Scratch) -> None:
    r"""The accurate log-softmax of a float64 block, in `out` and up to two scratch buffers.

    :math:`\ln p_i = s_i - \operatorname{log1p}(T)` with :math:`s_i = \mathrm{fl}(z_i - m)`
    and :math:`T = \sum_{j \ne \hat\imath} e^{z_j - m}`, the first maximal entry
    :math:`\hat\imath` left out (its term is exactly 1; a tie adds its own). Rounding
    :math:`s_i` costs at most half an ulp, since :math:`|\ln p_i| \ge |s_i|`; the care is
    all in :math:`T`, where an uncompensated :math:`e^{s_j}` at :math:`|s_j| \approx 30` is
    off by 16 ulps, and so is :math:`\ln p_{\hat\imath} \approx -T`. Two ways:

    - Unshifted, where the slice needs no shift (`_UNSHIFTED_MAX`), long double is x87's
      (`_EXTENDED`) and :math:`K \ge 32`: :math:`T = \sum_{j \ne \hat\imath} e^{z_j} / e^m`,
      each :math:`e^{z_j}` of an exact argument, and :math:`e^m`, the division and
      log1p carried per slice in 64-bit precision. 5 passes over the block, as many
      as the textbook form's over the whole array.
    - Shifted, elsewhere: :math:`T = \sum e^{s_j}(1 + \epsilon_j)`, where
      :math:`s_j + \epsilon_j = z_j - m` exactly (`_shift_error`), summed as
      :math:`\sum e^{s_j} + \sum e^{s_j}\epsilon_j` (`np.vecdot`). 11 passes.

    Either way what is left is the rounding of numpy's pairwise sum of the :math:`K - 1`
    terms: at a maximal entry it is the whole error, and the accuracy search's worst.
    """
    zf, m, top = _finite_argmax(z, axis)
    k = z.shape[axis]
    if not _EXTENDED or k < _UNSHIFTED_LOG_MIN_K:
        _log_softmax_shifted(z, out, axis, scratch, zf, m, top)
        return
    plain = _unshifted(m, k)

    def unshifted(z: np.ndarray, out: np.ndarray) -> None:
        e = np.exp(z, out=scratch(1, z.shape))
        np.put_along_axis(e, top, 0.0, axis=axis)
        rest = e.sum(axis=axis, keepdims=True).astype(np.longdouble)
        # T = rest / e^m and log1p(T), one of each per slice, in x87's 64-bit precision
        log1p_t = np.log1p(rest / np.exp(m.astype(np.longdouble))).astype(np.float64)
        np.subtract(z, m, out=out)
        np.subtract(out, log1p_t, out=out)

    if not _unshifted_where_possible(
        z,
        out,
        axis,
        plain,
        unshifted,
        lambda sub, sub_out: _log_softmax_shifted(
            sub, sub_out, axis, _Scratch(sub.size), *_finite_argmax(sub, axis)
        ),
    ):
        _log_softmax_shifted(z, out, axis, scratch, zf, m, top)


def _log_softmax_shifted(
    z: np.ndarray,
    out: np.ndarray,
    axis: int,
    scratch: _Scratch,
    zf: np.ndarray,
    m: np.ndarray,
    top: np.ndarray,
) -> None:
    """`_log_softmax_float64` with the shift: `zf`, `m`, `top` from `_finite_argmax`."""
    with np.errstate(over="ignore"):
        s = np.subtract(zf, m, out=out)
    err = scratch(0, z.shape)
    _shift_error(zf, m, s, err, scratch(1, z.shape))
    e = np.exp(s, out=scratch(1, z.shape))
    np.put_along_axis(e, top, 0.0, axis=axis)

    def rest() -> np.ndarray:
        # the block is 2-D: its slices are rows, or columns (axis 0)
        slices = (e, err) if axis != 0 else (e.T, err.T)
        with np.errstate(invalid="ignore"):  # 0 * NaN in an overflowed lane
            correction = np.vecdot(*slices).reshape(m.shape)
        return e.sum(axis=axis, keepdims=True) + correction

    t = rest()
    if np.isnan(t).any():
        # a slice spread over more than the float range: z - m overflowed to -inf there,
        # where e is 0 and err NaN. (A slice with a NaN logit stays NaN through e.)
        np.copyto(err, 0.0, where=np.isnan(err))
        t = rest()
    np.subtract(s, np.log1p(t), out=s)


def _logsumexp_block(z: np.ndarray, out: np.ndarray, axis: int, scratch: _Scratch) -> None:
    m = np.max(z, axis=axis, keepdims=True)
    s, _, e = _parts(z, True, axis)
    lse = np.log1p(_rest_sum(s, e, axis))
    # a slice whose max is infinite sums to that infinity (all -inf: to 0, log -inf)
    inf_max = np.isinf(m)
    out[...] = np.where(inf_max, m, lse + np.where(inf_max, 0, m))


def _rowwise(
    kernel: Callable[..., None], z: ArrayLike, axis: int, method: str, func: str
) -> FloatArray:
    """Softmax or log-softmax along `axis`: checked input, rows, `kernel` by blocks."""
    z = as_float_array(z, func)
    ax = check_axis(axis, z.ndim, func)
    _check_method(method, func)
    if z.size == 0:
        return np.empty_like(z)
    rows = _rows(z, ax)
    out = _by_row_blocks(kernel, rows, np.empty_like(rows), accurate=method == "accurate")
    return _unrows(out, z.shape, ax)


@bounds.documented("softmax")
def softmax(z: ArrayLike, axis: int = -1, *, method: str = "accurate") -> FloatArray:
    r"""Softmax: exponentials normalized to sum to 1 along `axis`.

    Parameters
    ----------
    z : array_like
        Logits of any shape with at least one dimension.
    axis : int, optional
        The axis holding the :math:`K` logits of each distribution. Default -1.
    method : {"accurate", "fast"}, optional
        ``"accurate"`` (default) compensates the rounding of the max shift, or needs
        no shift: every element within a few ulps at any logit scale. ``"fast"`` is
        the textbook max shift, off by up to about :math:`|z|_{\max}` ulps.

    Returns
    -------
    ndarray
        :math:`p` with the shape and dtype of `z`; each slice along `axis` sums to 1.

    See Also
    --------
    log_softmax, softmax_jacobian, softmax_vjp
    scipy.special.softmax : the fast form, with ``axis=None`` by default.

    Notes
    -----
    .. math:: p_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}
                  = \frac{e^{z_i - m}}{\sum_{j=1}^{K} e^{z_j - m}},
              \qquad m = \max_j z_j

    Subtracting the max changes nothing mathematically (shift invariance) and keeps
    every exponent :math:`\le 0`, so nothing overflows and the largest term is exactly 1.
    For :math:`K = 2` and :math:`z_1 = 0` it is the sigmoid:
    :math:`p_2 = 1/(1 + e^{-z_2}) = \sigma(z_2)`. See the module docstring for the
    accurate form and for infinite logits.

    Examples
    --------
    >>> softmax(np.array([1.0, 2.0, 3.0]))
    array([0.09003057, 0.24472847, 0.66524096])
    >>> from course_lib import sigmoid
    >>> bool(softmax(np.array([0.0, 40.0]))[1] == sigmoid(40.0))  # the K = 2 reduction
    True
    >>> softmax(np.array([1000.0, 0.0, np.inf, np.inf]))
    array([0. , 0. , 0.5, 0.5])
    """
    return _rowwise(_softmax_block, z, axis, method, "softmax")


@bounds.documented("log_softmax")
def log_softmax(z: ArrayLike, axis: int = -1, *, method: str = "accurate") -> FloatArray:
    r"""Logarithm of the softmax along `axis`, without forming the softmax.

    Parameters
    ----------
    z : array_like
        Logits of any shape with at least one dimension.
    axis : int, optional
        The axis holding the logits. Default -1.
    method : {"accurate", "fast"}, optional
        ``"accurate"`` (default): every element within a few ulps, the largest
        included. ``"fast"``: the textbook :math:`s_i - \ln\sum_j e^{s_j}`, which
        returns exactly 0 for a dominant logit.

    Returns
    -------
    ndarray
        :math:`\ln p_i`, with the shape and dtype of `z`.

    See Also
    --------
    softmax, logsumexp
    scipy.special.log_softmax : the fast form.

    Notes
    -----
    .. math::

        \ln p_i = z_i - \operatorname{logsumexp}(z)
                = s_i - \ln\Bigl(1 + \sum_{j \ne \hat\imath} e^{s_j}\Bigr),
        \qquad s_i = z_i - m

    where :math:`\hat\imath` is the position of the max. Writing the sum as
    :math:`1 + T` and taking :math:`\operatorname{log1p}(T)` keeps the tiny
    :math:`-T` that the max element's log-probability really is, where
    ``log(sum(exp(s)))`` rounds :math:`1 + T` to 1 and returns exactly 0.

    Examples
    --------
    >>> log_softmax(np.array([1.0, 2.0, 3.0]))
    array([-2.40760596, -1.40760596, -0.40760596])
    >>> log_softmax(np.array([40.0, 0.0]))  # the top entry is -4.2e-18, not 0
    array([-4.24835426e-18, -4.00000000e+01])
    """
    return _rowwise(_log_softmax_block, z, axis, method, "log_softmax")


@bounds.documented("logsumexp")
def logsumexp(z: ArrayLike, axis: int = -1) -> FloatResult:
    r"""Log of the sum of exponentials along `axis`, without overflow.

    Parameters
    ----------
    z : array_like
        Values of any shape with at least one dimension.
    axis : int, optional
        The axis to reduce. Default -1.

    Returns
    -------
    ndarray or scalar
        :math:`\ln\sum_j e^{z_j}`, with `axis` removed. An empty slice gives
        ``-inf`` (the log of an empty sum); a slice containing ``+inf`` gives ``+inf``.

    See Also
    --------
    log_softmax
    scipy.special.logsumexp : with ``axis=None`` by default.

    Notes
    -----
    .. math::

        \operatorname{logsumexp}(z) = m + \ln\Bigl(1 + \sum_{j \ne \hat\imath} e^{z_j - m}\Bigr),
        \qquad m = \max_j z_j

    The shift by :math:`m` prevents overflow; ``log1p`` keeps the small sum's digits
    (Blanchard, Higham and Higham, 2021); the exponentials are compensated as in
    `softmax`. When :math:`m < 0` is close to :math:`-\ln(1 + T)` the final addition
    cancels (``logsumexp([-1, -1])`` is :math:`\ln 2 - 1`, but
    ``logsumexp([-0.7, -0.7])`` is :math:`-0.0069`): the result is then accurate
    relative to :math:`|m|`, not to itself, as for any algorithm that rounds
    :math:`\ln(1 + T)`.

    Examples
    --------
    >>> float(logsumexp(np.array([1000.0, 1000.0])))
    1000.6931471805599
    >>> float(logsumexp(np.array([0.0, -40.0])))
    4.248354255291589e-18
    """
    z = as_float_array(z, "logsumexp")
    ax = check_axis(axis, z.ndim, "logsumexp")
    reduced = z.shape[:ax] + z.shape[ax + 1 :]
    if z.shape[ax] == 0:
        return finish(np.full(reduced, -np.inf, dtype=z.dtype))
    if z.size == 0:
        return finish(np.empty(reduced, dtype=z.dtype))
    rows = _rows(z, ax)
    out = _by_row_blocks(_logsumexp_block, rows, np.empty((rows.shape[0], 1), z.dtype))
    return finish(out.reshape(reduced))


def softmax_jacobian(z: ArrayLike, axis: int = -1) -> FloatArray:
    r"""The Jacobian :math:`\partial p_i / \partial z_j` of the softmax.

    Parameters
    ----------
    z : array_like
        Logits of any shape with at least one dimension.
    axis : int, optional
        The axis holding the :math:`K` logits. Default -1.

    Returns
    -------
    ndarray
        Shape ``(..., K, K)``: the other axes of `z` in their order, then
        :math:`J_{ij} = \partial p_i/\partial z_j` on the last two axes.

    See Also
    --------
    softmax_vjp : :math:`J^\top g` in :math:`O(K)` without forming :math:`J`.

    Notes
    -----
    .. math::

        \frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j),
        \qquad J = \operatorname{diag}(p) - p\,p^\top

    :math:`J` is symmetric and each row sums to 0. The diagonal
    :math:`p_i(1 - p_i)` is computed without cancellation: for the one entry that may
    exceed 1/2, :math:`1 - p_i` is formed from the other terms' sum rather than by
    subtraction, so for :math:`K = 2`, :math:`z = (0, 40)` the diagonal is
    :math:`\sigma'(40) \approx 4.2 \times 10^{-18}`, not 0.

    Examples
    --------
    >>> softmax_jacobian(np.array([0.0, 0.0]))
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    z = as_float_array(z, "softmax_jacobian")
    ax = check_axis(axis, z.ndim, "softmax_jacobian")
    w = np.moveaxis(z, ax, -1)
    k = w.shape[-1]
    if w.size == 0:
        return np.empty((*w.shape, k), dtype=z.dtype)
    s, _, e = _parts(w, True)
    total = e.sum(axis=-1, keepdims=True)
    p = e / total
    rest = _rest_sum(s, e.copy()) / total  # 1 - p for the max entry, without cancellation
    one_minus_p = np.where(p > 0.5, rest, 1 - p)
    jac = -p[..., :, None] * p[..., None, :]
    idx = np.arange(k)
    jac[..., idx, idx] = p * one_minus_p
    return jac.astype(z.dtype, copy=False)


def _first_max(p: np.ndarray, p_max: np.ndarray, axis: int) -> np.ndarray:
    """True at the first maximum of each slice along `axis` (-1 or 0), as argmax picks it."""
    if axis == 0:  # a few rows (K < SHORT_ROWS), each a vector over the block's slices
        top = p == p_max
        seen = top[0].copy()
        for row in top[1:]:
            row &= ~seen
            seen |= row
        return top
    return np.arange(p.shape[-1]) == np.argmax(p, axis=-1, keepdims=True)


def _vjp_compensated(
    p: np.ndarray, g: np.ndarray, huge: bool = False, axis: int = -1
) -> np.ndarray:
    """``p * (g - p.g)`` along `axis` (-1 or 0), each component to a few ulps.

    `huge`: some ``|g|`` reach ``2**995``, where the exact products need a scaled split.
    """
    p_split, g_split = split(p, huge), split(g, huge)  # the second product below reuses them
    d_hi, d_lo = (np.expand_dims(d, axis) for d in dot2(p, g, huge, axis, (p_split, g_split)))
    out = p * ((g - d_hi) - d_lo)
    # An entry with p > 1/2 (the max; at most one) would need p.g to more than twice
    # the precision when 1 - p is tiny. Use g_i - p.g = (1 - p_i) g_i - sum_{j!=i} p_j g_j,
    # where 1 - p_i is exact (Sterbenz) and nothing large cancels.
    p_top = np.max(p, axis=axis, keepdims=True)
    if not (p_top > 0.5).any():
        return out
    top = _first_max(p, p_top, axis)
    g_top = np.sum(np.where(top, g, -0.0), axis=axis, keepdims=True)  # -0.0: g_top exactly
    others = np.where(top, 0.0, p)
    # split(0) is (0, 0): the split of `others` is p's with the top entries zeroed
    others_split = (np.where(top, 0.0, p_split[0]), np.where(top, 0.0, p_split[1]))
    r_hi, r_lo = (
        np.expand_dims(r, axis) for r in dot2(others, g, huge, axis, (others_split, g_split))
    )
    a_hi, a_lo = two_product(1 - p_top, g_top, huge)
    t, e = two_sum(a_hi, -r_hi)
    y_top = p_top * (t + ((e + a_lo) - r_lo))
    np.copyto(out, np.broadcast_to(y_top, out.shape), where=top & (p_top > 0.5))
    return out


def _vjp_pair(p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """`_vjp_compensated` of two classes, transposed (rows ``p[0]``, ``p[1]``), faster.

    The same values, in about half the time. With two classes the sum of the others'
    products, which the top entry needs, is the one other product, and the dot product
    computed it already, to twice the precision: it is picked out rather than computed
    again.
    """
    prods, errors = two_product(p, g)
    d_hi, d_lo = sum2(prods, 0, (errors,))  # dot2(p, g, axis=0), its products kept
    out = p * ((g - d_hi) - d_lo)
    # the top entry, where p > 1/2, as in _vjp_compensated: (1 - p_t) g_t - p_o g_o
    first = p[0] >= p[1]  # the first maximum, as argmax picks it
    p_top = np.maximum(p[0], p[1])  # NaN if either is, and then nothing is replaced
    top = p_top > 0.5
    if not top.any():
        return out
    g_top = np.where(first, g[0], g[1])
    other_hi, other_lo = np.where(first, prods[1], prods[0]), np.where(first, errors[1], errors[0])
    a_hi, a_lo = two_product(1 - p_top, g_top)
    t, e = two_sum(a_hi, -other_hi)
    y_top = p_top * (t + ((e + a_lo) - other_lo))
    np.copyto(out[0], y_top, where=first & top)
    np.copyto(out[1], y_top, where=~first & top)
    return out


@bounds.documented("softmax_vjp")
def softmax_vjp(p: ArrayLike, v: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Vector-Jacobian product :math:`J^\top v` of the softmax, in :math:`O(K)`.

    Parameters
    ----------
    p : array_like
        Softmax outputs (probabilities along `axis`).
    v : array_like
        Upstream gradient :math:`\partial L/\partial p`, the shape of `p`.
    axis : int, optional
        The axis holding the :math:`K` classes. Default -1.

    Returns
    -------
    ndarray
        :math:`\partial L/\partial z = J^\top v`, the shape of `p`.

    Raises
    ------
    ValueError
        If `p` and `v` differ in shape, or a value of `p` (NaN aside) lies outside
        :math:`[0, 1]`.

    See Also
    --------
    softmax_jacobian : the full :math:`K \times K` matrix.

    Notes
    -----
    .. math::

        (J^\top v)_j = \sum_i v_i\, p_i(\delta_{ij} - p_j)
                     = p_j \Bigl(v_j - \sum_i p_i v_i\Bigr)

    One dot product and one elementwise pass instead of a :math:`K \times K` matrix.
    When :math:`v_j` is close to :math:`p \cdot v` the subtraction cancels and
    exposes the dot product's rounding error, so the dot product is computed in
    twice the working precision (`dot2`, as an unevaluated sum ``hi + lo``) and
    subtracted in two steps: :math:`p_j((v_j - d_{hi}) - d_{lo})`. Every component is
    then accurate to a few units of roundoff relative to itself, unless :math:`v_j`
    agrees with :math:`p \cdot v` to more than twice the working precision: there
    what is left is about :math:`u^2 p_j \sum_i |p_i v_i|` (:math:`u` the unit
    roundoff), far below any other error a float computation of :math:`v` carries.

    Examples
    --------
    >>> p = softmax(np.array([1.0, 2.0, 3.0]))
    >>> v = np.array([1.0, 0.0, 0.0])
    >>> bool(np.allclose(softmax_vjp(p, v), softmax_jacobian(np.array([1.0, 2.0, 3.0])).T @ v))
    True
    """
    func = "softmax_vjp"
    p = as_float_array(p, func, "p")
    g = as_float_array(v, func, "v")  # g: the upstream gradient, here and below
    check_same_shape(p, g, func, ("p", "v"))
    ax = check_axis(axis, p.ndim, func)
    check_range(p, 0, 1, func, "p")
    dtype = np.result_type(p, g)
    if p.size == 0:
        return np.empty(p.shape, dtype=dtype)
    # float16/32 in float64, compensated too: g_j - p.g cancels whatever the precision
    work = np.float64 if np.finfo(dtype).bits < 64 else dtype
    pw = np.moveaxis(p.astype(work, copy=False), ax, -1)
    gw = np.moveaxis(g.astype(work, copy=False), ax, -1)
    # one pass over all of g first (NaN propagates): slices are looked at one by one
    # only if some |g| is not finite or too big for the plain exact split
    largest = max(-np.min(gw, initial=0.0), np.max(gw, initial=0.0))
    if largest < _SPLIT_LIMIT:  # the usual case, by blocks of rows in cache
        k = pw.shape[-1]
        p2, g2 = pw.reshape(-1, k), gw.reshape(-1, k)
        out = np.empty_like(p2)
        step = max(1, BLOCK // k)
        if k == 2:  # twice as many slices a block: _vjp_pair's temporaries stay in cache
            step //= 2
        for start in range(0, p2.shape[0], step):
            rows = slice(start, start + step)
            if k < SHORT_ROWS:  # transposed, as in _by_row_blocks: bit for bit the same
                p_t, g_t = np.ascontiguousarray(p2[rows].T), np.ascontiguousarray(g2[rows].T)
                y_t = _vjp_pair(p_t, g_t) if k == 2 else _vjp_compensated(p_t, g_t, axis=0)
                out[rows] = y_t.T
            else:
                out[rows] = _vjp_compensated(p2[rows], g2[rows])
        out = out.reshape(pw.shape)
    else:  # slice by slice, so that one bad slice leaves the others accurate
        g_max = np.max(np.abs(gw), axis=-1, initial=0.0)  # per slice; NaN propagates
        plain = ~np.isfinite(g_max)  # inf or NaN in g: the plain formula gives IEEE's answer
        big = g_max >= _SPLIT_LIMIT  # the plain exact split would overflow
        k = pw.shape[-1]
        p2, g2 = pw.reshape(-1, k), gw.reshape(-1, k)
        plain, big = plain.reshape(-1), big.reshape(-1) & ~plain.reshape(-1)
        out = np.empty_like(p2)
        with np.errstate(over="ignore", invalid="ignore"):  # inf - inf: NaN, as it should
            pp, gp = p2[plain], g2[plain]
            out[plain] = pp * (gp - np.sum(pp * gp, axis=-1, keepdims=True))
            # Within 2**-27 of the largest float even the scaled split of g rounds up
            # past it (to inf), and p.g can overflow: those slices are computed for g/2
            # and doubled, exactly (the result is linear in g) but where g/2 is subnormal
            # and odd, 2**-1075 p_j at most, far below an ulp of p_j u sum|p_i g_i|. A
            # result beyond the float range is then inf, as it should be.
            pb, gb = p2[big], g2[big]
            top = (g_max.reshape(-1)[big] >= 2.0**1023)[:, None]
            gb = np.where(top, gb * 0.5, gb)
            out[big] = np.where(top, 2.0, 1.0) * _vjp_compensated(pb, gb, huge=True)
        rest = ~(plain | big)
        out[rest] = _vjp_compensated(p2[rest], g2[rest])
        out = out.reshape(pw.shape)
    return np.moveaxis(out.astype(dtype, copy=False), -1, ax)


# two_product's plain split overflows for |g| >= 2**995: such slices split huge values
# scaled (a comparison per element, so only where it is needed)
_SPLIT_LIMIT = 2.0**995
