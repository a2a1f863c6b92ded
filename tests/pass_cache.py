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
  (``@pytest.mark.cached(ignore=[...])``, prefixes of paths) and the other test files.
  Ignoring is the safe direction: a path left in by mistake only makes a test run more
  often;
- the test's node id, Python's version, the numpy SIMD level (``NPY_DISABLE_CPU_FEATURES``,
  ``OPENBLAS_CORETYPE``), the CPU's SIMD features, ``MPLBACKEND``, and Chromium's binary
  (size and time stamp), where there is one.

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
import os
import shutil
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
# Off under mutation testing (a mutant must meet every test). COURSE_TEST_CACHE=0 runs
# everything, and still records the passes for the next run.
ENABLED = not (os.environ.get("COURSE_LIB_MUTATION") or "MUTANT_UNDER_TEST" in os.environ)
READ = ENABLED and os.environ.get("COURSE_TEST_CACHE", "1") != "0"
ENV = ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "MPLBACKEND")
# What cannot change what nbval finds in a notebook: the other notebooks and the files
# nbval does not read (the notebook's .md is held to its .ipynb by the pairing tests).
NBVAL_IGNORES = ("notebooks/", "edition/", "book/", "tools/", "bench/", "binder/", "README.md")


@cache
def machine() -> str:
    """Python, the SIMD level and the CPU's features, MPLBACKEND, Chromium's binary."""
    from numpy._core._multiarray_umath import __cpu_features__

    parts = [sys.version, sys.prefix, repr(sorted(__cpu_features__.items()))]
    parts += [f"{name}={os.environ.get(name, '')}" for name in ENV]
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if chromium:
        real = Path(chromium).resolve()
        stat = real.stat()
        parts.append(f"{real} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(parts)


def key(unit: str, own_test_file: str, ignore: tuple[str, ...], keep: tuple[str, ...]) -> str:
    """The digest of the checkout's files (less those ignored), the unit and the machine."""
    others = tuple(
        rel
        for rel in checkout_digest.checkout_files() or ()
        if rel.startswith("tests/test_") and rel != own_test_file
    )
    found = checkout_digest.digest((*ignore, *others), keep, f"{unit}\n{machine()}")
    assert found is not None
    return found


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
        self.items: dict[str, int] = {}  # unit -> how many items it has
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
            self.items[unit] = self.items.get(unit, 0) + 1
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
            PASSED.mkdir(parents=True, exist_ok=True)
            (PASSED / self.keys[unit]).touch()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.pluginmanager.register(Recorder(), "pass-cache-recorder")
