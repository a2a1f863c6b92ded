r"""The logistic sigmoid, its inverse the logit, and its derivative.

Every function here is written so that no intermediate overflows and no result
cancels: each one works from ``e = exp(-|z|)``, which lies in ``[0, 1]`` for every
input, so large ``|z|`` gives tiny or subnormal results rather than ``inf`` or 0.
The rounding of ``1 + e`` is undone to first order (``1 + e`` is carried exactly as a
sum of two floats), which brings the worst float64 error of `sigmoid` from 2.5 to 2.1
ulps and of `sigmoid_derivative` from 4.5 to 3.4 (``make accuracy-search``). float16
and float32 are computed in float64 and rounded once: numpy's float32 ``exp`` alone is
off by up to 2.9 ulp on some CPUs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import bounds
from ._arrays import FloatResult, as_float_array, check_range, finish
from ._kernels import blockwise, blockwise_float64, neg_abs, one_plus, via_float64

__all__ = [
    "log_sigmoid",
    "logit",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_derivative_from_output",
]


def _exp_neg_abs(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = exp(-|z|)``: in [0, 1] for every z, NaN for NaN."""
    return np.exp(neg_abs(z, out), out=out)


def _sigmoid_kernel(
    z: np.ndarray, out: np.ndarray, den: np.ndarray, lo: np.ndarray, nonneg: np.ndarray
) -> None:
    e = _exp_neg_abs(z, out)
    one_plus(e, den, lo)
    # The numerator is 1 where z >= 0 and e where z < 0: since e <= 1, that is
    # max(e, z >= 0), which avoids a slow data-dependent select (NaN stays NaN).
    np.greater_equal(z, 0, out=nonneg)
    np.maximum(e, nonneg, out=e)
    np.divide(e, den, out=out)
    # q / (den + lo) = q (1 - lo/den) to first order: the rounding of 1 + e is undone
    np.divide(lo, den, out=lo)
    np.multiply(lo, out, out=lo)
    np.subtract(out, lo, out=out)


def _sigmoid_derivative_kernel(
    z: np.ndarray, out: np.ndarray, den: np.ndarray, lo: np.ndarray
) -> None:
    e = _exp_neg_abs(z, out)
    one_plus(e, den, lo)
    np.divide(lo, den, out=lo)
    np.multiply(den, den, out=den)
    np.divide(e, den, out=out)
    # e / (den + lo)**2 = (e / den**2) (1 - 2 lo/den) to first order
    np.multiply(lo, out, out=lo)
    np.subtract(out, lo, out=out)
    np.subtract(out, lo, out=out)


def _log_sigmoid_kernel(z: np.ndarray, out: np.ndarray) -> None:
    np.log1p(_exp_neg_abs(z, out), out=out)
    np.subtract(np.minimum(z, 0), out, out=out)


def _from_output_kernel(p: np.ndarray, out: np.ndarray) -> None:
    np.subtract(1, p, out=out)
    np.multiply(out, p, out=out)


@bounds.documented("sigmoid")
def sigmoid(z: ArrayLike) -> FloatResult:
    r"""Logistic sigmoid, the inverse of `logit`.

    Parameters
    ----------
    z : array_like
        Log-odds, real, of any shape; integers are converted to float64.

    Returns
    -------
    ndarray or scalar
        :math:`\sigma(z)`, with the dtype of `z` (float64 for integers).

    See Also
    --------
    logit : the inverse, :math:`\ln(p/(1-p))`.
    sigmoid_derivative : :math:`\sigma'(z)`.
    scipy.special.expit : SciPy's name for the same function.

    Notes
    -----
    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}

    With :math:`e = \exp(-|z|)` it is :math:`1/(1+e)` for :math:`z \ge 0` and
    :math:`e/(1+e)` otherwise, so :math:`e^{-z}` never overflows and for very negative
    :math:`z` the result keeps all its digits down into the subnormal range
    (:math:`\sigma(-740) \approx 4.2 \times 10^{-322}`), where
    ``1 / (1 + exp(-z))`` overflows and returns 0.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1.0, 0.0, 1.0]))
    array([0.26894142, 0.5       , 0.73105858])
    >>> float(sigmoid(-740.0))
    4.2e-322
    """
    z = as_float_array(z, "sigmoid")
    return blockwise_float64(_sigmoid_kernel, z, (np.float64, np.float64, np.bool_))


@bounds.documented("logit")
def logit(p: ArrayLike) -> FloatResult:
    r"""Log-odds, the inverse of `sigmoid`.

    Parameters
    ----------
    p : array_like
        Probabilities in :math:`[0, 1]`. NaN propagates.

    Returns
    -------
    ndarray or scalar
        :math:`\ln(p / (1 - p))`: ``-inf`` at 0 and ``+inf`` at 1, without a warning.

    Raises
    ------
    ValueError
        If any `p` lies outside :math:`[0, 1]`: a probability out of range is a bug
        upstream, and a NaN here would hide it.

    See Also
    --------
    sigmoid : the inverse.
    scipy.special.logit : SciPy returns NaN out of range instead of raising.

    Notes
    -----
    .. math:: \operatorname{logit}(p) = \ln\frac{p}{1-p}

    Near :math:`p = 1/2` the ratio is close to 1 and ``log`` would amplify its
    rounding error, so there it is computed as
    :math:`\operatorname{log1p}\bigl((2p - 1)/(1 - p)\bigr)`, where :math:`2p - 1` is
    exact. Elsewhere ``log(p / (1 - p))`` is well conditioned.

    Examples
    --------
    >>> logit(np.array([0.25, 0.5, 0.75]))
    array([-1.09861229,  0.        ,  1.09861229])
    >>> logit(np.array([0.0, 1.0]))
    array([-inf,  inf])
    >>> logit(1.5)
    Traceback (most recent call last):
    ...
    ValueError: logit: p must lie in [0, 1]; got 1 value(s) outside it, e.g. 1.5
    """
    p = as_float_array(p, "logit", "p")
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise ValueError(
            f"logit: p must lie in [0, 1]; got {int(np.count_nonzero(bad))} value(s) "
            f"outside it, e.g. {float(p[bad].flat[0])!r}"
        )
    return via_float64(p, _logit_float64)


def _logit_float64(p: np.ndarray) -> np.ndarray:
    q = 1 - p  # exact for p >= 1/2
    with np.errstate(divide="ignore"):  # p = 0 or 1: the exact limits -inf and +inf
        far = np.log(p / q)
        near = np.log1p((2 * p - 1) / q)
    middle = (p > 0.25) & (p < 0.75)
    return np.where(middle, near, far)


@bounds.documented("log_sigmoid")
def log_sigmoid(z: ArrayLike) -> FloatResult:
    r"""Logarithm of the sigmoid, :math:`\ln \sigma(z) = -\operatorname{softplus}(-z)`.

    Parameters
    ----------
    z : array_like
        Log-odds of any shape, as for `sigmoid`.

    Returns
    -------
    ndarray or scalar
        :math:`\ln\sigma(z)`, always :math:`\le 0`.

    See Also
    --------
    sigmoid, softplus
    scipy.special.log_expit : SciPy's name for the same function.

    Notes
    -----
    .. math:: \ln\sigma(z) = \min(z, 0) - \ln\left(1 + e^{-|z|}\right)

    ``log(sigmoid(z))`` returns ``-inf`` once :math:`\sigma(z)` underflows
    (:math:`z < -745`) and loses digits for large positive :math:`z`, where
    :math:`\sigma(z)` rounds to 1; this form does neither.

    Examples
    --------
    >>> log_sigmoid(np.array([-1000.0, 0.0, 40.0]))
    array([-1.00000000e+03, -6.93147181e-01, -4.24835426e-18])
    """
    z = as_float_array(z, "log_sigmoid")
    return blockwise_float64(_log_sigmoid_kernel, z)


@bounds.documented("sigmoid_derivative")
def sigmoid_derivative(z: ArrayLike) -> FloatResult:
    r"""Derivative of the sigmoid, computed from its input `z`.

    Parameters and dtype as in `sigmoid`. Returns
    :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`, at most 1/4.

    See Also
    --------
    sigmoid_derivative_from_output : the cheap form :math:`p(1-p)` for a known output.

    Notes
    -----
    .. math::

        \sigma'(z) = \sigma(z)\,\sigma(-z) = \frac{e}{(1 + e)^2},
        \qquad e = e^{-|z|}

    The form is even in :math:`z` and has no subtraction, so it keeps full relative
    accuracy in the tails, where :math:`p (1 - p)` returns 0 as soon as :math:`p` rounds
    to 1 (:math:`z > 53 \ln 2 \approx 36.7368` in float64, :math:`z > 24 \ln 2 \approx 16.64`
    in float32).

    Examples
    --------
    >>> sigmoid_derivative(np.array([0.0, 2.0, 40.0]))
    array([2.50000000e-01, 1.04993585e-01, 4.24835426e-18])
    """
    z = as_float_array(z, "sigmoid_derivative")
    return blockwise_float64(_sigmoid_derivative_kernel, z, (np.float64, np.float64))


@bounds.documented("sigmoid_derivative_from_output")
def sigmoid_derivative_from_output(p: ArrayLike) -> FloatResult:
    r"""Derivative of the sigmoid from its output :math:`p = \sigma(z)`: :math:`p(1-p)`.

    This is the article's form, and it is what backpropagation uses: the forward
    pass has already computed :math:`p`, so the derivative costs one subtraction and
    one multiplication, with no exponential.

    Parameters
    ----------
    p : array_like
        Sigmoid outputs, in :math:`[0, 1]`.

    Returns
    -------
    ndarray or scalar
        :math:`p\,(1 - p)`.

    Raises
    ------
    ValueError
        If a value of `p` (NaN aside) lies outside :math:`[0, 1]`: it is no sigmoid
        output, and :math:`p(1-p)` there is no derivative.

    See Also
    --------
    sigmoid_derivative : the accurate form, from the input :math:`z`.

    Notes
    -----
    .. math:: \sigma'(z) = \sigma(z)\,(1 - \sigma(z)) = p\,(1 - p)

    Where it loses precision: for :math:`p` near 1 the factor :math:`1 - p` is exact,
    but :math:`p` itself was rounded, so the relative error of the result is about
    :math:`u/(1-p)` (:math:`u` the unit roundoff): 0.1 % at :math:`z = 30` in float64, and
    once :math:`p` rounds to 1 (:math:`z > 36.7368` in float64, :math:`z \ge 16.64` in
    float32) the result is exactly 0 although :math:`\sigma'(z)` is a normal number.
    Near :math:`p = 0` it is accurate. When :math:`z` is at hand and :math:`|z|` can be
    large, use `sigmoid_derivative`.

    Examples
    --------
    >>> sigmoid_derivative_from_output(np.array([0.5, 0.9]))
    array([0.25, 0.09])
    >>> float(sigmoid_derivative_from_output(sigmoid(40.0)))  # the true value is 4.2e-18
    0.0
    """
    func = "sigmoid_derivative_from_output"
    p = as_float_array(p, func, "p")
    check_range(p, 0, 1, func, "p")
    return finish(blockwise(_from_output_kernel, p))
