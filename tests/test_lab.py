"""`make lab` works as promised: checked by driving JupyterLab in headless Chromium.

tools/check_lab.py starts a JupyterLab server on a copy of the notebooks and asserts
that saving an unchanged chapter leaves both halves byte-identical (every chapter, and
a hand-wrapped control that the save must rewrite), that double-clicking a notebook's
.md opens it as a notebook, that MyST (math, exercises, solutions) renders, and that
saving updates both files of the pair.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A check of the set-up, the same at every numpy SIMD level (see tools/simd_levels.py)
pytestmark = pytest.mark.setup
# What cannot change what JupyterLab does with the notebooks (tests/pass_cache.py): it
# opens and saves them, and starts their kernels, but runs no cell, so course_lib is not
# imported
NOT_ITS_INPUTS = ("course_lib/", "edition/", "book/", "bench/", "binder/", "README.md")


@pytest.mark.cached(ignore=NOT_ITS_INPUTS)
def test_jupyterlab_opens_md_as_notebook_renders_myst_and_saves_both_files():
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_lab.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "all JupyterLab checks passed" in run.stdout
