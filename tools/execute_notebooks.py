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
import hashlib
import sys
import time
from pathlib import Path

import jupytext
import nbclient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) chunks: how prints are split is timing."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.output_type == "stream"
            and last is not None
            and last.output_type == "stream"
            and last.name == out.name
        ):
            last.text += out.text
        else:
            merged.append(out)
    return merged


def execute(md: Path, timeout: int) -> float:
    """Execute `md` and write its .ipynb twin; return the execution time in seconds."""
    nb = jupytext.read(md)
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,md:myst"
    for i, cell in enumerate(nb.cells):
        # ids from position and content: re-executing an unchanged notebook changes nothing
        cell.id = hashlib.sha1(f"{i}:{cell.source}".encode()).hexdigest()[:8]
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
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _coalesce_streams(cell.outputs)
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
