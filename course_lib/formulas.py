r"""Each activation's mathematics, written once as SymPy source.

A `Formula` holds the forms of :math:`f`, of :math:`f'` and of :math:`f'` from the
output that the course states, as SymPy expressions in :math:`z` (and the output). From
that one source come

- the LaTeX on the site, in the formula reference and in the notebooks (`latex`);
- 50-digit reference values (`reference`, `derivative_reference`): the reference form
  of :math:`f` (``forms[0]`` unless `reference_form` says otherwise) and its
  derivative, evaluated in ball arithmetic (python-flint's arb) at whatever precision
  proves 50 correct digits;
- the proof that the derivative is the derivative (`check`): every form of :math:`f'`
  minus :math:`d/dz` of :math:`f`, and the from-output form with :math:`y = f(z)`
  put in, simplify to 0 on each half-line of :math:`z`.

Decimals in a source are the exact decimal numbers (0.044715 is 8943/200000);
`parameters` are the values the code uses, taken as the exact binary floats. SymPy and
python-flint are imported on first use.

Examples
--------
>>> f = Formula(r"\sigma", ("1/(1 + exp(-z))",), ("sigma(z)*(1 - sigma(z))",),
...             from_output="p*(1 - p)", output="p")
>>> f.latex()
'\\sigma(z) = \\frac{1}{1 + e^{- z}}'
>>> f.check()
[]
>>> float(f.reference(-40.0))  # 1/(1 + e^40), where 1 - sigma(40) cancels
4.248354255291589e-18
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mpmath
    import sympy

__all__ = ["DIGITS", "Formula"]

DIGITS = 50  # correct significant digits of every reference value
_START_BITS, _MAX_BITS = 128, 1 << 14


@dataclass(frozen=True)
class Formula:
    r"""The mathematics of one elementwise activation :math:`f`.

    Attributes
    ----------
    symbol : str
        LaTeX of the function's name, e.g. ``r"\sigma"`` or ``r"\operatorname{relu}"``.
    forms : tuple of str
        SymPy sources of :math:`f(z)`: the definition first, then equal forms to show.
    derivative_forms : tuple of str
        SymPy sources of :math:`f'(z)`, each checked against :math:`d/dz` of ``forms[0]``.
    from_output : str or None
        SymPy source of :math:`f'` in terms of the output, or ``None`` where there is none.
    output : str
        The name of the output in `from_output`: ``"y"``, or ``"p"``, ``"t"``, ...
    where : tuple of (str, str)
        Auxiliary names used in the forms and their sources, shown after the formula,
        e.g. ``(("u", "sqrt(2/pi)*(z + 0.044715*z**3)"),)``.
    parameters : tuple of (str, float)
        Parameters and the values the code uses, e.g. ``(("alpha", 0.01),)``.
    reference_form : str or None
        What `reference` evaluates when it is not ``forms[0]``: a form that ball
        arithmetic evaluates at any float (``"tanh(z)"`` rather than quotients of
        exponentials, which overflow at :math:`|z| > 10^{15}`).
    derivative_reference_form : str or None
        What `derivative_reference` evaluates when it is not :math:`d/dz` of the
        reference form (``"1/cosh(z)**2"`` rather than :math:`1 - \tanh^2 z`, which
        cancels beyond what any precision reaches at :math:`z = 10^{10}`).
    """

    symbol: str
    forms: tuple[str, ...]
    derivative_forms: tuple[str, ...]
    from_output: str | None = None
    output: str = "y"
    where: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, float], ...] = ()
    reference_form: str | None = None
    derivative_reference_form: str | None = None

    # --- SymPy -----------------------------------------------------------------------
    def expressions(self, *, exact: bool = True, expanded: bool = True) -> dict[str, Any]:
        """The forms as SymPy: keys ``"f"``, ``"df"`` (tuples) and ``"from_output"``.

        `exact` parses decimals as rationals and puts in `where` and the parameters'
        values, `expanded` also replaces σ, Φ and φ by their definitions; with both
        False the expressions are as written, for printing.
        """
        return _expressions(self, exact, expanded)

    def latex(self) -> str:
        """:math:`f(z) = \\ldots`, every form, then the parameters and `where`."""
        return self._latex("f", rf"{self.symbol}(z)")

    def latex_derivative(self) -> str:
        """:math:`f'(z) = \\ldots`, every form of the derivative."""
        return self._latex("df", rf"{self.symbol}'(z)")

    def latex_derivative_from_output(self) -> str | None:
        """:math:`f'(z)` in terms of the output, or ``None``."""
        if self.from_output is None:
            return None
        return self._latex("from_output", rf"{self.symbol}'(z)", output=True)

    def _latex(self, key: str, lhs: str, *, output: bool = False) -> str:
        from . import _notation

        shown = self.expressions(exact=False, expanded=False)[key]
        if key == "from_output":
            shown = (shown,)
        used = {str(s) for e in shown for s in e.free_symbols}  # what needs saying
        parts = [" = ".join([lhs, *(_notation.latex(e) for e in shown)])]
        if output and self.output in used:
            parts.append(rf"{self.output} = {self.symbol}(z)")
        names = {"alpha": r"\alpha", "beta": r"\beta"}
        for name, value in self.parameters:
            if name in used:
                parts.append(f"{names.get(name, name)} = {value:g}")
        for name, source in self.where:
            if name in used:
                definition = _notation.parse(source, {}, exact=False)
                parts.append(f"{name} = {_notation.latex(definition)}")
        return r", \quad ".join(parts)

    def check(self) -> list[str]:
        """Every stated identity that fails to simplify to 0; empty when all hold."""
        import sympy

        from . import _notation

        ex = self.expressions()
        f = ex["reference"]
        failures = []
        for i, g in enumerate(ex["f"]):
            if not _notation.is_zero(g - f):
                failures.append(f"form {i} of f is not f: {g}")
        df = sympy.diff(f, _notation.z)
        for i, g in enumerate(ex["df"]):
            if not _notation.is_zero(g - df):
                failures.append(f"form {i} of f' is not df/dz = {df}: {g}")
        if ex["derivative_reference"] is not None and not _notation.is_zero(
            ex["derivative_reference"] - df
        ):
            failures.append(f"the derivative's reference form is not df/dz = {df}")
        if ex["from_output"] is not None:
            y = sympy.Symbol(self.output, real=True)
            if not _notation.is_zero(ex["from_output"].subs(y, f) - df):
                failures.append(f"the from-output form is not df/dz = {df}")
        return failures

    # --- numbers ---------------------------------------------------------------------
    def reference(self, x: float) -> mpmath.mpf:
        """:math:`f(x)` to `DIGITS` significant digits, as an ``mpmath.mpf``."""
        return _evaluate(_compiled(self, "reference"), x)

    def derivative_reference(self, x: float) -> mpmath.mpf:
        """:math:`f'(x)` to `DIGITS` significant digits: :math:`d/dz` of the reference."""
        return _evaluate(_compiled(self, "derivative_reference"), x)

    def form_value(self, key: str, index: int, x: float) -> mpmath.mpf:
        """Form `index` of ``"f"`` or ``"df"``, or ``"from_output"`` at output `x`."""
        return _evaluate(_compiled(self, key, index), x)


@functools.cache
def _expressions(formula: Formula, exact: bool, expanded: bool) -> dict[str, Any]:
    import sympy

    from . import _notation

    names: dict[str, Any] = {}
    if exact:
        for name, value in formula.parameters:
            names[name] = sympy.Rational(*float(value).as_integer_ratio())
        for name, source in formula.where:
            names[name] = _notation.parse(source, names, exact=True)
    else:
        names = {name: sympy.Symbol(name) for name, _ in (*formula.parameters, *formula.where)}
    if formula.from_output is not None:
        names.setdefault(formula.output, sympy.Symbol(formula.output, real=True))

    def parse(source: str) -> sympy.Expr:
        e = _notation.parse(source, names, exact=exact)
        return _notation.expand(e) if expanded else e

    out: dict[str, Any] = {
        "f": tuple(parse(s) for s in formula.forms),
        "df": tuple(parse(s) for s in formula.derivative_forms),
        "from_output": None if formula.from_output is None else parse(formula.from_output),
    }
    rf = formula.reference_form
    out["reference"] = out["f"][0] if rf is None else parse(rf)
    drf = formula.derivative_reference_form
    out["derivative_reference"] = None if drf is None else parse(drf)
    return out


@functools.cache
def _compiled(formula: Formula, key: str, index: int = 0) -> Callable[[Any], Any]:
    """``key`` is "reference", "derivative_reference", "from_output", or "f" or "df"
    with the form's index; σ, Φ and φ are evaluated by their stable arb forms."""
    import sympy

    from . import _notation

    ex = formula.expressions(expanded=False)
    if key == "from_output":
        return _notation.arb_function(ex[key], sympy.Symbol(formula.output, real=True))
    if key == "derivative_reference":
        expr = ex[key] if ex[key] is not None else sympy.diff(ex["reference"], _notation.z)
    else:
        expr = ex[key] if key == "reference" else ex[key][index]
    return _notation.arb_function(expr)


def _evaluate(func: Callable[[Any], Any], x: float) -> mpmath.mpf:
    """`func` at the float `x` in arb, doubling the precision until 50 digits are right.

    A value whose magnitude is proven below 2**-1200, beneath every float's subnormals
    (as erfc(10**308) is), is returned as 0.
    """
    import flint
    import mpmath

    want = int(DIGITS * 3.33) + 4
    negligible = flint.arb(2) ** -1200
    saved = flint.ctx.prec
    try:
        bits = _START_BITS
        while bits <= _MAX_BITS:
            flint.ctx.prec = bits
            r = flint.arb(func(flint.arb(float(x))))
            if r.is_exact() or r.rel_accuracy_bits() >= want:
                man, exp = r.mid().man_exp()
                return mpmath.mpf((int(man), int(exp)))
            if r.abs_upper() < negligible:  # below every float: 0 in any dtype
                return mpmath.mpf(0)
            bits *= 2
    finally:
        flint.ctx.prec = saved
    raise ArithmeticError(
        f"reference: no {DIGITS} correct digits at x = {x!r} with {_MAX_BITS} bits"
    )
