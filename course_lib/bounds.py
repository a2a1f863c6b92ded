r"""The accuracy bound of every elementwise and softmax function, in one table.

Each bound is the worst error, in ulps of the result's dtype, that the adversarial
search of ``make accuracy-search`` (``tests/accuracy_search.py``) found, plus 5 % and
rounded up to a tenth. The search takes :math:`10^7` points per function and dtype,
spread over the whole float range and denser where the function bends (float16: all
63,488 finite values), searches around the worst ones, confirms each candidate
against mpmath at 50 digits, and does all this at the three numpy SIMD levels of
``make test-simd``. The softmax functions are searched over :math:`10^7` logits in rows
of 2 to 100, six times over in float64 (six seeds: their worst is a sum's rounding at its
worst, which one sample can miss). Narrow dtypes computed in float64 and rounded once have
the bound 0.501.

The docstrings state these numbers (`documented` adds the `sentence` to each), the
README's table quotes them, and the tests hold every function to them: the worst
points the search found are kept in ``tests/data/accuracy_worst.json`` and checked
again on every run, at every SIMD level.

Three derivatives cross zero (`ZEROS`). Next to a zero the two terms that cancel
leave an error that is small against the terms but unbounded against the tiny
result, so their ulp bound holds where :math:`|z - z_0| > 1/2`, and everywhere the
error is within `SCALED` units of roundoff times the sum of the terms' magnitudes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TypeVar

__all__ = ["BOUNDS", "DTYPES", "FUNCTIONS", "SCALED", "ZEROS", "documented", "sentence"]

F = TypeVar("F", bound=Callable[..., object])

DTYPES = ("float64", "float32", "float16")

# Narrow dtypes are computed in float64 and rounded once: half an ulp, plus float64's
# own error measured in the narrow ulp (about 1e-7 of a float32 ulp), so 0.501.
_ONCE = 0.501


def _in(f64: float, narrow: float = _ONCE) -> dict[str, float]:
    return {"float64": f64, "float32": narrow, "float16": narrow}


BOUNDS: dict[str, dict[str, float]] = {
    "sigmoid": _in(2.2),
    "log_sigmoid": _in(1.8),
    "sigmoid_derivative": _in(3.6),
    "sigmoid_derivative_from_output": _in(1.6, 1.6),
    "logit": _in(3.4),
    "tanh": _in(2.3),
    "tanh_derivative": _in(3.5),
    "tanh_derivative_from_output": _in(1.6, 1.6),
    "softplus": _in(1.8),
    "softplus_derivative_from_output": _in(0.9),
    "elu": _in(1.8),
    "elu_derivative": _in(2.0),
    "gelu": _in(3.0),
    "gelu_derivative": _in(4.0),
    "gelu_tanh": _in(4.4),
    "gelu_tanh_derivative": _in(10.9),
    "silu": _in(3.6),
    "silu_derivative": _in(4.0),
    "swish": _in(4.6),
    "swish_derivative": _in(4.2),
    "mish": _in(4.7),
    "mish_derivative": _in(6.7),
    "relu": _in(0.0, 0.0),
    "relu_derivative": _in(0.0, 0.0),
    "relu_derivative_from_output": _in(0.0, 0.0),
    "leaky_relu": _in(0.5, 0.5),
    "leaky_relu_derivative": _in(0.0, 0.0),
    "leaky_relu_derivative_from_output": _in(0.0, 0.0),
    "identity": _in(0.0, 0.0),
    "identity_derivative": _in(0.0, 0.0),
    "identity_derivative_from_output": _in(0.0, 0.0),
    "softplus_derivative": _in(2.2),
    "elu_derivative_from_output": _in(0.5, 0.5),
    "softmax": _in(10.5),
    "log_softmax": _in(6.9),
    "logsumexp": _in(4.4),
    "softmax_vjp": _in(2.5),
}
r"""Worst error in ulps, per function and dtype (``gelu_tanh``: ``approximate="tanh"``).

`logsumexp` is measured in ulps of the larger of its result and :math:`|\max z|`, and
`softmax_vjp` in ulps of the larger of :math:`|(J^\top v)_j|` and
:math:`u\,p_j \sum_i |p_i v_i|` (see their Notes): both can cancel to a tiny result.
"""

FUNCTIONS: dict[str, str] = {
    **{name: name for name in BOUNDS},
    "gelu_tanh": "gelu",
    "gelu_tanh_derivative": "gelu_derivative",
    "swish": "silu",
    "swish_derivative": "silu_derivative",
}
"""The public function whose docstring states each bound."""

ZEROS: dict[str, float] = {
    "gelu_derivative": -0.7518,
    "gelu_tanh_derivative": -0.7525,
    "silu_derivative": -1.2785,
    "swish_derivative": -1.2785,
    "mish_derivative": -1.1924,
}
r"""Where a derivative crosses 0: its ulp bound holds where ``|z - z0| > 0.5``.

Swish's is in :math:`t = \beta z`, as ``silu_derivative(z, beta)`` is
:math:`\operatorname{silu}'(\beta z)`: its bound holds where :math:`|\beta z - t_0| > 0.5`.
"""

SCALED: dict[str, float] = {
    "gelu_derivative": 3.8,
    "gelu_tanh_derivative": 7.8,
    "silu_derivative": 4.8,
    "swish_derivative": 5.5,
    "mish_derivative": 6.8,
}
r"""float64 error of the zero-crossing derivatives in units of :math:`u\,\sum|\text{term}|`."""


_HEADS = {
    "gelu_tanh": 'Accuracy with ``approximate="tanh"``',
    "gelu_tanh_derivative": 'Accuracy with ``approximate="tanh"``',
    "swish": r"Accuracy for the :math:`\beta` searched (0.1, 0.5, 1, 1.7, 10, -1.3)",
    "swish_derivative": r"Accuracy for the :math:`\beta` searched (0.1, 0.5, 1, 1.7, 10, -1.3)",
    "softmax": 'Accuracy with ``method="accurate"``',
    "log_softmax": 'Accuracy with ``method="accurate"``',
}
_MEASURED = {
    "logsumexp": r"in ulps of the larger of the result and :math:`|\max_j z_j|`",
    "softmax_vjp": (
        r"in ulps of the larger of :math:`|(J^\top v)_j|` and"
        r" :math:`u\,p_j \sum_i |p_i v_i|`"
    ),
}


def _fmt(x: float) -> str:
    return f"{x:g}"


def sentence(name: str) -> str:
    """The accuracy sentence that the docstring of `name` contains, from `BOUNDS`.

    Examples
    --------
    >>> sentence("tanh")
    'Accuracy: within 2.3 ulp in float64 and 0.501 ulp in float32 and float16.'
    >>> sentence("sigmoid_derivative_from_output")
    'Accuracy: within 1.6 ulp in float64, float32 and float16.'
    """
    b = BOUNDS[name]
    head = _HEADS.get(name, "Accuracy")
    if b["float64"] == b["float32"] == b["float16"] == 0:
        return f"{head}: exact in float64, float32 and float16."
    if b["float64"] == b["float32"] == b["float16"]:
        text = f"{head}: within {_fmt(b['float64'])} ulp in float64, float32 and float16"
    elif b["float32"] == b["float16"]:
        text = (
            f"{head}: within {_fmt(b['float64'])} ulp in float64 and "
            f"{_fmt(b['float32'])} ulp in float32 and float16"
        )
    else:
        text = f"{head}: within " + ", ".join(f"{_fmt(b[d])} ulp in {d}" for d in DTYPES)
    if name in _MEASURED:
        text += ", counted " + _MEASURED[name]
    if name in ZEROS:
        v = r"\beta z" if name == "swish_derivative" else "z"
        text += (
            f" where :math:`|{v} - {v[:-1]}z_0| > 1/2`, :math:`{v[:-1]}z_0 \\approx {ZEROS[name]}`"
            " its zero,"
            f" and in float64 within {_fmt(SCALED[name])} :math:`u` times the sum of the"
            " terms' magnitudes everywhere"
        )
    return text + "."


def documented(*names: str) -> Callable[[F], F]:
    """Add the accuracy sentence of each of `names` to the end of a docstring's Notes.

    The numbers then live only in `BOUNDS`, and the page, ``help()`` and the tests all
    read them from there.
    """

    def add(func: F) -> F:
        doc = func.__doc__ or ""
        marker = "\n    Examples\n    --------"
        paragraphs = "".join(
            "\n"
            + textwrap.fill(sentence(n), 84, initial_indent="    ", subsequent_indent="    ")
            + "\n"
            for n in names
        )
        if marker not in doc:
            raise ValueError(f"documented: {func.__name__}'s docstring has no Examples section")
        func.__doc__ = doc.replace(marker, paragraphs + marker, 1)
        return func

    return add
