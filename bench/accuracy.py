"""Worst errors in ulps against mpmath, for course_lib and the textbook/SciPy forms.

Run with ``make accuracy``. Prints the Markdown table that README.md quotes. The grids
are those of the tests: [-800, 800] in 16001 steps plus [-40, 40] in 4001 steps plus
the hard points; softmax rows are standard normal logits times a scale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.special as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_lib as cl
from tests.reference import MP, hard_points, mp_map, mp_softmax, mp_softmax_vjp, ulp_error


def grid(dtype) -> np.ndarray:
    parts = [np.linspace(-800, 800, 16001), np.linspace(-40, 40, 4001)]
    with np.errstate(over="ignore"):
        g = np.concatenate(parts).astype(dtype)
    g = g[np.isfinite(g)]
    return np.unique(np.concatenate([g, hard_points(dtype)]))


def worst(computed, exact, x) -> str:
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        err = ulp_error(computed, exact)
    i = int(np.argmax(err))
    e = err.ravel()[i]
    where = float(np.asarray(x).ravel()[i])
    if not np.isfinite(e) or e > 1e6:
        return f"{e:.1e} (z={where:.4g})"
    return f"{e:.2f}"


ELEMENTWISE = [
    # name, ours, reference (tests/reference.py: MP), textbook or other library form
    ("sigmoid", cl.sigmoid, MP["sigmoid"], ("scipy expit", sp.expit)),
    (
        "log_sigmoid",
        cl.log_sigmoid,
        MP["log_sigmoid"],
        ("log(expit(z))", lambda z: np.log(sp.expit(z))),
    ),
    (
        "sigmoid_derivative",
        cl.sigmoid_derivative,
        MP["sigmoid_derivative"],
        ("p(1-p), p = expit(z)", lambda z: sp.expit(z) * (1 - sp.expit(z))),
    ),
    ("tanh", cl.tanh, MP["tanh"], None),
    (
        "tanh_derivative",
        cl.tanh_derivative,
        MP["tanh_derivative"],
        ("1 - tanh(z)**2", lambda z: 1 - np.tanh(z) ** 2),
    ),
    ("softplus", cl.softplus, MP["softplus"], ("log1p(exp(z))", lambda z: np.log1p(np.exp(z)))),
    ("elu", cl.elu, MP["elu"], None),
    (
        "gelu",
        cl.gelu,
        MP["gelu"],
        ("z/2 (1 + erf(z/√2)) (scipy erf)", lambda z: z / 2 * (1 + sp.erf(z / np.sqrt(2)))),
    ),
    ("gelu_derivative", cl.gelu_derivative, MP["gelu_derivative"], None),
    ("silu", cl.silu, MP["silu"], None),
    ("silu_derivative", cl.silu_derivative, MP["silu_derivative"], None),
]


def elementwise_rows() -> list[str]:
    rows = []
    for name, ours, ref, other in ELEMENTWISE:
        cells = []
        for dtype in (np.float64, np.float32):
            x = grid(dtype)
            exact = mp_map(ref, x)
            cells.append(worst(ours(x), exact, x))
            if other is not None and dtype == np.float64:
                with np.errstate(all="ignore"):
                    theirs = other[1](x)
                other_cell = f"{other[0]}: {worst(theirs, exact, x)}"
        rows.append(f"| `{name}` | {cells[0]} | {cells[1]} | {other_cell if other else '-'} |")
    return rows


def softmax_rows() -> list[str]:
    rows = []
    rng = np.random.default_rng(0)
    for scale in (1, 10, 100, 1000):
        z = rng.standard_normal((30, 100)) * scale
        probs, logs = mp_softmax(z)
        z32 = z.astype(np.float32)
        probs32, logs32 = mp_softmax(z32)
        rows.append(
            f"| `softmax` scale {scale} | {worst(cl.softmax(z), probs, z)} "
            f"| {worst(cl.softmax(z32), probs32, z32)} "
            f"| fast: {worst(cl.softmax(z, method='fast'), probs, z)}, "
            f"scipy: {worst(sp.softmax(z, axis=-1), probs, z)} |"
        )
        rows.append(
            f"| `log_softmax` scale {scale} | {worst(cl.log_softmax(z), logs, z)} "
            f"| {worst(cl.log_softmax(z32), logs32, z32)} "
            f"| fast: {worst(cl.log_softmax(z, method='fast'), logs, z)}, "
            f"scipy: {worst(sp.log_softmax(z, axis=-1), logs, z)} |"
        )
    return rows


def vjp_rows() -> list[str]:
    rows = []
    rng = np.random.default_rng(1)
    for scale in (1, 100, 1000):
        ours, naive = [], []
        for _ in range(8):
            p = cl.softmax(rng.standard_normal(50) * scale)
            g = rng.standard_normal(50)
            exact = mp_softmax_vjp(p, g)
            ours.append(ulp_error(cl.softmax_vjp(p, g), exact).max())
            naive.append(ulp_error(p * (g - p @ g), exact).max())
        rows.append(
            f"| `softmax_vjp` scale {scale} | {max(ours):.2f} | - | p·(g − p·g): {max(naive):.3g} |"
        )
    return rows


def main() -> None:
    print("| function | float64 (ulp) | float32 (ulp) | textbook / SciPy, float64 (ulp) |")
    print("|---|---|---|---|")
    for line in elementwise_rows() + softmax_rows() + vjp_rows():
        print(line)


if __name__ == "__main__":
    main()
