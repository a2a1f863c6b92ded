"""Worst errors in ulps against mpmath, for course_lib and the textbook/SciPy forms.

Run with ``make accuracy``. Prints the Markdown table that README.md quotes. The grids
are those of the tests: [-800, 800] in 16001 steps plus [-40, 40] in 4001 steps plus
the hard points (for a derivative that crosses 0, without the points within 1/2 of its
zero, as `course_lib.bounds` counts); softmax rows are standard normal logits times a
scale. The elementwise functions are every registry entry's f and f'.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.special as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_lib as cl
from course_lib import bounds
from course_lib.registry import ACTIVATIONS
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


# The textbook or other library form each function is compared with, where there is one
OTHER = {
    "sigmoid": ("scipy expit", sp.expit),
    "log_sigmoid": ("log(expit(z))", lambda z: np.log(sp.expit(z))),
    "sigmoid_derivative": ("p(1-p), p = expit(z)", lambda z: sp.expit(z) * (1 - sp.expit(z))),
    "tanh_derivative": ("1 - tanh(z)**2", lambda z: 1 - np.tanh(z) ** 2),
    "softplus": ("log1p(exp(z))", lambda z: np.log1p(np.exp(z))),
    "gelu": ("z/2 (1 + erf(z/√2)) (scipy erf)", lambda z: z / 2 * (1 + sp.erf(z / np.sqrt(2)))),
    "mish": ("z tanh(log1p(exp(z)))", lambda z: z * np.tanh(np.log1p(np.exp(z)))),
}


def _elementwise() -> list[tuple[str, object, object]]:
    """(name, ours, 50-digit reference): every registry entry with a reference (the exact
    piecewise-linear ones have none), f and f', and log_sigmoid beside the sigmoid."""
    out = []
    for name, act in ACTIVATIONS.items():
        if name not in MP:
            continue
        out.append((name, act.function, MP[name]))
        if name == "sigmoid":
            out.append(("log_sigmoid", cl.log_sigmoid, MP["log_sigmoid"]))
        out.append((f"{name}_derivative", act.derivative, MP[f"{name}_derivative"]))
    return out


def elementwise_rows() -> list[str]:
    rows = []
    for name, ours, ref in _elementwise():
        other = OTHER.get(name)
        cells = []
        for dtype in (np.float64, np.float32):
            x = grid(dtype)
            if name in bounds.ZEROS:  # next to its zero a derivative's ulp error is unbounded
                x = x[np.abs(x.astype(np.float64) - bounds.ZEROS[name]) > 0.5]
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
