r"""Loss functions and their gradients: squared error, and cross-entropies from logits.

Each loss is the **total** over all elements (a batch's losses summed, not averaged);
divide by the batch size for the mean, and the gradient by the same number. Each loss
comes with its gradient, ``grad_<symbol>`` in the style guide's terms: the gradient
of the loss with respect to the network's output, where backpropagation starts.

The cross-entropies take **logits** :math:`z`, not probabilities: the gradient with
respect to the logits is the simple, cancellation-free :math:`p - t`, and the loss
can be computed without ever forming :math:`\ln p` from a rounded :math:`p`.

Dtypes follow the prediction or logits: float32 ``z`` gives a float32 loss and
gradient, and the targets are cast to that dtype. Losses are NumPy scalars
(``float(loss)`` gives a Python float). Empty inputs give a loss of 0 and an empty
gradient. For finite inputs no loss or gradient overflows to NaN or warns; a loss
whose true value exceeds the float range is ``inf``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import FloatArray, FloatResult, as_float_array, check_axis, check_same_shape, finish
from .sigmoid import sigmoid
from .softmax import log_softmax, softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "squared_error",
    "squared_error_gradient",
]


def _pair(y: object, t: object, func: str, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Prediction and target as float arrays of one shape, each of its own dtype for now."""
    y = as_float_array(y, func, names[0])
    t = as_float_array(t, func, names[1])
    check_same_shape(y, t, func, names)
    return y, t


def _total(terms: np.ndarray) -> np.floating:
    """The sum of all elements as a NumPy scalar of their dtype (0 when empty)."""
    with np.errstate(over="ignore"):  # a total beyond the float range is inf, as it should be
        return terms.dtype.type(np.sum(terms) + 0.0)  # + 0.0 turns a -0.0 total into 0.0


def _first_bad(t: np.ndarray, bad: np.ndarray) -> str:
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"{int(np.count_nonzero(bad))} value(s), e.g. {float(t[index])!r} at index {index}"


def _check_probabilities(t: np.ndarray, func: str) -> None:
    """Raise `ValueError` unless every target lies in [0, 1] (NaN does not)."""
    bad = ~((t >= 0) & (t <= 1))
    if bad.any():
        raise ValueError(f"{func}: targets t must lie in [0, 1]; got {_first_bad(t, bad)}")


def _check_distributions(t: np.ndarray, axis: int, func: str) -> None:
    """Raise `ValueError` unless `t` is non-negative and sums to 1 along `axis`."""
    bad = ~(t >= 0)
    if bad.any():
        raise ValueError(f"{func}: targets t must be non-negative; got {_first_bad(t, bad)}")
    k = t.shape[axis]
    sums = np.sum(t, axis=axis, dtype=np.float64)
    # rounding each of K targets and summing them costs about K units of roundoff
    tol = 4 * max(k, 1) * float(np.finfo(t.dtype).eps)
    off = ~(np.abs(sums - 1) <= tol)
    if off.any():
        index = tuple(int(i) for i in np.argwhere(off)[0])
        where = (
            f" at index {index} ({int(off.sum())} of {off.size} slices are off)" if index else ""
        )
        raise ValueError(
            f"{func}: targets t must sum to 1 along axis {axis} (within {tol:.1g}); "
            f"got {float(np.asarray(sums)[index])!r}{where}"  # sums is a scalar for 1-D t
        )


def squared_error(y: ArrayLike, t: ArrayLike) -> np.floating:
    r"""Half the sum of squared differences, :math:`\frac12 \sum (y - t)^2`.

    Parameters
    ----------
    y : array_like
        Predictions of any shape.
    t : array_like
        Targets, the shape of `y`.

    Returns
    -------
    numpy scalar
        The total over all elements, a NumPy scalar of `y`'s dtype (``np.float64``
        for float64 or integer `y`); ``float(...)`` makes it a Python float.
        0 for empty inputs.

    Raises
    ------
    ValueError
        If `y` and `t` differ in shape.

    See Also
    --------
    squared_error_gradient : :math:`y - t`.

    Notes
    -----
    .. math:: L = \frac12 \sum_i (y_i - t_i)^2,
              \qquad \frac{\partial L}{\partial y_i} = y_i - t_i

    The :math:`\frac12` is there so that the gradient has no factor 2.

    Examples
    --------
    >>> float(squared_error([1.0, 2.0, 3.0], [1.0, 0.0, 4.0]))  # (0 + 4 + 1) / 2
    2.5
    """
    y, t = _pair(y, t, "squared_error", ("y", "t"))
    # float16 and float32 in float64: y - t is exact there and no d**2 overflows whose
    # half fits (float16 [300] against [0] is 45000, not inf); d * (d / 2), since halving
    # first is exact, keeps float64's d**2 from overflowing where d**2 / 2 fits
    work = np.promote_types(y.dtype, np.float64)
    with np.errstate(over="ignore"):  # beyond the float range: inf, as it should be
        d = np.subtract(y, t.astype(y.dtype, copy=False), dtype=work)
        np.multiply(d, d / 2, out=d)
        return y.dtype.type(np.sum(d) + 0.0)  # + 0.0 turns a -0.0 total into 0.0


def squared_error_gradient(y: ArrayLike, t: ArrayLike) -> FloatResult:
    r"""Gradient of `squared_error` with respect to the predictions: :math:`y - t`.

    Parameters as in `squared_error`.

    Returns
    -------
    ndarray or scalar
        :math:`\partial L / \partial y = y - t`, the shape and dtype of `y`.

    Raises
    ------
    ValueError
        As `squared_error`.

    See Also
    --------
    squared_error

    Examples
    --------
    >>> squared_error_gradient([1.0, 2.0, 3.0], [1.0, 0.0, 4.0])
    array([ 0.,  2., -1.])
    """
    y, t = _pair(y, t, "squared_error_gradient", ("y", "t"))
    with np.errstate(over="ignore"):
        return finish(np.subtract(y, t.astype(y.dtype, copy=False), out=np.empty_like(y)))


def softmax_cross_entropy(z: ArrayLike, t: ArrayLike, axis: int = -1) -> np.floating:
    r"""Cross-entropy of target distributions `t` and the softmax of logits `z`.

    Parameters
    ----------
    z : array_like
        Logits of any shape with at least one dimension.
    t : array_like
        Target distributions, the shape of `z`: non-negative, summing to 1 along
        `axis` (one-hot rows, or soft labels).
    axis : int, optional
        The axis holding the :math:`K` classes. Default -1 (rows are samples).

    Returns
    -------
    numpy scalar
        :math:`-\sum t \ln \operatorname{softmax}(z)`, summed over every
        distribution: the **total** over the batch, not the mean. A NumPy scalar of
        `z`'s dtype; 0 for empty inputs.

    Raises
    ------
    ValueError
        If the shapes differ, or `t` is negative or does not sum to 1 along `axis`
        (within :math:`4K` units of roundoff of `t`'s dtype).

    See Also
    --------
    softmax_cross_entropy_gradient : :math:`\operatorname{softmax}(z) - t`.
    course_lib.softmax.log_softmax : the log-probabilities used here.

    Notes
    -----
    .. math::

        L = -\sum_i t_i \ln p_i = -\sum_i t_i \bigl(z_i - \operatorname{logsumexp}(z)\bigr),
        \qquad p = \operatorname{softmax}(z)

    `log_softmax` computes :math:`\ln p_i` without forming :math:`p_i`, so the loss is
    finite even where :math:`p_i` underflows to 0. There ``log(softmax(z))`` gives
    :math:`-\infty`: an infinite loss where :math:`t_i > 0` and
    :math:`0 \cdot (-\infty)` = NaN where :math:`t_i = 0`. Terms with :math:`t_i = 0`
    are skipped.

    Examples
    --------
    >>> z = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    >>> t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> float(softmax_cross_entropy(z, t))  # -ln(e^2 / (e^2 + e + e^0.1)) - ln(1/3)
    1.515642304946
    >>> float(softmax_cross_entropy([1000.0, -1000.0], [0.0, 1.0]))  # p = exp(-2000)
    2000.0
    """
    func = "softmax_cross_entropy"
    z, t = _pair(z, t, func, ("z", "t"))
    ax = check_axis(axis, z.ndim, func)
    if z.size == 0:
        return z.dtype.type(0)
    _check_distributions(t, ax, func)
    logp = log_softmax(z, axis=ax)
    t = t.astype(z.dtype, copy=False)
    terms = np.zeros_like(logp)
    np.multiply(np.negative(t), logp, out=terms, where=t != 0)  # skip 0 * log p: -inf?
    return _total(terms)


def softmax_cross_entropy_gradient(z: ArrayLike, t: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Gradient of `softmax_cross_entropy` with respect to the logits: :math:`p - t`.

    Parameters as in `softmax_cross_entropy`.

    Returns
    -------
    ndarray
        :math:`\partial L / \partial z = \operatorname{softmax}(z) - t`, the shape and
        dtype of `z`. Each slice along `axis` sums to (about) 0.

    Raises
    ------
    ValueError
        As `softmax_cross_entropy`: in particular if `t` does not sum to 1, for which
        :math:`p - t` is not the gradient.

    See Also
    --------
    softmax_cross_entropy, course_lib.softmax.softmax_vjp

    Notes
    -----
    With :math:`\ln p_i = z_i - \operatorname{logsumexp}(z)` and
    :math:`\partial \operatorname{logsumexp}(z) / \partial z_j = p_j`,

    .. math::

        \frac{\partial L}{\partial z_j}
        = -\frac{\partial}{\partial z_j} \sum_i t_i \bigl(z_i - \operatorname{logsumexp}(z)\bigr)
        = -t_j + p_j \sum_i t_i .

    This is :math:`p_j - t_j` only when :math:`\sum_i t_i = 1`; hence the check. The
    softmax Jacobian never needs to be formed: it collapses with the
    :math:`-t_i/p_i` of the logarithm's derivative, so nothing divides by a
    :math:`p_i` that may be 0.

    Examples
    --------
    >>> softmax_cross_entropy_gradient(np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    array([-0.5,  0.5])
    >>> softmax_cross_entropy_gradient([1.0, 2.0], [0.7, 0.7])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: softmax_cross_entropy_gradient: targets t must sum to 1 along axis 0 ...; got 1.4
    """
    func = "softmax_cross_entropy_gradient"
    z, t = _pair(z, t, func, ("z", "t"))
    ax = check_axis(axis, z.ndim, func)
    if z.size == 0:
        return np.empty_like(z)
    _check_distributions(t, ax, func)
    return np.subtract(softmax(z, axis=ax), t.astype(z.dtype, copy=False))


def binary_cross_entropy(z: ArrayLike, t: ArrayLike) -> np.floating:
    r"""Binary cross-entropy of targets `t` and the sigmoid of logits `z`.

    Parameters
    ----------
    z : array_like
        Logits of any shape.
    t : array_like
        Targets in :math:`[0, 1]` (labels 0 and 1, or soft labels), the shape of `z`.

    Returns
    -------
    numpy scalar
        :math:`-\sum [t \ln \sigma(z) + (1 - t) \ln(1 - \sigma(z))]`, the **total**
        over all elements, a NumPy scalar of `z`'s dtype; 0 for empty inputs.

    Raises
    ------
    ValueError
        If the shapes differ or a target lies outside :math:`[0, 1]`.

    See Also
    --------
    binary_cross_entropy_gradient : :math:`\sigma(z) - t`.
    course_lib.sigmoid.log_sigmoid

    Notes
    -----
    With :math:`\ln \sigma(z) = -\operatorname{softplus}(-z)` and
    :math:`\ln(1 - \sigma(z)) = -\operatorname{softplus}(z)`, each term is

    .. math::

        \ell = \operatorname{softplus}(z) - t z
             = \max(z, 0) - t z + \ln\bigl(1 + e^{-|z|}\bigr).

    ``exp`` never overflows, and nothing is 0 times infinity (the textbook form gives
    :math:`0 \cdot \ln 0` = NaN at :math:`z = \pm 1000`). To avoid cancellation,
    :math:`\max(z, 0) - tz` is computed as :math:`(1 - t) z` for :math:`z \ge 0` and
    :math:`-tz` otherwise: both are :math:`\ge 0`, like the last term, so the sum
    never cancels.

    Examples
    --------
    >>> float(binary_cross_entropy([0.0], [1.0]))  # ln 2
    0.6931471805599453
    >>> float(binary_cross_entropy([1000.0, -1000.0], [0.0, 0.0]))  # 1000 + 0
    1000.0
    """
    func = "binary_cross_entropy"
    z, t = _pair(z, t, func, ("z", "t"))
    _check_probabilities(t, func)
    t = t.astype(z.dtype, copy=False)
    # (1 - t) z for z >= 0 and -t z for z < 0: max(z, 0) - t z without cancellation
    coef = np.where(z >= 0, 1 - t, -t)
    # a coefficient of exactly 0 is a term of exactly 0, even at z = +-inf (the limit of
    # the loss for z -> inf with t = 1, or z -> -inf with t = 0), not 0 * inf = NaN
    terms = np.multiply(coef, z, out=np.zeros_like(z), where=coef != 0)
    tail = np.abs(z, out=np.empty_like(z))
    np.negative(tail, out=tail)
    np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    with np.errstate(over="ignore"):  # beyond the float range: inf
        np.add(terms, tail, out=terms)
    return _total(terms)


def binary_cross_entropy_gradient(z: ArrayLike, t: ArrayLike) -> FloatResult:
    r"""Gradient of `binary_cross_entropy` with respect to the logits: :math:`\sigma(z) - t`.

    Parameters as in `binary_cross_entropy`.

    Returns
    -------
    ndarray or scalar
        :math:`\partial L / \partial z = \sigma(z) - t`, the shape and dtype of `z`.

    Raises
    ------
    ValueError
        As `binary_cross_entropy`: if the shapes differ or a target lies outside
        :math:`[0, 1]`.

    See Also
    --------
    binary_cross_entropy, course_lib.sigmoid

    Notes
    -----
    .. math::

        \frac{\partial}{\partial z}\bigl(\operatorname{softplus}(z) - t z\bigr)
        = \sigma(z) - t

    since :math:`\operatorname{softplus}'(z) = \sigma(z)`. It is the :math:`K = 2` case
    of `softmax_cross_entropy_gradient` with logits :math:`(0, z)`.

    Examples
    --------
    >>> binary_cross_entropy_gradient(np.array([0.0, 1000.0, -1000.0]), np.array([1.0, 1.0, 1.0]))
    array([-0.5,  0. , -1. ])
    """
    func = "binary_cross_entropy_gradient"
    z, t = _pair(z, t, func, ("z", "t"))
    _check_probabilities(t, func)
    p = np.asarray(sigmoid(z))
    return finish(np.subtract(p, t.astype(z.dtype, copy=False), out=np.empty_like(z)))
