"""Run every edition notebook alone, as on Colab: a fresh venv, course-lib from a wheel.

Each ``edition/NN-slug.ipynb`` is copied, alone, into an empty temporary folder and
executed there with nbclient, by the Python of a virtual environment that holds only
what Colab ships (numpy, scipy, sympy, matplotlib, ipykernel, nbclient, at the versions
pinned in requirements.lock) and course-lib, installed from a wheel built from this
checkout. PYTHONPATH is unset and the folder holds nothing else, so nothing of the
checkout can leak in.

A notebook fails if a cell raises (one tagged ``raises-exception`` may), if its install
cell printed anything (it must find course_lib installed and never reach the network),
if course_lib was imported from anywhere but the venv's site-packages, or if a cell's
outputs differ from the ones stored in it, compared as nbval compares them (`compare`):
this run is also the check, at this CPU's SIMD level, that every stored output is what
the code computes (``make test-simd`` runs nbval on notebooks/ at the lower levels).
Each prints one line: the notebook, its execution time and where course_lib came from.

The venv is ``~/.cache/activation-derivatives/edition-venv`` (``$EDITION_VENV`` if set),
outside the checkout, reused while requirements.lock and the package list below are
unchanged; the wheel is rebuilt and reinstalled on every run.

Usage: ``.venv/bin/python tools/run_edition_alone.py [edition/NN-slug.ipynb ...]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path

import nbformat
from nbval.plugin import coalesce_streams, get_sanitize_patterns, transform_streams_for_comparison

ROOT = Path(__file__).resolve().parents[1]
EDITION = ROOT / "edition"
LOCK = ROOT / "requirements.lock"
# Outside the checkout, so that "imported from the venv" cannot mean "from the checkout"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
VENV = Path(os.environ.get("EDITION_VENV") or CACHE / "activation-derivatives" / "edition-venv")
# What Colab has installed before a notebook runs (besides much else that no chapter uses)
COLAB_PACKAGES = ["numpy", "scipy", "sympy", "matplotlib", "ipykernel", "nbclient"]
# Left out of the copy that the wheel is built from: the wheel is built from the sources,
# not from a build/ folder that may hold files deleted since.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "_build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

# What nbval leaves out of a comparison (its defaults, without --nbdime), and the
# sanitizers that make test gives it (pyproject.toml's addopts)
NOT_COMPARED = {
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
}
_ADDOPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["addopts"]
SANITIZE = ROOT / next(
    o.removeprefix("--nbval-sanitize-with=") for o in _ADDOPTS if o.startswith("--nbval-sanitize")
)
# nbval's cell tags: the one the course uses, and those this comparison does not know
IGNORE_OUTPUT = "nbval-ignore-output"
UNKNOWN_TAGS = {"nbval-skip", "nbval-raises-exception", "nbval-check-output"}

# The wheel, with the build tools of .venv (as `make` installs the project)
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]

# Runs in the fresh venv, in the empty folder: execute the notebook, then ask the same
# kernel where course_lib came from. Prints one JSON line.
RUNNER = """
import json, sys, time
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
probe = nbformat.v4.new_code_cell(
    "import course_lib, sys; print(course_lib.__file__, sys.executable)"
)
nb.cells.append(probe)
client = NotebookClient(
    nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}}
)
start = time.perf_counter()
client.execute()
seconds = time.perf_counter() - start
# under load the kernel may send one print as several stream messages: join them
printed = "".join(o["text"] for o in probe.outputs if o.get("name") == "stdout")
course_lib, executable = printed.split()
install = next(cell for cell in nb.cells if cell.cell_type == "code")
outputs = [cell.outputs for cell in nb.cells[:-1] if cell.cell_type == "code"]
for out in (out for cell in outputs for out in cell):  # never compared: not sent back
    for key in ("image/png", "image/jpeg"):
        out.get("data", {}).pop(key, None)
print(json.dumps({"seconds": seconds, "course_lib": course_lib, "executable": executable,
                  "install_outputs": install.outputs, "outputs": outputs}))
"""


@dataclasses.dataclass
class Run:
    """The outcome of one notebook run alone."""

    notebook: str
    seconds: float = 0.0
    course_lib: str = ""
    problem: str = ""


def comparable(outputs: list, patterns: list[tuple[str, str]]) -> dict[str, list]:
    """A cell's outputs as nbval compares them: each stream merged into one, every key
    but `NOT_COMPARED` (the MIME types of ``data`` flattened) mapped to its values in
    order, strings sanitized."""
    nodes = [nbformat.from_dict(out) for out in outputs]  # copies: coalescing writes to them
    table: dict[str, list] = defaultdict(list)
    for out in transform_streams_for_comparison(coalesce_streams(nodes)):
        for key, value in out.items():
            for k, v in value.items() if key == "data" else [(key, value)]:
                if key not in NOT_COMPARED and k not in NOT_COMPARED:
                    for regex, replace in patterns if isinstance(v, str) else []:
                        v = re.sub(regex, replace, v)
                    table[k].append(v)
    return dict(table)


def compare(stored: nbformat.NotebookNode, outputs: list[list]) -> str:
    """Where the outputs of a run differ from the `stored` notebook's ("" if nowhere)."""
    patterns = get_sanitize_patterns(SANITIZE.read_text())
    code = [cell for cell in stored.cells if cell.cell_type == "code"]
    if len(code) != len(outputs):
        return f"{len(code)} code cells stored, {len(outputs)} run"
    for number, (cell, ran) in enumerate(zip(code, outputs, strict=True)):
        tags = set(cell.metadata.get("tags", []))
        if tags & UNKNOWN_TAGS:
            return f"code cell {number}: tags {sorted(tags & UNKNOWN_TAGS)} are not supported"
        if IGNORE_OUTPUT in tags:
            continue
        want, got = comparable(cell.outputs, patterns), comparable(ran, patterns)
        if want != got:
            keys = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
            return (
                f"code cell {number} ({cell.source.splitlines()[0][:60]!r}): its output "
                f"{keys} differs from the stored one\n  stored: {want.get(keys[0])!r:.1500}"
                f"\n  now:    {got.get(keys[0])!r:.1500}"
            )
    return ""


def lock_pin(name: str) -> str:
    """``name==version`` as requirements.lock pins it."""
    for line in LOCK.read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.strip()
    raise SystemExit(f"{name} is not pinned in {LOCK.name}")


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path = VENV) -> Path:
    """The Colab-like venv, created when missing or when the lock has changed."""
    key = hashlib.sha256(
        LOCK.read_bytes() + " ".join(COLAB_PACKAGES).encode() + sys.version.encode()
    ).hexdigest()
    stamp = venv / ".lock-sha256"
    if stamp.exists() and stamp.read_text() == key:
        return venv_python(venv)
    print(f"creating {venv} (first run, or requirements.lock changed)")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, lock_pin("pip")], check=True)
    subprocess.run([*pip, "-c", str(LOCK), *COLAB_PACKAGES], check=True)
    stamp.write_text(key)
    return venv_python(venv)


def build_wheel(folder: Path) -> Path:
    """A wheel of course-lib, built from a clean copy of the checkout's sources."""
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES, symlinks=True)
    subprocess.run(
        [*PIP_WHEEL, "-w", str(folder), str(source)],
        check=True,
    )
    (wheel,) = folder.glob("course_lib-*.whl")
    return wheel


def install_wheel(python: Path, wheel: Path) -> None:
    """Replace the venv's course-lib by the wheel; its dependencies at the lock's versions."""
    pip = [str(python), "-m", "pip"]
    subprocess.run([*pip, "uninstall", "-qq", "--yes", "course-lib"], check=True)
    subprocess.run([*pip, "install", "--quiet", "-c", str(LOCK), str(wheel)], check=True)


def run_alone(python: Path, notebook: Path) -> Run:
    """Execute one notebook by itself in an empty folder with the venv's Python."""
    run = Run(notebook.name)
    with tempfile.TemporaryDirectory(prefix="edition-alone-") as tmp:
        folder = Path(tmp) / "work"
        folder.mkdir()
        shutil.copy(notebook, folder / notebook.name)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")}
        # a fresh user: no IPython profile or user-level kernel of this machine applies
        env |= {"IPYTHONDIR": f"{tmp}/ipython", "JUPYTER_DATA_DIR": f"{tmp}/jupyter"}
        result = subprocess.run(
            [str(python), "-c", RUNNER, notebook.name],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        run.problem = "a cell failed:\n" + result.stderr[-3000:]
        return run
    report = json.loads(result.stdout.strip().splitlines()[-1])
    run.seconds, run.course_lib = report["seconds"], report["course_lib"]
    imported = Path(run.course_lib)
    if not imported.is_relative_to(python.parent.parent / "lib") or imported.is_relative_to(ROOT):
        run.problem = f"course_lib came from {run.course_lib}, not from the venv's site-packages"
    elif Path(report["executable"]).parent != python.parent:
        run.problem = f"the kernel ran {report['executable']}, not the venv's Python"
    elif report["install_outputs"]:
        run.problem = f"the install cell did something: {report['install_outputs']}"
    else:
        run.problem = compare(nbformat.read(notebook, as_version=4), report["outputs"])
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: edition/*.ipynb")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at a time")
    args = parser.parse_args()
    notebooks = [p.resolve() for p in args.notebooks] or sorted(EDITION.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        print("no edition notebooks: run `make edition`", file=sys.stderr)
        return 1
    start = time.perf_counter()
    python = ensure_venv()
    with tempfile.TemporaryDirectory(prefix="edition-wheel-") as tmp:
        wheel = build_wheel(Path(tmp))
        install_wheel(python, wheel)
    print(f"{time.perf_counter() - start:6.1f} s  venv and {wheel.name}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(lambda notebook: run_alone(python, notebook), notebooks))
    for run in runs:
        print(
            f"{run.seconds:6.1f} s  {run.notebook}  course_lib from {Path(run.course_lib).parent}"
        )
        if run.problem:
            print(f"        FAIL {run.problem}")
    failed = [run.notebook for run in runs if run.problem]
    passed = len(runs) - len(failed)
    print(f"{time.perf_counter() - start:6.1f} s  in all; {passed} of {len(runs)} notebooks ran")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
