"""Run a command once at each lower numpy SIMD level than this CPU's, as other CPUs would.

numpy picks its SIMD kernels (exp, log, tanh, ...) by the CPU at start-up, and they
differ in the last bit; OpenBLAS picks its matrix kernels the same way. A learner's
laptop has no AVX-512, many have no AVX2, and an ARM Mac has no x86 SIMD at all. So
`make test` runs nbval and the bounds again with numpy's AVX-512 paths switched
off, and again with AVX2 off as well, each with the OpenBLAS kernels such a CPU would
use. Every stored output and every bound must hold at each level.

Usage: ``python tools/simd_levels.py [--list] [--parallel] -- COMMAND ...``. A level this
CPU does not reach (no AVX-512 here, say) is the default run already, so it is skipped
with a note. With ``--parallel`` the levels run at the same time (side by side on a
machine with two cores), and each one's output is printed, in order, when all have
finished.
The exit status is the first non-zero one of the runs.

The names are numpy 2.4's (``numpy._core._multiarray_umath.__cpu_features__``); an
unknown name is an ImportWarning, which is fatal under warnings-as-errors.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    name: str
    disable: str  # NPY_DISABLE_CPU_FEATURES
    openblas: str  # OPENBLAS_CORETYPE
    needs: str  # the feature that must be on for switching it off to change anything

    @property
    def env(self) -> dict[str, str]:
        return {"NPY_DISABLE_CPU_FEATURES": self.disable, "OPENBLAS_CORETYPE": self.openblas}


LEVELS = (
    Level("AVX-512 off", "X86_V4 AVX512_ICL AVX512_SPR", "Haswell", needs="X86_V4"),
    Level("AVX2 off too", "X86_V4 AVX512_ICL AVX512_SPR X86_V3", "Nehalem", needs="X86_V3"),
)


def cpu_features() -> dict[str, bool]:
    """The SIMD features numpy found on this CPU (empty off x86)."""
    from numpy._core._multiarray_umath import __cpu_features__

    return dict(__cpu_features__)


def reachable(levels=LEVELS) -> list[Level]:
    features = cpu_features()
    return [level for level in levels if features.get(level.needs)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the levels and exit")
    parser.add_argument("--parallel", action="store_true", help="run the levels at once")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    levels = reachable()
    for level in LEVELS:
        if level not in levels:
            print(f"==> {level.name}: this CPU lacks {level.needs}; the default run covers it")
    if args.list:
        for level in levels:
            print(" ".join(f"{k}={v!r}" for k, v in level.env.items()), f"# {level.name}")
        return 0
    if not command:
        parser.error("give the command to run after --")
    status = 0
    runs = []
    for level in levels:
        settings = " ".join(f'{k}="{v}"' for k, v in level.env.items())
        print(f"==> {level.name}: {settings} {shlex.join(command)}", flush=True)
        env = {**os.environ, **level.env}
        if not args.parallel:
            start = time.perf_counter()
            code = subprocess.run(command, env=env, check=False).returncode
            print(f"==> {level.name}: exit {code} in {time.perf_counter() - start:.0f} s")
            status = status or code
            continue
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        runs.append((level, process, log, time.perf_counter()))
    for level, process, log, start in runs:
        code = process.wait()
        seconds = time.perf_counter() - start
        log.seek(0)
        print(f"==> {level.name}:", flush=True)
        sys.stdout.buffer.write(log.read())
        log.close()
        print(f"==> {level.name}: exit {code} in {seconds:.0f} s", flush=True)
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
