"""Speed of course_lib against SciPy, with a memory-copy floor beside it.

Run with ``make bench`` (one thread). Every row is the median of repeated runs of one
call on a 1e6-element array (or as stated) and its ratio to a baseline measured in the
same run, the two timed alternately; ``np.copyto`` of the same array is the floor no
elementwise function can beat. Times are CPU time (``time.process_time``) of the one
thread, so that the time other jobs take the core away is left out; the machine is
shared and noisy all the same: quote medians and ratios from one run.

Prints a Markdown table that README.md quotes.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc

import numpy as np
import scipy
import scipy.special as sp

import course_lib as cl

N = 1_000_000


def cpu_seconds(func) -> float:
    """The CPU time of one call: on a shared machine, the time other processes take
    the core away is not counted (the benchmark runs on one thread)."""
    start = time.process_time()
    func()
    return time.process_time() - start


def median_seconds(func, repeat: int) -> float:
    func()  # warm up: page in buffers, load code
    return float(np.median([cpu_seconds(func) for _ in range(repeat)]))


def interleaved(ours, base, repeat: int) -> tuple[float, float]:
    """Median seconds of `ours` and of `base`, timed alternately (one run each per round),
    so that a change in the machine's load moves both."""
    ours(), base()  # warm up
    a, b = [], []
    for _ in range(repeat):
        a.append(cpu_seconds(ours))
        b.append(cpu_seconds(base))
    return float(np.median(a)), float(np.median(b))


def temporaries(func, *args) -> float:
    """Peak memory a call allocates beyond its result, in multiples of the first input.

    numpy reports its array buffers to tracemalloc."""
    func(*args)
    tracemalloc.start()
    try:
        result = func(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - np.asarray(result).nbytes) / np.asarray(args[0]).nbytes


def normal_pdf(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def goal_rows(repeat: int) -> list[str]:
    """The rows of the speed issue's table: ours against what a user would otherwise write."""
    rng = np.random.default_rng(3)
    wide = rng.standard_normal((1000, 1000)) * 5
    narrow = rng.standard_normal((500_000, 2)) * 5
    long = rng.standard_normal((10, 100_000)) * 5
    z = rng.standard_normal(N) * 5
    z32 = z.astype(np.float32)
    z16 = z.astype(np.float16)
    p2 = cl.softmax(narrow)
    g2 = rng.standard_normal((500_000, 2))

    def plain_vjp():
        return p2 * (g2 - np.sum(p2 * g2, axis=-1, keepdims=True))

    cases = [
        (
            "`softmax` (1000, 1000)",
            cl.softmax,
            lambda: sp.softmax(wide, axis=-1),
            "scipy softmax",
            (wide,),
            "≤ 1.0",
        ),
        (
            "`log_softmax` (1000, 1000)",
            cl.log_softmax,
            lambda: sp.log_softmax(wide, axis=-1),
            "scipy log_softmax",
            (wide,),
            "≤ 1.0",
        ),
        (
            "`softmax` (500000, 2)",
            cl.softmax,
            lambda: sp.softmax(narrow, axis=-1),
            "scipy softmax",
            (narrow,),
            "≤ 1.0",
        ),
        ("`gelu`", cl.gelu, lambda: z * sp.ndtr(z), "z ndtr(z)", (z,), "≤ 2.0"),
        (
            "`gelu_derivative`",
            cl.gelu_derivative,
            lambda: sp.ndtr(z) + z * normal_pdf(z),
            "ndtr(z) + z φ(z)",
            (z,),
            "≤ 2.0",
        ),
        ("`softmax_vjp` (500000, 2)", cl.softmax_vjp, plain_vjp, "p (v - p·v)", (p2, g2), "≤ 4.0"),
        (
            "`sigmoid` float16",
            cl.sigmoid,
            lambda: cl.sigmoid(z32),
            "`sigmoid` float32",
            (z16,),
            "≤ 2.0",
        ),
    ]
    out = []
    for name, func, base, base_name, args, target in cases:
        ours, theirs = interleaved(lambda f=func, a=args: f(*a), base, repeat)
        temp = temporaries(func, *args)
        out.append(
            f"| {name} | {ours * 1e3:.2f} | {base_name} {theirs * 1e3:.2f} "
            f"| **{ours / theirs:.2f}** | {target} | {temp:.1f} |"
        )
    per_element = [interleaved(lambda: cl.softmax(narrow), lambda: cl.softmax(long), repeat)]
    ((t_narrow, t_long),) = per_element
    out.append(
        f"| `softmax` per element, K = 2 against K = 1e5 | {t_narrow * 1e3:.2f} "
        f"| (10, 100000) {t_long * 1e3:.2f} | **{t_narrow / t_long:.2f}** | - | - |"
    )
    return out


def row(
    name: str, ours: float, base: float, base_name: str, floor: float | None, target: str
) -> str:
    floor_ms = "-" if floor is None else f"{floor * 1e3:.2f}"
    return (
        f"| {name} | {ours * 1e3:.2f} | {base_name} {base * 1e3:.2f} | **{ours / base:.2f}** "
        f"| {target} | {floor_ms} |"
    )


def elementwise_rows(dtype, repeat: int) -> list[str]:
    rng = np.random.default_rng(0)
    z = (rng.standard_normal(N) * 5).astype(dtype)
    p = sp.expit(z)
    dst = np.empty_like(z)
    floor = median_seconds(lambda: np.copyto(dst, z), repeat)
    expit = median_seconds(lambda: sp.expit(z), repeat)

    def textbook_derivative():
        q = sp.expit(z)
        return q * (1 - q)

    textbook = median_seconds(textbook_derivative, repeat)
    is32 = dtype == np.float32
    t = dtype.__name__
    return [
        row(
            f"`sigmoid` {t}",
            median_seconds(lambda: cl.sigmoid(z), repeat),
            expit,
            "expit",
            floor,
            "≤ 0.5" if is32 else "≤ 0.7",
        ),
        row(
            f"`sigmoid_derivative(z)` {t}",
            median_seconds(lambda: cl.sigmoid_derivative(z), repeat),
            textbook,
            "p(1-p) from expit",
            floor,
            "≤ 0.5",
        ),
        row(
            f"`sigmoid_derivative_from_output(p)` {t}",
            median_seconds(lambda: cl.sigmoid_derivative_from_output(p), repeat),
            textbook,
            "p(1-p) from expit",
            floor,
            "≤ 0.2",
        ),
        row(
            f"`tanh_derivative(z)` {t}",
            median_seconds(lambda: cl.tanh_derivative(z), repeat),
            median_seconds(lambda: 1 - np.tanh(z) ** 2, repeat),
            "1 - tanh(z)**2",
            floor,
            "-",
        ),
        row(
            f"`log_sigmoid` {t}",
            median_seconds(lambda: cl.log_sigmoid(z), repeat),
            median_seconds(lambda: sp.log_expit(z), repeat),
            "log_expit",
            floor,
            "-",
        ),
    ]


def softmax_rows(dtype, repeat: int) -> list[str]:
    z = (np.random.default_rng(1).standard_normal((1000, 1000)) * 5).astype(dtype)
    dst = np.empty_like(z)
    floor = median_seconds(lambda: np.copyto(dst, z), repeat)
    t = dtype.__name__
    out = []
    for name, ours, theirs in (
        ("softmax", cl.softmax, sp.softmax),
        ("log_softmax", cl.log_softmax, sp.log_softmax),
    ):
        base = median_seconds(lambda f=theirs: f(z, axis=-1), repeat)
        for method, target in (("fast", "≤ 1.0"), ("accurate", "-")):
            ours_t = median_seconds(lambda f=ours, m=method: f(z, method=m), repeat)
            out.append(
                row(
                    f"`{name}` {method} {t} (1000, 1000)",
                    ours_t,
                    base,
                    f"scipy {name}",
                    floor,
                    target,
                )
            )
    return out


def vjp_rows(repeat: int) -> list[str]:
    out = []
    rng = np.random.default_rng(2)
    for k in (10, 100, 1000):
        z = rng.standard_normal((100, k))
        p = cl.softmax(z)
        g = rng.standard_normal((100, k))
        ours = median_seconds(lambda p=p, g=g: cl.softmax_vjp(p, g), repeat)
        jac = median_seconds(
            lambda z=z, g=g: np.einsum("bij,bi->bj", cl.softmax_jacobian(z), g), max(3, repeat // 3)
        )
        out.append(
            row(
                f"`softmax_vjp` K={k} (100 rows)",
                ours,
                jac,
                "J^T v with `softmax_jacobian`",
                None,
                "O(K) vs O(K²)",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25, help="timed runs per row (median)")
    args = parser.parse_args()
    print(
        f"numpy {np.__version__}, scipy {scipy.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
        f"median of {args.repeat} runs\n"
    )
    z = np.random.default_rng(3).standard_normal(N)
    dst = np.empty_like(z)
    floor = median_seconds(lambda: np.copyto(dst, z), args.repeat)
    print(
        "The speed goals (float64 unless stated, 1e6 elements; ratios from interleaved "
        f"runs; memory floor: copying 1e6 float64 takes {floor * 1e3:.2f} ms)\n"
    )
    print("| what | ours (ms) | baseline (ms) | ratio | goal | temporaries (× input) |")
    print("|---|---|---|---|---|---|")
    for line in goal_rows(args.repeat):
        print(line)
    print("\nEvery function\n")
    print("| function | ours (ms) | baseline (ms) | ratio | target | copy floor (ms) |")
    print("|---|---|---|---|---|---|")
    for dtype in (np.float64, np.float32):
        for line in elementwise_rows(dtype, args.repeat) + softmax_rows(dtype, args.repeat):
            print(line)
    for line in vjp_rows(args.repeat):
        print(line)


if __name__ == "__main__":
    main()
