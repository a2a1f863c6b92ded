r"""Sphinx extension for the course site: what Jupyter Book does not check or generate.

1. **Stored outputs are the truth, so check them.** The site shows each notebook's
   stored outputs (execution is off). Before reading, every ``notebooks/NN-*`` pair is
   checked: a ``.md`` without its ``.ipynb`` (the chapter would silently vanish from
   the glob in ``_toc.yml``), an ``.ipynb`` without its ``.md``, a code cell never
   executed, or a stored error output in a cell not tagged ``raises-exception``. Each
   is a warning, so an error under ``-W``.
2. **The formula reference is generated**, so it cannot drift from the library. In
   ``formulas.md`` the fence ``{activation-reference}`` becomes one section per entry
   of `course_lib.ACTIVATIONS`, and ``{docstring-math} NAME`` becomes a numbered
   equation holding the ``.. math::`` of ``course_lib.NAME``'s docstring.
   (Fences are expanded in ``source-read``; an unexpanded one is an unknown
   directive, which fails the build.)
3. **Notebook header buttons.** The Binder button opens JupyterLab on the real
   ``notebooks/NN-*.ipynb`` in the repository, not the ``book/notebooks`` symlink
   (GitHub, hence Colab, does not follow a symlinked folder). The Colab button opens
   the plain-Jupyter edition, ``edition/NN-*.ipynb`` (tools/make_edition.py), since
   Colab shows MyST directives raw; a missing edition notebook is a warning. The
   download menu offers the ``.md`` source next to the ``.ipynb``.
4. **Small fixes.** Repeated inline scripts are dropped (the second copy of each is a
   console error); ``{{ repository }}`` is the repository address from _config.yml;
   citations read (Bishop, 2006), with round brackets (``author_year_round``).
5. **Accessibility** (tools/check_site.py runs axe-core on every page). Two of the theme's
   buttons are overridden (``templates/``) so that their names contain their
   visible text; ``static/course-site.css`` darkens links in exercise boxes and lets
   formulas and the index fit a phone; the reference list's entries are list items, and
   myst-nb's "Show code cell source" is named by its text.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import shutil
import string
import textwrap
from pathlib import Path

import nbformat
import sphinxcontrib.bibtex.plugin
from docutils import nodes
from sphinx.util import logging
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

FORMULAS_DOC = "formulas"
FIX = "run `make notebooks` (tools/execute_notebooks.py) and commit both files"
EDITION_DIR = "edition"
EDITION_FIX = "run `make edition` (tools/make_edition.py) and commit edition/"


@dataclasses.dataclass
class AuthorYearRound(AuthorYearReferenceStyle):
    """Citations as (Bishop, 2006) and Bishop (2006), rather than with square brackets."""

    bracket_parenthetical: BracketStyle = dataclasses.field(
        default_factory=lambda: BracketStyle(left="(", right=")")
    )
    bracket_textual: BracketStyle = dataclasses.field(
        default_factory=lambda: BracketStyle(left="(", right=")")
    )


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_round", AuthorYearRound
)

# ---------------------------------------------------------------------------------------
# 1. The notebooks' stored outputs


def check_notebooks(app, env, docnames) -> None:
    """Warn about every notebook pair that the site would show wrongly or not at all."""
    notebooks_dir = Path(app.srcdir, "notebooks")
    sources = {p.stem for p in notebooks_dir.glob("[0-9][0-9]-*.md")}
    notebooks = {p.stem for p in notebooks_dir.glob("[0-9][0-9]-*.ipynb")}
    for stem in sorted(sources - notebooks):
        logger.warning(
            f"notebooks/{stem}.md has no paired .ipynb, so it is not on the site: {FIX}",
            type="course",
            subtype="pair",
        )
    for stem in sorted(notebooks - sources):
        logger.warning(
            f"notebooks/{stem}.ipynb has no paired .md source: {FIX}",
            type="course",
            subtype="pair",
        )
    for stem in sorted(notebooks):
        docname = f"notebooks/{stem}"
        for message in stored_output_problems(notebooks_dir / f"{stem}.ipynb"):
            logger.warning(message, location=docname, type="course", subtype="outputs")


def stored_output_problems(path: Path) -> list[str]:
    """What is wrong with the stored outputs of one notebook (empty if nothing)."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        tags = cell.metadata.get("tags", [])
        first = cell.source.strip().splitlines()[0][:60]
        where = f"cell {number} ({first!r})"
        if cell.get("execution_count") is None:
            problems.append(f"{where} has not been executed: {FIX}")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and "raises-exception" not in tags:
                problems.append(
                    f"{where} stored an error, {output.get('ename')}: {output.get('evalue')} "
                    "(fix the notebook, or tag the cell raises-exception if the error is "
                    "the lesson)"
                )
    return problems


# ---------------------------------------------------------------------------------------
# 2. The formula reference

NO_FROM_OUTPUT = (
    "none. $f$ is not monotone, so one output $y$ comes from two inputs with different "
    "slopes: $f'$ is not a function of $y$ alone, and backpropagation must keep $z$."
)

_ACTIVATION_FENCE = re.compile(r"^```\{activation-reference\}[ \t]*\n```[ \t]*$", re.MULTILINE)
_DOCSTRING_FENCE = re.compile(
    r"^```\{docstring-math\}[ \t]+(?P<name>\w+)[ \t]*\n"
    r":label:[ \t]+(?P<label>[\w-]+)[ \t]*\n```[ \t]*$",
    re.MULTILINE,
)


def escape_markdown(text: str) -> str:
    """Plain text as Markdown: every ASCII punctuation character backslash-escaped."""
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in text)


def call_signature(func, argument: str) -> str:
    """``name(z)`` for a function, ``name(z, alpha=0.01)`` for a bound partial."""
    keywords = getattr(func, "keywords", {}) or {}
    name = getattr(func, "func", func).__name__
    extra = "".join(f", {k}={v!r}" for k, v in keywords.items())
    return f"`{name}({argument}{extra})`"


def interval(low: float, high: float) -> str:
    def number(x: float) -> str:
        return f"{x:g}"

    left = r"(-\infty" if low == float("-inf") else f"[{number(low)}"
    right = r"\infty)" if high == float("inf") else f"{number(high)}]"
    return f"${left}, {right}$"


def label_of(name: str) -> str:
    """The page label of an activation: ``formula-leaky-relu`` for ``leaky_relu``."""
    return name.replace("_", "-")


def math_block(latex: str, label: str) -> str:
    return f"```{{math}}\n:label: {label}\n{latex}\n```\n"


def activation_reference() -> str:
    """MyST Markdown for every entry of course_lib.ACTIVATIONS."""
    from course_lib import ACTIVATIONS

    out = ["| activation | $f(z)$ |", "| --- | --- |"]
    for name, act in ACTIVATIONS.items():
        title = act.title
        latex = act.latex.replace("|", r"\vert ")  # a bare | would end the table cell
        out.append(f"| {{ref}}`{title} <formula-{label_of(name)}>` | ${latex}$ |")
    out.append("")

    for name, act in ACTIVATIONS.items():
        keys = act.citations
        label = label_of(name)
        out += [f"(formula-{label})=", f"### {act.title}", ""]
        if keys:
            out += [f"Source: {{cite:t}}`{','.join(keys)}`.", ""]
        out += [math_block(act.latex, f"formula-{label}")]
        out += ["Its derivative:", "", math_block(act.latex_derivative, f"formula-{label}-d")]
        if act.latex_derivative_from_output is None:
            out += [f"**Derivative from the output:** {NO_FROM_OUTPUT}", ""]
        else:
            out += [
                "**Derivative from the output**, what backpropagation has at hand:",
                "",
                math_block(act.latex_derivative_from_output, f"formula-{label}-from-output"),
            ]
        kinks = ", ".join(f"$z = {k:g}$" for k in act.kinks)
        out += [
            f"**Stable form used.** {escape_markdown(act.stable_form)}",
            "",
            "**Where it has no derivative.** "
            + (f"At {kinks}. " if kinks else "")
            + escape_markdown(act.convention),
            "",
            f"**Output range** (the values it takes on floats). {interval(*act.output_range)}",
            "",
            "**In `course_lib`.** "
            + ", ".join(
                [call_signature(act.function, "z"), call_signature(act.derivative, "z")]
                + (
                    []
                    if act.derivative_from_output is None
                    else [call_signature(act.derivative_from_output, "y")]
                )
            )
            + f"; registry entry `ACTIVATIONS[{name!r}]`.",
            "",
        ]
    return "\n".join(out)


def docstring_math(name: str) -> str:
    """The first ``.. math::`` block of ``course_lib.<name>``'s docstring."""
    import course_lib

    lines = inspect.cleandoc(getattr(course_lib, name).__doc__).splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(".. math::"))
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = [lines[start].split("::", 1)[1].strip()]
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return textwrap.dedent("\n".join(body)).strip()


def expand_fences(app, docname: str, source: list[str]) -> None:
    if docname != FORMULAS_DOC:
        return
    text = _ACTIVATION_FENCE.sub(lambda m: activation_reference(), source[0])
    text = _DOCSTRING_FENCE.sub(
        lambda m: math_block(docstring_math(m["name"]), m["label"]).rstrip("\n"), text
    )
    source[0] = text


def always_regenerate(app, env, added, changed, removed) -> list[str]:
    # course_lib may have changed without formulas.md changing
    return [FORMULAS_DOC] if FORMULAS_DOC in env.found_docs else []


# ---------------------------------------------------------------------------------------
# 3. Notebook header buttons


def notebook_buttons(app, pagename, templatename, context, doctree) -> None:
    if context.get("page_source_suffix") != ".ipynb":
        return
    opts = app.config.html_theme_options
    book_path = opts.get("path_to_docs", "").strip("/")
    # the repository's root: the book folder with path_to_book taken off
    root = Path(app.srcdir).resolve()
    if book_path:
        root = root.parents[len(Path(book_path).parts) - 1]
    ipynb = Path(app.env.doc2path(pagename))
    real = ipynb.resolve().relative_to(root).as_posix()
    linked = f"{book_path}/{pagename}.ipynb" if book_path else f"{pagename}.ipynb"
    md = ipynb.resolve().with_suffix(".md")
    # Colab is plain Jupyter: it opens the chapter's plain-Jupyter edition, where the MyST
    # notebook would show raw directives (tools/make_edition.py writes edition/).
    colab = opts.get("launch_buttons", {}).get("colab_url", "").rstrip("/")
    edition = root / EDITION_DIR / f"{ipynb.stem}.ipynb"
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            for button in group["buttons"]:
                if "url" not in button:
                    continue
                if colab and button["url"].startswith(f"{colab}/"):
                    if not edition.exists():
                        logger.warning(
                            f"{edition.relative_to(root)} does not exist, and the Colab "
                            f"button opens it: {EDITION_FIX}",
                            location=pagename,
                            type="course",
                            subtype="edition",
                        )
                    button["url"] = button["url"].replace(
                        linked, edition.relative_to(root).as_posix()
                    )
                else:
                    button["url"] = button["url"].replace(linked, real)
        if group.get("label") == "download-buttons" and md.exists():
            target = Path(app.outdir, "_sources", pagename + ".md")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(md, target)
            group["buttons"].insert(
                1,
                {
                    "type": "link",
                    "url": f"{context['pathto']('_sources', 1)}/{pagename}.md",
                    "text": ".md",
                    "tooltip": "Download the MyST Markdown source",
                    "icon": "fas fa-file-lines",
                    "label": "download-md-button",
                },
            )


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated inline scripts (Sphinx 7.4 keeps both ``None`` and ``''`` copies).

    sphinx-thebe's ``const THEBE_JS_URL = ...`` twice is a SyntaxError in every page's
    console; sphinx-togglebutton's selector is repeated too.
    """
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def repository_substitution(app, config) -> None:
    """``{{ repository }}`` in a page is the repository address set in _config.yml."""
    url = config.html_theme_options.get("repository_url", "")
    config.myst_substitutions = {**config.myst_substitutions, "repository": f"<{url}>"}


def figure_alt_text(app, doctree, docname) -> None:
    """Give every figure's image its caption as alt text.

    myst-nb sets a notebook figure's ``alt`` to the image's file name, a hash that a
    screen reader would read out; the caption says what the figure shows. An ``alt``
    that an author wrote (anything but the file name) is kept.
    """
    for figure in doctree.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        if not captions:
            continue
        # math as words a screen reader can say: \\alpha is "alpha", braces go
        text = re.sub(r"\\([A-Za-z]+)", r"\1", captions[0].astext())
        text = " ".join(text.replace("{", "").replace("}", "").split())
        for image in figure.findall(nodes.image):
            alt = image.get("alt", "")
            if not alt or alt == image.get("uri", "") or alt.endswith((".png", ".svg")):
                image["alt"] = text


# ---------------------------------------------------------------------------------------
# 5. Accessibility

# (markup written by docutils or myst-nb, replacement): each fixes one axe violation
_ACCESSIBLE_MARKUP = [
    # a citation is a listitem of the citation list (role="list"); "doc-biblioentry" is
    # deprecated and not a list's child (axe: aria-required-children, critical)
    ('role="doc-biblioentry"', 'role="listitem"'),
    # the summary's name is then its visible text (axe: label-content-name-mismatch)
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
]


def accessible_markup(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body:
        for old, new in _ACCESSIBLE_MARKUP:
            body = body.replace(old, new)
        context["body"] = body


def course_theme_files(app, config) -> None:
    """The template overrides and the CSS above, for any book that loads this extension."""
    config.templates_path = [str(HERE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]


def setup(app):
    app.connect("config-inited", course_theme_files)
    app.add_css_file("course-site.css")
    app.connect("html-page-context", accessible_markup)
    app.connect("doctree-resolved", figure_alt_text)
    app.connect("config-inited", repository_substitution)
    app.connect("env-before-read-docs", check_notebooks)
    app.connect("source-read", expand_fences)
    app.connect("env-get-outdated", always_regenerate)
    app.connect("html-page-context", notebook_buttons, priority=600)
    app.connect("html-page-context", dedupe_scripts, priority=990)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
