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


# The gallery tells a function from its derivative by colour and by line style alike
# (readable in grey and for colour-blind readers), with one legend for all panels.
FUNCTION_STYLE = {"color": "C0", "lw": 2, "ls": "-"}
DERIVATIVE_STYLE = {"color": "C3", "lw": 2, "ls": "--"}
_SYMBOLS = {"alpha": "α", "beta": "β"}


def _panel_title(name: str) -> str:
    """The entry's title, with the parameter values it is bound to (``ELU, α = 1``)."""
    act = ACTIVATIONS[name]
    bound = [f"{_SYMBOLS.get(p, p)} = {v:g}" for p, v in act.formula.parameters]
    return ", ".join([act.title, *bound])


def _mark_small_slope(ax: Axes, name: str, z: np.ndarray) -> None:
    """Point at a kinked entry's left branch when its slope is too small to see."""
    act = ACTIVATIONS[name]
    params = dict(act.formula.parameters)
    if not act.kinks or "alpha" not in params or abs(params["alpha"]) >= 0.1:
        return
    left = float(z.min()) / 2
    ax.annotate(
        f"slope α = {params['alpha']:g}",
        xy=(left, float(act.function(left))),
        xytext=(float(z.min()), 0.7),
        fontsize="small",
        arrowprops={"arrowstyle": "->", "color": "0.3"},
    )


def plot_derivative_gallery(
    names: Sequence[str] | None = None, z: ArrayLike | None = None, ncols: int = 4
) -> GalleryPlot:
    """One small panel per activation, each with the function and its derivative.

    These are the "shapes of derivatives of commonly-used activation functions" that
    the source article announces and never shows. Every panel is titled with the entry's
    name and the parameters it is bound to; the function is solid blue and the
    derivative dashed red in all of them, with one legend above the panels, and a
    leaky ReLU's small slope is pointed out.

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
    >>> axes["tanh"].get_title()
    'Hyperbolic tangent'
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
        act = ACTIVATIONS[name]
        curve = Curve(z, np.asarray(act.function(z)), np.asarray(act.derivative(z)))
        ax.plot(z, curve.f, **FUNCTION_STYLE)
        ax.plot(z, curve.df, **DERIVATIVE_STYLE)
        ax.set_title(_panel_title(name), fontsize="medium")
        ax.set_xlabel("z")
        _mark_small_slope(ax, name, z)
        curves[name], axes[name] = curve, ax
    for ax in grid.flat[len(names) :]:
        ax.set_visible(False)
    first = grid.flat[0]
    fig.legend(
        first.get_lines()[:2],
        ["function f(z)", "derivative f′(z)"],
        loc="outside upper center",
        ncols=2,
    )
    return GalleryPlot(fig, axes, curves)
