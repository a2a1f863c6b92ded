"""The one gate every public function passes its input through.

It turns what the caller passed into a floating-point ndarray, or refuses it with an
error that names the function, what it got and what it accepts:

- float16, float32, float64 (and longdouble) arrays keep their dtype;
- integers (Python or NumPy) become float64, as in NumPy's own ufuncs;
- integers too large for an integer dtype (``2**64``) become float64 as well, and
  raise `ValueError` beyond float64's range;
- bool, complex, strings, objects and ``None`` raise `TypeError`;
- masked arrays raise `TypeError`: the functions would silently compute with the
  values under the mask, so the caller chooses (``x.filled(...)`` or ``x.compressed()``);
- an invalid ``axis`` raises NumPy's `numpy.exceptions.AxisError`;
- two arrays whose shapes must agree raise `ValueError` showing both shapes.

Nothing here imports the rest of `course_lib`.
"""

from __future__ import annotations

import numbers
from typing import TypeAlias

import numpy as np
from numpy.lib.array_utils import normalize_axis_index
from numpy.typing import NDArray

__all__ = [
    "ACCEPTED",
    "FloatArray",
    "FloatResult",
    "as_float_array",
    "check_axis",
    "check_range",
    "check_same_shape",
    "finish",
    "real_scalar",
]

ACCEPTED = "a real array_like of floats or integers (float16/32/64 keep their dtype)"

FloatArray: TypeAlias = NDArray[np.floating]
"""A floating-point ndarray of any float dtype, as `as_float_array` returns it."""
FloatResult: TypeAlias = NDArray[np.floating] | np.floating
"""What an elementwise function returns: an array, or a NumPy scalar for 0-d input (`finish`)."""


def _describe(x: object, arr: np.ndarray | None = None) -> str:
    if arr is not None and isinstance(x, np.ndarray | np.generic):
        return f"{type(x).__name__} of dtype {arr.dtype}"
    if arr is not None and arr.dtype != object:
        return f"{type(x).__name__} converting to dtype {arr.dtype}"
    return type(x).__name__


def as_float_array(x: object, func: str, name: str = "z") -> FloatArray:
    """Return `x` as a floating-point ndarray, or raise `TypeError`.

    Parameters
    ----------
    x : array_like
        What the caller passed.
    func : str
        Name of the public function, used in the error message.
    name : str, optional
        Name of the argument, used in the error message.

    Returns
    -------
    ndarray
        A floating-point array: the input's dtype when it is already floating,
        float64 when it is an integer array.

    Examples
    --------
    >>> as_float_array([1, 2], "sigmoid").dtype
    dtype('float64')
    >>> as_float_array(np.float32(1.5), "sigmoid").dtype
    dtype('float32')
    >>> as_float_array([True], "sigmoid")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: sigmoid: argument 'z' must be ...; got list converting to dtype bool
    """
    if isinstance(x, str | bytes) or x is None:
        raise TypeError(f"{func}: argument {name!r} must be {ACCEPTED}; got {type(x).__name__}")
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{func}: argument {name!r} is a masked array, which is not supported (the "
            "masked values would be used); pass x.filled(value) or x.compressed()"
        )
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise TypeError(
            f"{func}: argument {name!r} must be {ACCEPTED}; got {type(x).__name__} ({exc})"
        ) from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iu":
        return arr.astype(np.float64)
    if kind == "O" and arr.size and all(map(_is_real_number, arr.flat)):
        # Python ints beyond int64/uint64 (2**64) make an object array
        try:
            return arr.astype(np.float64)
        except OverflowError:
            raise ValueError(
                f"{func}: argument {name!r} holds an integer beyond float64's range "
                f"(about 1.8e308); got {type(x).__name__}"
            ) from None
    raise TypeError(f"{func}: argument {name!r} must be {ACCEPTED}; got {_describe(x, arr)}")


def _is_real_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def finish(out: FloatArray) -> FloatResult:
    """Return a NumPy scalar for 0-d results, as NumPy's ufuncs do, else the array."""
    return out[()] if out.ndim == 0 else out


def check_axis(axis: object, ndim: int, func: str) -> int:
    """Normalize `axis` for an array of `ndim` dimensions.

    Raises `TypeError` when `axis` is not an integer and NumPy's `AxisError` when it is
    out of range, both naming `func`.

    Examples
    --------
    >>> check_axis(-1, 2, "softmax")
    1
    >>> check_axis(2, 2, "softmax")
    Traceback (most recent call last):
    ...
    numpy.exceptions.AxisError: softmax: axis 2 is out of bounds for array of dimension 2
    """
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{func}: axis must be an integer; got {type(axis).__name__} {axis!r}")
    return normalize_axis_index(int(axis), ndim, msg_prefix=func)


def check_same_shape(a: np.ndarray, b: np.ndarray, func: str, names: tuple[str, str]) -> None:
    """Raise `ValueError` showing both shapes unless `a` and `b` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{func}: {names[0]} and {names[1]} must have the same shape; "
            f"got {names[0]}.shape={a.shape} and {names[1]}.shape={b.shape}"
        )


def check_range(a: np.ndarray, low: float, high: float, func: str, name: str) -> None:
    """Raise `ValueError` unless every value of `a` but NaN lies in ``[low, high]``.

    For the from-output derivatives: an output outside its function's range is a
    mistake upstream, and the formula would silently give a number that is no
    derivative. Two reductions, so the check costs little next to the formula.

    Examples
    --------
    >>> check_range(np.array([0.0, np.nan, 1.0]), 0, 1, "f", "p")
    >>> check_range(np.array([0.5, 1.5]), 0, 1, "f", "p")
    Traceback (most recent call last):
    ...
    ValueError: f: p must lie in [0, 1], the function's range; got 1.5 at index (1,) (1 value(s))
    """
    if a.size == 0:
        return
    if np.fmin.reduce(a, axis=None) >= low and np.fmax.reduce(a, axis=None) <= high:
        return  # (fmin and fmax skip NaN; an all-NaN array reduces to NaN and lands below)
    bad = (a < low) | (a > high)
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(
        f"{func}: {name} must lie in [{low:g}, {high:g}], the function's range; got "
        f"{float(a[index])!r} at index {index} ({int(np.count_nonzero(bad))} value(s))"
    )


def real_scalar(value: object, func: str, name: str, dtype: np.dtype) -> np.floating:
    """Check a real, finite scalar parameter (such as ``alpha``) and cast it to `dtype`.

    Casting keeps float32 inputs float32: a float64 parameter would otherwise promote
    the whole result.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number; got {type(value).__name__}")
    if not np.isfinite(float(value)):
        raise ValueError(f"{func}: {name} must be finite; got {value!r}")
    with np.errstate(over="ignore"):
        cast = dtype.type(value)
    if not np.isfinite(cast):
        raise ValueError(f"{func}: {name}={value!r} does not fit in the input's dtype {dtype}")
    return cast
