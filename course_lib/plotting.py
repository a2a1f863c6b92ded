"""Activation functions and their derivatives on shared axes: the article's missing figures.

Each function draws with matplotlib's object API and returns what it drew, so a
test (or a learner) can check the numbers behind the picture. Neither calls
``plt.show()``: a notebook shows the figure by itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ._arrays import as_float_array
from .registry import ACTIVATIONS, get_activation

__all__ = ["ActivationPlot", "Curve", "GalleryPlot", "plot_activation", "plot_derivative_gallery"]

DEFAULT_Z = np.linspace(-5.0, 5.0, 400)  # an even count: the grid avoids the kink at 0


class Curve(NamedTuple):
    """The data of one activation as drawn: inputs, values, derivatives."""

    z: np.ndarray
    f: np.ndarray
    df: np.ndarray


class ActivationPlot(NamedTuple):
    """What `plot_activation` returns: the Axes and the curves by name."""

    ax: Axes
    curves: dict[str, Curve]


class GalleryPlot(NamedTuple):
    """What `plot_derivative_gallery` returns: the Figure, one Axes per name, the curves."""

    fig: Figure
    axes: dict[str, Axes]
    curves: dict[str, Curve]


def _names(names: str | Sequence[str], func: str) -> list[str]:
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError(f"{func}: names must name at least one activation")
    for name in names:
        get_activation(name)  # a ValueError listing the valid names
    return names


def _grid(z: ArrayLike | None, func: str) -> np.ndarray:
    z = DEFAULT_Z if z is None else as_float_array(z, func)
    if z.ndim != 1:
        raise ValueError(f"{func}: z must be one-dimensional; got z.shape={z.shape}")
    return z


def plot_activation(
    names: str | Sequence[str], z: ArrayLike | None = None, ax: Axes | None = None
) -> ActivationPlot:
    """Draw activations (solid) and their derivatives (dashed, same colour) on one Axes.

    Parameters
    ----------
    names : str or sequence of str
        Registry names, e.g. ``["sigmoid", "tanh"]``.
    z : array_like, optional
        One-dimensional grid of inputs; by default 400 points on :math:`[-5, 5]`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure from ``plt.subplots()``.

    Returns
    -------
    ActivationPlot
        ``(ax, curves)``, with ``curves[name] = Curve(z, f(z), f'(z))``, in the order
        drawn: two lines per name, the function then its derivative.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or a z that is not 1-D.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax, curves = plot_activation("sigmoid", z=[-1.0, 0.0, 1.0])
    >>> curves["sigmoid"].df
    array([0.19661193, 0.25      , 0.19661193])
    >>> plt.close(ax.figure)
    """
    names, z = _names(names, "plot_activation"), _grid(z, "plot_activation")
    if ax is None:
        _, ax = plt.subplots()
    curves = {}
    for name in names:
        act = ACTIVATIONS[name]
        # z is 1-D, so these are the arrays themselves (asarray only tells mypy so)
        curve = Curve(z, np.asarray(act.function(z)), np.asarray(act.derivative(z)))
        (line,) = ax.plot(z, curve.f, lw=2, label=name)
        ax.plot(z, curve.df, lw=2, ls="--", color=line.get_color(), label=f"{name}′")
        curves[name] = curve
    ax.set_xlabel("z")
    ax.set_ylabel("g(z) and g′(z)")
    ax.legend()
    return ActivationPlot(ax, curves)


def plot_derivative_gallery(
    names: Sequence[str] | None = None, z: ArrayLike | None = None, ncols: int = 4
) -> GalleryPlot:
    """One small panel per activation, each with the function and its derivative.

    These are the "shapes of derivatives of commonly-used activation functions" that
    the source article announces and never shows.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names; by default every activation in the registry.
    z : array_like, optional
        One-dimensional grid of inputs, shared by every panel; see `plot_activation`.
    ncols : int, optional
        Panels per row.

    Returns
    -------
    GalleryPlot
        ``(fig, axes, curves)``: the figure, ``axes[name]`` and ``curves[name]``. Unused
        panels of the last row are hidden.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, axes, curves = plot_derivative_gallery(["relu", "tanh"], z=[-1.0, 1.0])
    >>> curves["relu"].df
    array([0., 1.])
    >>> plt.close(fig)
    """
    func = "plot_derivative_gallery"
    names, z = _names(list(ACTIVATIONS) if names is None else names, func), _grid(z, func)
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, grid = plt.subplots(
        nrows,
        ncols,
        figsize=(3 * ncols, 2.5 * nrows),
        squeeze=False,
        layout="constrained",
    )
    axes, curves = {}, {}
    for name, ax in zip(names, grid.flat, strict=False):
        curves[name] = plot_activation(name, z, ax=ax).curves[name]
        ax.set_ylabel("")  # in a small panel the legend names the curves
        ax.legend(fontsize="small")
        axes[name] = ax
    for ax in grid.flat[len(names) :]:
        ax.set_visible(False)
    return GalleryPlot(fig, axes, curves)
