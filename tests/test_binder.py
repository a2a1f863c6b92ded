"""The Binder set-up builds what `make lab` runs: the lock, course_lib, the default viewer.

mybinder.org's repo2docker reads ``binder/``: ``runtime.txt`` (the Python),
``requirements.txt`` (installed from the repository's root) and ``postBuild`` (run after
it). Docker is not available here, so these tests check the three files against what
``make lab`` sets up and tests/test_lab.py proves in a real JupyterLab: every package
from requirements.lock, course_lib installed, and tools/jupyterlab-overrides.json in the
environment's settings so that a chapter's ``.md`` opens as a notebook.
"""

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"

# A check of the set-up, the same at every numpy SIMD level (see tools/simd_levels.py)
pytestmark = pytest.mark.setup


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def test_requirements_are_the_lock_itself():
    # one lock for every environment: Binder installs exactly what `make test` does
    assert requirement_lines(BINDER / "requirements.txt") == ["-r ../requirements.lock"]
    pins = requirement_lines(ROOT / "requirements.lock")
    assert pins, "requirements.lock is empty"
    unpinned = [line for line in pins if not re.fullmatch(r"[A-Za-z0-9_.\-]+==[^=\s]+", line)]
    assert not unpinned, f"requirements.lock has lines that are not exact pins: {unpinned}"
    names = {line.split("==")[0].lower() for line in pins}
    for needed in ("jupyterlab", "jupyterlab-myst", "jupytext", "ipykernel"):
        assert needed in names, f"Binder's JupyterLab needs {needed}, which the lock lacks"


def test_runtime_is_a_python_the_course_supports():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-3.N, not {runtime!r}"
    assert int(match[1]) >= 11, "pyproject.toml requires Python >= 3.11"


def test_postbuild_installs_course_lib_and_the_default_viewer(tmp_path):
    postbuild = BINDER / "postBuild"
    assert postbuild.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    # Run it as repo2docker does (from the repository's root), with a stand-in pip that
    # records its arguments and an empty prefix for the notebook environment.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "pip-calls"
    pip = fake_bin / "pip"
    pip.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    pip.chmod(0o755)
    prefix = tmp_path / "prefix"
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}
    env["NB_PYTHON_PREFIX"] = str(prefix)
    run = subprocess.run(
        [str(postbuild)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert calls.read_text().split() == ["install", "--no-cache-dir", "--no-deps", "."]
    settings = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert settings.read_text() == (ROOT / "tools" / "jupyterlab-overrides.json").read_text()
