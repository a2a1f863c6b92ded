r"""Every elementwise activation by name: its function, derivatives and formulas.

`ACTIVATIONS` maps a name to an `Activation`, which bundles what the course needs
about one activation function :math:`f`:

- ``function`` and ``derivative``, both taking the input :math:`z`;
- ``derivative_from_output``, the article's cheap form that takes the output
  :math:`y = f(z)` instead (what backpropagation has at hand), or ``None`` where
  :math:`f'` is not a function of :math:`f` alone (GELU and SiLU are not monotone,
  so one output comes from two inputs with different slopes);
- its `~course_lib.formulas.Formula`: the mathematics written once as SymPy, from
  which come the LaTeX of :math:`f`, :math:`f'` and the from-output form on every
  page, the 50-digit reference values of the tests, and the symbolic proof that
  :math:`f'` is the derivative of :math:`f`;
- the title, the papers to cite and the initialisation scheme (He for the rectifier
  family, Glorot for the rest);
- a sentence on the numerically stable form `course_lib` computes, the points where
  :math:`f` has no derivative and the value used there, and the output range.

Parameterized activations are bound to their default parameter (``leaky_relu`` with
:math:`\alpha = 0.01`, ``elu`` with :math:`\alpha = 1`, ``swish`` with
:math:`\beta = 1`), so every entry is :math:`f(z)`. Call the family's function
directly for another parameter: ``silu(z, beta=2.0)``.

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
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from . import mish as _mish
from . import rectifiers as _rect
from . import sigmoid as _sigmoid
from . import tanh as _tanh
from ._arrays import FloatResult
from .formulas import Formula

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]

Elementwise = Callable[[ArrayLike], FloatResult]  # an array, or a NumPy scalar for 0-d input

LEAKY_RELU_ALPHA = 0.01
ELU_ALPHA = 1.0
SWISH_BETA = 1.0


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
    title : str
        The name a page heading uses, e.g. ``"Hyperbolic tangent"``.
    citations : tuple of str
        Keys in ``book/references.bib`` of the papers that introduced or analysed it.
    init : {"he", "glorot"}
        The weight initialisation `Network` uses before a layer with this activation:
        He (variance 2/n_in) for the rectifier family, Glorot (2/(n_in + n_out)) for the
        rest (He et al. 2015, Glorot and Bengio 2010).
    formula : Formula
        The mathematics; ``latex``, ``latex_derivative`` and
        ``latex_derivative_from_output`` are generated from it (without ``$``).
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
    title: str
    citations: tuple[str, ...]
    init: Literal["he", "glorot"]
    formula: Formula
    stable_form: str
    kinks: tuple[float, ...]
    convention: str
    output_range: tuple[float, float]

    @property
    def latex(self) -> str:
        return self.formula.latex()

    @property
    def latex_derivative(self) -> str:
        return self.formula.latex_derivative()

    @property
    def latex_derivative_from_output(self) -> str | None:
        return self.formula.latex_derivative_from_output()


_SMOOTH = "None: f is differentiable everywhere."
_REALS = (-np.inf, np.inf)

_ENTRIES = (
    Activation(
        name="identity",
        function=_rect.identity,
        derivative=_rect.identity_derivative,
        derivative_from_output=_rect.identity_derivative_from_output,
        title="Identity",
        citations=(),
        init="glorot",
        formula=Formula(r"\operatorname{id}", ("z",), ("1",), from_output="1"),
        stable_form="Exact: the output is the input, and the derivative is the constant 1.",
        kinks=(),
        convention=_SMOOTH,
        output_range=_REALS,
    ),
    Activation(
        name="sigmoid",
        function=_sigmoid.sigmoid,
        derivative=_sigmoid.sigmoid_derivative,
        derivative_from_output=_sigmoid.sigmoid_derivative_from_output,
        title="Sigmoid",
        citations=("bishop2006",),
        init="glorot",
        formula=Formula(
            r"\sigma",
            ("1/(1 + exp(-z))",),
            ("exp(-z)/(1 + exp(-z))**2", "sigma(z)*sigma(-z)"),
            from_output="p*(1 - p)",
            output="p",
        ),
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
        function=_tanh.tanh,
        derivative=_tanh.tanh_derivative,
        derivative_from_output=_tanh.tanh_derivative_from_output,
        title="Hyperbolic tangent",
        citations=("lecun2012",),
        init="glorot",
        formula=Formula(
            r"\tanh",
            ("(exp(z) - exp(-z))/(exp(z) + exp(-z))", "2*sigma(2*z) - 1"),
            ("1/cosh(z)**2", "4*exp(-2*Abs(z))/(1 + exp(-2*Abs(z)))**2"),
            from_output="1 - y**2",
            reference_form="tanh(z)",
            derivative_reference_form="1/cosh(z)**2",
        ),
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
        function=_rect.relu,
        derivative=_rect.relu_derivative,
        derivative_from_output=_rect.relu_derivative_from_output,
        title="ReLU",
        citations=("nair2010", "glorot2011"),
        init="he",
        formula=Formula(
            r"\operatorname{relu}",
            ("Max(0, z)",),
            ("Piecewise((1, z > 0), (0, True))",),
            from_output="Piecewise((1, y > 0), (0, True))",
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
        function=functools.partial(_rect.leaky_relu, alpha=LEAKY_RELU_ALPHA),
        derivative=functools.partial(_rect.leaky_relu_derivative, alpha=LEAKY_RELU_ALPHA),
        derivative_from_output=functools.partial(
            _rect.leaky_relu_derivative_from_output, alpha=LEAKY_RELU_ALPHA
        ),
        title="Leaky ReLU",
        citations=("maas2013",),
        init="he",
        formula=Formula(
            r"\operatorname{leaky\_relu}",
            ("Max(alpha*z, z)",),
            ("Piecewise((1, z > 0), (alpha, True))",),
            from_output="Piecewise((1, y > 0), (alpha, True))",
            parameters=(("alpha", LEAKY_RELU_ALPHA),),
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
        function=functools.partial(_rect.elu, alpha=ELU_ALPHA),
        derivative=functools.partial(_rect.elu_derivative, alpha=ELU_ALPHA),
        derivative_from_output=functools.partial(_rect.elu_derivative_from_output, alpha=ELU_ALPHA),
        title="ELU",
        citations=("clevert2015",),
        init="he",
        formula=Formula(
            r"\operatorname{elu}",
            ("Piecewise((z, z > 0), (alpha*(exp(z) - 1), True))",),
            ("Piecewise((1, z > 0), (alpha*exp(z), True))",),
            from_output="Piecewise((1, y > 0), (y + alpha, True))",
            parameters=(("alpha", ELU_ALPHA),),
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
        function=_rect.softplus,
        derivative=_rect.softplus_derivative,
        derivative_from_output=_rect.softplus_derivative_from_output,
        title="Softplus",
        citations=("dugas2001",),
        init="glorot",
        formula=Formula(
            r"\operatorname{softplus}",
            ("log(1 + exp(z))",),
            ("sigma(z)", "1/(1 + exp(-z))"),
            from_output="1 - exp(-y)",
            reference_form="log1p(exp(z))",
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
        function=_rect.gelu,
        derivative=_rect.gelu_derivative,
        derivative_from_output=None,
        title="GELU",
        citations=("hendrycks2016",),
        init="he",
        formula=Formula(
            r"\operatorname{gelu}",
            ("z*Phi(z)", "z/2*(1 + erf(z/sqrt(2)))"),
            ("Phi(z) + z*phi(z)",),
        ),
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
        function=functools.partial(_rect.gelu, approximate="tanh"),
        derivative=functools.partial(_rect.gelu_derivative, approximate="tanh"),
        derivative_from_output=None,
        title="GELU, tanh approximation",
        citations=("hendrycks2016",),
        init="he",
        formula=Formula(
            r"\operatorname{gelu}",
            ("z/2*(1 + tanh(u))",),
            ("(1 + tanh(u))/2 + z/2*sech(u)**2*sqrt(2/pi)*(1 + 0.134145*z**2)",),
            where=(("u", "sqrt(2/pi)*(z + 0.044715*z**3)"),),
            reference_form="z*sigma(2*u)",
        ),
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
        function=_rect.silu,
        derivative=_rect.silu_derivative,
        derivative_from_output=None,
        title="SiLU (swish)",
        citations=("elfwing2018", "ramachandran2017"),
        init="he",
        formula=Formula(
            r"\operatorname{silu}",
            ("z*sigma(z)",),
            ("sigma(z) + z*sigma(z)*(1 - sigma(z))", "sigma(z)*(1 + z*(1 - sigma(z)))"),
        ),
        stable_form=(
            "Both are built on the stable sigmoid, and the derivative is sigma(z) + z sigma'(z) "
            "with sigma'(z) = sigma(z) sigma(-z), since 1 - sigmoid(z) rounds to 0 for large z."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(-0.2785, np.inf),  # the minimum is -0.27846... at z = -1.2785
    ),
    Activation(
        name="swish",
        function=functools.partial(_rect.silu, beta=SWISH_BETA),
        derivative=functools.partial(_rect.silu_derivative, beta=SWISH_BETA),
        derivative_from_output=None,
        title="Swish-β",
        citations=("ramachandran2017",),
        init="he",
        formula=Formula(
            r"\operatorname{swish}",
            ("z*sigma(beta*z)",),
            (
                "sigma(beta*z) + beta*z*sigma(beta*z)*sigma(-beta*z)",
                "sigma(beta*z)*(1 + beta*z*(1 - sigma(beta*z)))",
            ),
            parameters=(("beta", SWISH_BETA),),
        ),
        stable_form=(
            "silu(z, beta) is z sigma(t) with t = beta z carried to twice the working "
            "precision, because sigma(t) is near e**t in the left tail and would turn the "
            "rounding of beta z into a relative error |t| u."
        ),
        kinks=(),
        convention=_SMOOTH,
        # the minimum is -0.27846/beta at z = -1.2785/beta (beta > 0)
        output_range=(-0.2785 / SWISH_BETA, np.inf),
    ),
    Activation(
        name="mish",
        function=_mish.mish,
        derivative=_mish.mish_derivative,
        derivative_from_output=None,
        title="Mish",
        citations=("misra2019",),
        init="he",
        formula=Formula(
            r"\operatorname{mish}",
            ("z*tanh(log(1 + exp(z)))", "z*n/(n + 2)"),
            (
                "tanh(log(1 + exp(z))) + z*sigma(z)*(1 - tanh(log(1 + exp(z)))**2)",
                "n/(n + 2) + 4*z*exp(z)*(1 + exp(z))/(n + 2)**2",
            ),
            where=(("n", "exp(z)*(exp(z) + 2)"),),
            reference_form="z*tanh(log1p(exp(z)))",
        ),
        stable_form=(
            "tanh(softplus(z)) = n/(n + 2) with n = e^z (e^z + 2) is computed as a ratio of "
            "positive terms in e = exp(-|z|), which never overflows or cancels."
        ),
        kinks=(),
        convention=_SMOOTH,
        output_range=(-0.3089, np.inf),  # the minimum is -0.30884... at z = -1.1924
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
    >>> get_activation("Tanh")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'Tanh'; valid names are: identity, sigmoid, tanh, relu, ...
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
