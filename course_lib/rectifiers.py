r"""ReLU and its relatives: leaky ReLU, ELU, softplus, GELU, SiLU, and the identity.

The piecewise-linear functions (ReLU, leaky ReLU, the identity) are computed in the
input's dtype: they are exact but for one rounding of :math:`\alpha z`. The smooth ones
(ELU, softplus, GELU, SiLU and their derivatives) are computed in float64, within a few
ulps, and rounded once to the input's dtype, so a float32 or float16 result is within
half an ulp but for rare double roundings; longdouble inputs are computed in float64
too. `softplus_derivative` is `sigmoid`, which does the same.

Every derivative propagates NaN (a NaN input gives NaN, never 0 or 1), returns the
exact limits at :math:`\pm\infty`, and raises no floating-point warning for any input.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import bounds
from ._arrays import FloatResult, as_float_array, check_range, finish, real_scalar
from ._eft import two_product, two_sum
from ._kernels import via_float64
from ._special import (
    DEEP,
    SCALE,
    exp_scaled,
    exp_times,
    z_ndtr,
    z_ndtr_derivative,
)
from .sigmoid import sigmoid, sigmoid_derivative

__all__ = [
    "elu",
    "elu_derivative",
    "elu_derivative_from_output",
    "gelu",
    "gelu_derivative",
    "identity",
    "identity_derivative",
    "identity_derivative_from_output",
    "leaky_relu",
    "leaky_relu_derivative",
    "leaky_relu_derivative_from_output",
    "relu",
    "relu_derivative",
    "relu_derivative_from_output",
    "silu",
    "silu_derivative",
    "softplus",
    "softplus_derivative",
    "softplus_derivative_from_output",
]

_APPROXIMATE = ("none", "tanh")
# The tanh approximation's constants as hi + lo pairs of doubles (computed with mpmath):
# w = 2u = _K (z + _C z**3), _K = 2 sqrt(2/pi), _C = 0.044715.
_K, _K_LO = 1.5957691216057308, -9.96930880911092e-17
_C, _C_LO = 0.044715, 2.1960211427085595e-18


def _with_nan(out: np.ndarray, z: np.ndarray) -> FloatResult:
    """`out` with NaN wherever `z` is NaN (a comparison such as ``z > 0`` loses it)."""
    np.copyto(out, z, where=np.isnan(z))
    return finish(out)


@bounds.documented("relu")
def relu(z: ArrayLike) -> FloatResult:
    r"""Rectified linear unit, :math:`\max(z, 0)`.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape and float dtype; integers become float64.

    Returns
    -------
    ndarray or scalar
        :math:`\max(z, 0)`, with the dtype of `z`; NaN stays NaN.

    See Also
    --------
    relu_derivative, leaky_relu, softplus : a smooth ReLU.

    Notes
    -----
    .. math:: \operatorname{relu}(z) = \max(z, 0)

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0, np.nan]))
    array([ 0.,  0.,  3., nan])
    """
    z = as_float_array(z, "relu")
    return finish(np.maximum(z, 0, out=np.empty_like(z)))


@bounds.documented("relu_derivative")
def relu_derivative(z: ArrayLike) -> FloatResult:
    r"""Derivative of ReLU: 1 for :math:`z > 0`, 0 for :math:`z \le 0`.

    Parameters and dtype as in `relu`. Returns the Heaviside step of `z`, 0 at
    :math:`z = 0`; NaN for NaN.

    See Also
    --------
    relu
    numpy.heaviside : the implementation, which propagates NaN where ``z > 0`` would
        give 0.

    Notes
    -----
    .. math:: \operatorname{relu}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases}

    ReLU has no derivative at :math:`z = 0`; like PyTorch, this returns 0 there, a
    valid subgradient (any value in :math:`[0, 1]` is one).

    Examples
    --------
    >>> relu_derivative(np.array([-2.0, 0.0, 3.0, np.nan]))
    array([ 0.,  0.,  1., nan])
    """
    z = as_float_array(z, "relu_derivative")
    return finish(np.heaviside(z, 0, out=np.empty_like(z)))


@bounds.documented("relu_derivative_from_output")
def relu_derivative_from_output(y: ArrayLike) -> FloatResult:
    r"""Derivative of ReLU from its output :math:`y = \max(z, 0)`.

    Parameters
    ----------
    y : array_like
        ReLU outputs, :math:`\ge 0`.

    Returns
    -------
    ndarray or scalar
        1 where :math:`y > 0`, else 0; NaN for NaN.

    Raises
    ------
    ValueError
        If a value of `y` is negative, which no ReLU output is.

    See Also
    --------
    relu_derivative

    Notes
    -----
    :math:`y > 0` exactly when :math:`z > 0`, and :math:`y = 0` at the kink, so this
    agrees with `relu_derivative` everywhere, its value 0 at :math:`z = 0` included.

    Examples
    --------
    >>> relu_derivative_from_output(relu(np.array([-2.0, 0.0, 3.0])))
    array([0., 0., 1.])
    """
    func = "relu_derivative_from_output"
    y = as_float_array(y, func, "y")
    check_range(y, 0, np.inf, func, "y")
    return finish(np.heaviside(y, 0, out=np.empty_like(y)))


@bounds.documented("leaky_relu")
def leaky_relu(z: ArrayLike, alpha: float = 0.01) -> FloatResult:
    r"""Leaky ReLU: :math:`z` for :math:`z > 0`, :math:`\alpha z` otherwise.

    Parameters
    ----------
    z : array_like
        Real input of any shape.
    alpha : float, optional
        Slope for :math:`z \le 0`, finite; cast to the dtype of `z`. Default 0.01.

    Returns
    -------
    ndarray or scalar
        :math:`\operatorname{leaky\_relu}(z)`, with the dtype of `z`.

    Raises
    ------
    ValueError
        If `alpha` is not finite.

    See Also
    --------
    leaky_relu_derivative, relu : the case :math:`\alpha = 0`.

    Notes
    -----
    .. math::

        \operatorname{leaky\_relu}(z) = \begin{cases} z & z > 0 \\
        \alpha z & z \le 0 \end{cases}

    For :math:`0 \le \alpha \le 1` this is :math:`\max(z, \alpha z)`. With
    :math:`\alpha = 0` it returns 0 at :math:`z = -\infty`, where
    :math:`0 \cdot (-\infty)` would be NaN.

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 0.0, 3.0]))
    array([-0.02,  0.  ,  3.  ])
    >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.2)
    array([-0.4,  3. ])
    """
    func = "leaky_relu"
    z = as_float_array(z, func)
    a = real_scalar(alpha, func, "alpha", z.dtype)
    out = np.array(z, copy=True)
    negative = z < 0
    if a == 0:
        np.copyto(out, 0, where=negative)  # not 0 * z: 0 * -inf is NaN
    else:
        with np.errstate(over="ignore", under="ignore"):  # |alpha| > 1: -inf is the answer
            np.multiply(z, a, out=out, where=negative)
    return finish(out)


@bounds.documented("leaky_relu_derivative")
def leaky_relu_derivative(z: ArrayLike, alpha: float = 0.01) -> FloatResult:
    r"""Derivative of leaky ReLU: 1 for :math:`z > 0`, :math:`\alpha` for :math:`z \le 0`.

    Parameters and dtype as in `leaky_relu`. Returns 1 or :math:`\alpha`; NaN for NaN.

    Raises
    ------
    ValueError
        If `alpha` is not finite.

    See Also
    --------
    leaky_relu

    Notes
    -----
    .. math::

        \operatorname{leaky\_relu}'(z) = \begin{cases} 1 & z > 0 \\
        \alpha & z < 0 \end{cases}

    At the kink :math:`z = 0` this returns :math:`\alpha`, the left derivative, as
    PyTorch does.

    Examples
    --------
    >>> leaky_relu_derivative(np.array([-2.0, 0.0, 3.0, np.nan]))
    array([0.01, 0.01, 1.  ,  nan])
    """
    func = "leaky_relu_derivative"
    z = as_float_array(z, func)
    a = real_scalar(alpha, func, "alpha", z.dtype)
    return _with_nan(np.where(z > 0, z.dtype.type(1), a), z)


@bounds.documented("leaky_relu_derivative_from_output")
def leaky_relu_derivative_from_output(y: ArrayLike, alpha: float = 0.01) -> FloatResult:
    r"""Derivative of leaky ReLU from its output: 1 where :math:`y > 0`, else :math:`\alpha`.

    Parameters
    ----------
    y : array_like
        Leaky ReLU outputs.
    alpha : float, optional
        The slope used in the forward pass, :math:`\ge 0`. Default 0.01.

    Returns
    -------
    ndarray or scalar
        1 or :math:`\alpha`, with the dtype of `y`; NaN for NaN.

    Raises
    ------
    ValueError
        If `alpha` is negative or not finite: with :math:`\alpha < 0` the sign of
        :math:`y` no longer tells which side of the kink :math:`z` was on.

    See Also
    --------
    leaky_relu_derivative

    Notes
    -----
    For :math:`\alpha \ge 0` the output has the sign of the input, so :math:`y > 0`
    exactly when :math:`z > 0`; at the kink (:math:`y = 0`) this gives :math:`\alpha`,
    as `leaky_relu_derivative` does.

    Examples
    --------
    >>> leaky_relu_derivative_from_output(leaky_relu(np.array([-2.0, 0.0, 3.0])))
    array([0.01, 0.01, 1.  ])
    """
    func = "leaky_relu_derivative_from_output"
    y = as_float_array(y, func, "y")
    a = real_scalar(alpha, func, "alpha", y.dtype)
    if a < 0:
        raise ValueError(f"{func}: alpha must be >= 0; got {alpha!r}")
    return _with_nan(np.where(y > 0, y.dtype.type(1), a), y)


@bounds.documented("elu")
def elu(z: ArrayLike, alpha: float = 1.0) -> FloatResult:
    r"""Exponential linear unit: :math:`z` for :math:`z > 0`, :math:`\alpha(e^z - 1)` otherwise.

    Parameters
    ----------
    z : array_like
        Real input of any shape.
    alpha : float, optional
        Scale of the negative branch, finite; cast to the dtype of `z`. Default 1.

    Returns
    -------
    ndarray or scalar
        :math:`\operatorname{elu}(z)`, with the dtype of `z`, in
        :math:`(-\alpha, \infty)` for :math:`\alpha > 0`.

    Raises
    ------
    ValueError
        If `alpha` is not finite.

    See Also
    --------
    elu_derivative, elu_derivative_from_output

    Notes
    -----
    .. math::

        \operatorname{elu}(z) = \begin{cases} z & z > 0 \\
        \alpha\,(e^{z} - 1) & z \le 0 \end{cases}

    The negative branch is ``alpha * expm1(z)``. ``exp(z) - 1`` cancels for small
    :math:`|z|`: :math:`e^z` rounds to a float near 1, whose rounding error, about
    :math:`10^{-16}`, is then an error relative to the small difference (all digits
    are lost at :math:`z = -10^{-17}`, where ``exp(z) - 1`` is 0). ``expm1`` sees only
    :math:`\min(z, 0)`, so it never overflows.

    Examples
    --------
    >>> elu(np.array([-np.inf, -1.0, 0.0, 2.0]))
    array([-1.        , -0.63212056,  0.        ,  2.        ])
    >>> float(elu(-1e-17))  # exp(-1e-17) - 1 would be 0.0
    -1e-17
    """
    func = "elu"
    z = as_float_array(z, func)
    a = float(real_scalar(alpha, func, "alpha", z.dtype))

    def kernel(x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0.0)))

    return via_float64(z, kernel)


@bounds.documented("elu_derivative")
def elu_derivative(z: ArrayLike, alpha: float = 1.0) -> FloatResult:
    r"""Derivative of ELU, computed from its input `z`.

    Parameters and dtype as in `elu`. Returns 1 for :math:`z > 0` and
    :math:`\alpha e^z` for :math:`z \le 0`; NaN for NaN.

    Raises
    ------
    ValueError
        If `alpha` is not finite.

    See Also
    --------
    elu_derivative_from_output : the cheap form from the output.

    Notes
    -----
    .. math::

        \operatorname{elu}'(z) = \begin{cases} 1 & z > 0 \\
        \alpha\,e^{z} & z < 0 \end{cases}

    At :math:`z = 0` this returns :math:`\alpha`, the left derivative, as PyTorch does;
    for the default :math:`\alpha = 1` both one-sided derivatives are 1 and ELU is
    differentiable there.

    Examples
    --------
    >>> elu_derivative(np.array([-np.inf, -1.0, 0.0, 2.0]))
    array([0.        , 0.36787944, 1.        , 1.        ])
    >>> elu_derivative(0.0, alpha=0.5)
    np.float64(0.5)
    """
    func = "elu_derivative"
    z = as_float_array(z, func)
    a = float(real_scalar(alpha, func, "alpha", z.dtype))

    def kernel(x: np.ndarray) -> np.ndarray:
        d = a * np.exp(np.minimum(x, 0.0))
        deep = x < DEEP  # alpha * exp(z) would round exp(z) to a subnormal first
        d[deep] = np.ldexp(a * exp_scaled(x[deep]), -SCALE)
        return np.where(x > 0, 1.0, d)

    return via_float64(z, kernel)


@bounds.documented("elu_derivative_from_output")
def elu_derivative_from_output(y: ArrayLike, alpha: float = 1.0) -> FloatResult:
    r"""Derivative of ELU from its output :math:`y = \operatorname{elu}(z)`.

    Parameters
    ----------
    y : array_like
        ELU outputs, in :math:`(-\alpha, \infty)`.
    alpha : float, optional
        The :math:`\alpha` that produced `y`, finite and :math:`\ge 0`. Default 1.

    Returns
    -------
    ndarray or scalar
        1 where :math:`y > 0`, :math:`y + \alpha` elsewhere, with the dtype of `y`.

    Raises
    ------
    ValueError
        If `alpha` is negative or not finite: for :math:`\alpha < 0` the negative
        branch is positive, so :math:`y` no longer tells which branch it came from.
        Also if a value of `y` is below :math:`-\alpha`, outside ELU's range.

    See Also
    --------
    elu_derivative : the accurate form, from the input :math:`z`.

    Notes
    -----
    For :math:`z \le 0`, :math:`y = \alpha(e^z - 1)`, so
    :math:`\operatorname{elu}'(z) = \alpha e^z = y + \alpha`. At :math:`y = 0` this
    gives :math:`\alpha`, as `elu_derivative` does at :math:`z = 0`.

    The sum cancels for very negative :math:`z`: :math:`y` is close to
    :math:`-\alpha`, and its rounding error, about :math:`10^{-16}\alpha`, is an error
    of :math:`10^{-16} e^{-z}` relative to the true :math:`\alpha e^z` (0.1 % at
    :math:`z = -30`); from :math:`z \approx -37.4` on, :math:`y` rounds to
    :math:`-\alpha` and the result is exactly 0. When :math:`z` is at hand, use
    `elu_derivative`.

    Examples
    --------
    >>> y = elu(np.array([-1.0, 0.0, 2.0]))
    >>> elu_derivative_from_output(y)
    array([0.36787944, 1.        , 1.        ])
    >>> float(elu_derivative_from_output(elu(-40.0)))  # the true value is 4.2e-18
    0.0
    """
    func = "elu_derivative_from_output"
    y = as_float_array(y, func, "y")
    a = real_scalar(alpha, func, "alpha", y.dtype)
    if a < 0:
        raise ValueError(
            f"{func}: alpha must be >= 0, since for alpha < 0 the output does not tell "
            f"which branch it came from; got {alpha!r}"
        )
    check_range(y, -float(a), np.inf, func, "y")
    out = np.ones_like(y)
    np.add(y, a, out=out, where=~(y > 0))  # NaN takes this branch and stays NaN
    return finish(out)


@bounds.documented("softplus")
def softplus(z: ArrayLike) -> FloatResult:
    r"""Softplus, :math:`\ln(1 + e^z)`, a smooth ReLU.

    Parameters
    ----------
    z : array_like
        Real input of any shape, up to the largest float: nothing overflows.

    Returns
    -------
    ndarray or scalar
        :math:`\ln(1 + e^z) > 0`, with the dtype of `z`.

    See Also
    --------
    softplus_derivative : the sigmoid.
    log_sigmoid : :math:`\ln\sigma(z) = -\operatorname{softplus}(-z)`.

    Notes
    -----
    .. math:: \operatorname{softplus}(z) = \ln(1 + e^{z}) = \max(z, 0) + \ln(1 + e^{-|z|})

    The right-hand form never overflows (``log(1 + exp(z))`` is ``inf`` from
    :math:`z = 710` on) and, with ``log1p``, keeps full relative accuracy for very
    negative :math:`z`, where ``log(1 + exp(z))`` returns 0 as soon as :math:`e^z`
    is below the rounding error of 1.

    Examples
    --------
    >>> softplus(np.array([-40.0, 0.0, 1000.0]))
    array([4.24835426e-18, 6.93147181e-01, 1.00000000e+03])
    """
    z = as_float_array(z, "softplus")

    def kernel(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    return via_float64(z, kernel)


@bounds.documented("softplus_derivative")
def softplus_derivative(z: ArrayLike) -> FloatResult:
    r"""Derivative of softplus, which is the sigmoid :math:`\sigma(z)`.

    Parameters and dtype as in `softplus`. Returns :math:`\sigma(z) = 1/(1 + e^{-z})`.

    See Also
    --------
    sigmoid : the implementation, in the input's dtype.
    softplus_derivative_from_output : the form from the output.

    Notes
    -----
    .. math:: \frac{d}{dz}\ln(1 + e^{z}) = \frac{e^{z}}{1 + e^{z}} = \sigma(z)

    Examples
    --------
    >>> softplus_derivative(np.array([-1.0, 0.0, 1.0]))
    array([0.26894142, 0.5       , 0.73105858])
    """
    return sigmoid(as_float_array(z, "softplus_derivative"))


@bounds.documented("softplus_derivative_from_output")
def softplus_derivative_from_output(y: ArrayLike) -> FloatResult:
    r"""Derivative of softplus from its output :math:`y = \operatorname{softplus}(z)`.

    Parameters
    ----------
    y : array_like
        Softplus outputs, :math:`y > 0`.

    Returns
    -------
    ndarray or scalar
        :math:`1 - e^{-y}`, with the dtype of `y`.

    See Also
    --------
    softplus_derivative : the form from the input :math:`z`.

    Notes
    -----
    From :math:`e^{y} = 1 + e^{z}`,

    .. math:: \sigma(z) = \frac{e^z}{1 + e^z} = \frac{e^y - 1}{e^y} = 1 - e^{-y},

    computed as ``-expm1(-y)``, which does not cancel for small :math:`y` (very
    negative :math:`z`, where :math:`\sigma(z) \approx y`). The rounding error of
    :math:`y`, about :math:`u y`, changes the result by about
    :math:`u y e^{-y} \le u\,\sigma(z)`, so unlike sigmoid's and tanh's from-output
    forms this one stays accurate everywhere. A negative `y` is outside softplus's
    range, where the formula would give a negative number: it raises `ValueError`.

    Examples
    --------
    >>> softplus_derivative_from_output(softplus(np.array([-1.0, 0.0, 1.0])))
    array([0.26894142, 0.5       , 0.73105858])
    """
    func = "softplus_derivative_from_output"
    y = as_float_array(y, func, "y")
    check_range(y, 0, np.inf, func, "y")
    return via_float64(y, lambda x: -np.expm1(-x))


def _check_approximate(approximate: object, func: str) -> None:
    if not (isinstance(approximate, str) and approximate in _APPROXIMATE):
        raise ValueError(
            f"{func}: approximate must be one of {', '.join(map(repr, _APPROXIMATE))}; "
            f"got {approximate!r}"
        )


def _tanh_argument(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``w = 2u = 2 sqrt(2/pi) (x + 0.044715 x**3)`` as ``v + h``, for ``|x| <= 30``.

    ``v`` is ``w`` rounded and ``h`` the rest, from error-free products and sums:
    ``sigmoid(w)`` is near :math:`e^{w}` for negative ``w``, and a relative error
    :math:`\delta` of ``w`` would become :math:`|w|\delta` in it (700 ulps at
    :math:`w = -700` for :math:`\delta = u`).
    """
    s, s_lo = two_product(x, x)  # x**2
    p, p_lo = two_product(np.float64(_C), s)  # c x**2
    p_lo += _C * s_lo + _C_LO * s
    q, q_lo = two_sum(1.0, p)  # 1 + c x**2
    q_lo += p_lo
    r, r_lo = two_product(x, q)  # x (1 + c x**2)
    r_lo += x * q_lo
    v, h = two_product(np.float64(_K), r)  # k x (1 + c x**2)
    h += _K * r_lo + _K_LO * r
    return v, h


def _gelu_exact(x: np.ndarray) -> np.ndarray:
    return z_ndtr(np.maximum(x, -40.0))  # below -40, gelu underflows to -0.0


def _gelu_exact_derivative(x: np.ndarray) -> np.ndarray:
    # beyond 40, gelu' is 1 or 0 (and z * phi(z) would be inf * 0)
    return z_ndtr_derivative(np.clip(x, -40.0, 40.0))


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    xc = np.clip(x, -30.0, 30.0)  # sigma(2u) is 0 or 1 beyond, and 30**3 cannot overflow
    v, h = _tanh_argument(xc)
    s = sigmoid(v) + sigmoid_derivative(v) * h  # sigma(v + h) to first order in h
    out = np.maximum(x, -30.0) * s  # max: -inf * 0 would be NaN
    deep = v < DEEP
    e = exp_scaled(v[deep])  # sigma(w) = e**w (1 + e**w rounds to 1)
    out[deep] = np.ldexp(xc[deep] * (e + e * h[deep]), -SCALE)
    return out


def _gelu_tanh_derivative(x: np.ndarray) -> np.ndarray:
    xc = np.clip(x, -30.0, 30.0)
    v, h = _tanh_argument(xc)
    sig, dsig = sigmoid(v), sigmoid_derivative(v)
    s = sig + dsig * h  # sigma(v + h)
    ds = dsig + dsig * ((1.0 - 2.0 * sig) * h)  # sigma'(v + h), as sigma'' = sigma'(1 - 2 sigma)
    dw = _K * (1.0 + (3.0 * _C) * (xc * xc))  # w'(z)
    out = s + xc * dw * ds
    deep = v < DEEP  # sigma(w) = sigma'(w) = e**w
    e = exp_scaled(v[deep])
    out[deep] = np.ldexp((e + e * h[deep]) * (1.0 + xc[deep] * dw[deep]), -SCALE)
    return out


@bounds.documented("gelu", "gelu_tanh")
def gelu(z: ArrayLike, approximate: str = "none") -> FloatResult:
    r"""Gaussian error linear unit, :math:`z\,\Phi(z)`, or its tanh approximation.

    Parameters
    ----------
    z : array_like
        Real input of any shape. float16 and float32 are computed in float64 and
        rounded once to their dtype.
    approximate : {"none", "tanh"}, optional
        ``"none"`` (default) for the exact GELU, ``"tanh"`` for the approximation of
        Hendrycks and Gimpel (PyTorch's ``approximate="tanh"``).

    Returns
    -------
    ndarray or scalar
        :math:`\operatorname{gelu}(z)`, with the dtype of `z`; :math:`+\infty` at
        :math:`+\infty` and 0 at :math:`-\infty`.

    Raises
    ------
    ValueError
        If `approximate` is not ``"none"`` or ``"tanh"``.

    See Also
    --------
    gelu_derivative, silu : :math:`z\,\sigma(z)`, the same idea with the logistic CDF.

    Notes
    -----
    .. math::

        \operatorname{gelu}(z) = z\,\Phi(z), \qquad
        \Phi(z) = \tfrac12 \operatorname{erfc}\bigl(-z/\sqrt{2}\bigr)

    with :math:`\Phi` the standard normal CDF. The textbook
    :math:`\tfrac12(1 + \operatorname{erf}(z/\sqrt{2}))` cancels to 0 for
    :math:`z < -8.3`, where :math:`\Phi(z)` is still :math:`10^{-16}`; ``erfc`` does
    not. Near 0 the rounding of :math:`-z/\sqrt{2}` is corrected for (see
    `course_lib._special.ndtr`); for :math:`|z| > 1.25\sqrt{2}`, erfc's tail
    :math:`e^{-x^2 - 0.5625 + R/S}/x` at :math:`x = |z|/\sqrt{2}` makes
    :math:`|z|\,\Phi(-|z|)` one exponential, with no division, whose argument
    :math:`-z^2/2` is an exact part plus a tiny rest (`course_lib._special.z_ndtr`), and
    :math:`\Phi(z) = 1 - \Phi(-z)`.

    The tanh approximation

    .. math::

        \tfrac12 z\,(1 + \tanh u) = z\,\sigma(2u), \qquad
        u = \sqrt{2/\pi}\,(z + 0.044715\,z^3)

    is computed on the right, since :math:`1 + \tanh u` cancels for negative
    :math:`u`; :math:`2u` is carried to twice the working precision, since
    :math:`\sigma(2u) \approx e^{2u}` turns an absolute error of :math:`2u` into a
    relative one. Where :math:`\Phi(z)` or :math:`\sigma(2u)` would be subnormal,
    the product with :math:`z` is formed scaled by :math:`2^{64}` so that it is
    rounded once.

    Examples
    --------
    >>> gelu(np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    array([-0.        , -0.15865525,  0.        ,  0.84134475,         inf])
    >>> gelu(np.array([-1.0, 1.0]), approximate="tanh")
    array([-0.15880801,  0.84119199])
    >>> float(gelu(-10.0))  # with 1 + erf(-10/sqrt(2)) this is -0.0
    -7.619853024160526e-23
    """
    func = "gelu"
    z = as_float_array(z, func)
    _check_approximate(approximate, func)
    return via_float64(z, _gelu_exact if approximate == "none" else _gelu_tanh)


@bounds.documented("gelu_derivative", "gelu_tanh_derivative")
def gelu_derivative(z: ArrayLike, approximate: str = "none") -> FloatResult:
    r"""Derivative of GELU (exact or tanh approximation), computed from `z`.

    Parameters and dtype as in `gelu` (`approximate` picks the GELU to differentiate).
    Returns 1 at :math:`+\infty`, 0 at :math:`-\infty`, NaN for NaN; the result is
    negative for :math:`z < -0.7518`.

    Raises
    ------
    ValueError
        If `approximate` is not ``"none"`` or ``"tanh"``.

    See Also
    --------
    gelu

    Notes
    -----
    .. math::

        \operatorname{gelu}'(z) = \Phi(z) + z\,\varphi(z), \qquad
        \varphi(z) = \frac{e^{-z^2/2}}{\sqrt{2\pi}}

    :math:`e^{-z^2/2}` is computed with :math:`z^2` split exactly into two floats,
    since rounding :math:`z^2` alone costs a relative :math:`z^2 u/2` (hundreds of
    ulps for :math:`|z| > 30`). In the tails :math:`\Phi` and :math:`\varphi` share
    that exact exponent (`course_lib._special.z_ndtr_derivative`). With :math:`w = 2u`
    as in `gelu`, the tanh approximation has

    .. math::

        \frac{d}{dz}\,z\,\sigma(w) = \sigma(w) + z\,\sigma'(w)\,w'(z), \qquad
        w'(z) = 2\sqrt{2/\pi}\,(1 + 0.134145\,z^2),

    with :math:`\sigma'(w) = \sigma(w)\,\sigma(-w)` from `sigmoid_derivative`, which
    does not cancel. Near the zero at :math:`z \approx -0.7518` both forms subtract
    two terms of size 0.2, so the error there is absolute, a few ulps of 0.2.

    Examples
    --------
    >>> gelu_derivative(np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    array([ 0.        , -0.08331547,  0.5       ,  1.08331547,  1.        ])
    >>> gelu_derivative(np.array([-1.0, 1.0]), approximate="tanh")
    array([-0.08296408,  1.08296408])
    """
    func = "gelu_derivative"
    z = as_float_array(z, func)
    _check_approximate(approximate, func)
    kernel = _gelu_exact_derivative if approximate == "none" else _gelu_tanh_derivative
    return via_float64(z, kernel)


def _times_beta(x: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray | None]:
    r"""``t + t_lo = beta * x`` exactly (``t_lo`` is None when ``t`` is exact).

    ``sigmoid(t)`` is near :math:`e^{t}` for negative ``t``, where a relative error
    :math:`\delta` of ``t`` becomes :math:`|t|\delta` (hundreds of ulps near
    :math:`t = -700`), so the rounding error of :math:`\beta z` is kept. It is 0 where
    ``t`` is not finite.
    """
    if beta == 1.0:
        return x, None
    if beta == 0.0:  # z / 2 for every z, infinities included (0 * inf would be NaN)
        return np.where(np.isnan(x), x, 0.0), None
    # With beta = mb 2**kb and z = mz 2**kz, mb mz is split exactly whatever the sizes
    mb, kb = np.frexp(beta)
    mz, kz = np.frexp(np.where(np.isfinite(x), x, 0.0))
    _, lo = two_product(mz, np.float64(mb))
    with np.errstate(over="ignore"):  # beta z beyond the range is +-inf (and so is t_lo)
        t = beta * x
        t_lo = np.ldexp(lo, kz + kb)
    return t, np.where(np.isfinite(t), t_lo, 0.0)


def _swish(x: np.ndarray, beta: float) -> np.ndarray:
    t, t_lo = _times_beta(x, beta)
    s = sigmoid(t)
    if t_lo is not None:
        s += sigmoid_derivative(t) * t_lo  # sigma(t + t_lo) to first order
    deep = t < DEEP  # sigma(t) = e**t: 1 + e**t rounds to 1
    out = np.where(deep, 0.0, x) * s  # where: inf * 0 would be NaN
    out[deep] = exp_times(x[deep], t[deep], 0.0 if t_lo is None else t_lo[deep])
    return out


def _swish_derivative(x: np.ndarray, beta: float) -> np.ndarray:
    t, t_lo = _times_beta(x, beta)
    tc = np.clip(t, -800.0, 800.0)  # e is 0 beyond: inf * 0 would be NaN
    e = np.exp(-np.abs(tc))
    d = 1.0 + e
    d_lo = e - (d - 1.0)  # 1 + e = d + d_lo exactly, as e <= 1
    # t >= 0: (1 + e (1 + t)) / (1 + e)**2; t < 0: e ((1 + t) + e) / (1 + e)**2,
    # where 1 + t is exact near the zero (Sterbenz) and only e is added to it.
    num = np.where(t < 0, e * ((1.0 + tc) + e), 1.0 + e * (1.0 + tc))
    out = num / (d * d)
    out -= out * (2.0 * d_lo / d)  # divide by (d + d_lo)**2, to first order
    if t_lo is not None:  # + silu''(t) t_lo, silu'' = sigma' (2 + t (sigma(-t) - sigma(t)))
        skew = np.where(t < 0, 1.0 - e, e - 1.0) / d
        out += e / (d * d) * (2.0 + tc * skew) * t_lo
    deep = t < DEEP  # silu'(t) = e**t (1 + t) to within a relative e**t
    td = tc[deep]
    lo = 0.0 if t_lo is None else t_lo[deep]
    out[deep] = np.ldexp(((1.0 + td) + lo * (2.0 + td)) * exp_scaled(td), -SCALE)
    return out


@bounds.documented("silu", "swish")
def silu(z: ArrayLike, beta: float = 1.0) -> FloatResult:
    r"""Sigmoid linear unit :math:`z\,\sigma(z)`, or swish :math:`z\,\sigma(\beta z)`.

    Parameters
    ----------
    z : array_like
        Real input of any shape.
    beta : float, optional
        The slope of the gate, finite; cast to the dtype of `z`. The default 1 is
        SiLU; 0 gives :math:`z/2`, and as :math:`\beta \to \infty` it tends to ReLU.

    Returns
    -------
    ndarray or scalar
        :math:`z\,\sigma(\beta z)`, with the dtype of `z`: for :math:`\beta > 0`,
        :math:`+\infty` at :math:`+\infty` and 0 at :math:`-\infty`.

    Raises
    ------
    TypeError
        If `beta` is not a real number.
    ValueError
        If `beta` is not finite.

    See Also
    --------
    silu_derivative, gelu, sigmoid

    Notes
    -----
    .. math::

        \operatorname{swish}_\beta(z) = z\,\sigma(\beta z) = \frac{z}{1 + e^{-\beta z}},
        \qquad \operatorname{silu} = \operatorname{swish}_1

    (Elfwing, Uchibe and Doya 2018; Ramachandran, Zoph and Le 2017, who also let
    :math:`\beta` be learned). The stable `sigmoid` does the work. :math:`\beta z` is
    carried to twice the working precision, since :math:`\sigma(\beta z) \approx
    e^{\beta z}` turns its rounding error into a relative error :math:`|\beta z|\,u`.
    Where :math:`\sigma(\beta z)` is close to the subnormal range
    (:math:`\beta z < -700`) it has only a few significant bits, and the product with
    :math:`z` would multiply their error by :math:`|z|`; there :math:`z e^{\beta z}` is
    formed scaled and rounded once (`course_lib._special.exp_times`).

    Examples
    --------
    >>> silu(np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    array([-0.        , -0.26894142,  0.        ,  0.73105858,         inf])
    >>> silu(np.array([-1.0, 1.0]), beta=2.0)
    array([-0.11920292,  0.88079708])
    """
    func = "silu"
    z = as_float_array(z, func)
    b = float(real_scalar(beta, func, "beta", z.dtype))
    return via_float64(z, lambda x: _swish(x, b))


@bounds.documented("silu_derivative", "swish_derivative")
def silu_derivative(z: ArrayLike, beta: float = 1.0) -> FloatResult:
    r"""Derivative of SiLU, or of swish with slope `beta`, computed from `z`.

    Parameters and limits as in `silu`; the result is 1 at :math:`+\infty` and 0 at
    :math:`-\infty` for :math:`\beta > 0`, NaN for NaN, and negative for
    :math:`\beta z < -1.2785`.

    See Also
    --------
    silu, sigmoid_derivative

    Notes
    -----
    With :math:`t = \beta z`,

    .. math::

        \frac{d}{dz}\,z\,\sigma(\beta z) = \sigma(t) + t\,\sigma'(t)
        = \sigma(t)\,\bigl(1 + t\,(1 - \sigma(t))\bigr) = \operatorname{silu}'(t)

    For large :math:`t`, ``1 - sigmoid(t)`` would round to 0 and lose the term
    :math:`t\,\sigma(-t)`. So with :math:`e = e^{-|t|}` it is computed as

    .. math::

        \operatorname{silu}'(t) = \frac{1 + e\,(1 + t)}{(1 + e)^2} \quad (t \ge 0),
        \qquad \frac{e\,\bigl((1 + t) + e\bigr)}{(1 + e)^2} \quad (t < 0),

    from one exponential, with :math:`1 + e` carried exactly as a sum of two floats
    and the rounding error of :math:`\beta z` added back through
    :math:`\operatorname{silu}''(t) = \sigma'(t)\,\bigl(2 + t\,(1 - 2\sigma(t))\bigr)`.
    Near the zero at :math:`t \approx -1.2785` two terms of size 0.2 cancel, but
    there :math:`1 + t` is exact and only :math:`e` is added to it, so the error
    stays small against the terms.

    Examples
    --------
    >>> silu_derivative(np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    array([-0.        ,  0.07232949,  0.5       ,  0.92767051,  1.        ])
    >>> silu_derivative(np.array([-1.0, 1.0]), beta=2.0)
    array([-0.09078425,  1.09078425])
    """
    func = "silu_derivative"
    z = as_float_array(z, func)
    b = float(real_scalar(beta, func, "beta", z.dtype))
    return via_float64(z, lambda x: _swish_derivative(x, b))


@bounds.documented("identity")
def identity(z: ArrayLike) -> FloatResult:
    r"""Identity activation, :math:`f(z) = z`, as a new float array.

    Parameters
    ----------
    z : array_like
        Real input of any shape.

    Returns
    -------
    ndarray or scalar
        A copy of `z` (float64 for integers), never `z` itself.

    See Also
    --------
    identity_derivative

    Examples
    --------
    >>> identity([1, 2])
    array([1., 2.])
    """
    z = as_float_array(z, "identity")
    return finish(np.array(z, copy=True))


@bounds.documented("identity_derivative")
def identity_derivative(z: ArrayLike) -> FloatResult:
    r"""Derivative of the identity: 1 everywhere, NaN for NaN.

    Parameters as in `identity`. Returns ones with the shape and dtype of `z`, NaN
    where `z` is NaN.

    See Also
    --------
    identity, identity_derivative_from_output

    Examples
    --------
    >>> identity_derivative(np.array([-np.inf, 0.0, np.nan]))
    array([ 1.,  1., nan])
    """
    z = as_float_array(z, "identity_derivative")
    return _with_nan(np.ones_like(z), z)


@bounds.documented("identity_derivative_from_output")
def identity_derivative_from_output(y: ArrayLike) -> FloatResult:
    r"""Derivative of the identity from its output :math:`y = z`: 1, NaN for NaN.

    Parameters
    ----------
    y : array_like
        Outputs of `identity`.

    Returns
    -------
    ndarray or scalar
        Ones with the shape and dtype of `y`, NaN where `y` is NaN.

    See Also
    --------
    identity_derivative

    Examples
    --------
    >>> identity_derivative_from_output(np.array([2.0, np.nan]))
    array([ 1., nan])
    """
    y = as_float_array(y, "identity_derivative_from_output", "y")
    return _with_nan(np.ones_like(y), y)
