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
4. **The PDF** (``make pdf``, the LaTeX builder only; the site is unchanged). Each
   chapter's solutions are moved out from under their exercises into a "Solutions"
   section at the end of the chapter, each headed "Solution to Exercise N.M"
   (``collect_solutions``). Exercises are numbered as on the site (1.1, not the 1.1.1
   that sphinx-jupyterbook-latex's section depth gives), and a reference to an
   exercise in another chapter points at it (sphinx-exercise resolves only those
   within a chapter).
5. **Small fixes.** Repeated inline scripts are dropped (the second copy of each is a
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
import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx_exercise.nodes import (
    exercise_enumerable_node,
    exercise_latex_number_reference,
    solution_node,
)
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
    """``{{ repository }}`` in a page is the repository address set in _config.yml.

    ``{{ pdf }}`` is a link to the course PDF, named as ``make pdf`` names it
    (``latex: latex_documents: targetname``); tools/build_pdf.py copies it beside the
    landing page.
    """
    url = config.html_theme_options.get("repository_url", "")
    pdf = pdf_name(Path(app.srcdir))
    config.myst_substitutions = {
        **config.myst_substitutions,
        "repository": f"<{url}>",
        "pdf": f'<a class="reference external" href="{pdf}">{pdf}</a>',
    }


def pdf_name(book: Path) -> str:
    """The course PDF's file name, from the book's _config.yml."""
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    target = (config.get("latex") or {}).get("latex_documents", {}).get("targetname", "")
    if not target:
        logger.warning(
            f"{book / '_config.yml'}: set latex: latex_documents: targetname, the name of "
            "the course PDF (make pdf) that the landing page links",
            type="course",
            subtype="pdf",
        )
        return "book.pdf"
    return Path(target).with_suffix(".pdf").name


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
# 4. The PDF

SOLUTIONS_TITLE = "Solutions"


class CollectSolutions(SphinxPostTransform):
    """LaTeX only: move each chapter's solutions into a "Solutions" section at its end.

    The LaTeX builder assembles the whole book into one doctree, each document in an
    ``start_of_file`` node; a chapter is the top section of its file. This runs after
    sphinx-exercise has titled every solution "Solution to Exercise N.M" (priorities
    20-22), so the moved solutions keep their headings.
    """

    default_priority = 950
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for start in list(self.document.findall(addnodes.start_of_file)):
            chapter = next((c for c in start.children if isinstance(c, nodes.section)), None)
            if chapter is None:
                continue
            own = list(_solutions_in(chapter))
            if not own:
                continue
            section = nodes.section(
                "", nodes.title("", SOLUTIONS_TITLE), ids=["course-solutions"], names=[]
            )
            for solution in own:
                solution.parent.remove(solution)
                section += solution
            chapter += section


def _solutions_in(node: nodes.Element):
    """The solutions under ``node``, not those of a file included further down.

    (Walked from the top: ``inline_all_toctrees`` leaves a file's top nodes with their
    old ``parent``, so walking up from a solution does not reach its ``start_of_file``.)
    """
    for child in node.children:
        if isinstance(child, solution_node):
            yield child
        elif isinstance(child, nodes.Element) and not isinstance(child, addnodes.start_of_file):
            yield from _solutions_in(child)


class ExerciseReferencesAcrossChapters(SphinxPostTransform):
    """LaTeX only: a {ref} to an exercise of another chapter links to that exercise.

    sphinx-exercise labels an exercise ``exercise:LABEL`` in the LaTeX and rewrites the
    references that resolve within a document to it; one from another document is left
    pointing at ``DOC:LABEL``, which does not exist (an undefined reference, "??").
    """

    default_priority = 23  # after sphinx-exercise's ResolveLinkTextToSolutions (22)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for ref in list(self.document.findall(addnodes.number_reference)):
            label = ref.get("refuri", "").partition("#")[2]
            target = registry.get(label, {}).get("node")
            if not ref.get("refid") and isinstance(target, exercise_enumerable_node):
                new = exercise_latex_number_reference("", "", *ref.children, refid=label)
                ref.replace_self(new)


def exercise_numbers_as_on_the_site(app) -> None:
    """Number exercises with the site's section depth, and lay out the LaTeX with its own.

    sphinx-jupyterbook-latex sets ``numfig_secnum_depth = 2`` at ``builder-inited`` (the
    parts make the chapter LaTeX's second level, and LaTeX numbers figures and equations
    per chapter from it). sphinx-exercise numbers exercises from the environment's
    counters, which would then read "Exercise 1.10.1". So the environment counts with the
    configured depth and the writer gets jupyterbook-latex's.
    """
    if app.builder.format != "latex":
        return
    latex_depth = app.config.numfig_secnum_depth
    app.config.numfig_secnum_depth = app.course_numfig_secnum_depth

    def for_the_writer(app, env) -> list[str]:
        # after the toctree collector (priority 500) has numbered every exercise
        app.config.numfig_secnum_depth = latex_depth
        return []

    app.connect("env-get-updated", for_the_writer, priority=900)


UCHARCLASSES = r"\usepackage[Latin,Greek]{ucharclasses}"


def latex_config(app, config) -> None:
    """After sphinx-jupyterbook-latex's ``config-inited``: keep what it overrides.

    - The section depth configured for numbering (see `exercise_numbers_as_on_the_site`).
    - Its preamble loads ucharclasses, without defining a single font transition. It
      makes a Greek letter in a heading ("Swish-β") a different token list when read
      back from the .aux, so LaTeX ends every run with "Label(s) may have changed" and
      the cross-references are never settled. The fonts have every Greek glyph (the
      log check of `make pdf` fails on a missing one), so it goes.
    """
    app.course_numfig_secnum_depth = config.numfig_secnum_depth
    preamble = config.latex_elements.get("preamble", "")
    if UCHARCLASSES in preamble:
        config.latex_elements["preamble"] = preamble.replace(UCHARCLASSES, "")


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
    app.connect("config-inited", latex_config, priority=900)
    app.add_post_transform(CollectSolutions)
    app.add_post_transform(ExerciseReferencesAcrossChapters)
    app.connect("builder-inited", exercise_numbers_as_on_the_site, priority=900)
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
