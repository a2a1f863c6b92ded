"""Re-execute the course's notebooks and store their outputs in the paired .ipynb.

The MyST markdown file (``notebooks/NN-name.md``) is the source. For each one this
reads it with jupytext, executes it top to bottom in a fresh kernel of this
environment (working directory ``notebooks/``, no per-cell timing metadata), and
writes the result to the paired ``.ipynb`` that nbval compares. It prints each
notebook's execution time.

Usage: ``make notebooks`` (all), or
``.venv/bin/python tools/execute_notebooks.py notebooks/02-sigmoid-from-logit.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbclient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def execute(md: Path, timeout: int) -> float:
    """Execute `md` and write its .ipynb twin; return the execution time in seconds."""
    nb = jupytext.read(md)
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,md:myst"
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(md.parent)}},
        record_timing=False,
        allow_errors=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    jupytext.write(nb, md.with_suffix(".ipynb"), fmt="ipynb")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="the .md files (default: all)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args()
    sources = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.md"))
    total = 0.0
    for md in sources:
        seconds = execute(md.resolve(), args.timeout)
        total += seconds
        print(f"{seconds:6.1f} s  {md.name}")
    print(f"{total:6.1f} s  in all ({len(sources)} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
