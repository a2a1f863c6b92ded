r"""The hyperbolic tangent and its derivative.

:math:`\tanh z = \sinh z / \cosh z = (e^{z} - e^{-z})/(e^{z} + e^{-z}) = 2\sigma(2z) - 1`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from . import bounds
from ._arrays import FloatResult, as_float_array, check_range, finish
from ._kernels import blockwise_float64, neg_abs, one_plus, via_float64

__all__ = ["tanh", "tanh_derivative", "tanh_derivative_from_output"]


# exp(-2|z|) is subnormal from |z| = 354.2 on and 0 from 372.6, while the derivative
# 4 exp(-2|z|) is representable up to 372.9: there, take e^-64 out of the exponential.
# 64 - 2|z| is exact, and the constant and the product add about one rounding each.
_FAR = 354.0
_FOUR_E_MINUS_64 = 4 * math.exp(-64)


def _tanh_derivative_kernel(
    z: np.ndarray, out: np.ndarray, den: np.ndarray, lo: np.ndarray
) -> None:
    e = neg_abs(z, out)
    far = np.fmin.reduce(e, initial=0.0) < -_FAR  # rare; one reduction (fmin skips NaN)
    np.maximum(e, -1e4, out=e)  # exp(-2e4) is 0 already; keeps -2|z| from overflowing
    np.multiply(e, 2, out=e)
    np.exp(e, out=e)
    one_plus(e, den, lo)  # den + lo = 1 + e exactly
    np.divide(lo, den, out=lo)
    np.multiply(den, den, out=den)
    np.multiply(e, 4, out=e)  # exact: a power of two
    np.divide(e, den, out=out)
    # 4e / (den + lo)**2 = (4e / den**2) (1 - 2 lo/den) to first order
    np.multiply(lo, out, out=lo)
    np.subtract(out, lo, out=out)
    np.subtract(out, lo, out=out)
    if far:
        where = np.abs(z) > _FAR
        with np.errstate(under="ignore"):  # a subnormal or 0 result is the answer
            far_z = np.minimum(np.abs(z[where]), 1e4)  # as above: 2|z| must not overflow
            out[where] = np.exp(64 - 2 * far_z) * _FOUR_E_MINUS_64


@bounds.documented("tanh")
def tanh(z: ArrayLike) -> FloatResult:
    r"""Hyperbolic tangent.

    Parameters
    ----------
    z : array_like
        Real input of any shape; float16 and float32 keep their dtype.

    Returns
    -------
    ndarray or scalar
        :math:`\tanh z`, in :math:`[-1, 1]`, with the dtype of `z`.

    See Also
    --------
    tanh_derivative, sigmoid
    numpy.tanh : the implementation used; this wrapper adds the input checks.

    Notes
    -----
    .. math::

        \tanh z = \frac{\sinh z}{\cosh z} = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}
                = 2\sigma(2z) - 1

    The quotient of exponentials overflows for :math:`|z| > 710` and cancels near
    0; NumPy's ``tanh`` (the C library's) does neither.

    Examples
    --------
    >>> tanh(np.array([-1.0, 0.0, 1.0]))
    array([-0.76159416,  0.        ,  0.76159416])
    """
    z = as_float_array(z, "tanh")
    return via_float64(z, np.tanh)  # float16/32: rounded once


@bounds.documented("tanh_derivative")
def tanh_derivative(z: ArrayLike) -> FloatResult:
    r"""Derivative of tanh, computed from its input `z`.

    Parameters and dtype as in `tanh`. Returns
    :math:`1 - \tanh^2 z = \operatorname{sech}^2 z`, in :math:`[0, 1]`.

    See Also
    --------
    tanh_derivative_from_output : the cheap form :math:`1 - y^2` for a known output.
    sigmoid_derivative : :math:`\tanh'(z) = 4\sigma'(2z)`.

    Notes
    -----
    .. math::

        \tanh'(z) = 1 - \tanh^2 z = \frac{1}{\cosh^2 z} = \frac{4e}{(1 + e)^2},
        \qquad e = e^{-2|z|}

    ``1 - tanh(z)**2`` returns exactly 0 once :math:`\tanh z` rounds to :math:`\pm 1`:
    a correctly rounded tanh does from :math:`|z| = \tfrac{55}{2}\ln 2 \approx 19.06` in
    float64 and :math:`13 \ln 2 \approx 9.01` in float32, and NumPy's tanh, which is
    not correctly rounded, may do so a little earlier on some CPUs.
    ``1 / cosh(z)**2`` overflows for :math:`|z| > 710`; this form does neither.

    Where :math:`e` itself underflows (:math:`|z| > 372.6`) the factor 4 would come
    too late, so from :math:`|z| = 354` on the result is :math:`e^{64 - 2|z|} \cdot
    4e^{-64}`, whose exponent is exact: the derivative is 0 only where
    :math:`4e^{-2|z|}` rounds to 0 (:math:`|z| > 372.9`). float16 and float32 are
    computed in float64 and rounded once.

    Examples
    --------
    >>> tanh_derivative(np.array([0.0, 1.0, 20.0]))
    array([1.00000000e+00, 4.19974342e-01, 1.69934170e-17])
    """
    z = as_float_array(z, "tanh_derivative")
    # float16/32: rounded once
    return blockwise_float64(_tanh_derivative_kernel, z, (np.float64, np.float64))


@bounds.documented("tanh_derivative_from_output")
def tanh_derivative_from_output(y: ArrayLike) -> FloatResult:
    r"""Derivative of tanh from its output :math:`y = \tanh z`: :math:`1 - y^2`.

    Parameters
    ----------
    y : array_like
        tanh outputs, in :math:`[-1, 1]`.

    Returns
    -------
    ndarray or scalar
        :math:`1 - y^2`, computed as :math:`(1 - y)(1 + y)`.

    Raises
    ------
    ValueError
        If a value of `y` (NaN aside) lies outside :math:`[-1, 1]`, the range of tanh.

    See Also
    --------
    tanh_derivative : the accurate form, from the input :math:`z`.

    Notes
    -----
    .. math:: \tanh'(z) = 1 - y^2 = (1 - y)(1 + y)

    The factored form is exact up to two roundings for the given :math:`y`, where
    ``1 - y*y`` rounds :math:`y^2` first and then cancels. Neither can recover what
    rounding :math:`y` itself lost: near :math:`|y| = 1` the relative error is about
    :math:`u/(1 - |y|)`, and once :math:`y` rounds to :math:`\pm 1` (from
    :math:`|z| \approx 19.06` in float64 for a correctly rounded tanh) the result is 0.
    When :math:`z` is at hand, use `tanh_derivative`.

    Examples
    --------
    >>> tanh_derivative_from_output(np.array([0.0, 0.5, -0.5]))
    array([1.  , 0.75, 0.75])
    """
    func = "tanh_derivative_from_output"
    y = as_float_array(y, func, "y")
    check_range(y, -1, 1, func, "y")
    a = np.subtract(1, y, out=np.empty_like(y))
    return finish(np.multiply(a, np.add(1, y), out=a))
