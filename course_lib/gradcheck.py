r"""Numerical derivatives by central differences, and checks of analytic ones against them.

`numerical_derivative` differentiates an elementwise function, `numerical_gradient` a
scalar function of an array, `numerical_jacobian` an array function of an array.
`check_derivative` and `check_gradient` compare a hand-written derivative with the
numerical one and report the worst point as a `GradientCheck`, which prints as
``PASS: ...`` or ``FAIL: ...``.

Everything is computed in float64, whatever the dtype of ``x``: the default step
:math:`\sqrt[3]{\varepsilon_{64}} \approx 6 \times 10^{-6}` is below float32's
resolution near 1, so a float32 step would be mostly rounding.
"""

from __future__ import annotations

import numbers
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import FloatResult, as_float_array, check_same_shape, finish

__all__ = [
    "DEFAULT_FLOOR",
    "DEFAULT_RTOL",
    "GradientCheck",
    "check_derivative",
    "check_gradient",
    "numerical_derivative",
    "numerical_gradient",
    "numerical_jacobian",
]

# The step that balances truncation (h**2) against rounding (eps/h): eps**(1/3).
_CBRT_EPS = float(np.cbrt(np.finfo(np.float64).eps))  # 6.06e-6

DEFAULT_RTOL = 1e-6
"""Default tolerance on the relative error, for float64 analytic values.

Central differences with the default step agree with a correct derivative to about
1e-10 relative. Measured worst cases: 4e-11 for sigmoid, tanh, softplus, GELU and SiLU on
[-20, 20] (floor 1); 2.4e-9 for sin and exp there, where the step grows with :math:`|x|`; 8e-9
for the cross-entropy gradients with logits up to 80; 1.2e-7 for a squared error whose
total is 5000. A wrong derivative is typically off by 1e-2 or more.
"""

DEFAULT_FLOOR = 1.0
"""Default floor of the relative error's denominator: below it the error is absolute.

The rounding noise of a central difference is absolute, about machine epsilon times
the size of f over the step h, so relative errors of values near 0 say nothing; with
floor 1 an error is relative for values of magnitude 1 or more and absolute below.
"""


def _check_callable(f: object, func: str, name: str = "f") -> None:
    if not callable(f):
        raise TypeError(f"{func}: {name} must be callable; got {type(f).__name__}")


def _as_float64(x: object, func: str) -> np.ndarray:
    """`x` as float64 (a copy only when it converts), refusing NaN and infinities."""
    x = as_float_array(x, func, "x").astype(np.float64, copy=False)
    bad = ~np.isfinite(x)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{func}: x must be finite; got {float(x[where])!r} at index {where}")
    return x


def _points(x: np.ndarray, h: object, func: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points ``x + h``, ``x - h`` and the distance between them, elementwise."""
    if h is None:
        step = _CBRT_EPS * np.maximum(np.abs(x), 1.0)
    else:
        step = as_float_array(h, func, "h").astype(np.float64)  # TypeError for bool, str
        if not (np.isfinite(step).all() and (step > 0).all()):
            raise ValueError(f"{func}: h must be positive and finite; got h={h!r}")
        try:
            step = np.broadcast_to(step, x.shape)
        except ValueError:
            raise ValueError(
                f"{func}: h must be a scalar or broadcast to x; "
                f"got h.shape={step.shape} and x.shape={x.shape}"
            ) from None
    with np.errstate(over="ignore"):
        xp = x + step
        xm = x - step
    if not (np.isfinite(xp).all() and np.isfinite(xm).all()):
        raise ValueError(f"{func}: x + h or x - h overflows; x is too close to the float limit")
    # x +- h are rounded; dividing by the distance actually stepped instead of 2h
    # removes that rounding from the result (Numerical Recipes' h = (x + h) - x).
    den = xp - xm
    if (den == 0).any():
        where = tuple(int(i) for i in np.argwhere(den == 0)[0])
        raise ValueError(
            f"{func}: h is below the spacing of x at index {where} "
            f"(x = {float(x[where])!r}), so x + h == x - h"
        )
    return xp, xm, den


def numerical_derivative(
    f: Callable[[np.ndarray], ArrayLike], x: ArrayLike, h: ArrayLike | None = None
) -> FloatResult:
    r"""Derivative of an elementwise function by central differences.

    Parameters
    ----------
    f : callable
        An elementwise function: ``f(x)`` has the shape of ``x`` and its element ``i``
        depends on ``x[i]`` only (every activation function in `course_lib`).
    x : array_like
        Finite points of any shape. Converted to float64 (see Notes).
    h : float or array_like, optional
        Step, positive and finite; an array must broadcast to ``x``. Default
        :math:`\sqrt[3]{\varepsilon}\max(|x|, 1)` with :math:`\varepsilon` float64's
        machine epsilon: :math:`6.06 \times 10^{-6}` for :math:`|x| \le 1`.

    Returns
    -------
    ndarray or scalar
        :math:`(f(x + h) - f(x - h)) / (2h)`, float64, the shape of ``x``.

    Raises
    ------
    TypeError
        If `f` is not callable, or `x` or `h` is not real.
    ValueError
        If `x` is not finite, `h` is not positive and finite, or ``f(x)`` does not
        have the shape of `x`.

    See Also
    --------
    numerical_gradient : for a scalar function of an array.
    check_derivative : compare an analytic derivative with this one.

    Notes
    -----
    Taylor expansion around :math:`x` gives

    .. math::

        \frac{f(x + h) - f(x - h)}{2h} = f'(x) + \frac{h^2}{6} f'''(\xi),

    a **truncation error** of order :math:`h^2`. Each value of :math:`f` also carries
    a rounding error of about :math:`\varepsilon |f|`, which the division by
    :math:`2h` turns into a **rounding error** of order :math:`\varepsilon |f| / h`.
    The total :math:`\frac{h^2}{6}|f'''| + \frac{\varepsilon |f|}{h}` is smallest for
    :math:`h \sim \varepsilon^{1/3}` (times the scale of :math:`x`), where both terms
    are about :math:`\varepsilon^{2/3} \approx 4 \times 10^{-11}`, relative to
    :math:`|f|`. A smaller step is *worse*, not better: at :math:`h = 10^{-12}` the
    rounding term alone is about :math:`10^{-4}`.

    ``x + h`` and ``x - h`` are rounded to floats, so the distance between them is not
    exactly :math:`2h`; the divisor is that distance, computed as
    ``(x + h) - (x - h)``, so the only error left is :math:`f`'s.

    The computation is in float64 even for a float32 ``x``: float32's
    :math:`\varepsilon^{2/3}` is :math:`2 \times 10^{-5}`. If `f` itself computes in
    float32, its rounding error :math:`10^{-7}|f|` divided by :math:`h` swamps the
    result; check float32 code at float64 precision, or pass a larger `h`
    (about :math:`5 \times 10^{-3}` for float32).

    Near a kink (ReLU at 0) the two points straddle it when :math:`|x| < h`, and the
    result is the average of the one-sided slopes.

    Examples
    --------
    >>> float(numerical_derivative(np.sin, 0.0))  # cos(0) = 1
    1.0
    >>> numerical_derivative(lambda x: x**3, np.array([1.0, 2.0]))  # 3x**2, error h**2
    array([ 3., 12.])
    """
    return finish(_derivative(f, x, h, "numerical_derivative"))


def _derivative(
    f: Callable[[np.ndarray], ArrayLike], x: object, h: object, func: str
) -> np.ndarray:
    """`numerical_derivative`, with errors naming `func`."""
    _check_callable(f, func)
    x = _as_float64(x, func)
    xp, xm, den = _points(x, h, func)

    def value(v: np.ndarray) -> np.ndarray:
        fx = np.array(f(v), dtype=np.float64)
        if fx.shape != x.shape:
            raise ValueError(
                f"{func}: f must be elementwise, f(x) with the shape of x; "
                f"got f(x).shape={fx.shape} and x.shape={x.shape}"
            )
        return fx

    return np.asarray((value(xp) - value(xm)) / den)


def _jacobian(
    f: Callable[[np.ndarray], ArrayLike], x: object, h: object, func: str, scalar: bool
) -> np.ndarray:
    """Central differences of `f` with respect to each element of `x` in turn."""
    _check_callable(f, func)
    # A writeable float64 array is perturbed in place (and restored), so that `f` may
    # read it through a closure, e.g. a network's weights; anything else is copied.
    own = isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable
    arr = _as_float64(x, func)
    if not own:
        arr = arr.copy()
    xp, xm, den = _points(arr, h, func)

    def value(v: object) -> np.ndarray:
        out = np.array(v, dtype=np.float64)
        if scalar and out.size != 1:
            raise ValueError(f"{func}: f must return a scalar; got an array of shape {out.shape}")
        return out.reshape(()) if scalar else out

    f0 = value(f(arr))
    jac = np.empty(f0.shape + arr.shape)
    for i in np.ndindex(arr.shape):
        saved = arr[i]
        try:
            arr[i] = xp[i]
            fp = value(f(arr))
            arr[i] = xm[i]
            fm = value(f(arr))
        finally:
            arr[i] = saved
        if fp.shape != f0.shape or fm.shape != f0.shape:
            raise ValueError(
                f"{func}: f must return the same shape at every point; "
                f"got {f0.shape} at x and {fp.shape}, {fm.shape} at x +- h"
            )
        jac[(..., *i)] = (fp - fm) / den[i]
    return jac


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: ArrayLike, h: ArrayLike | None = None
) -> FloatResult:
    r"""Gradient of a scalar function of an array, one central difference per element.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar (anything of size 1) for an array ``x``. It is called
        ``2 * x.size + 1`` times, each time with one element of ``x`` moved.
    x : array_like
        Finite point of any shape. A writeable float64 ndarray is perturbed in
        place and restored exactly, even if `f` raises; anything else is first
        converted to a float64 copy.
    h : float or array_like, optional
        Step, as in `numerical_derivative`. Default :math:`\sqrt[3]{\varepsilon}
        \max(|x_i|, 1)` for element :math:`i`.

    Returns
    -------
    ndarray or scalar
        :math:`\partial f / \partial x`, float64, the shape of ``x``.

    Raises
    ------
    TypeError
        If `f` is not callable.
    ValueError
        If `f` does not return a scalar, `x` is not finite or `h` is invalid.

    See Also
    --------
    numerical_jacobian : for an array-valued `f`.
    check_gradient : compare an analytic gradient with this one.

    Notes
    -----
    .. math::

        \frac{\partial f}{\partial x_i} \approx
        \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i}

    with :math:`e_i` the unit array at index :math:`i`; the error is discussed in
    `numerical_derivative`. Because `f` always receives the array `x` itself, `f` can
    ignore its argument and read `x` through a closure: pass a network's weight
    matrix as ``x`` and a function that runs the forward pass.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> numerical_gradient(lambda a: 0.5 * np.sum(a**2), x)  # the gradient is x
    array([[1., 2.],
           [3., 4.]])
    >>> x  # restored
    array([[1., 2.],
           [3., 4.]])
    """
    return finish(_jacobian(f, x, h, "numerical_gradient", scalar=True))


def numerical_jacobian(
    f: Callable[[np.ndarray], ArrayLike], x: ArrayLike, h: ArrayLike | None = None
) -> FloatResult:
    r"""Jacobian of an array function of an array, one central difference per element.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns an array whose shape does not depend on ``x``'s values.
    x : array_like
        Finite point of any shape, perturbed as in `numerical_gradient`.
    h : float or array_like, optional
        Step, as in `numerical_gradient`.

    Returns
    -------
    ndarray
        Float64 array of shape ``f(x).shape + x.shape``: element ``[i, j]`` (with
        multi-indices ``i`` and ``j``) is :math:`\partial f_i / \partial x_j`.

    See Also
    --------
    numerical_gradient, course_lib.softmax.softmax_jacobian

    Notes
    -----
    Column :math:`j` is :math:`(f(x + h_j e_j) - f(x - h_j e_j)) / (2h_j)`; the error is
    discussed in `numerical_derivative`.

    Examples
    --------
    >>> numerical_jacobian(lambda v: np.array([v[0] * v[1], v[0] + v[1]]), [2.0, 3.0])
    array([[3., 2.],
           [1., 1.]])
    """
    return finish(_jacobian(f, x, h, "numerical_jacobian", scalar=False))


@dataclass(frozen=True)
class GradientCheck:
    r"""Result of `check_derivative` or `check_gradient`: the worst point and the verdict.

    ``str(result)`` reads ``PASS: worst relative error 3.1e-10 at index (2, 1) ...``;
    ``bool(result)`` is `passed`, so ``assert check_gradient(...)`` works.

    Attributes
    ----------
    passed : bool
        Whether `max_rel_error` is at most `rtol`.
    max_rel_error : float
        The largest :math:`|a - n| / \max(|a|, |n|, \text{floor})` over all elements
        (``inf`` where either value is NaN or infinite).
    index : tuple of int
        Index of that element in ``x`` (``()`` for a scalar ``x``).
    x_at_worst, analytic, numerical : float
        ``x``, the analytic and the numerical value at `index`.
    rtol, floor : float
        The tolerance and the floor used.
    """

    passed: bool
    max_rel_error: float
    index: tuple[int, ...]
    x_at_worst: float
    analytic: float
    numerical: float
    rtol: float
    floor: float

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return wrap(
            f"{verdict}: worst relative error {self.max_rel_error:.1e} at index {self.index} "
            f"(x = {self.x_at_worst!r}: analytic {self.analytic:.12g}, "
            f"numerical {self.numerical:.12g}; rtol {self.rtol:.1e}, floor {self.floor:g})"
        )


def _check_tolerance(
    rtol: object, floor: object, dtype: np.dtype, func: str
) -> tuple[float, float]:
    if rtol is None:
        # float32 analytic values carry ~1e-7 relative error of their own
        rtol = max(DEFAULT_RTOL, 100 * float(np.finfo(dtype).eps))
    checked = []
    for name, value, least in (("rtol", rtol, "positive"), ("floor", floor, "non-negative")):
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise TypeError(f"{func}: {name} must be a real number; got {type(value).__name__}")
        v = float(value)
        if not (np.isfinite(v) and (v > 0 if name == "rtol" else v >= 0)):
            raise ValueError(f"{func}: {name} must be {least} and finite; got {value!r}")
        checked.append(v)
    return checked[0], checked[1]


REPORT_COLUMNS = 88  # a notebook's output area, and a printed page


def wrap(sentence: str) -> str:
    """A report sentence broken into lines of at most `REPORT_COLUMNS` characters."""
    return textwrap.fill(sentence, REPORT_COLUMNS, break_long_words=False, break_on_hyphens=False)


def relative_errors(a: ArrayLike, n: ArrayLike, floor: float) -> np.ndarray:
    r""":math:`|a - n| / \max(|a|, |n|, \text{floor})` elementwise, in float64.

    The one comparison behind `check_derivative`, `check_gradient` and the learner
    self-checks of `course_lib.checks`: relative where the values are large, absolute
    below `floor`, and ``inf`` wherever either value is NaN or infinite (always a
    failure). ``0 / 0`` (both 0 with ``floor = 0``) counts as 0.

    Examples
    --------
    >>> relative_errors([2.0, 1e-3, np.nan], [2.5, 2e-3, 1.0], floor=1.0)  # 0.5/2.5, 1e-3/1
    array([0.2  , 0.001,   inf])
    """
    a = np.asarray(a, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - n)
        scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
        err = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    err[~(np.isfinite(a) & np.isfinite(n))] = np.inf
    return err


def _compare(
    x: np.ndarray, analytic: np.ndarray, numerical: np.ndarray, rtol: float, floor: float
) -> GradientCheck:
    a = analytic.astype(np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    err = relative_errors(a, n, floor)
    flat = int(np.argmax(err))
    index = tuple(int(i) for i in np.unravel_index(flat, x.shape))
    worst = float(err.flat[flat])
    return GradientCheck(
        passed=bool(worst <= rtol),
        max_rel_error=worst,
        index=index,
        x_at_worst=float(x.flat[flat]),
        analytic=float(a.flat[flat]),
        numerical=float(n.flat[flat]),
        rtol=rtol,
        floor=floor,
    )


def _analytic(g: object, x: np.ndarray, func: str, name: str) -> np.ndarray:
    """``g(x)`` when `g` is callable, else `g` itself, checked against ``x``'s shape."""
    label = f"{name}(x)" if callable(g) else name
    value = as_float_array(g(x) if callable(g) else g, func, label)
    check_same_shape(value, x, func, (label, "x"))
    return value.copy()  # before x is perturbed, in case g returned a view of it


def _checked_x(x: object, func: str) -> np.ndarray:
    """`x` as a floating array of its own dtype (a float64 ndarray stays the same object)."""
    arr = as_float_array(x, func, "x")
    if arr.size == 0:
        raise ValueError(f"{func}: x is empty; there is nothing to check")
    _as_float64(arr, func)  # refuses NaN and infinities
    return arr


def check_derivative(
    f: Callable[[np.ndarray], ArrayLike],
    df: Callable[[np.ndarray], ArrayLike] | ArrayLike,
    x: ArrayLike,
    *,
    rtol: float | None = None,
    floor: float = DEFAULT_FLOOR,
    h: ArrayLike | None = None,
) -> GradientCheck:
    r"""Compare the derivative `df` of an elementwise `f` with central differences.

    Parameters
    ----------
    f : callable
        An elementwise function, as in `numerical_derivative`.
    df : callable or array_like
        Its claimed derivative: a function, called as ``df(x)`` with `x` as given
        (a float32 `x` stays float32), or its values at ``x``.
    x : array_like
        Finite, non-empty points of any shape at which to compare.
    rtol : float, optional
        Largest relative error that passes. Default `DEFAULT_RTOL` (1e-6) for float64
        analytic values, ``100 * eps`` of their dtype for narrower ones (1.2e-5 for
        float32, whose own rounding is about 1e-7).
    floor : float, optional
        Floor of the denominator, default `DEFAULT_FLOOR` (1.0): where :math:`|a|`
        and :math:`|n|` are both below it the error is absolute. 0 makes it purely
        relative.
    h : float or array_like, optional
        Step for the central differences; see `numerical_derivative`.

    Returns
    -------
    GradientCheck
        The worst relative error, where it occurred, the two values there and
        ``passed``; ``print`` it for a one-line PASS/FAIL report.

    Raises
    ------
    TypeError
        If `f` is not callable.
    ValueError
        If ``df(x)`` does not have the shape of `x`, `x` is empty or not finite, or
        `rtol`, `floor` or `h` is out of range.

    See Also
    --------
    check_gradient : for a scalar function of an array.

    Notes
    -----
    At each element the analytic value :math:`a` and the numerical value :math:`n`
    (`numerical_derivative`, in float64) give the relative error

    .. math:: \frac{|a - n|}{\max(|a|, |n|, \text{floor})}.

    The floor keeps values near 0 from blowing up: there the numerical derivative's
    rounding noise (about :math:`4 \times 10^{-11} |f|`, see `numerical_derivative`)
    is absolute, and noise divided by a tiny value means nothing. Central differences in
    float64 agree with a correct derivative to about :math:`10^{-10}`; a wrong
    derivative is typically off by :math:`10^{-2}` or more, hence the default `rtol`.
    Avoid points within :math:`h` of a kink, and of a jump in :math:`f''` (ELU at 0,
    for instance), where central differences are only first-order accurate.

    Examples
    --------
    >>> x = np.linspace(-3.0, 3.0, 7)
    >>> print(check_derivative(np.tanh, lambda x: 1 - np.tanh(x) ** 2, x))  # doctest: +ELLIPSIS
    PASS: worst relative error ...e-1... at index ...
    >>> result = check_derivative(np.tanh, lambda x: 1 - np.tanh(x), x)  # a wrong one
    >>> result.passed, result.index, result.x_at_worst
    (False, (0,), -3.0)
    """
    func = "check_derivative"
    _check_callable(f, func)
    x = _checked_x(x, func)
    analytic = _analytic(df, x, func, "df")
    rtol_, floor_ = _check_tolerance(rtol, floor, analytic.dtype, func)
    x64 = x.astype(np.float64, copy=False)
    return _compare(x64, analytic, _derivative(f, x64, h, func), rtol_, floor_)


def check_gradient(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], ArrayLike] | ArrayLike,
    x: ArrayLike,
    *,
    rtol: float | None = None,
    floor: float = DEFAULT_FLOOR,
    h: ArrayLike | None = None,
) -> GradientCheck:
    r"""Compare the gradient `grad` of a scalar function `f` with central differences.

    Parameters
    ----------
    f : callable
        A scalar function of an array, as in `numerical_gradient`.
    grad : callable or array_like
        Its claimed gradient: a function, called once as ``grad(x)`` before any
        perturbation, or the gradient's values at ``x`` (say from a backward pass).
    x : array_like
        Finite, non-empty point of any shape; a writeable float64 array is perturbed
        in place and restored, as in `numerical_gradient`.
    rtol, floor, h : float, optional
        As in `check_derivative`.

    Returns
    -------
    GradientCheck
        As `check_derivative` returns, over the components of the gradient.

    Raises
    ------
    TypeError, ValueError
        As `check_derivative` raises; also ValueError if `f` does not return a scalar.

    See Also
    --------
    check_derivative : for an elementwise function.

    Notes
    -----
    The relative error and its floor are as in `check_derivative`. The rounding noise
    of numerical component :math:`i` is about :math:`\varepsilon |f| / h_i \approx
    4 \times 10^{-11} |f| / \max(|x_i|, 1)`: it grows with the value of `f`, not with
    that component. A loss summed over a large batch (:math:`|f|` above about
    :math:`10^4`) can fail with a correct gradient; check it with a mean instead of a
    sum, or with a larger `rtol`.

    Since `x` itself is perturbed, anything `f` computes from `x` moves with it:
    targets derived from `x` must be computed once, outside `f`.

    Examples
    --------
    >>> x = np.array([[1.0, -2.0], [0.5, 3.0]])
    >>> f = lambda a: np.sum(a**3)
    >>> print(check_gradient(f, lambda a: 3 * a**2, x))  # doctest: +ELLIPSIS
    PASS: worst relative error ...e-1... at index ...
    >>> print(check_gradient(f, lambda a: 3 * a, x))  # doctest: +ELLIPSIS
    FAIL: worst relative error 1.5e+00 at index (0, 1) (x = -2.0: analytic -6, numerical 12.0...
    """
    func = "check_gradient"
    _check_callable(f, func)
    x = _checked_x(x, func)
    analytic = _analytic(grad, x, func, "grad")
    rtol_, floor_ = _check_tolerance(rtol, floor, analytic.dtype, func)
    numerical = _jacobian(f, x, h, func, scalar=True)
    return _compare(x.astype(np.float64, copy=False), analytic, numerical, rtol_, floor_)
