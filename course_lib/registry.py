r"""Every elementwise activation by name: its function, derivatives and formulas.

`ACTIVATIONS` maps a name to an `Activation`, which bundles what the course needs
about one activation function :math:`f`:

- ``function`` and ``derivative``, both taking the input :math:`z`;
- ``derivative_from_output``, the article's cheap form that takes the output
  :math:`y = f(z)` instead (what backpropagation has at hand), or ``None`` where
  :math:`f'` is not a function of :math:`f` alone (GELU and SiLU are not monotone,
  so one output comes from two inputs with different slopes);
- the LaTeX of :math:`f`, :math:`f'` and the from-output form, written with the
  macros matplotlib's mathtext understands so that plots can show them too;
- a sentence on the numerically stable form `course_lib` computes, the points where
  :math:`f` has no derivative and the value used there, and the output range.

Parameterized activations are bound to their default parameter (``leaky_relu`` with
:math:`\alpha = 0.01`, ``elu`` with :math:`\alpha = 1`), so every entry is
:math:`f(z)`. Call the family's function directly for another :math:`\alpha`.

Softmax is not here: it is not elementwise (each output depends on every input, and
its derivative is a Jacobian), so it lives in `course_lib.softmax` and, paired with
cross-entropy, in `course_lib.losses`.

The mapping is read-only: ``ACTIVATIONS["relu"] = ...`` raises `TypeError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import FloatResult
from .rectifiers import (
    elu,
    elu_derivative,
    elu_derivative_from_output,
    gelu,
    gelu_derivative,
    identity,
    identity_derivative,
    identity_derivative_from_output,
    leaky_relu,
    leaky_relu_derivative,
    leaky_relu_derivative_from_output,
    relu,
    relu_derivative,
    relu_derivative_from_output,
    silu,
    silu_derivative,
    softplus,
    softplus_derivative,
    softplus_derivative_from_output,
)
from .sigmoid import sigmoid, sigmoid_derivative, sigmoid_derivative_from_output
from .tanh import tanh, tanh_derivative, tanh_derivative_from_output

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]

Elementwise = Callable[[ArrayLike], FloatResult]  # an array, or a NumPy scalar for 0-d input

LEAKY_RELU_ALPHA = 0.01
ELU_ALPHA = 1.0


@dataclass(frozen=True, slots=True)
class Activation:
    """One elementwise activation function and what the course says about it.

    Attributes
    ----------
    name : str
        The registry key, e.g. ``"sigmoid"``.
    function, derivative : callable
        :math:`f(z)` and :math:`f'(z)`, each taking an array of inputs :math:`z`.
    derivative_from_output : callable or None
        :math:`f'` computed from the output :math:`y = f(z)`, or ``None`` when
        :math:`f'` is not a function of :math:`y` alone.
    latex, latex_derivative : str
        The formulas of :math:`f` and :math:`f'`, without ``$``.
    latex_derivative_from_output : str or None
        The formula of :math:`f'` in terms of :math:`y`, or ``None``.
    stable_form : str
        One sentence: the numerically stable form `course_lib` uses, and why.
    kinks : tuple of float
        The points where :math:`f` is not differentiable (empty when there are none).
    convention : str
        One sentence: the value ``derivative`` returns at the kinks.
    output_range : tuple of float
        ``(low, high)``, the closed hull of the values :math:`f` takes on floats;
        ``±inf`` when unbounded.
    """

    name: str
    function: Elementwise
    derivative: Elementwise
    derivative_from_output: Elementwise | None
    latex: str
    latex_derivative: str
    latex_derivative_from_output: str | None
    stable_form: str
    kinks: tuple[float, ...]
    convention: str
    output_range: tuple[float, float]


_SMOOTH = "None: f is differentiable everywhere."
_REALS = (-np.inf, np.inf)

_ENTRIES = (
    Activation(
        name="identity",
        function=identity,
        derivative=identity_derivative,
        derivative_from_output=identity_derivative_from_output,
        latex=r"f(z) = z",
        latex_derivative=r"f'(z) = 1",
        latex_derivative_from_output=r"f'(z) = 1",
        stable_form="Exact: the output is the input, and the derivative is the constant 1.",
        kinks=(),
        convention=_SMOOTH,
        output_range=_REALS,
    ),
    Activation(
        name="sigmoid",
        function=sigmoid,
        derivative=sigmoid_derivative,
        derivative_from_output=sigmoid_derivative_from_output,
        latex=r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        latex_derivative=r"\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \sigma(z)\,\sigma(-z)",
        latex_derivative_from_output=r"\sigma'(z) = p\,(1 - p), \quad p = \sigma(z)",
        stable_form=(
            "Both are computed from e = exp(-|z|), which lies in [0, 1], so exp never "
            "overflows and the tails keep full relative accuracy."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(0.0, 1.0),
    ),
    Activation(
        name="tanh",
        function=tanh,
        derivative=tanh_derivative,
        derivative_from_output=tanh_derivative_from_output,
        latex=r"\tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        latex_derivative=(
            r"\tanh'(z) = \frac{1}{\cosh^2 z} = \frac{4\,e^{-2|z|}}{(1 + e^{-2|z|})^2}"
        ),
        latex_derivative_from_output=r"\tanh'(z) = 1 - t^2, \quad t = \tanh z",
        stable_form=(
            "The derivative is 4e/(1+e)^2 with e = exp(-2|z|), which neither overflows nor "
            "rounds to 0 where 1 - tanh(z)**2 does (from |z| = 19.06 in float64, where a "
            "correctly rounded tanh reaches 1)."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(-1.0, 1.0),
    ),
    Activation(
        name="relu",
        function=relu,
        derivative=relu_derivative,
        derivative_from_output=relu_derivative_from_output,
        latex=r"\operatorname{relu}(z) = \max(0, z)",
        latex_derivative=r"\operatorname{relu}'(z) = 1 \text{ if } z > 0 \text{ else } 0",
        latex_derivative_from_output=(
            r"\operatorname{relu}'(z) = 1 \text{ if } y > 0 \text{ else } 0, "
            r"\quad y = \operatorname{relu}(z)"
        ),
        stable_form="Exact: max(z, 0) and a Heaviside step have no arithmetic to round.",
        kinks=(0.0,),
        convention=(
            "At z = 0 the derivative is taken as 0 (the left slope, a subgradient), as in "
            "PyTorch and micrograd's (out.data > 0); the from-output form gives 0 there too."
        ),
        output_range=(0.0, np.inf),
    ),
    Activation(
        name="leaky_relu",
        function=functools.partial(leaky_relu, alpha=LEAKY_RELU_ALPHA),
        derivative=functools.partial(leaky_relu_derivative, alpha=LEAKY_RELU_ALPHA),
        derivative_from_output=functools.partial(
            leaky_relu_derivative_from_output, alpha=LEAKY_RELU_ALPHA
        ),
        latex=r"\operatorname{leaky\_relu}(z) = \max(\alpha z, z), \quad \alpha = 0.01",
        latex_derivative=(
            r"\operatorname{leaky\_relu}'(z) = 1 \text{ if } z > 0 \text{ else } \alpha"
        ),
        latex_derivative_from_output=(
            r"\operatorname{leaky\_relu}'(z) = 1 \text{ if } y > 0 \text{ else } \alpha"
        ),
        stable_form="Exact but for one rounding: alpha * z for z <= 0, z itself otherwise.",
        kinks=(0.0,),
        convention=(
            "At z = 0 the derivative is taken as alpha (the left slope, a subgradient), as "
            "in PyTorch; the from-output form gives alpha there too."
        ),
        output_range=_REALS,
    ),
    Activation(
        name="elu",
        function=functools.partial(elu, alpha=ELU_ALPHA),
        derivative=functools.partial(elu_derivative, alpha=ELU_ALPHA),
        derivative_from_output=functools.partial(elu_derivative_from_output, alpha=ELU_ALPHA),
        latex=(
            r"\operatorname{elu}(z) = z \text{ if } z > 0 \text{ else } \alpha\,(e^{z} - 1), "
            r"\quad \alpha = 1"
        ),
        latex_derivative=(
            r"\operatorname{elu}'(z) = 1 \text{ if } z > 0 \text{ else } \alpha\,e^{z}"
        ),
        latex_derivative_from_output=(
            r"\operatorname{elu}'(z) = 1 \text{ if } y > 0 \text{ else } y + \alpha"
        ),
        stable_form=(
            "The negative branch is alpha * expm1(min(z, 0)), which never overflows and keeps "
            "full relative accuracy near 0, where exp(z) - 1 cancels."
        ),
        # With alpha = 1 both one-sided slopes at 0 are 1: f is C^1 (f'' jumps there).
        kinks=(),
        convention=(
            "None for alpha = 1: both one-sided slopes at 0 equal 1, so f is differentiable "
            "(only f'' jumps at 0); for another alpha, 0 is a kink."
        ),
        output_range=(-ELU_ALPHA, np.inf),
    ),
    Activation(
        name="softplus",
        function=softplus,
        derivative=softplus_derivative,
        derivative_from_output=softplus_derivative_from_output,
        latex=r"\operatorname{softplus}(z) = \ln(1 + e^{z})",
        latex_derivative=r"\operatorname{softplus}'(z) = \sigma(z) = \frac{1}{1 + e^{-z}}",
        latex_derivative_from_output=(
            r"\operatorname{softplus}'(z) = 1 - e^{-y}, \quad y = \operatorname{softplus}(z)"
        ),
        stable_form=(
            "softplus is max(z, 0) + log1p(exp(-|z|)), which never overflows, and its "
            "derivative is the stable sigmoid."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(0.0, np.inf),
    ),
    Activation(
        name="gelu",
        function=gelu,
        derivative=gelu_derivative,
        derivative_from_output=None,
        latex=(
            r"\operatorname{gelu}(z) = z\,\Phi(z) = "
            r"\frac{z}{2}\left(1 + \operatorname{erf}\frac{z}{\sqrt{2}}\right)"
        ),
        latex_derivative=(
            r"\operatorname{gelu}'(z) = \Phi(z) + z\,\varphi(z), "
            r"\quad \varphi(z) = \frac{e^{-z^2/2}}{\sqrt{2\pi}}"
        ),
        latex_derivative_from_output=None,
        stable_form=(
            "Phi(z) is computed as erfc(-z/sqrt(2))/2, which keeps full relative accuracy in "
            "the left tail, where 1 + erf(z/sqrt(2)) cancels to 0 (z < -8.3)."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(-0.17, np.inf),  # the minimum is -0.16997... at z = -0.7518
    ),
    Activation(
        name="gelu_tanh",
        function=functools.partial(gelu, approximate="tanh"),
        derivative=functools.partial(gelu_derivative, approximate="tanh"),
        derivative_from_output=None,
        latex=(
            r"\operatorname{gelu}(z) \approx \frac{z}{2}\,(1 + \tanh u), "
            r"\quad u = \sqrt{2/\pi}\,(z + 0.044715\,z^3)"
        ),
        latex_derivative=(
            r"\operatorname{gelu}'(z) \approx \frac{1 + \tanh u}{2} + "
            r"\frac{z}{2}\,\operatorname{sech}^2 u\,\sqrt{2/\pi}\,(1 + 0.134145\,z^2)"
        ),
        latex_derivative_from_output=None,
        stable_form=(
            "(1 + tanh u)/2 is computed as sigmoid(2u), with 2u carried to double the "
            "working precision, because 1 + tanh(u) cancels to 0 in the left tail."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(-0.1701, np.inf),  # the minimum is -0.17004... at z = -0.7525
    ),
    Activation(
        name="silu",
        function=silu,
        derivative=silu_derivative,
        derivative_from_output=None,
        latex=r"\operatorname{silu}(z) = z\,\sigma(z)",
        latex_derivative=(
            r"\operatorname{silu}'(z) = \sigma(z) + z\,\sigma'(z) "
            r"= \sigma(z)\,(1 + z\,(1 - \sigma(z)))"
        ),
        latex_derivative_from_output=None,
        stable_form=(
            "Both are built on the stable sigmoid, and the derivative is sigma(z) + z sigma'(z) "
            "with sigma'(z) = sigma(z) sigma(-z), since 1 - sigmoid(z) rounds to 0 for large z."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(-0.2785, np.inf),  # the minimum is -0.27846... at z = -1.2785
    ),
)

ACTIVATIONS: MappingProxyType[str, Activation] = MappingProxyType({a.name: a for a in _ENTRIES})


def get_activation(name: str) -> Activation:
    """Look an activation up by name.

    Parameters
    ----------
    name : str
        A key of `ACTIVATIONS`, e.g. ``"tanh"``.

    Returns
    -------
    Activation
        The registry entry.

    Raises
    ------
    TypeError
        If `name` is not a string.
    ValueError
        If `name` is not in the registry; the message lists the valid names.

    Examples
    --------
    >>> act = get_activation("sigmoid")
    >>> act.derivative_from_output(act.function(np.array([0.0, 2.0])))
    array([0.25      , 0.10499359])
    >>> get_activation("swish")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'swish'; valid names are: identity, sigmoid, tanh, relu, ...
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a str; got {type(name).__name__} {name!r}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        hint = ""
        if name.lower() in ("softmax", "log_softmax"):
            hint = " (softmax is not elementwise: see course_lib.softmax and course_lib.losses)"
        raise ValueError(
            f"unknown activation {name!r}; valid names are: {', '.join(ACTIVATIONS)}{hint}"
        ) from None
