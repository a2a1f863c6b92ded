"""Keep the passes of the slow runs, keyed on every file that could change their result.

Some tests are whole runs of something slow: a notebook re-executed by nbval (at each SIMD
level), every edition chapter run in a Colab-like venv, JupyterLab driven in Chromium,
throwaway books built and checked in the browser. Their result is a function of the files
of the checkout, the installed environment and the CPU. So, as Bazel does with its test
results, a run that passed is recorded under a key, and while the key is unchanged the
test is skipped with the reason "passed on these same inputs".

The key is the SHA-256 of

- every file of the checkout (tools/checkout_digest.py: what git tracks, and new files it
  does not ignore), except those the test says cannot change its result
  (``@pytest.mark.cached(ignore=[...])``, prefixes of paths) and the other test files;
  the unit's own file is hashed even where git does not list it. Naming what to leave out,
  rather than what to hash, is the safe direction: a path wrongly left in only makes a
  test run more often;
- the test's node id, Python's version and every installed distribution's version, libc,
  the numpy SIMD level and the CPU's SIMD features, the environment variables in ``ENV``
  (``PYTHONPATH``, ``MPLBACKEND``, the thread counts, ...), pytest's command line (so a
  pass under ``--nbval-lax`` is no pass under the default), Chromium's version and
  axe-core.

What the key cannot see (a change to the system's fonts or libraries other than libc, a
file edited by hand in an installed package) is why ``make test FRESH=1`` and CI's clean
clone run everything.

requirements.lock is part of the checkout, so a new lock reruns everything. A notebook's
cells (nbval) pass or fail together: the notebook is recorded once every cell passed, and
a cached notebook's kernel is never started.

Passes are kept in ``.cache/passed/`` (git-ignored), one empty file per key. Set
``COURSE_TEST_CACHE=0`` (``make test FRESH=1``) to run everything (the passes are still
recorded); a clean clone, as on CI, has no cache. Outside a git checkout, and under
mutation testing, nothing is cached.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# tools/ is not a package: its digest helper is loaded from its file
_SPEC = importlib.util.spec_from_file_location(
    "checkout_digest", ROOT / "tools" / "checkout_digest.py"
)
assert _SPEC is not None
assert _SPEC.loader is not None
checkout_digest = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(checkout_digest)
PASSED = ROOT / ".cache" / "passed"
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Off under mutation testing (a mutant must meet every test). COURSE_TEST_CACHE=0 runs
# everything, and still records the passes for the next run.
ENABLED = not (os.environ.get("COURSE_LIB_MUTATION") or "MUTANT_UNDER_TEST" in os.environ)
READ = ENABLED and os.environ.get("COURSE_TEST_CACHE", "1") != "0"
# Environment variables that reach the tests or the notebooks' kernels
ENV = (
    "NPY_DISABLE_CPU_FEATURES",
    "OPENBLAS_CORETYPE",
    "MPLBACKEND",
    "PYTHONPATH",
    "PYTHONWARNINGS",
    "PYTHONSTARTUP",
    "IPYTHONDIR",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "CHROMIUM",
    "HYPOTHESIS_PROFILE",
    "CI",
)
_ARGS: list[str] = []  # pytest's command line: an option such as --nbval-lax is an input
# What cannot change what nbval finds in a notebook: the other notebooks and the files
# nbval does not read (the notebook's .md is held to its .ipynb by the pairing tests).
NBVAL_IGNORES = ("notebooks/", "edition/", "book/", "tools/", "bench/", "binder/", "README.md")


@cache
def machine() -> str:
    """Python and every installed distribution, libc, the SIMD level and the CPU's features,
    the environment variables in ENV, pytest's command line, Chromium's version, axe-core."""
    from importlib import metadata

    from numpy._core._multiarray_umath import __cpu_features__

    parts = [sys.version, sys.prefix, repr(platform.libc_ver())]
    parts.append(repr(sorted(__cpu_features__.items())))
    dists = {f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()}
    parts += sorted(dists)
    parts += [f"{name}={os.environ.get(name, '')}" for name in ENV]
    parts.append(repr(_ARGS))
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if chromium:
        version = subprocess.run(
            [chromium, "--version"], capture_output=True, text=True, check=False
        )
        parts.append(version.stdout.strip())
    parts.append(checkout_digest.file_digest(AXE))
    return "\n".join(parts)


def key(unit: str, own_test_file: str, ignore: tuple[str, ...], keep: tuple[str, ...]) -> str:
    """The digest of the checkout's files (less those ignored), the unit and the machine."""
    others = tuple(
        rel
        for rel in checkout_digest.checkout_files() or ()
        if rel.startswith("tests/test_") and rel != own_test_file
    )
    # the unit's own file and `keep` are hashed even where git does not list them
    own = [f"{rel} {checkout_digest.file_digest(ROOT / rel)}" for rel in (own_test_file, *keep)]
    extra = "\n".join([unit, machine(), *own])
    found = checkout_digest.digest((*ignore, *others), keep, extra)
    assert found is not None
    return found


def code_cells(notebook: Path) -> int:
    """How many items nbval makes of a notebook: one per code cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    return sum(cell.get("cell_type") == "code" for cell in cells)


def unit_and_key(item: pytest.Item) -> tuple[str, str] | None:
    """What is recorded for an item (its notebook, for nbval's cells) and its key."""
    if not ENABLED or checkout_digest.checkout_files() is None:
        return None
    rel = item.path.resolve().relative_to(ROOT).as_posix()
    if item.path.suffix == ".ipynb":
        keep = (rel, "notebooks/nbval-sanitize.cfg")
        return rel, key(rel, rel, NBVAL_IGNORES, keep)
    marker = item.get_closest_marker("cached")
    if marker is None:
        return None
    ignore = tuple(marker.kwargs.get("ignore", ()))
    return item.nodeid, key(item.nodeid, rel, ignore, ())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cached(ignore=[...]): a slow run whose pass is kept while the checkout's files, "
        "less the ignored path prefixes, are unchanged (tests/pass_cache.py)",
    )


class Recorder:
    def __init__(self) -> None:
        self.keys: dict[str, str] = {}  # unit -> key
        self.items: dict[str, int] = {}  # unit -> how many items it has (all must pass)
        self.first: dict[str, pytest.Item] = {}  # unit -> an item to compute its key from
        self.passed: dict[str, int] = {}  # unit -> how many passed in this process
        self.failed: set[str] = set()
        self.unit_of: dict[str, str] = {}  # nodeid -> unit

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            found = unit_and_key(item)
            if found is None:
                continue
            unit, digest = found
            self.unit_of[item.nodeid] = unit
            self.keys[unit] = digest
            # a notebook is recorded only once all its cells passed, however many of them
            # were selected (-k, a node id) in this run
            if unit not in self.items:
                self.items[unit] = code_cells(item.path) if item.path.suffix == ".ipynb" else 1
                self.first[unit] = item
            if READ and (PASSED / digest).exists():
                item.add_marker(
                    pytest.mark.skip(
                        reason="cached: passed on these same inputs (make test FRESH=1 reruns)"
                    )
                )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        unit = self.unit_of.get(report.nodeid)
        if unit is None:
            return
        if report.failed or report.skipped:
            self.failed.add(unit)
        elif report.when == "call":
            self.passed[unit] = self.passed.get(unit, 0) + 1
        elif (
            report.when == "teardown"
            and unit not in self.failed
            and self.passed.get(unit) == self.items[unit]
        ):  # the unit's last item has run and been torn down, and all of them passed
            # ... on the files as they are now: a file edited during the run records nothing
            checkout_digest.file_digest.cache_clear()
            again = unit_and_key(self.first[unit])
            if again is not None and again[1] == self.keys[unit]:
                PASSED.mkdir(parents=True, exist_ok=True)
                (PASSED / self.keys[unit]).touch()


def pytest_sessionstart(session: pytest.Session) -> None:
    _ARGS[:] = [str(arg) for arg in session.config.invocation_params.args]
    session.config.pluginmanager.register(Recorder(), "pass-cache-recorder")
