"""Build the whole course as one PDF (``make pdf``), check the LaTeX log, link it from the site.

1. ``jupyter-book build book --builder pdflatex -W -n --keep-going``: Sphinx's LaTeX
   builder (a Sphinx warning fails the build, as for the site), then latexmk with xelatex
   (sphinx-jupyterbook-latex's engine). Its output goes to ``book/_build/latex/build.log``;
   the PDF is named in ``book/_config.yml`` (``latex: latex_documents: targetname``).
2. The final LaTeX log is read: a character missing from a font (it would be a blank in
   the PDF), an undefined or multiply defined reference or citation, or references not
   settled ("Rerun to get cross-references right") fails the build. Overfull boxes are
   counted and the widest reported; they do not fail it.
3. If the site is built (``book/_build/html``), the PDF is copied into it under its own
   name, and every link to a ``.pdf`` in the site's pages must then point at a file that
   exists (``tools/check_site.py`` lets the course PDF's link be missing only while the PDF
   has not been built, and says so).
4. It prints the page count, the size and the build time.

``SOURCE_DATE_EPOCH`` is the last commit's time unless set, so the title page carries
that date, not the day of the build. Usage: ``python tools/build_pdf.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
LATEX = BOOK / "_build" / "latex"
SITE = BOOK / "_build" / "html"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
SPHINX_FLAGS = ["-W", "-n", "--keep-going"]  # as for the site (make site)
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}

_MISSING_CHAR = re.compile(r"^Missing character: There is no (.+?) in font (.+?)!?$", re.MULTILINE)
_OUTPUT = re.compile(r"^Output written on .+? \((\d+) pages?", re.MULTILINE)
_OVERFULL = re.compile(r"^Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too \w+\) (.*)$", re.MULTILINE)
_UNRESOLVED = re.compile(
    r"^LaTeX Warning: (?:(?:Reference|Citation|Hyper reference) `(.+?)' on page \S+ undefined"
    r"|Label `(.+?)' multiply defined)",
    re.MULTILINE,
)
_HREF = re.compile(r"""<a\s[^>]*href=["']([^"'#?]+\.pdf)["']""", re.IGNORECASE)


def pdf_name(book: Path = BOOK) -> str:
    """The PDF's file name: ``latex: latex_documents: targetname`` of _config.yml."""
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    target = (config.get("latex") or {}).get("latex_documents", {}).get("targetname")
    if not target:
        sys.exit(f"{book / '_config.yml'}: set latex: latex_documents: targetname")
    return Path(target).with_suffix(".pdf").name


def unwrap(log: str) -> str:
    """The log with TeX's line wrapping undone (it breaks every line at 79 characters)."""
    lines = log.splitlines()
    out: list[str] = []
    joining = False
    for line in lines:
        if joining:
            out[-1] += line
        else:
            out.append(line)
        joining = len(line) == 79
    return "\n".join(out)


def log_problems(log: str) -> tuple[list[str], list[tuple[float, str]]]:
    """What in a LaTeX log fails the build, and the overfull boxes (points, where)."""
    problems = []
    for char, font in sorted(set(_MISSING_CHAR.findall(log))):
        problems.append(f"missing character {char} in font {font} (a blank in the PDF)")
    for match in sorted({m.group(0) for m in _UNRESOLVED.finditer(unwrap(log))}):
        problems.append(f"LaTeX: {match.removeprefix('LaTeX Warning: ')}")
    if "Rerun to get cross-references right" in log:
        problems.append("LaTeX: 'Label(s) may have changed. Rerun to get cross-references right'")
    overfull = [(float(pt), where) for pt, where in _OVERFULL.findall(log)]
    return problems, overfull


def broken_pdf_links(site: Path) -> tuple[list[str], int]:
    """Links to a .pdf in the site's pages whose target does not exist; and how many."""
    broken, count = [], 0
    for page in sorted(site.rglob("*.html")):
        if SKIP_DIRS.intersection(page.relative_to(site).parts):
            continue
        for href in _HREF.findall(page.read_text(encoding="utf-8", errors="replace")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
                continue  # http(s): and the like: not a file of the site
            count += 1
            if not (page.parent / href).resolve().is_file():
                broken.append(f"{page.relative_to(site)} links {href}, which does not exist")
    return broken, count


def main() -> int:
    name = pdf_name()
    shutil.rmtree(LATEX, ignore_errors=True)  # with -W, every warning must come again
    LATEX.mkdir(parents=True)
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in env:
        last = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if last.returncode == 0 and last.stdout.strip():
            env["SOURCE_DATE_EPOCH"] = last.stdout.strip()
    build_log = LATEX / "build.log"
    start = time.perf_counter()
    with build_log.open("w", encoding="utf-8") as out:
        result = subprocess.run(
            [str(JUPYTER_BOOK), "build", str(BOOK), "--builder", "pdflatex", *SPHINX_FLAGS],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - start
    pdf = LATEX / name
    tex_log = pdf.with_suffix(".log")
    if result.returncode != 0 or not pdf.is_file():
        lines = build_log.read_text(encoding="utf-8", errors="replace").splitlines()
        print("\n".join(lines[-60:]))
        tail = [line for line in lines if "WARNING" in line or line.startswith("!")]
        print("\n".join(tail[:40]))
        print(
            f"make pdf: the build failed after {seconds:.0f} s; the whole output is in "
            f"{build_log.relative_to(ROOT)}"
            + (f", LaTeX's log in {tex_log.relative_to(ROOT)}" if tex_log.is_file() else "")
        )
        return 1

    log = tex_log.read_text(encoding="utf-8", errors="replace")
    problems, overfull = log_problems(log)
    pages = _OUTPUT.findall(log)
    if not pages:
        problems.append(f"no 'Output written on' line in {tex_log.relative_to(ROOT)}")

    if SITE.is_dir():
        shutil.copy2(pdf, SITE / name)
        broken, count = broken_pdf_links(SITE)
        problems += broken
        linked = (
            f"copied into the site as {(SITE / name).relative_to(ROOT)}, "
            f"{count} link{'s' if count != 1 else ''} to a PDF checked"
        )
    else:
        linked = "the site is not built (make site), so not copied into it"

    for problem in problems:
        print(f"FAIL {problem}")
    widest = max(overfull, default=None)
    print(
        f"==> {pdf.relative_to(ROOT)}: {pages[-1] if pages else '?'} pages, "
        f"{pdf.stat().st_size / 1e6:.1f} MB, built in {seconds:.0f} s; {linked}"
    )
    print(
        f"    LaTeX log: {len(overfull)} overfull boxes"
        + (f", the widest {widest[0]:.1f} pt ({widest[1]} of the .tex)" if widest else "")
        + f"; {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
