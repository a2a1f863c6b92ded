"""Self-checks for the exercises: is a learner's own derivative right, and where is it not?

Each check takes the learner's function, evaluates it on a grid, compares it with a
reference and returns a `SelfCheck`, which prints (and displays in a notebook) as one
sentence: ``PASS: ...`` or ``FAIL: ... at z = 2.0: yours gives ..., the answer is ...``.
The sentences round their numbers, so a notebook's stored output does not depend on
the last bits of floating point, and wrap at 88 columns, so that they fit a notebook's
output area and a printed page.

- `check_my_derivative`: an activation's derivative, against the exact one from the
  registry (by name) or against central differences (for any elementwise function).
- `check_my_jacobian`: a Jacobian, such as the softmax's, against central differences.
- `check_my_gradient`: the gradient of a scalar function, such as a loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import FloatResult, as_float_array
from .gradcheck import (
    numerical_derivative,
    numerical_gradient,
    numerical_jacobian,
    relative_errors,
    wrap,
)
from .registry import get_activation

__all__ = ["SelfCheck", "check_my_derivative", "check_my_gradient", "check_my_jacobian"]

EXACT_RTOL = 1e-8  # two analytic forms of one derivative agree to rounding
NUMERICAL_RTOL = 1e-6  # central differences agree with a right derivative to ~1e-10
DEFAULT_Z = np.linspace(-6.0, 6.0, 241)


@dataclass(frozen=True)
class SelfCheck:
    """The verdict of a self-check: whether it passed and, if not, the worst point.

    ``print(result)`` or displaying it in a notebook gives one sentence;
    ``bool(result)`` is `passed`.
    """

    passed: bool
    what: str  # e.g. "your derivative of sigmoid"
    reference: str  # e.g. "the exact derivative" or "central differences"
    n_points: int
    worst_at: str  # the input where the error is largest, formatted
    yours: float
    expected: float
    error: float  # |yours - expected| / max(|expected|, 1) at the worst point
    rtol: float

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            sentence = (
                f"PASS: {self.what} agrees with {self.reference} at all {self.n_points} points "
                f"(error below {self.rtol:.0e} relative to max(|expected|, 1))."
            )
        else:
            sentence = (
                f"FAIL: {self.what} is off at {self.worst_at}: yours gives {self.yours:.7g}, "
                f"expected {self.expected:.7g} (from {self.reference}; error {self.error:.1e} "
                f"relative to max(|expected|, 1), above {self.rtol:.0e})."
            )
        return wrap(sentence)

    __repr__ = __str__


def _compare(
    what: str,
    reference: str,
    x: np.ndarray,
    yours: object,
    expected: FloatResult,
    rtol: float,
    var: str | None = "z",
) -> SelfCheck:
    yours = as_float_array(yours, what, "your result").astype(np.float64)
    if yours.shape != expected.shape:
        return SelfCheck(
            passed=False,
            what=what,
            reference=reference,
            n_points=expected.size,
            worst_at=f"every point (yours has shape {yours.shape}, expected {expected.shape})",
            yours=float("nan"),
            expected=float("nan"),
            error=float("inf"),
            rtol=rtol,
        )
    err = relative_errors(yours, expected, floor=1.0)
    i = int(np.argmax(err))
    index = np.unravel_index(i, expected.shape)
    position = tuple(int(j) for j in index)
    component = position[0] if len(position) == 1 else position
    if var is None:  # a gradient: the component, and the coordinate's value there
        where = f"component {component} (where x = {x.flat[i]:.6g})"
    elif x.shape == expected.shape:
        where = f"{var} = {x.flat[i]:.6g}"
    else:
        where = f"index {position}"
    return SelfCheck(
        passed=bool(err.flat[i] <= rtol),
        what=what,
        reference=reference,
        n_points=expected.size,
        worst_at=where,
        yours=float(yours.flat[i]),
        expected=float(expected.flat[i]),
        error=float(err.flat[i]),
        rtol=rtol,
    )


def check_my_derivative(
    activation: str | Callable[[np.ndarray], ArrayLike],
    my_derivative: Callable[[np.ndarray], ArrayLike],
    z: ArrayLike | None = None,
) -> SelfCheck:
    """Check a learner's derivative of an activation on a grid of inputs.

    Parameters
    ----------
    activation : str or callable
        A registry name such as ``"sigmoid"`` (compared with its exact derivative, to
        1e-8), or any elementwise function (compared with central differences, to 1e-6).
    my_derivative : callable
        The learner's derivative, called once with the whole array of inputs.
    z : array_like, optional
        Inputs; default 241 points on [-6, 6]. Kinks of a registry activation are left
        out, since its derivative there is a convention.

    Returns
    -------
    SelfCheck
        Prints as ``PASS: ...`` or as ``FAIL: ...`` with the worst input.

    Examples
    --------
    >>> from course_lib import sigmoid
    >>> check_my_derivative("sigmoid", lambda z: sigmoid(z) * (1 - sigmoid(z)))
    PASS: your derivative of sigmoid agrees with the exact derivative at all 241 points
    (error below 1e-08 relative to max(|expected|, 1)).
    >>> check_my_derivative("tanh", lambda z: 1 - np.tanh(z))
    FAIL: your derivative of tanh is off at z = -6: yours gives 1.999988, expected
    2.457655e-05 (from the exact derivative; error 1.0e+00 relative to max(|expected|, 1),
    above 1e-08).
    """
    if not callable(my_derivative):
        raise TypeError(
            "check_my_derivative: my_derivative must be a function; "
            f"got {type(my_derivative).__name__}"
        )
    x = as_float_array(DEFAULT_Z if z is None else z, "check_my_derivative", "z").astype(np.float64)
    expected: FloatResult
    if isinstance(activation, str):
        entry = get_activation(activation)
        if entry.kinks:
            x = x[~np.isin(x, entry.kinks)]
        expected = np.asarray(entry.derivative(x), dtype=np.float64)
        what, reference, rtol = (
            f"your derivative of {activation}",
            "the exact derivative",
            EXACT_RTOL,
        )
    elif callable(activation):
        expected = numerical_derivative(activation, x)
        name = getattr(activation, "__name__", "the function")
        what, reference, rtol = f"your derivative of {name}", "central differences", NUMERICAL_RTOL
    else:
        raise TypeError(
            "check_my_derivative: activation must be a registry name or a function; "
            f"got {type(activation).__name__}"
        )
    var = "z" if isinstance(activation, str) else "x"
    return _compare(what, reference, x, my_derivative(x.copy()), expected, rtol, var)


def check_my_jacobian(
    f: Callable[[np.ndarray], ArrayLike],
    my_jacobian: Callable[[np.ndarray], ArrayLike],
    z: ArrayLike,
) -> SelfCheck:
    """Check a learner's Jacobian of a vector function ``f: R^K -> R^M`` at `z`.

    Parameters
    ----------
    f : callable
        The function, taking and returning 1-D arrays.
    my_jacobian : callable
        The learner's Jacobian: ``my_jacobian(z)`` of shape ``(M, K)``, entry
        ``[i, j]`` being :math:`\\partial f_i / \\partial z_j`.
    z : array_like
        The point, shape ``(K,)``.

    Returns
    -------
    SelfCheck
        Against central differences (`numerical_jacobian`), to a relative 1e-6 with
        a floor of 1; the worst entry is reported by its index.

    Examples
    --------
    >>> from course_lib import softmax
    >>> z = np.array([1.0, 2.0, 0.5])
    >>> check_my_jacobian(softmax, lambda z: np.diag(softmax(z)), z)
    FAIL: your Jacobian is off at index (1, 1): yours gives 0.6285317, expected 0.2334796
    (from central differences; error 4.0e-01 relative to max(|expected|, 1), above 1e-06).
    """
    x = as_float_array(z, "check_my_jacobian", "z").astype(np.float64)
    expected = numerical_jacobian(f, x)
    return _compare(
        "your Jacobian", "central differences", x, my_jacobian(x.copy()), expected, NUMERICAL_RTOL
    )


def check_my_gradient(
    f: Callable[[np.ndarray], float],
    my_gradient: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
) -> SelfCheck:
    """Check a learner's gradient of a scalar function `f` (such as a loss) at `x`.

    Parameters
    ----------
    f : callable
        A scalar function of an array, such as a loss of the network's output.
    my_gradient : callable
        The learner's gradient: ``my_gradient(x)`` with the shape of `x`.
    x : array_like
        The point.

    Returns
    -------
    SelfCheck
        Against central differences (`numerical_gradient`), to 1e-6 relative to the
        larger of the expected value's magnitude and 1; the worst component is reported
        by its index and the value of `x` there.

    Examples
    --------
    >>> t = np.array([0.0, 1.0])
    >>> loss = lambda y: 0.5 * np.sum((y - t) ** 2)
    >>> check_my_gradient(loss, lambda y: y - t, np.array([0.3, 0.2]))
    PASS: your gradient agrees with central differences at all 2 points (error below 1e-06
    relative to max(|expected|, 1)).
    """
    x = as_float_array(x, "check_my_gradient", "x").astype(np.float64)
    expected = numerical_gradient(f, x.copy())
    return _compare(
        "your gradient",
        "central differences",
        x,
        my_gradient(x.copy()),
        expected,
        NUMERICAL_RTOL,
        None,
    )
