r"""Small generated data sets for training a network: nothing is downloaded.

Each generator takes a `numpy.random.Generator` (or a seed) and returns the inputs
``x``, one sample per row, and integer class labels; `one_hot` turns the labels into
the target rows that `course_lib.losses.softmax_cross_entropy` expects.

- `two_moons`: two interleaving half circles, separable by a curve but not a line.
- `spirals`: ``n_classes`` interleaved spiral arms, much harder.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["one_hot", "spirals", "two_moons"]


def _check_count(value: object, name: str, func: str, least: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer; got {type(value).__name__}")
    if value < least:
        raise ValueError(f"{func}: {name} must be at least {least}; got {value}")
    return int(value)


def _check_noise(noise: object, func: str) -> float:
    if isinstance(noise, bool | np.bool_) or not isinstance(noise, numbers.Real):
        raise TypeError(f"{func}: noise must be a real number; got {type(noise).__name__}")
    value = float(noise)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{func}: noise must be non-negative and finite; got {noise!r}")
    return value


def _split(n_samples: int, n_classes: int) -> np.ndarray:
    """Labels 0, 1, ... in blocks of (nearly) equal size, the first blocks one larger."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return np.repeat(np.arange(n_classes), sizes)


def two_moons(
    n_samples: int = 200, noise: float = 0.1, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaving half circles in the plane, one per class.

    Parameters
    ----------
    n_samples : int
        Number of points, at least 2; class 0 gets the extra point when it is odd.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : numpy.random.Generator or int or None
        Source of randomness (a seed is passed to `numpy.random.default_rng`).

    Returns
    -------
    x : ndarray
        Float64 points of shape ``(n_samples, 2)``, in random order.
    labels : ndarray
        Int64 labels of shape ``(n_samples,)``, 0 or 1.

    Raises
    ------
    TypeError
        If `n_samples` is not an integer or `noise` not a real number.
    ValueError
        If `n_samples` is below 2 or `noise` is negative or not finite.

    See Also
    --------
    spirals : a harder data set.
    one_hot : labels to target rows.

    Notes
    -----
    With the angle :math:`a` uniform on :math:`[0, \pi]`, class 0 is the upper arc
    :math:`(\cos a, \sin a)` and class 1 the lower arc :math:`(1 - \cos a, \tfrac12 - \sin a)`,
    as in scikit-learn's ``make_moons``. The points span about :math:`[-1, 2] \times
    [-0.5, 1]`; standardize them before training.

    Examples
    --------
    >>> x, labels = two_moons(6, noise=0.0, rng=0)
    >>> x.shape, labels.tolist()
    ((6, 2), [0, 1, 1, 0, 1, 0])
    >>> bool(np.allclose(np.hypot(*x[labels == 0].T), 1.0))  # class 0 lies on the unit circle
    True
    """
    func = "two_moons"
    n = _check_count(n_samples, "n_samples", func, 2)
    noise = _check_noise(noise, func)
    rng = np.random.default_rng(rng)
    labels = _split(n, 2)
    angle = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    x = np.where(labels[:, None] == 0, upper, lower) + rng.normal(scale=noise, size=(n, 2))
    order = rng.permutation(n)
    return x[order], labels[order]


def spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.1,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Interleaved spiral arms in the plane, one arm per class.

    Parameters
    ----------
    n_samples : int
        Total number of points, at least `n_classes`; the first classes get one extra
        point when it does not divide evenly.
    n_classes : int
        Number of arms, at least 2.
    noise : float
        Standard deviation of the Gaussian noise added to each arm's angle (radians).
    rng : numpy.random.Generator or int or None
        Source of randomness (a seed is passed to `numpy.random.default_rng`).

    Returns
    -------
    x : ndarray
        Float64 points of shape ``(n_samples, 2)`` inside the unit disc, in random order.
    labels : ndarray
        Int64 labels of shape ``(n_samples,)``, from 0 to ``n_classes - 1``.

    Raises
    ------
    TypeError, ValueError
        For an invalid count or noise, as in `two_moons`.

    See Also
    --------
    two_moons : an easier data set.

    Notes
    -----
    A point of class :math:`c` at radius :math:`r`, uniform on :math:`[0, 1]`, has
    angle :math:`4r + 2\pi c / C + \epsilon` with :math:`\epsilon` the noise, so each
    arm turns through 4 radians (as in the CS231n spiral data).

    Examples
    --------
    >>> x, labels = spirals(7, n_classes=3, noise=0.0, rng=0)
    >>> x.shape, np.bincount(labels).tolist()
    ((7, 2), [3, 2, 2])
    >>> bool(np.all(np.hypot(*x.T) <= 1.0))
    True
    """
    func = "spirals"
    k = _check_count(n_classes, "n_classes", func, 2)
    n = _check_count(n_samples, "n_samples", func, k)
    noise = _check_noise(noise, func)
    rng = np.random.default_rng(rng)
    labels = _split(n, k)
    radius = rng.uniform(0.0, 1.0, size=n)
    angle = 4.0 * radius + 2.0 * np.pi * labels / k + rng.normal(scale=noise, size=n)
    x = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    order = rng.permutation(n)
    return x[order], labels[order]


def one_hot(labels: ArrayLike, n_classes: int | None = None) -> np.ndarray:
    """Integer class labels as one-hot target rows.

    Parameters
    ----------
    labels : array_like of int
        Class labels of shape ``(n_samples,)``, each in ``0 .. n_classes - 1``.
    n_classes : int, optional
        Number of classes; default ``labels.max() + 1`` (0 for no labels).

    Returns
    -------
    ndarray
        Float64 array of shape ``(n_samples, n_classes)``: row :math:`n` is 1 in column
        ``labels[n]`` and 0 elsewhere.

    Raises
    ------
    TypeError
        If `labels` are not integers.
    ValueError
        If `labels` is not one-dimensional, or a label is negative or not below
        `n_classes`.

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    >>> one_hot([], n_classes=3).shape
    (0, 3)
    """
    func = "one_hot"
    arr = np.asarray(labels)
    if arr.size == 0 and arr.dtype == np.float64 and not isinstance(labels, np.ndarray):
        arr = arr.astype(np.intp)  # [] has no dtype of its own: no labels at all
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{func}: labels must be integers; got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{func}: labels must be one-dimensional; got shape {arr.shape}")
    if n_classes is None:
        k = int(arr.max()) + 1 if arr.size else 0
    else:
        k = _check_count(n_classes, "n_classes", func, 1)
    bad = (arr < 0) | (arr >= k)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{func}: labels must lie in 0 .. {k - 1}; got {int(arr[i])} at index {i}")
    out = np.zeros((arr.size, k))  # O(n K) memory and time, not an n x n identity
    out[np.arange(arr.size), arr] = 1.0
    return out
