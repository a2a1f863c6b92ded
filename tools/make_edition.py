r"""Generate the plain-Jupyter edition of the course, ``edition/NN-slug.ipynb``.

The chapters are MyST Markdown notebooks, ``notebooks/NN-slug.md``. JupyterLab with
jupyterlab-myst and the course website render them, but plain Jupyter, Colab and GitHub
show their directives raw (```` ```{math} ````, ``(label)=``, ``{eq}`...```) and print the
exercises' solutions in full. This script writes, for every chapter, a notebook that any
Jupyter front end renders: the same cells and the stored outputs of
``notebooks/NN-slug.ipynb``, with the MyST turned into CommonMark, HTML and LaTeX, and
with the numbers the website shows.

==========================================  ================================================
MyST in the chapter                         CommonMark in the edition
==========================================  ================================================
```` ```{math} ```` and ``:label:``, or     ``<a id="label"></a>``, then
``$$ ... $$ (label)``                       ``$$ ... \tag{2.1} $$``
```` ```{math} ```` or ``$$``, unlabelled   ``$$ ... $$``, untagged
``(label)=``                                ``<a id="label"></a>``
{eq}`label`                                 ``[(2.1)](#label)``, or
                                            ``[(2.1)](02-sigmoid-from-logit.ipynb#label)``
{ref}`label`, {ref}`text <label>`           ``[Section title](#label)``,
                                            ``[Exercise 2.1](#label)``, ``[text](#label)``
{numref}`label`                             ``[Fig. 2.1](#label)``
```` ```{exercise} ````                     ``### <a id="label"></a>Exercise 2.1`` (a
                                            heading one level below its section's), then
                                            the body
```` ```{solution} label ````               ``<details><summary>Solution to Exercise 2.1``
                                            ``</summary>`` ... ``</details>``
``mystnb: figure:`` of a code cell          a Markdown cell after it,
                                            ``<a id="name"></a>**Figure 2.1.** caption``
==========================================  ================================================

Above the chapter's first code cell, each edition notebook has a note saying where it
comes from, then a code cell that installs course-lib from the repository when it is
missing (a fresh Colab). The repository's address is read from ``repository: url`` in
``book/_config.yml``. Code cells keep their tags and the outputs stored in the paired
``.ipynb``; cell ids come from position and content, so the files are reproducible.

Numbering
---------
The site is Jupyter Book 1 (Sphinx) with ``numfig``, ``math_numfig`` and
``numfig_secnum_depth: 1``, and the chapters are a numbered part of the table of
contents that globs ``notebooks/NN-*``. So, as Sphinx counts:

* chapter N is the N-th ``notebooks/NN-*.md`` in file-name order;
* in chapter N, labelled equations, figures that have both a caption and a name, and
  exercises (except ``:nonumber:`` ones) are each numbered N.1, N.2, ... in order of
  appearance, exercise and solution bodies included;
* a {ref} to a section shows the section's title as plain text, with Sphinx's smart
  quotes; to an exercise, "Exercise N.M"; a {numref} to a figure, "Fig. N.M".

These rules hold for a chapter that opens with its one ``#`` title, which the script
checks. tests/test_edition.py compares every number and reference text with the built
site.

Anything else fails
-------------------
A construct the converter does not know (another directive or role, an option it does
not handle, a definition list, a footnote, a relative link, ...) stops it with an error
naming the file and cell: nothing MyST can leak raw into the edition. Text inside code
cells, code blocks and inline code is never changed.

Usage
-----
``make edition``, or ``.venv/bin/python tools/make_edition.py`` (``--check`` writes
nothing and exits 1 if an edition notebook is out of date).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import html
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import yaml
from docutils.utils.smartquotes import educate_tokens
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EDITION = ROOT / "edition"
BOOK_CONFIG = ROOT / "book" / "_config.yml"
COMMAND = "make edition"
PAIR_FIX = "run `make notebooks` (tools/execute_notebooks.py) and commit both files"

# What the site prints (Sphinx's numfig_format defaults; sphinx-exercise's "Exercise %s").
FIGURE_FORMAT = "Fig. {}"
EXERCISE_FORMAT = "Exercise {}"
# Sphinx's default smartquotes_action: quotes, old-school dashes, ellipses.
SMARTQUOTES = "qDe"
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*\Z")


class EditionError(Exception):
    """A chapter that cannot be turned into plain Jupyter, and why."""


# ---------------------------------------------------------------------------------------
# Configuration and chapters


@dataclasses.dataclass(frozen=True)
class Config:
    """What the edition needs from book/_config.yml."""

    repository: str  # https://github.com/owner/name
    branch: str
    myst_extensions: frozenset[str]
    dmath_double_inline: bool

    @property
    def install_url(self) -> str:
        return f"git+{self.repository}"


def load_config(path: Path = BOOK_CONFIG) -> Config:
    """Read the repository address and the MyST parser settings of the site."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    parse = config.get("parse", {})
    return Config(
        repository=config["repository"]["url"].rstrip("/"),
        branch=config["repository"].get("branch", "main"),
        myst_extensions=frozenset(parse.get("myst_enable_extensions", [])),
        dmath_double_inline=bool(parse.get("myst_dmath_double_inline", False)),
    )


@dataclasses.dataclass
class Chapter:
    """One ``notebooks/NN-slug.md``, read by jupytext, and its number on the site."""

    number: int
    path: Path
    notebook: nbformat.NotebookNode

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def name(self) -> str:
        """The path for messages: ``notebooks/02-sigmoid-from-logit.md``."""
        return f"{self.path.parent.name}/{self.path.name}"


def read_chapters(folder: Path = NOTEBOOKS) -> list[Chapter]:
    """Every ``NN-*.md`` in file-name order, numbered from 1 as the site's toc does."""
    sources = sorted(folder.glob("[0-9][0-9]-*.md"))
    return [Chapter(n, path, jupytext.read(path)) for n, path in enumerate(sources, start=1)]


def chapter_from_text(text: str, number: int = 1, stem: str = "01-example") -> Chapter:
    """A chapter held in memory (for tests): ``text`` is a MyST notebook's source."""
    return Chapter(number, NOTEBOOKS / f"{stem}.md", jupytext.reads(text, fmt="md:myst"))


@functools.cache
def myst_parser(extensions: frozenset[str], dmath_double_inline: bool) -> MarkdownIt:
    """MyST's own Markdown parser, configured as the site configures it."""
    config = MdParserConfig(
        enable_extensions=set(extensions), dmath_double_inline=dmath_double_inline
    )
    return create_md_parser(config, RendererHTML)


# ---------------------------------------------------------------------------------------
# Parsing MyST Markdown into blocks
#
# markdown-it-py (MyST's parser) finds the constructs and their line ranges; the blocks
# keep their source text, so Markdown the converter does not need to change is copied
# exactly as written.


@dataclasses.dataclass(frozen=True)
class Role:
    """A role such as {eq}`label`: where it is in its block's source, and what it says."""

    start: int
    end: int
    name: str
    content: str


@dataclasses.dataclass(frozen=True)
class Text:
    """Paragraphs, headings, lists, quotes and tables: Markdown whose roles are replaced."""

    source: str
    roles: tuple[Role, ...]
    heading: int = 0  # the heading level, 0 for anything but a heading
    title: str | None = None  # a heading's or paragraph's text as a {ref} shows it


@dataclasses.dataclass(frozen=True)
class Verbatim:
    """Code blocks, HTML and rules: copied unchanged."""

    source: str


@dataclasses.dataclass(frozen=True)
class Directive:
    """A fenced MyST directive, ```` ```{name} argument ````."""

    name: str
    argument: str
    options: dict[str, str]
    body: str
    line: int


@dataclasses.dataclass(frozen=True)
class Target:
    """A ``(label)=`` target."""

    label: str


@dataclasses.dataclass(frozen=True)
class DisplayMath:
    """A ``$$ ... $$`` block (``$$ ... $$ (label)`` when labelled)."""

    latex: str
    label: str | None


Block = Text | Verbatim | Directive | Target | DisplayMath

# The tokens that open a Text block, and the block tokens that may appear inside one.
TEXT_OPENERS = {
    "paragraph_open",
    "heading_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "table_open",
}
TEXT_TOKENS = {
    f"{name}_{end}"
    for name in (
        "paragraph",
        "heading",
        "bullet_list",
        "ordered_list",
        "list_item",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    )
    for end in ("open", "close")
} | {"inline", "hr", "code_block", "html_block"}
INLINE_TOKENS = {
    "text",
    "softbreak",
    "hardbreak",
    "code_inline",
    "em_open",
    "em_close",
    "strong_open",
    "strong_close",
    "link_open",
    "link_close",
    "image",
    "html_inline",
    "math_inline",
    "math_inline_double",
    "myst_role",
}
ROLES = {"eq", "ref", "numref"}
URL = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def parse_blocks(text: str, parser: MarkdownIt) -> list[Block]:
    """The top-level blocks of a MyST Markdown text, in order."""
    tokens = parser.parse(text)
    lines = text.splitlines()
    blocks: list[Block] = []
    covered: set[int] = set()
    for group in top_level_groups(tokens):
        start, end = group[0].map
        covered.update(range(start, end))
        block = make_block(group, "\n".join(lines[start:end]).rstrip(), start + 1)
        if block is not None:
            blocks.append(block)
    for number, line in enumerate(lines):
        if line.strip() and number not in covered:
            # e.g. a link reference definition, which produces no token
            raise EditionError(f"line {number + 1} ({line.strip()!r}) is not understood")
    return blocks


def top_level_groups(tokens: list[Token]) -> Iterator[list[Token]]:
    """The tokens of each top-level block: an opening token up to its closing one."""
    i = 0
    while i < len(tokens):
        j, depth = i, tokens[i].nesting
        while depth > 0:
            j += 1
            depth += tokens[j].nesting
        yield tokens[i : j + 1]
        i = j + 1


def make_block(group: list[Token], source: str, line: int) -> Block | None:
    """One top-level block from its tokens and source lines (None for a comment)."""
    first = group[0]
    kind = first.type
    if kind == "myst_target":
        return Target(first.content)
    if kind == "myst_line_comment":
        return None  # a % comment: the site does not show it either
    if kind in ("fence", "colon_fence"):
        info = first.info.strip()
        if info.startswith("{"):
            return make_directive(info, first.content, line)
        if kind == "colon_fence":
            raise EditionError(f"line {line}: a ::: fence without a {{directive}}")
        return Verbatim(source)
    if kind in ("code_block", "html_block", "hr"):
        return Verbatim(source)
    if kind == "math_block":
        return DisplayMath(first.content, None)
    if kind == "math_block_label":
        return DisplayMath(first.content, first.info)
    if kind in TEXT_OPENERS:
        return make_text(group, source, line)
    raise EditionError(f"line {line}: {describe(kind)} is not supported by the edition")


def describe(token_type: str) -> str:
    """A reader's name for a markdown-it token type."""
    names = {
        "amsmath": "a top-level amsmath environment (write it in a {math} block)",
        "dl_open": "a definition list",
        "footnote_reference_open": "a footnote",
        "front_matter": "front matter",
        "math_block": "display math ($$)",
        "math_block_label": "labelled display math ($$ ... $$ (label))",
        "myst_block_break": "a +++ block break",
    }
    return names.get(token_type, f"the construct {token_type!r}")


def make_directive(info: str, content: str, line: int) -> Directive:
    """A directive from its fence's info string (``{name} argument``) and content."""
    match = re.fullmatch(r"\{([^}\s]+)\}\s*(.*)", info)
    if not match:
        raise EditionError(f"line {line}: cannot read the directive {info!r}")
    options, body = split_options(content, line)
    return Directive(match[1], match[2].strip(), options, body, line)


def split_options(content: str, line: int) -> tuple[dict[str, str], str]:
    r"""A directive's options (``:key: value`` lines or a ``---`` YAML block) and body.

    >>> split_options(":label: eq-a\n\nx = 1\n", 1)
    ({'label': 'eq-a'}, 'x = 1')
    >>> split_options("---\nclass: dropdown\n---\nBody.\n", 1)
    ({'class': 'dropdown'}, 'Body.')
    """
    lines = content.splitlines()
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        close = next((i for i, text in enumerate(lines[1:], 1) if text.strip() == "---"), None)
        if close is None:
            raise EditionError(f"line {line}: the directive's options block is not closed")
        loaded = yaml.safe_load("\n".join(lines[1:close])) or {}
        options = {str(key): "" if value is None else str(value) for key, value in loaded.items()}
        lines = lines[close + 1 :]
    else:
        while lines and (match := re.match(r":([\w-]+):(?:\s+(.*))?$", lines[0])):
            options[match[1]] = (match[2] or "").strip()
            lines = lines[1:]
    return options, "\n".join(lines).strip("\n")


def make_text(group: list[Token], source: str, line: int) -> Text:
    """A Text block, after checking that it holds only what plain Markdown shows."""
    roles = []
    for token in group:
        if token.type == "fence" and token.info.strip().startswith("{"):
            raise EditionError(
                f"line {line}: a {token.info.split()[0]} directive inside a list or quote "
                "is not supported by the edition"
            )
        if token.type not in TEXT_TOKENS and token.type != "fence":
            raise EditionError(
                f"line {line}: {describe(token.type)} inside a list or quote is not "
                "supported by the edition"
            )
        for child in token.children or []:
            check_inline(child, line)
            if child.type == "myst_role":
                roles.append((child.meta["name"], child.content))
    found = tuple(find_roles(source))
    if [(role.name, role.content) for role in found] != roles:
        raise EditionError(
            f"line {line}: the roles {roles} could not be located in the source; "
            "simplify the Markdown around them"
        )
    first = group[0]
    heading = int(first.tag[1:]) if first.type == "heading_open" else 0
    title = plain_text(group[1]) if first.type in ("heading_open", "paragraph_open") else None
    return Text(source, found, heading, title)


def check_inline(token: Token, line: int) -> None:
    """Fail on inline Markdown that plain Jupyter would show raw or wrongly."""
    if token.type not in INLINE_TOKENS:
        what = "a {{substitution}}" if token.type.startswith("substitution") else token.type
        raise EditionError(f"line {line}: {what} is not supported by the edition")
    if token.type == "myst_role" and token.meta["name"] not in ROLES:
        raise EditionError(
            f"line {line}: the role {{{token.meta['name']}}} is not supported by the "
            "edition; it knows " + ", ".join(f"{{{name}}}" for name in sorted(ROLES))
        )
    target = token.attrs.get("href" if token.type == "link_open" else "src")
    if token.type in ("link_open", "image") and not (isinstance(target, str) and URL.match(target)):
        raise EditionError(
            f"line {line}: the link {target!r} is not a full URL, and would not resolve "
            "in the edition; use {ref} for a place in the course"
        )


_ROLE_NAME = re.compile(r"\{([a-zA-Z0-9_\-+:]+)\}")


def find_roles(source: str) -> Iterator[Role]:
    r"""The roles in a block's source, skipping code spans and escaped characters.

    It follows the rule of MyST's role parser (mdit_py_plugins.myst_role); the caller
    checks that it found the same roles that the parser did.

    >>> [r.content for r in find_roles("See {eq}`a`, not `{eq}`b`` or \\{eq}`c`.")]
    ['a']
    """
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2 if source[i + 1 : i + 2] in string.punctuation else 1
        elif char == "`":
            run = backtick_run(source, i)
            close = closing_backticks(source, i + run, run)
            i = i + run if close is None else close + run
        elif (match := _ROLE_NAME.match(source, i)) and (run := backtick_run(source, match.end())):
            opening = match.end() + run
            close = source.find("`" * run, opening + 1)
            if close == -1:
                i += 1
                continue
            yield Role(i, close + run, match[1], source[opening:close].replace("\n", " "))
            i = close + run
        else:
            i += 1


def backtick_run(text: str, start: int) -> int:
    """How many backticks start at ``text[start]``."""
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    return end - start


def closing_backticks(text: str, start: int, length: int) -> int | None:
    """Where a run of exactly ``length`` backticks starts, from ``start`` on (a code span's end)."""
    i = text.find("`", start)
    while i != -1:
        run = backtick_run(text, i)
        if run == length:
            return i
        i = text.find("`", i + run)
    return None


def plain_text(inline: Token) -> str | None:
    """Inline Markdown as the site shows it in a reference: plain text, smart quotes.

    Sphinx takes a title's text (the TeX source of its math, without dollars), and
    educates its quotes and dashes, but not those of code or math. None if the text
    holds a role, whose text the site resolves later.
    """
    pieces = []
    for child in inline.children or []:
        if child.type == "text":
            pieces.append(("plain", child.content))
        elif child.type in ("code_inline", "math_inline", "math_inline_double"):
            pieces.append(("literal", child.content))
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(("plain", " "))
        elif child.type == "myst_role":
            return None
    return "".join(educate_tokens(pieces, attr=SMARTQUOTES, language="en"))


# ---------------------------------------------------------------------------------------
# Writing plain Markdown


def anchor(label: str) -> str:
    """An HTML anchor that Jupyter keeps and links can jump to."""
    if not LABEL.match(label):
        raise EditionError(f"the label {label!r} is not a valid HTML id (letters, digits, -_.:)")
    return f'<a id="{label}"></a>'


def display_math(latex: str, tag: str | None = None) -> str:
    r"""A display equation for Jupyter's MathJax, wrapped as the site's Sphinx wraps it.

    Sphinx puts a part holding ``\\`` in a ``split`` environment, and aligns the parts
    of a block with several blank-line-separated parts.

    >>> print(display_math("a = b", "1.2"))
    $$
    a = b
    \tag{1.2}
    $$
    >>> print(display_math(r"a &= b \\ c &= d"))
    $$
    \begin{split}a &= b \\ c &= d\end{split}
    $$
    """
    parts = [part for part in latex.split("\n\n") if part.strip()]
    if not parts:
        raise EditionError("an empty math block")
    wrapped = [rf"\begin{{split}}{part}\end{{split}}" if r"\\" in part else part for part in parts]
    if len(wrapped) == 1:
        body = wrapped[0]
    else:
        body = r"\begin{aligned}" + r"\\".join(wrapped) + r"\end{aligned}"
    # a blank line would end the Markdown paragraph, and with it the math
    lines = [line for line in body.splitlines() if line.strip()]
    if tag is not None:
        lines.append(rf"\tag{{{tag}}}")
    return "\n".join(["$$", *lines, "$$"])


def escape_markdown(text: str) -> str:
    r"""Plain text for a Markdown link: what would be markup escaped.

    >>> escape_markdown("How `course_lib` computes $x$")
    'How \\`course\\_lib\\` computes \\$x\\$'
    """
    return re.sub(r"([\\`*_\[\]<>$|~])", r"\\\1", text)


# ---------------------------------------------------------------------------------------
# Labels, numbers and the conversion of one chapter


@dataclasses.dataclass(frozen=True)
class Label:
    """Something a role can point at, with the number and title the site gives it."""

    name: str
    kind: str  # equation, figure, exercise, section, target or solution
    chapter: str  # the stem of the chapter that defines it
    number: str | None = None  # "2.1"
    title: str = ""  # a section's title, a figure's caption, an exercise's title


@dataclasses.dataclass(frozen=True)
class Reference:
    """A reference as the edition writes it; the site must show the same text."""

    role: str  # eq, ref, numref, or solution (a solution's link to its exercise)
    label: str
    text: str
    href: str


class ChapterConverter:
    """Turns one chapter's cells into plain-Jupyter cells, numbering what the site numbers.

    Parameters
    ----------
    chapter
        The chapter.
    labels
        Every label of the course. ``None`` collects this chapter's labels into
        ``defined`` without resolving references (the first of the two passes, since a
        reference may point forward or into another chapter).
    parser
        MyST's parser, configured as the site's.
    """

    def __init__(self, chapter: Chapter, labels: dict[str, Label] | None, parser: MarkdownIt):
        self.chapter = chapter
        self.labels = labels
        self.parser = parser
        self.defined: dict[str, Label] = {}
        self.references: list[Reference] = []
        self.counters = {"equation": 0, "figure": 0, "exercise": 0}
        self.pending_targets: list[str] = []
        self.started = False  # the chapter's title seen
        self.section_level = 1  # the level of the heading above

    # -- cells

    def cells(self) -> list[nbformat.NotebookNode]:
        """The chapter's cells in plain Jupyter: code cells without outputs yet."""
        out = []
        for number, cell in enumerate(self.chapter.notebook.cells, start=1):
            try:
                out += self.cell(cell)
            except EditionError as error:
                raise EditionError(f"{self.chapter.name}, cell {number}: {error}") from None
        self.close_targets()
        return out

    def cell(self, cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
        """One cell of the chapter: the converted cell, and a figure's caption cell."""
        metadata = dict(cell.metadata)
        if cell.cell_type == "markdown":
            return [nbformat.v4.new_markdown_cell(self.markdown(cell.source), metadata=metadata)]
        if cell.cell_type != "code":
            raise EditionError(f"a {cell.cell_type} cell is not supported by the edition")
        self.start("a code cell")
        self.close_targets()
        caption = self.figure_caption(metadata.pop("mystnb", {}))
        out = [nbformat.v4.new_code_cell(cell.source, metadata=metadata)]
        if caption:
            out.append(nbformat.v4.new_markdown_cell(caption))
        return out

    def figure_caption(self, mystnb: dict[str, Any]) -> str:
        """The Markdown of a code cell's figure caption ('' if it has none)."""
        unknown = set(mystnb) - {"figure", "image"}  # image: alt text, which Jupyter lacks
        figure = mystnb.get("figure") or {}
        unknown |= {f"figure.{key}" for key in set(figure) - {"caption", "name"}}
        if unknown:
            raise EditionError(f"the mystnb metadata {sorted(unknown)} is not supported")
        caption, name = figure.get("caption"), figure.get("name")
        if not caption:
            return ""
        paragraph = self.single_paragraph(str(caption))
        # Sphinx numbers a figure that has a caption and an id (a name)
        number = self.next_number("figure") if name else None
        if name:
            self.define(name, "figure", number, title=paragraph.title or "")
        head = f"**Figure {number}.** " if number else ""
        return (anchor(name) if name else "") + head + self.text(paragraph)

    # -- Markdown

    def markdown(self, text: str) -> str:
        """A MyST Markdown text (a cell, or a directive's body) in plain Markdown."""
        rendered = (self.block(block) for block in parse_blocks(text, self.parser))
        return "\n\n".join(part for part in rendered if part)

    def block(self, block: Block) -> str:
        """One block in plain Markdown; numbers and labels are noted as they come."""
        if isinstance(block, Target):
            self.pending_targets.append(block.label)
            return anchor(block.label)
        heading = block.heading if isinstance(block, Text) else 0
        self.start(block, heading)
        self.section_level = heading or self.section_level
        self.close_targets(heading=bool(heading), title=block.title if heading else None)
        match block:
            case Text():
                return self.text(block)
            case Verbatim():
                return block.source
            case DisplayMath():
                return self.equation(block.latex, block.label)
            case Directive(name="math"):
                return self.math_directive(block)
            case Directive(name="exercise"):
                return self.exercise(block)
            case Directive(name="solution"):
                return self.solution(block)
            case Directive():
                raise EditionError(
                    f"line {block.line}: the directive {{{block.name}}} is not supported by "
                    "the edition; teach tools/make_edition.py to write it as plain Markdown"
                )
        raise AssertionError(block)  # pragma: no cover

    def text(self, block: Text) -> str:
        """A Text block with its roles replaced by links."""
        pieces, end = [], 0
        for role in block.roles:
            pieces += [block.source[end : role.start], self.role(role.name, role.content)]
            end = role.end
        return "".join(pieces) + block.source[end:]

    def single_paragraph(self, text: str) -> Text:
        """Inline MyST (a caption, an exercise title) as one Text block."""
        blocks = parse_blocks(text, self.parser)
        if len(blocks) != 1 or not isinstance(blocks[0], Text) or blocks[0].heading:
            raise EditionError(f"{text[:60]!r} should be a single paragraph")
        return blocks[0]

    def start(self, block: Block | str, heading: int = 0) -> None:
        """Check that the chapter opens with its one ``#`` title, as the numbering needs."""
        if heading == 1 and self.started:
            raise EditionError(
                "a second level-1 (#) heading: the site would number it as a chapter of "
                "its own; use ## for a section"
            )
        if not self.started and heading != 1:
            what = block if isinstance(block, str) else type(block).__name__.lower()
            raise EditionError(
                "the chapter must open with its # title (after any (label)= targets), "
                f"not with {what}"
            )
        self.started = True

    # -- directives

    def math_directive(self, directive: Directive) -> str:
        check_options(directive, {"label"})
        latex = "\n".join(part for part in (directive.argument, directive.body) if part.strip())
        return self.equation(latex, directive.options.get("label"))

    def equation(self, latex: str, label: str | None) -> str:
        if label is None:
            return display_math(latex)
        number = self.next_number("equation")
        self.define(label, "equation", number)
        return anchor(label) + "\n\n" + display_math(latex, number)

    def exercise(self, directive: Directive) -> str:
        check_options(directive, {"label", "nonumber"})
        title = self.single_paragraph(directive.argument) if directive.argument else None
        number = None if "nonumber" in directive.options else self.next_number("exercise")
        label = directive.options.get("label")
        if label:
            self.define(label, "exercise", number, title=(title.title or "") if title else "")
        # a heading one level below the section's: Jupyter's table of contents lists it
        head = "#" * min(self.section_level + 1, 6) + " " + (anchor(label) if label else "")
        head += exercise_name(number) + (f" ({self.text(title)})" if title else "")
        return head + "\n\n" + self.markdown(directive.body)

    def solution(self, directive: Directive) -> str:
        check_options(directive, {"class", "label"})
        if directive.options.get("class", "dropdown") != "dropdown":
            raise EditionError(
                f"line {directive.line}: a solution's only supported class is dropdown"
            )
        if not directive.argument:
            raise EditionError(f"line {directive.line}: a solution names its exercise's label")
        summary = "Solution to " + self.solution_of(directive.argument)
        details = "<details>" if "class" in directive.options else "<details open>"
        head = anchor(directive.options["label"]) if "label" in directive.options else ""
        if head:
            self.define(directive.options["label"], "solution")
        body = self.markdown(directive.body)
        return (
            f"{head}{details}\n<summary>{html.escape(summary, quote=False)}</summary>\n\n"
            f"{body}\n\n</details>"
        )

    def solution_of(self, label: str) -> str:
        """'Exercise 2.1', or 'Exercise 2.1 (title)': the exercise a solution belongs to."""
        if self.labels is None:
            return ""
        exercise = self.lookup(label, "solution", {"exercise"})
        text = exercise_name(exercise.number)
        self.record("solution", exercise, text)
        return text + (f" ({exercise.title})" if exercise.title else "")

    # -- roles

    def role(self, name: str, content: str) -> str:
        """A role as a Markdown link whose text is what the site prints."""
        if self.labels is None:
            return ""
        title, target = split_explicit_title(content)
        if name == "eq":
            if title is not None:
                raise EditionError(f"{{eq}}`{content}`: an equation reference takes no text")
            label = self.lookup(target, name, {"equation"})
            text = f"({label.number})"
        elif name == "ref":
            label = self.lookup(target, name, {"section", "target", "exercise", "figure"})
            text = title if title is not None else self.ref_text(label)
        else:  # numref
            label = self.lookup(target, name, {"figure", "exercise"})
            text = self.numref_text(label, title)
        return self.record(name, label, text)

    def ref_text(self, label: Label) -> str:
        """What {ref} prints without a text of its own."""
        if label.kind == "exercise":
            return exercise_name(label.number)  # sphinx-exercise turns it into a numref
        if not label.title:
            raise EditionError(
                f"{{ref}}`{label.name}` points at a target with no title to show (it does "
                "not precede a heading, or its heading holds a role): write "
                "{ref}`text <label>`"
            )
        return label.title

    def numref_text(self, label: Label, title: str | None) -> str:
        if label.number is None:
            raise EditionError(f"{{numref}}`{label.name}`: the target has no number")
        if title is None:
            fmt = FIGURE_FORMAT if label.kind == "figure" else EXERCISE_FORMAT
            return fmt.format(label.number)
        return title.replace("%s", label.number).format(number=label.number, name=label.title)

    def lookup(self, name: str, role: str, kinds: set[str]) -> Label:
        assert self.labels is not None
        label = self.labels.get(name)
        if label is None:
            raise EditionError(f"{{{role}}}`{name}`: no such label in the course")
        if label.kind not in kinds:
            raise EditionError(
                f"{{{role}}}`{name}` points at a {label.kind}, and {{{role}}} cannot show one"
            )
        return label

    def record(self, role: str, label: Label, text: str) -> str:
        """Note a reference (the tests compare it with the site) and write its link."""
        href = f"#{label.name}"
        if label.chapter != self.chapter.stem:
            href = f"{label.chapter}.ipynb{href}"
        self.references.append(Reference(role, label.name, text, href))
        return f"[{escape_markdown(text)}]({href})"

    # -- labels and numbers

    def next_number(self, kind: str) -> str:
        self.counters[kind] += 1
        return f"{self.chapter.number}.{self.counters[kind]}"

    def define(self, name: str, kind: str, number: str | None = None, title: str = "") -> None:
        anchor(name)  # checks that the label can be an HTML id
        if name in self.defined:
            raise EditionError(f"the label {name!r} is defined twice")
        label = Label(name, kind, self.chapter.stem, number, title)
        if self.labels is not None and self.labels.get(name) != label:
            raise AssertionError(f"{name}: {label} differs from {self.labels.get(name)}")
        self.defined[name] = label

    def close_targets(self, heading: bool = False, title: str | None = None) -> None:
        """Give the waiting (label)= targets the block that follows them."""
        for name in self.pending_targets:
            self.define(name, "section" if heading else "target", title=title or "")
        self.pending_targets = []


def check_options(directive: Directive, known: set[str]) -> None:
    unknown = sorted(set(directive.options) - known)
    if unknown:
        raise EditionError(
            f"line {directive.line}: the option(s) {unknown} of {{{directive.name}}} are not "
            f"supported by the edition (it knows {sorted(known)})"
        )


def exercise_name(number: str | None) -> str:
    return "Exercise" if number is None else EXERCISE_FORMAT.format(number)


def split_explicit_title(content: str) -> tuple[str | None, str]:
    """``text <label>`` as (text, label), and ``label`` as (None, label), like docutils.

    >>> split_explicit_title("dead ReLUs <other-dead-relus>")
    ('dead ReLUs', 'other-dead-relus')
    """
    match = re.fullmatch(r"(.+?)\s*<([^<>]+)>", content, re.DOTALL)
    return (match[1], match[2].strip()) if match else (None, content.strip())


def collect_labels(chapters: list[Chapter], config: Config) -> dict[str, Label]:
    """Every label of the course, numbered (the first pass over all chapters)."""
    labels: dict[str, Label] = {}
    for chapter in chapters:
        converter = ChapterConverter(chapter, None, parser_for(config))
        converter.cells()
        for name, label in converter.defined.items():
            if name in labels:
                raise EditionError(
                    f"the label {name!r} is defined in {labels[name].chapter}.md "
                    f"and in {chapter.stem}.md"
                )
            labels[name] = label
    return labels


def parser_for(config: Config) -> MarkdownIt:
    return myst_parser(config.myst_extensions, config.dmath_double_inline)


# ---------------------------------------------------------------------------------------
# The edition notebook


@dataclasses.dataclass
class Edition:
    """One chapter's edition notebook, and the references it writes."""

    chapter: Chapter
    notebook: nbformat.NotebookNode
    references: list[Reference]

    @property
    def path(self) -> Path:
        return EDITION / f"{self.chapter.stem}.ipynb"


def note_cell(chapter: Chapter, config: Config) -> nbformat.NotebookNode:
    """The Markdown note above the install cell: what this notebook is."""
    source = f"{config.repository}/blob/{config.branch}/{chapter.name}"
    return nbformat.v4.new_markdown_cell(
        f"*This is the plain-Jupyter edition of chapter {chapter.number}, generated from "
        f"[`{chapter.name}`]({source}) by `tools/make_edition.py`. Do not edit it: edit "
        f"the source and run `{COMMAND}`. The course, its website and its JupyterLab "
        f"version are at <{config.repository}>.*"
    )


def install_cell(config: Config) -> nbformat.NotebookNode:
    """The first code cell: install course-lib unless it is there already."""
    return nbformat.v4.new_code_cell(
        "try:\n"
        "    import course_lib  # already installed (Binder, a local clone, or a second run)\n"
        "except ImportError:\n"
        f'    %pip install --quiet "course-lib @ {config.install_url}"'
    )


def stored_code_cells(chapter: Chapter) -> list[nbformat.NotebookNode]:
    """The executed code cells of the chapter's paired .ipynb, checked against the .md."""
    ipynb = chapter.path.with_suffix(".ipynb")
    where = f"{chapter.path.parent.name}/{ipynb.name}"
    if not ipynb.exists():
        raise EditionError(f"{chapter.name} has no paired {where}: {PAIR_FIX}")
    stored = [c for c in nbformat.read(ipynb, as_version=4).cells if c.cell_type == "code"]
    source = [c for c in chapter.notebook.cells if c.cell_type == "code"]
    for number, (mine, theirs) in enumerate(zip(source, stored, strict=False), start=1):
        if mine.source != theirs.source:
            first = mine.source.strip().splitlines()[0][:60] if mine.source.strip() else ""
            raise EditionError(
                f"{where} has drifted from {chapter.name}: code cell {number} ({first!r}) "
                f"differs: {PAIR_FIX}"
            )
    if len(source) != len(stored):
        raise EditionError(
            f"{chapter.name} has {len(source)} code cells and {where} has {len(stored)}: {PAIR_FIX}"
        )
    return stored


def build_edition(chapter: Chapter, labels: dict[str, Label], config: Config) -> Edition:
    """The edition notebook of one chapter (in memory)."""
    converter = ChapterConverter(chapter, labels, parser_for(config))
    cells = converter.cells()
    stored = iter(stored_code_cells(chapter))
    first_code = next(i for i, cell in enumerate(cells) if cell.cell_type == "code")
    for cell in cells:
        if cell.cell_type == "code":
            executed = next(stored)
            cell.outputs = executed.outputs
            cell.execution_count = executed.execution_count
    cells[first_code:first_code] = [note_cell(chapter, config), install_cell(config)]
    for position, cell in enumerate(cells):
        # ids from position and content (as tools/execute_notebooks.py): reproducible
        cell.id = hashlib.sha1(f"{position}:{cell.source}".encode()).hexdigest()[:8]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = chapter.notebook.metadata["kernelspec"]
    paired = nbformat.read(chapter.path.with_suffix(".ipynb"), as_version=4)
    if "language_info" in paired.metadata:
        notebook.metadata["language_info"] = paired.metadata["language_info"]
    nbformat.validate(notebook)
    return Edition(chapter, notebook, converter.references)


def build_all(chapters: list[Chapter] | None = None, config: Config | None = None) -> list[Edition]:
    """The edition notebook of every chapter."""
    chapters = read_chapters() if chapters is None else chapters
    config = load_config() if config is None else config
    labels = collect_labels(chapters, config)
    return [build_edition(chapter, labels, config) for chapter in chapters]


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """The file's text: nbformat's JSON (sorted keys, one-space indent) and a newline."""
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is out of date"
    )
    args = parser.parse_args()
    try:
        editions = build_all()
    except EditionError as error:
        print(f"make_edition: {error}", file=sys.stderr)
        return 2
    EDITION.mkdir(exist_ok=True)
    out_of_date = []
    for edition in editions:
        text = notebook_text(edition.notebook)
        if edition.path.exists() and edition.path.read_text(encoding="utf-8") == text:
            print(f"unchanged  edition/{edition.path.name}")
            continue
        out_of_date.append(edition.path)
        if args.check:
            print(f"   stale  edition/{edition.path.name}")
        else:
            edition.path.write_text(text, encoding="utf-8")
            print(f"  written  edition/{edition.path.name}")
    wanted = {edition.path for edition in editions}
    for orphan in sorted(set(EDITION.glob("[0-9][0-9]-*.ipynb")) - wanted):
        out_of_date.append(orphan)
        print(f"{'  orphan' if args.check else ' removed'}  edition/{orphan.name} (no source)")
        if not args.check:
            orphan.unlink()
    if args.check and out_of_date:
        print(f"the edition is out of date: run `{COMMAND}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
