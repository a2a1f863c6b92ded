"""Every notebook's MyST source and its executed .ipynb must hold the same cells.

The .md is what people edit; the .ipynb keeps the outputs nbval compares. If they
drift apart, nbval would be checking a notebook nobody reads. jupytext's --sync picks
a direction by file time, which is arbitrary after a clone, so compare the cells.
"""

from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.config import load_jupytext_config

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.md"))
FIX = "run `make notebooks` (or tools/execute_notebooks.py {md}) and commit both files"


def cells(path: Path) -> list[tuple[str, str, list[str]]]:
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_notebooks():
    assert SOURCES, f"no notebooks/NN-*.md found in {NOTEBOOKS}"


@pytest.mark.parametrize("md", SOURCES, ids=[p.stem for p in SOURCES])
def test_pair_has_same_cells(md):
    ipynb = md.with_suffix(".ipynb")
    rel_md, rel_nb = md.relative_to(NOTEBOOKS.parent), ipynb.relative_to(NOTEBOOKS.parent)
    assert ipynb.exists(), f"{rel_md} has no paired {rel_nb}: " + FIX.format(md=rel_md)
    a, b = cells(md), cells(ipynb)
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        assert x == y, (
            f"{rel_md} and {rel_nb} differ at cell {i} ({x[0]} cell starting "
            f"{x[1][:60]!r}; tags {x[2]} against {y[2]}): " + FIX.format(md=rel_md)
        )
    assert len(a) == len(b), (
        f"{rel_md} has {len(a)} cells and {rel_nb} has {len(b)}: " + FIX.format(md=rel_md)
    )


@pytest.mark.parametrize("md", SOURCES, ids=[p.stem for p in SOURCES])
def test_outputs_are_stored(md):
    nb = jupytext.read(md.with_suffix(".ipynb"))
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), (
        f"{md.with_suffix('.ipynb').name} has unexecuted cells: " + FIX.format(md=md.name)
    )


CODE_COLUMNS = 88  # what fits a code cell of the site at 1280 px, and a printed page


@pytest.mark.parametrize("md", SOURCES, ids=[p.stem for p in SOURCES])
def test_source_is_what_jupytext_writes(md):
    # JupyterLab saves a chapter through jupytext: a source in any other form (a caption
    # wrapped by hand, a missing header field) would be rewritten by the first save of
    # an unchanged chapter
    text = md.read_text()
    config = load_jupytext_config(str(md.parent))  # pyproject.toml's [tool.jupytext]
    rewritten = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst", config=config)
    assert rewritten == text, (
        f"{md.name} is not in the form jupytext writes: run "
        f"`.venv/bin/jupytext --to md:myst notebooks/{md.stem}.ipynb` and commit it"
    )


@pytest.mark.parametrize("md", SOURCES, ids=[p.stem for p in SOURCES])
def test_ipynb_is_what_jupyter_writes(md):
    # the other half of a save: Jupyter's server writes the .ipynb with nbformat (one
    # space of indent, keys sorted, a final newline); tools/check_lab.py saves every
    # chapter in JupyterLab and compares the bytes
    ipynb = md.with_suffix(".ipynb")
    text = ipynb.read_text()
    assert nbformat.writes(nbformat.reads(text, as_version=4)) + "\n" == text, (
        f"{ipynb.name} is not in the form Jupyter writes: " + FIX.format(md=md.name)
    )


@pytest.mark.parametrize("md", SOURCES, ids=[p.stem for p in SOURCES])
def test_code_fits(md):
    # every line of every code cell, its option block included
    inside, long = False, []
    for number, line in enumerate(md.read_text().splitlines(), 1):
        if line.startswith("```{code-cell}"):
            inside = True
        elif inside and line.startswith("```"):
            inside = False
        elif inside and len(line) > CODE_COLUMNS:
            long.append(f"line {number} ({len(line)} characters)")
    assert not long, f"{md.name}: code over {CODE_COLUMNS} characters at " + ", ".join(long)


def test_code_check_sees_a_long_line(tmp_path):
    md = tmp_path / "01-x.md"
    md.write_text("```{code-cell} ipython3\nx = '" + "a" * 90 + "'\n```\n")
    with pytest.raises(AssertionError, match=r"01-x\.md: code over 88 characters at line 2"):
        test_code_fits(md)


def printed_lines(nb) -> list[str]:
    """The lines of text a code cell shows: streams, and plain-text results without a
    richer form (a figure or a Markdown table is shown as that, not as its text)."""
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if out.get("output_type") == "stream":
                text = out["text"]
            elif "text/plain" in data and not {"image/png", "text/markdown", "text/html"} & set(
                data
            ):
                text = data["text/plain"]
            else:
                continue
            lines += "".join(text).splitlines()
    return lines


@pytest.mark.parametrize("md", SOURCES, ids=[p.stem for p in SOURCES])
def test_printed_output_fits(md):
    nb = jupytext.read(md.with_suffix(".ipynb"))
    long = [line for line in printed_lines(nb) if len(line) > CODE_COLUMNS]
    assert not long, f"{md.stem}.ipynb prints lines over {CODE_COLUMNS} characters: {long}"


def test_round_trip_check_sees_a_hand_wrapped_caption(tmp_path):
    # a caption wrapped by hand, not as jupytext's YAML writer wraps it
    md = tmp_path / "01-x.md"
    md.write_text(SOURCES[0].read_text().replace("caption: ", "caption:\n      ", 1))
    with pytest.raises(AssertionError, match="not in the form jupytext writes"):
        test_source_is_what_jupytext_writes(md)
