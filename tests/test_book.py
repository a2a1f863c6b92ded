"""The course website: what the built site holds, and that its checks can fail.

`make test` builds the site (`make book`: Jupyter Book with -W -n, then
tools/check_site.py in headless Chromium) before pytest runs; the tests on the built
site read book/_build/html, and build it first if it is missing. The other tests build
small throwaway books with defects (one page per defect, each book built and checked
once) and show that the build or the browser check fails on each and says why.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from course_lib import ACTIVATIONS

# A check of the set-up, the same at every numpy SIMD level (see tools/simd_levels.py)
pytestmark = pytest.mark.setup
# What cannot change how a throwaway book builds and is checked (tests/pass_cache.py): it
# has the course's configuration and extension, not its chapters, nor the formula
# reference and API pages that read course_lib (a course_lib that fails to import fails
# the site's own build)
THROWAWAY_BOOKS_IGNORE = (
    "course_lib/",
    "notebooks/",
    "edition/",
    "bench/",
    "binder/",
    "README.md",
)

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SITE = BOOK / "_build" / "html"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
CHECK_SITE = ROOT / "tools" / "check_site.py"
CONFIG = yaml.safe_load((BOOK / "_config.yml").read_text())


def build(book: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), "--all", "-W", "-n", "--keep-going", "-q"],
        capture_output=True,
        text=True,
        cwd=book,
        check=False,
    )


def check_site(site: Path, shots: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK_SITE), str(site), "--screenshots", str(shots)],
        capture_output=True,
        text=True,
        check=False,
    )


def build_and_check(book: Path, shots: Path) -> subprocess.CompletedProcess:
    """Build a throwaway book (which must succeed), then run the browser check on it."""
    built = build(book)
    assert built.returncode == 0, built.stdout + built.stderr
    return check_site(book / "_build" / "html", shots)


def page_report(stdout: str, page: str) -> str:
    """The lines check_site printed for one page: its status line and its failures."""
    pattern = rf"^(ok  |FAIL) {re.escape(page)} .*?(?=^(?:ok  |FAIL) |^\d+ pages)"
    block = re.search(pattern, stdout, re.DOTALL | re.MULTILINE)
    assert block, f"{page} not in the report:\n{stdout}"
    return block[0]


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "intro.html").exists():
        result = build(BOOK)
        assert result.returncode == 0, result.stdout + result.stderr
    return SITE


def text_of(path: Path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------
# The built site


def test_every_notebook_is_a_chapter(site):
    assert NOTEBOOKS, "no notebooks/NN-*.ipynb"
    landing = text_of(site / "intro.html")
    for ipynb in NOTEBOOKS:
        assert (site / "notebooks" / f"{ipynb.stem}.html").exists(), f"{ipynb.name}: no page"
        assert f'href="notebooks/{ipynb.stem}.html"' in landing, f"{ipynb.name}: not in the toc"
    for md in (ROOT / "notebooks").glob("[0-9][0-9]-*.md"):
        assert (site / "notebooks" / f"{md.stem}.html").exists(), f"{md.name}: no page"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_download_buttons_serve_both_halves(site, ipynb):
    page = text_of(site / "notebooks" / f"{ipynb.stem}.html")
    for suffix in (".ipynb", ".md"):
        href = f"../_sources/notebooks/{ipynb.stem}{suffix}"
        assert f'href="{href}"' in page, f"no {suffix} download button"
        served = site / "_sources" / "notebooks" / f"{ipynb.stem}{suffix}"
        assert served.read_bytes() == ipynb.with_suffix(suffix).read_bytes()


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_launch_buttons_open_the_repository_notebook(site, ipynb):
    repo = CONFIG["repository"]["url"].rstrip("/")
    branch = CONFIG["repository"]["branch"]
    org_repo = repo.removeprefix("https://github.com/")
    path = f"notebooks/{ipynb.name}"  # the real file, not the book/notebooks symlink
    page = text_of(site / "notebooks" / f"{ipynb.stem}.html")
    binder = f"{CONFIG['launch_buttons']['binderhub_url']}/v2/gh/{org_repo}/{branch}"
    assert f'href="{binder}?urlpath=lab/tree/{path}"' in page
    # Colab opens the plain-Jupyter edition (edition/), which renders without MyST
    edition = f"edition/{ipynb.name}"
    assert (ROOT / edition).is_file(), f"{edition} is missing: run `make edition`"
    colab = f"{CONFIG['launch_buttons']['colab_url']}/github/{org_repo}/blob/{branch}/{edition}"
    assert f'href="{colab}"' in page


def test_repository_address_is_set_in_one_place():
    # book/_config.yml holds it; edition/ is generated from it (tools/make_edition.py)
    url = CONFIG["repository"]["url"].removeprefix("https://").rstrip("/")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    untracked = subprocess.run(
        ["git", "ls-files", "-z", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    files = {ROOT / name for name in tracked + untracked if name}
    generated = {ROOT / "book" / "_config.yml", *(ROOT / "edition").glob("*.ipynb")}
    elsewhere = [
        str(p.relative_to(ROOT))
        for p in sorted(files - generated)
        if p.is_file() and not p.is_symlink() and url in p.read_text(errors="replace")
    ]
    assert not elsewhere, f"{url} is written out in {elsewhere}: read book/_config.yml"


def test_formula_reference_is_the_registry(site):
    page = text_of(site / "formulas.html")
    for name, act in ACTIVATIONS.items():
        label = name.replace("_", "-")
        assert f'id="formula-{label}"' in page, f"{name}: no section (formula-{label})"
        for latex in (act.latex, act.latex_derivative, act.latex_derivative_from_output):
            if latex is not None:
                assert latex in page, f"{name}: {latex!r} is not on the page"
    for label in ("formula-softmax", "formula-log-softmax", "formula-logsumexp"):
        assert f'id="{label}"' in page
    assert r"J = \operatorname{diag}(p) - p\,p^\top" in page  # from softmax_jacobian's docstring


def test_math_is_served_by_the_site(site):
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists()
    for page in pages:
        source = page.read_text(encoding="utf-8")
        remote = re.findall(r"""<script[^>]*\ssrc=["'](https?:[^"']+)""", source)
        assert not remote, f"{page.name} loads scripts from the network: {remote}"
        if 'class="math' in source:
            assert "_static/mathjax/tex-chtml.js" in source, f"{page.name}: no local MathJax"


def test_every_figure_has_its_caption_as_alt_text(site):
    # myst-nb's default alt is the image's file name, a hash a screen reader reads out
    count = 0
    for page in (p for p in site.rglob("*.html") if "_static" not in p.parts):
        source = page.read_text(encoding="utf-8")
        for figure in re.findall(r"<figure.*?</figure>", source, flags=re.DOTALL):
            for alt in re.findall(r'<img alt="([^"]*)"', figure):
                count += 1
                assert alt, page.name
                assert not alt.endswith((".png", ".svg")), (page.name, alt)
                assert "\\" not in alt, (page.name, alt)  # LaTeX read out as words
    assert count >= 16, count  # every chapter's figures


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_exercises_solutions_figures_and_equations(site, ipynb):
    source = ipynb.with_suffix(".md").read_text(encoding="utf-8")
    page = text_of(site / "notebooks" / f"{ipynb.stem}.html")
    exercises = len(re.findall(r"^`{3,}\{exercise(?:-start)?\}", source, re.MULTILINE))
    solutions = len(re.findall(r"^`{3,}\{solution(?:-start)?\}", source, re.MULTILINE))
    assert page.count('<div class="exercise admonition"') == exercises
    # every solution is a collapsed dropdown (tools/check_site.py checks it is collapsed)
    assert page.count('<div class="solution dropdown admonition"') == solutions
    labelled = len(re.findall(r"^`{3,}\{math\}[ \t]*\n:label:", source, re.MULTILINE))
    assert page.count('class="eqno"') >= labelled, "a labelled equation has no number"
    figures = page.count("<figure")
    numbered = len(re.findall(r'<span class="caption-number">Fig\. \d+\.\d+', page))
    assert numbered == figures, f"{figures} figures, {numbered} numbered"


# ---------------------------------------------------------------------------------------
# The checks fail on broken books


def write_book(
    folder: Path,
    pages: dict[str, str],
    *,
    offline_math: bool = True,
    notebooks: dict[str, nbformat.NotebookNode | None] | None = None,
) -> Path:
    """A small book with the course's configuration (pages[0] is the root).

    ``notebooks`` maps a stem to a notebook (written as .ipynb, with a .md beside it),
    or to None for a .md without its .ipynb.
    """
    config = yaml.safe_load((BOOK / "_config.yml").read_text())
    config["sphinx"]["local_extensions"] = {"course_site": str(BOOK / "_ext")}
    if not offline_math:
        config["sphinx"]["extra_extensions"].remove("sphinx-mathjax-offline")
    folder.mkdir(parents=True)
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    (folder / "references.bib").write_text((BOOK / "references.bib").read_text())
    names = list(pages)
    chapters = [{"file": n} for n in names[1:]]
    if notebooks:
        chapters.append({"glob": "notebooks/[0-9][0-9]-*"})
        (folder / "notebooks").mkdir()
        for stem, nb in notebooks.items():
            (folder / "notebooks" / f"{stem}.md").write_text(f"# {stem}\n")
            if nb is not None:
                nbformat.write(nb, folder / "notebooks" / f"{stem}.ipynb")
    toc = {"format": "jb-book", "root": names[0]} | ({"chapters": chapters} if chapters else {})
    (folder / "_toc.yml").write_text(yaml.safe_dump(toc))
    for name, text in pages.items():
        (folder / f"{name}.md").write_text(text)
    return folder


GOOD = "# Good\n\nInline $\\sigma(z) = 1/(1 + e^{-z})$ and displayed:\n\n$$f'(z) = 1$$\n"


def failing_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = nbformat.v4.new_code_cell("1 / 0", execution_count=1)
    cell.outputs = [
        nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Fails"), cell]
    return nb


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_build_fails_on_broken_reference_missing_figure_and_failing_notebook(tmp_path):
    book = write_book(
        tmp_path / "book",
        {
            "index": (
                "# Index\n\nSee {ref}`no-such-label` and {numref}`fig-no-such-figure`.\n\n"
                "```{figure} missing-figure.png\n:name: fig-missing\n\nA caption.\n```\n"
            )
        },
        notebooks={"01-fails": failing_notebook(), "02-orphan": None},
    )
    result = build(book)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "undefined label: 'no-such-label'" in output
    assert "fig-no-such-figure" in output
    assert "image file not readable: missing-figure.png" in output
    assert "stored an error, ZeroDivisionError: division by zero" in output
    assert "notebooks/02-orphan.md has no paired .ipynb" in output


# a 1x1 PNG, so that the image loads and only its missing alt text is wrong
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Bw"
    "HwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

# 60 terms: about 1900 px of MathJax at the book's font size, several phone widths
LONG = " + ".join(f"x_{{{i}}}" for i in range(1, 61))
EQUATION = f"$$\n{LONG}\n$$ (eq-long)\n"


@pytest.fixture(scope="module")
def defects(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One throwaway book with a page per defect, built once and checked once.

    Each page holds one defect (or none, "good" and "scrolls"), so that each test below
    reads its own page's lines of the one report. The screenshots go to ``shots``.
    """
    folder = tmp_path_factory.mktemp("defects")
    book = write_book(
        folder / "book",
        {
            "good": GOOD + f'\n<p><img src="{PIXEL}" alt="A black dot"></p>\n',
            "typo": "# Typo\n\nA misspelt macro: $\\sigmaa(z)$.\n",
            "broken": (
                "# Broken\n\n"
                '<p><a href="missing-page.html">a link</a>'
                ' <a href="good.html#nowhere">an anchor</a>'
                ' <img src="missing-image.png" alt="x"></p>\n\n'
                "<script>console.error('boom')</script>\n"
            ),
            "no-alt": f'# No alt\n\n<p><img src="{PIXEL}"></p>\n',
            # text legible in the light scheme but not in the dark one, beside a formula
            # (the dark pass stands in for MathJax's output: what is around it still counts)
            "dark": (
                '# Dark\n\n<style>html[data-theme="dark"] div.dim p { color: #2b2b2b; }</style>\n\n'
                "```{eval-rst}\n.. container:: dim\n\n"
                "   Dim in the dark scheme only, beside :math:`x^2 + y^2`.\n```\n"
            ),
            # The theme lets a long display equation scroll sideways, beside its number:
            # that passes. Without the scroll (the equation's box overflow: visible, so the
            # line's overflow: hidden cuts it), or with the number laid over the equation,
            # it fails.
            # An inline formula scrolls too, also in a field list (a docstring's Returns),
            # whose grid column would otherwise grow past the window.
            "scrolls": (
                f"# Scrolls\n\n{EQUATION}\nInline too: ${LONG}$.\n\n"
                f"```{{eval-rst}}\n:Returns: :math:`{LONG}`, the total.\n```\n"
            ),
            "cut": (
                "# Cut\n\n<style>div.math mjx-container { overflow: visible; }</style>\n\n"
                + EQUATION.replace("eq-long", "eq-cut")
            ),
            "over": (
                "# Over\n\n<style>div.math { position: relative; }\n"
                "div.math .eqno { position: absolute; right: 0; }</style>\n\n"
                + EQUATION.replace("eq-long", "eq-over")
            ),
        },
    )
    shots = folder / "shots"
    result = build_and_check(book, shots)  # Sphinx sees none of these defects
    assert result.returncode == 1, result.stdout + result.stderr
    return result, shots


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_passes_a_good_page_and_saves_screenshots(defects):
    result, shots = defects
    good = page_report(result.stdout, "good.html")
    assert good.startswith("ok"), good
    assert "axe serious/critical nodes light 0 dark 0" in good
    assert (shots / "good.png").stat().st_size > 0
    assert (shots / "scrolls-390px.png").stat().st_size > 0


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_fails_on_tex_typo_broken_link_missing_image_console_error(defects):
    result, _ = defects
    typo = page_report(result.stdout, "typo.html")
    assert typo.startswith("FAIL")
    assert "TeX error: 'Undefined control sequence \\\\sigmaa'" in typo
    broken = page_report(result.stdout, "broken.html")
    assert broken.startswith("FAIL")
    assert "missing-page.html (no such file)" in broken
    assert "no id 'nowhere' in good.html" in broken
    assert re.search(r"image did not load: file:.*/missing-image\.png", broken)
    assert "console error: boom" in broken


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_fails_on_image_without_alt_text(defects):
    result, _ = defects
    report = page_report(result.stdout, "no-alt.html")
    assert report.startswith("FAIL")
    assert "axe serious/critical nodes light 1 dark 0" in report
    assert "axe (light): image-alt (critical, 1 nodes): Images must have alternative text" in report
    assert "image-alt (light 1 dark 0, on 1 pages)" in result.stdout


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_fails_on_low_contrast_in_the_dark_scheme_only(defects):
    result, _ = defects
    report = page_report(result.stdout, "dark.html")
    assert report.startswith("FAIL"), report
    assert "axe serious/critical nodes light 0 dark 1" in report, report
    assert "axe (dark): color-contrast (serious, 1 nodes)" in report, report
    assert "math 1 typeset 1" in report, report


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_fails_on_cut_off_equation_at_phone_width(defects):
    result, _ = defects
    scrolls = page_report(result.stdout, "scrolls.html")
    assert scrolls.startswith("ok"), scrolls
    assert "390 px: display math 1 (1 scroll)" in scrolls
    assert "cut off 0, numbers over equations 0" in scrolls
    cut = page_report(result.stdout, "cut.html")
    assert re.search(
        r"390 px: display equation \(\d\) is cut off by \d+ px with no sideways scroll "
        r"\(clipped by div\.math[^)]*\): 'x_\{1\} \+ x_\{2\}",
        cut,
    ), cut
    over = page_report(result.stdout, "over.html")
    assert re.search(r"390 px: equation number \(\d\) is drawn over its equation", over), over
    assert "cut off 0" in over


def check_cached(site: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK_SITE), str(site), "--cache", str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def cdn_book(tmp_path_factory) -> Path:
    """A throwaway book whose MathJax would come from a CDN, built once (returns its site)."""
    book = write_book(tmp_path_factory.mktemp("cdn") / "book", {"good": GOOD}, offline_math=False)
    built = build(book)
    assert built.returncode == 0, built.stdout + built.stderr
    return book / "_build" / "html"


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_fails_on_cdn_math(cdn_book, tmp_path):
    result = check_cached(cdn_book, tmp_path / "cache.json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = page_report(result.stdout, "good.html")
    assert "MathJax did not load" in report
    assert "math not typeset" in report
    assert "offline: the page requested https://" in report


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_browser_check_cache_reopens_a_changed_page_only(cdn_book, tmp_path):
    # A page that passed is not opened again while it and what it loads are unchanged;
    # a changed page is, and a page that fails is never kept.
    cache = tmp_path / "cache.json"
    first = check_cached(cdn_book, cache)
    assert " cached " not in first.stdout
    assert json.loads(cache.read_text()).keys() == {"genindex.html", "search.html"}
    search = cdn_book / "search.html"
    original = search.read_text()
    try:
        search.write_text(original.replace("</h1>", "</h1><p>raw $\\sigmaa$</p>", 1))
        second = check_cached(cdn_book, cache)
    finally:
        search.write_text(original)
    assert re.search(r"^ok   genindex\.html +cached ", second.stdout, re.MULTILINE), second.stdout
    assert "raw TeX left in the text" in page_report(second.stdout, "search.html")
    assert "MathJax did not load" in page_report(second.stdout, "good.html")
    assert json.loads(cache.read_text()).keys() == {"genindex.html"}


# ---------------------------------------------------------------------------------------
# The PDF (make pdf): what can be checked without running TeX


def load_tool(name: str):
    """A script of tools/ as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


PDF_NAME = "derivatives-of-activation-functions.pdf"


def test_pdf_is_named_after_the_course_and_linked_from_the_landing_page(site):
    # not Jupyter Book's default, projectnamenotset.pdf
    assert (
        CONFIG["latex"]["latex_documents"]["targetname"]
        == "derivatives-of-activation-functions.tex"
    )
    assert load_tool("build_pdf").pdf_name() == PDF_NAME
    landing = text_of(site / "intro.html")
    assert f'href="{PDF_NAME}"' in landing
    # make pdf copies the PDF beside intro.html and then checks that link
    pdf = site / PDF_NAME
    checker = load_tool("check_site").LinkChecker(site)
    href = pdf.resolve().as_uri()
    if pdf.exists():
        assert checker.note(href) is None
        assert checker.problem(href) is None
    else:
        assert "not built" in checker.note(href)
    # any other missing PDF is a broken link, built or not
    other = (site / "other.pdf").resolve().as_uri()
    assert checker.note(other) is None
    assert "no such file" in checker.problem(other)


def test_pdf_build_fails_on_missing_glyphs_and_unresolved_references():
    build_pdf = load_tool("build_pdf")
    # lines as xelatex writes them: wrapped at 79 characters
    log = (
        "Missing character: There is no \u1dbb (U+1DBB) in font [FreeMono.otf]/OT:script=latn!\n"
        "LaTeX Warning: Reference `equation:notebooks/01-backprop-output-layer:backprop-\n"
        "error' on page 6 undefined on input line 407.\n"
        "\n"
        "LaTeX Warning: Label(s) may have changed. Rerun to get cross-references right.\n"
        "Overfull \\hbox (43.48212pt too wide) detected at line 790\n"
        "Overfull \\hbox (3.8pt too wide) in paragraph at lines 4817--4817\n"
        "Output written on derivatives-of-activation-functions.pdf (199 pages).\n"
    )
    problems, overfull = build_pdf.log_problems(log)
    assert len(problems) == 3, problems
    assert "missing character \u1dbb (U+1DBB) in font [FreeMono.otf]" in problems[0]
    assert "`equation:notebooks/01-backprop-output-layer:backprop-error'" in problems[1]
    assert "Rerun" in problems[2]
    assert max(overfull) == (43.48212, "detected at line 790")
    clean = "Output written on x.pdf (2 pages).\nOverfull \\hbox (1pt too wide) at line 1\n"
    assert build_pdf.log_problems(clean) == ([], [(1.0, "at line 1")])


CHAPTER = """# Chapter {n}

Text.

## Exercises

```{{exercise}}
:label: ex-{n}-a

First exercise of chapter {n}.
```

```{{solution}} ex-{n}-a
:class: dropdown

Answer {n}a.
```

```{{exercise}}
:label: ex-{n}-b

Second exercise of chapter {n}.{extra}
```

```{{solution}} ex-{n}-b
:class: dropdown

Answer {n}b.
```
"""


@pytest.mark.cached(ignore=THROWAWAY_BOOKS_IGNORE)
def test_latex_build_collects_each_chapters_solutions_at_its_end(tmp_path):
    # Two parts, as the course has (sphinx-jupyterbook-latex then numbers sections one
    # level deeper), and a reference from chapter 2 to an exercise of chapter 1.
    book = write_book(
        tmp_path / "book",
        {
            "index": "# Index\n\nThe root.\n",
            "ch1": CHAPTER.format(n=1, extra=""),
            "ch2": CHAPTER.format(n=2, extra=" Compare {ref}`ex-1-a`."),
            "ref": "# Reference\n\nNo exercises.\n",
        },
    )
    toc = {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {
                "caption": "Chapters",
                "numbered": True,
                "chapters": [{"file": "ch1"}, {"file": "ch2"}],
            },
            {"caption": "Reference", "chapters": [{"file": "ref"}]},
        ],
    }
    (book / "_toc.yml").write_text(yaml.safe_dump(toc))
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), "--builder", "latex", "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        cwd=book,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tex = (book / "_build" / "latex" / CONFIG["latex"]["latex_documents"]["targetname"]).read_text()
    chapters = re.split(r"\\chapter\{", tex)[1:]
    assert [c.split("}", 1)[0] for c in chapters] == ["Chapter 1", "Chapter 2", "Reference"]
    for n, chapter in enumerate(chapters[:2], start=1):
        # numbered as on the site, Exercise 1.1, not 1.1.1 (the section depth of the parts)
        exercises = [m.start() for m in re.finditer(rf"\{{Exercise {n}\.[12]\}}", chapter)]
        solutions_at = chapter.index(r"\section{Solutions}")
        assert len(exercises) == 2, chapter
        assert exercises[-1] < solutions_at, "the Solutions section is not after the exercises"
        for letter, number in (("a", 1), ("b", 2)):
            heading = chapter.index(f"{{Solution to Exercise {n}.{number}}}")
            answer = chapter.index(f"Answer {n}{letter}.")
            assert solutions_at < heading < answer, f"solution {n}{letter} not under Solutions"
        assert chapter.count(r"\section{Solutions}") == 1
    assert "Solutions" not in chapters[2]
    # the cross-chapter reference points at the exercise's label, so LaTeX resolves it
    assert r"\hyperref[exercise:ex-1-a]{Exercise 1.1}" in chapters[1]
