"""The SymPy side of `course_lib.formulas`: the course's notation, its LaTeX, exact numbers.

Imported on first use, so that ``import course_lib`` does not pay for SymPy. Three
functions the pages write by name are SymPy functions that print as the course writes
them and expand to their definitions for every check and evaluation:

- :math:`\\sigma(x) = 1/(1 + e^{-x})`, the logistic sigmoid;
- :math:`\\Phi(x) = \\operatorname{erfc}(-x/\\sqrt{2})/2`, the standard normal CDF
  (erfc rather than :math:`1 + \\operatorname{erf}`, which cancels in the left tail);
- :math:`\\varphi(x) = e^{-x^2/2}/\\sqrt{2\\pi}`, its density.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy
from sympy.codegen.cfunctions import expm1, log1p
from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations
from sympy.printing.latex import LatexPrinter
from sympy.printing.pycode import MpmathPrinter

z = sympy.Symbol("z", real=True)


class sigma(sympy.Function):
    """The logistic sigmoid, printed :math:`\\sigma`."""

    @classmethod
    def definition(cls, x: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        x = self.args[0]
        return sigma(x) * sigma(-x)

    def _latex(self, printer: LatexPrinter) -> str:
        return rf"\sigma({printer._print(self.args[0])})"


class Phi(sympy.Function):
    """The standard normal CDF, printed :math:`\\Phi`."""

    @classmethod
    def definition(cls, x: sympy.Expr) -> sympy.Expr:
        return sympy.erfc(-x / sympy.sqrt(2)) / 2

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return phi(self.args[0])

    def _latex(self, printer: LatexPrinter) -> str:
        return rf"\Phi({printer._print(self.args[0])})"


class phi(sympy.Function):
    """The standard normal density, printed :math:`\\varphi`."""

    @classmethod
    def definition(cls, x: sympy.Expr) -> sympy.Expr:
        return sympy.exp(-(x**2) / 2) / sympy.sqrt(2 * sympy.pi)

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        x = self.args[0]
        return -x * phi(x)

    def _latex(self, printer: LatexPrinter) -> str:
        return rf"\varphi({printer._print(self.args[0])})"


NOTATION = (sigma, Phi, phi)


def parse(source: str, names: dict[str, Any], *, exact: bool) -> sympy.Expr:
    """`source` as SymPy: decimals as exact rationals (`exact`) or as written, unevaluated."""
    local = {"z": z, "sigma": sigma, "Phi": Phi, "phi": phi, "log1p": log1p, "expm1": expm1}
    local.update(names)
    if exact:
        rules = (*standard_transformations, rationalize)
        return parse_expr(source, local_dict=local, transformations=rules)
    return parse_expr(source, local_dict=local, evaluate=False)


def expand(expr: sympy.Expr) -> sympy.Expr:
    """`expr` with the notation functions replaced by their definitions."""
    for f in NOTATION:
        expr = expr.replace(f, f.definition)
    return expr


class CoursePrinter(LatexPrinter):
    """SymPy's LaTeX as written: no reordering, ``\\ln``, two-piece cases inline."""

    def __init__(self) -> None:
        super().__init__({"order": "none", "ln_notation": True})

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        (a, cond), (b, _) = expr.args  # every formula here has two pieces
        a, cond, b = self._print(a), self._print(cond), self._print(b)
        return rf"{a} \text{{ if }} {cond} \text{{ else }} {b}"

    def _print_Mul(self, expr: sympy.Mul) -> str:
        # unevaluated 1/x is Mul(1, x**-1): print it as the fraction, without the 1
        factors = [a for a in expr.args if a != 1]
        if len(factors) == 1 and len(expr.args) > 1:
            return self._print(factors[0])
        return super()._print_Mul(expr)

    def _print_Max(self, expr: sympy.Max) -> str:
        return rf"\max({', '.join(self._print(a) for a in expr.args)})"


def latex(expr: sympy.Expr) -> str:
    return CoursePrinter().doprint(expr)


def is_zero(expr: sympy.Expr) -> bool:
    """Whether `expr` (in z) is identically 0, checked on each half-line of z."""
    s = sympy.Symbol("s", positive=True)
    for side in (s, -s):
        e = sympy.piecewise_fold(expr.subs(z, side))
        e = e.replace(log1p, lambda x: sympy.log(1 + x)).replace(expm1, lambda x: sympy.exp(x) - 1)
        if not any(sympy.simplify(e.rewrite(form)) == 0 for form in (sympy.exp, sympy.erf)):
            return False
    return True


class _ArbFunctions:
    """What `MpmathPrinter`'s code calls as ``mpmath.<name>``, done in python-flint's arb."""

    def __init__(self) -> None:
        import flint

        self.arb = flint.arb

    def mpf(self, v: Any) -> Any:
        return self.arb(v)

    @property
    def pi(self) -> Any:  # at the working precision of the moment
        return self.arb.pi()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        arb = self.arb
        return lambda *a: getattr(arb(a[0]), name)(*a[1:])


class _ArbPrinter(MpmathPrinter):
    """MpmathPrinter that leaves sigma, Phi and phi as calls, for `_arb_notation`."""

    def _print_Function(self, expr: Any) -> str:
        if isinstance(expr, NOTATION):
            return f"{type(expr).__name__}({self._print(expr.args[0])})"
        return super()._print_Function(expr)


def _arb_notation() -> dict[str, Callable[[Any], Any]]:
    """sigma, Phi and phi in arb, in forms without cancellation at any float."""
    from flint import arb

    def sigma(x: Any) -> Any:
        return 1 / (1 + (-arb(x)).exp())

    def Phi(x: Any) -> Any:
        return (-arb(x) / arb(2).sqrt()).erfc() / 2

    def phi(x: Any) -> Any:
        x = arb(x)
        return (-x * x / 2).exp() / (2 * arb.pi()).sqrt()

    return {"sigma": sigma, "Phi": Phi, "phi": phi}


def arb_function(expr: sympy.Expr, variable: sympy.Symbol = z) -> Callable[[Any], Any]:
    """`expr` (exact; σ, Φ and φ kept or expanded) as a Python function of one arb."""
    namespace = {"mpmath": _ArbFunctions(), **_arb_notation()}
    return sympy.lambdify(variable, expr, modules=[namespace], printer=_ArbPrinter)
