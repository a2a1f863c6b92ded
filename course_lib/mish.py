r"""Mish, :math:`z \tanh(\operatorname{softplus}(z))` (Misra 2019), and its derivative.

Both are computed in float64 from one exponential of :math:`-|z|`, with no term that
cancels except the two of the derivative near its zero, and rounded once to the
input's dtype.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import bounds
from ._arrays import FloatResult, as_float_array
from ._kernels import via_float64
from ._special import DEEP, SCALE, exp_scaled, exp_times

__all__ = ["mish", "mish_derivative"]


def _gate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""``(e, num, den)`` with :math:`\tanh(\operatorname{softplus}(z)) = num / den`.

    With :math:`n = e^z (e^z + 2)`, :math:`\tanh(\log(1 + e^z)) = n / (n + 2)`; divided
    through by :math:`e^{2z}` for :math:`z \ge 0` it is a ratio of sums of positive
    terms in :math:`e = e^{-|z|} \le 1` on both sides, so nothing overflows or cancels.
    """
    e = np.exp(-np.abs(np.clip(x, -800.0, 800.0)))
    right = x >= 0
    num = np.where(right, 1.0 + 2.0 * e, e * (2.0 + e))
    den = np.where(right, 1.0 + 2.0 * e * (1.0 + e), 2.0 + e * (2.0 + e))
    return e, num, den


def _mish(x: np.ndarray) -> np.ndarray:
    _, num, den = _gate(x)
    out = np.maximum(x, -800.0) * (num / den)  # max: -inf * 0 would be NaN
    deep = x < DEEP  # tanh(softplus(z)) = e**z to within a relative e**z
    out[deep] = exp_times(x[deep], x[deep])
    return out


def _mish_derivative(x: np.ndarray) -> np.ndarray:
    e, num, den = _gate(x)
    xc = np.clip(x, -800.0, 800.0)
    # z >= 0: ((1 + 2e) D + 4 z e**2 (1 + e)) / D**2, all terms positive;
    # z < 0: e (4 (1 + z) + e ((6 + 4z) + e (4 + e))) / D**2, where 1 + z and 6 + 4z
    # are exact near the zero at -1.19 (Sterbenz), so the error is small against the terms
    top = np.where(
        x >= 0,
        num * den + 4.0 * xc * (e * e) * (1.0 + e),
        e * (4.0 * (1.0 + xc) + e * ((6.0 + 4.0 * xc) + e * (4.0 + e))),
    )
    out = top / (den * den)
    deep = x < DEEP  # mish'(z) = e**z (1 + z) to within a relative e**z
    xd = xc[deep]
    out[deep] = np.ldexp((1.0 + xd) * exp_scaled(xd), -SCALE)
    return out


@bounds.documented("mish")
def mish(z: ArrayLike) -> FloatResult:
    r"""Mish, :math:`z \tanh(\operatorname{softplus}(z))`.

    Parameters
    ----------
    z : array_like
        Real input of any shape. float16 and float32 are computed in float64 and
        rounded once to their dtype.

    Returns
    -------
    ndarray or scalar
        :math:`\operatorname{mish}(z)`, with the dtype of `z`: :math:`+\infty` at
        :math:`+\infty`, 0 at :math:`-\infty`, NaN for NaN. Its minimum is
        :math:`-0.30884` at :math:`z = -1.1924`.

    See Also
    --------
    mish_derivative
    course_lib.rectifiers.silu : :math:`z\,\sigma(z)`, which mish resembles.
    course_lib.rectifiers.softplus

    Notes
    -----
    .. math::

        \operatorname{mish}(z) = z \tanh\bigl(\log(1 + e^{z})\bigr)
        = z\,\frac{n}{n + 2}, \qquad n = e^{z}\,(e^{z} + 2)

    The textbook ``z * np.tanh(np.log1p(np.exp(z)))`` overflows to NaN for
    :math:`z > 709.78` (``exp`` gives inf, and so does ``inf * tanh(inf)`` only by
    luck of the order) and loses the left tail to the rounding of ``log1p`` and
    ``tanh`` near 0. Here, with :math:`e = e^{-|z|}`,

    .. math::

        \frac{n}{n + 2} = \frac{1 + 2e}{1 + 2e\,(1 + e)} \quad (z \ge 0), \qquad
        \frac{e\,(2 + e)}{2 + e\,(2 + e)} \quad (z < 0),

    ratios of positive terms. For :math:`z < -700`, where :math:`e^{z}` nears the
    subnormal range, :math:`z e^{z}` is formed scaled and rounded once.

    Examples
    --------
    >>> mish(np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    array([-0.        , -0.30340146,  0.        ,  0.86509839,         inf])
    """
    z = as_float_array(z, "mish")
    return via_float64(z, _mish)


@bounds.documented("mish_derivative")
def mish_derivative(z: ArrayLike) -> FloatResult:
    r"""Derivative of Mish, computed from `z`.

    Parameters and limits as in `mish`; the result is 1 at :math:`+\infty`, 0 at
    :math:`-\infty`, NaN for NaN, and negative for :math:`z < -1.1924`.

    See Also
    --------
    mish

    Notes
    -----
    With :math:`s = \operatorname{softplus}(z)`, :math:`s' = \sigma(z)` and
    :math:`\tanh' = 1 - \tanh^2`,

    .. math::

        \operatorname{mish}'(z) = \tanh s + z\,\sigma(z)\,(1 - \tanh^2 s)
        = \frac{n}{n + 2} + \frac{4 z\,e^{z} (1 + e^{z})}{(n + 2)^2}

    (:math:`1 - \tanh^2 s = 4(n + 1)/(n + 2)^2` and :math:`n + 1 = (1 + e^z)^2`). It
    is computed over the common denominator, in :math:`e = e^{-|z|}` as `mish` is:
    for :math:`z \ge 0` every term is positive; for :math:`z < 0` the numerator is
    :math:`e\,\bigl(4(1 + z) + e\,((6 + 4z) + e\,(4 + e))\bigr)`, whose first two
    terms cancel near the zero at :math:`z \approx -1.1924`. There :math:`1 + z` and
    :math:`6 + 4z` are exact, so the error is a few units of roundoff of the terms,
    not of the small result.

    Examples
    --------
    >>> mish_derivative(np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    array([-0.        ,  0.05921676,  0.6       ,  1.04903622,  1.        ])
    """
    z = as_float_array(z, "mish_derivative")
    return via_float64(z, _mish_derivative)
