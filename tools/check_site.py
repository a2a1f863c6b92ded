"""Open every page of the built site in headless Chromium, offline, and check it.

For each page, after MathJax has finished:

- **math**: every math element (``span.math``, ``div.math``) holds exactly one
  rendered MathJax container, no container is a TeX error (``mjx-merror``), and no raw
  TeX delimiters are left in the page's text;
- **images**: every ``<img>`` has loaded (``naturalWidth > 0``);
- **links**: every link into the site points at a file that exists and, for
  ``#anchor`` links, at an element with that id. The one exception is the course PDF
  (``latex: latex_documents: targetname`` in the book's _config.yml), which ``make pdf``
  builds and copies into the site: while it has not been built, a link to it is reported
  as a note ("not built, not checked"), and tools/build_pdf.py checks the link once it
  has copied it;
- **console**: no console error, no uncaught exception, no failed request;
- **offline**: no request leaves the site (each is aborted and reported), and the
  browser cannot resolve any host name anyway (``--host-resolver-rules``);
- **solutions**: every dropdown solution is collapsed;
- **accessibility**: axe-core (tools/axe, pinned in its package-lock.json and injected
  from there, never fetched) finds no serious or critical violation of WCAG 2.1 A/AA
  (tags wcag2a, wcag2aa, wcag21a, wcag21aa), in the light and in the dark colour scheme
  (the theme follows the system's, ``default_mode: auto``);
- **phone**: at 390 px wide no formula (display or inline) or table is cut off (wider than
  what shows of it, with no sideways-scrolling box that lets the reader reach the rest),
  and no equation number is drawn over its equation.

The page is opened once at 1200 x 900 px in the light scheme; the dark scheme is then
emulated (the theme switches on the media query, without a reload; its pass checks colour
contrast, with MathJax's output stood in for by blank boxes of its size, see
``_MATH_BLANKED``) and the viewport narrowed to 390 x 844 px (the layout is CSS;
MathJax's output does not depend on the width). Two pages are checked at a time, each
worker in one tab that it takes from page to page. With ``--screenshots DIR``, full-page
screenshots of each page at both widths go to DIR: ``NAME.png`` and ``NAME-390px.png``
(they cost about as much as the checks, so they are taken only when asked for). Chromium
is Debian's (``/usr/bin/chromium``), driven by Playwright, which downloads no browser of
its own. Exit status 1 if any page fails.

With ``--cache FILE`` (``make site-check`` uses ``.cache/site-check.json``), what the
browser found on a page that passed is kept, keyed on the SHA-256 of the page, of every
file it loaded (scripts, styles, fonts, images, MathJax's components), of this script, of
axe-core and of the system's font list, on Chromium's and Playwright's versions and on
the site's folder. A page whose key is unchanged is not opened again:
its stored findings are judged again (the links against the files as they are now), and
the report marks it ``cached``. Any change to the page or to anything it loaded opens it
again; a page that failed is never kept. ``--fresh`` opens every page and keeps the new
findings.

Usage: ``python tools/check_site.py [book/_build/html] [--screenshots DIR] [--cache FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SITE = ROOT / "book" / "_build" / "html"
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}
INSTALL = (
    "Chromium is needed for the site check and was not found. Install Debian's package:\n"
    "    sudo apt-get install chromium\n"
    "or set CHROMIUM=/path/to/chromium. (`make book` installs it itself when run as root.)"
)
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = (
    f"axe-core is needed for the site check and was not found at {AXE}. Install it with\n"
    "    make axe     # npm ci in tools/axe, from the npm registry (needs Node.js and npm)\n"
    "On Debian or Ubuntu, npm comes with `sudo apt-get install npm`; elsewhere from Node.js\n"
    "(https://nodejs.org/)."
)
AXE_TAGS = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
# Every rule in the light scheme; in the dark one, the contrast of text again. (The other
# rule on colours, link-in-text-block, passes any underlined link, and the theme underlines
# them in both schemes; it runs in the light scheme.)
AXE_RUNS = {"light": AXE_TAGS, "dark": {"type": "rule", "values": ["color-contrast"]}}
AXE_FAILS = ("critical", "serious")  # axe's impacts that fail a page
SCHEMES = ("light", "dark")
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
JOBS = 2  # pages at a time: the machine has two cores
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # a 64 MB young generation: axe-core makes many short-lived objects; fewer scavenges
    # (on two pages, 51 CPU-s against 55; over the site, within this machine's noise)
    "--js-flags=--max-semi-space-size=64",
]
_REFRESH = re.compile(
    r"""<meta http-equiv=["']refresh["'] content=["']\d+;\s*url=([^"']+)["']""", re.IGNORECASE
)
_ID = re.compile(r"""\sid=["']([^"']+)["']""")

# Runs in the page once it has loaded; returns what the checks need.
_INSPECT = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const imgs = Array.from(document.images);
  imgs.forEach((img) => { img.loading = "eager"; });
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));

  const mathNodes = Array.from(document.querySelectorAll("span.math, div.math"));
  const unrendered = mathNodes
    .filter((n) => n.querySelectorAll(":scope > mjx-container").length !== 1)
    .map((n) => n.textContent.trim().slice(0, 80));
  const texErrors = Array.from(document.querySelectorAll("mjx-merror"))
    .map((n) => (n.getAttribute("data-mjx-error") || n.textContent).slice(0, 80));

  const skip = "script, style, pre, code, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  const pattern = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\$\\[a-zA-Z]/;
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (t.parentElement && !t.parentElement.closest(skip) && pattern.test(t.data)) {
      rawTex.push(t.data.trim().slice(0, 80));
    }
  }

  const solutions = Array.from(document.querySelectorAll(".solution.dropdown"));
  const openSolutions = solutions
    .filter((s) => Array.from(s.children)
      .filter((c) => !c.matches(".admonition-title, button"))
      .some((c) => c.getBoundingClientRect().height > 0
                   && c.checkVisibility({ opacityProperty: true, visibilityProperty: true })))
    .map((s) => s.id);

  return {
    title: document.title,
    h1: document.querySelectorAll("h1").length,
    mathjaxLoaded: !!(window.MathJax && MathJax.startup),
    math: mathNodes.length,
    rendered: document.querySelectorAll("mjx-container").length,
    unrendered, texErrors, rawTex,
    images: imgs.map((img) => ({ src: img.currentSrc || img.src,
                                 ok: img.complete && img.naturalWidth > 0 })),
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
    solutions: solutions.length, openSolutions,
  };
}
"""


# Stops CSS transitions and animations, so that the colours axe reads after a switch of
# colour scheme, and the screenshots, are the final ones.
_NO_MOTION = "*, *::before, *::after { transition: none !important; animation: none !important; }"

# axe-core's rules (runOnly: its tags, or rules); only the violations, with a few nodes each.
_AXE_RUN = r"""
async (runOnly) => {
  const result = await axe.run(document, {
    runOnly, resultTypes: ["violations"], preload: false,  // preload: XHRs for the CSS
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}
"""

# For the dark pass, which runs colour-contrast alone: each typeset formula's content is
# taken out and a blank inline-block of the same size and baseline put in its place, so
# the layout, and with it what lies behind each text, stays as it was. MathJax's output is
# 60 % of a page's nodes (17,397 of 29,102 on api.html), and axe's cost per run grows with
# the whole tree, whatever it then checks; yet it holds no text that axe checks for
# contrast (its glyphs are CSS content, its MathML for screen readers is clipped away).
# On api.html the dark pass took 4.6 s, 2.7 s with the stand-ins. The light pass runs
# every rule on the math as it is.
_MATH_BLANKED = r"""
() => {
  const saved = [];
  for (const box of document.querySelectorAll("mjx-container")) {
    const r = box.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const math = box.querySelector(":scope > mjx-math");
    const blank = document.createElement("span");
    blank.style.cssText = `display: inline-block; width: ${r.width}px; height: ${r.height}px;`
      + `vertical-align: ${math ? getComputedStyle(math).verticalAlign : "baseline"};`;
    saved.push([box, [...box.childNodes]]);
    box.replaceChildren(blank);
  }
  window.__courseMathSaved = saved;
  return saved.length > 0;
}
"""
_MATH_RESTORED = r"""
() => {
  for (const [box, children] of window.__courseMathSaved) box.replaceChildren(...children);
  delete window.__courseMathSaved;
}
"""

# At phone width: can the reader reach all of every formula and table in the article, and
# is every equation number clear of its equation? Walking up from the content, a box that
# scrolls sideways (overflow-x auto or scroll) lets the reader reach what is in it, so from
# there on only that box has to fit; a box that clips (hidden, clip) cuts off what sticks
# out of it; at the top, what sticks out of the window widens the page.
_PHONE = r"""
() => {
  const tol = 1;
  const name = (a) => a.tagName.toLowerCase()
    + (typeof a.className === "string" && a.className.trim()
       ? "." + a.className.trim().split(/\s+/).join(".") : "");
  function reach(el) {
    const r = el.getBoundingClientRect();
    let left = r.left, right = r.right, scrolls = false;
    let visL = r.left, visR = r.right;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === "visible") continue;
      const inL = a.getBoundingClientRect().left + a.clientLeft, inR = inL + a.clientWidth;
      visL = Math.max(visL, inL); visR = Math.min(visR, inR);
      if (ox === "auto" || ox === "scroll") {
        scrolls = scrolls || a.scrollWidth > a.clientWidth + tol;
        left = inL; right = inR;
      } else if (left < inL - tol || right > inR + tol) {
        return { cut: Math.round(Math.max(0, inL - left) + Math.max(0, right - inR)),
                 by: name(a), scrolls, visL, visR };
      }
    }
    const width = document.documentElement.clientWidth;
    visL = Math.max(visL, 0); visR = Math.min(visR, width);
    if (left < -tol || right > width + tol) {
      return { cut: Math.round(Math.max(0, -left) + Math.max(0, right - width)),
               by: "the window", scrolls, visL, visR };
    }
    return { cut: 0, by: null, scrolls, visL, visR };
  }
  const texOf = (n) => {
    try {
      const items = MathJax.startup.document.getMathItemsWithin(n);
      if (items.length) return items[0].math;
    } catch (e) { /* no MathJax: the text */ }
    return n.textContent;
  };
  const short = (t) => t.trim().replace(/\s+/g, " ").slice(0, 70);
  const article = document.querySelector("article") || document.body;
  const items = [];
  for (const n of article.querySelectorAll("div.math, span.math")) {
    const m = n.querySelector("mjx-math");
    if (!m || m.getBoundingClientRect().width === 0) continue;  // not typeset, or hidden
    const item = { kind: n.matches("div") ? "display" : "inline", number: null, over: 0,
                   start: short(texOf(n)), ...reach(m) };
    const eqno = n.querySelector(":scope > .eqno");
    if (eqno && eqno.firstChild) {
      item.number = eqno.firstChild.textContent.trim();
      const range = document.createRange();
      range.selectNodeContents(eqno.firstChild);
      const e = range.getBoundingClientRect(), mr = m.getBoundingClientRect();
      const dx = Math.min(item.visR, e.right) - Math.max(item.visL, e.left);
      const dy = Math.min(mr.bottom, e.bottom) - Math.max(mr.top, e.top);
      item.over = dx > tol && dy > tol ? Math.round(dx) : 0;
    }
    items.push(item);
  }
  for (const t of article.querySelectorAll("table")) {
    if (t.getBoundingClientRect().width === 0) continue;
    const caption = t.querySelector("caption");
    items.push({ kind: "table", over: 0,
                 number: caption ? short(caption.textContent) : null,
                 start: short(t.querySelector("th, td")?.textContent || ""), ...reach(t) });
  }
  return { items, pageWidth: document.documentElement.scrollWidth };
}
"""


@dataclass
class PageResult:
    page: str
    seconds: float = 0.0
    cached: bool = False  # its findings came from the cache (see Cache)
    facts: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # serious or critical axe violations: scheme -> rule -> nodes
    axe: dict[str, Counter[str]] = field(default_factory=dict)

    def summary(self) -> str:
        f = self.facts
        if "redirect" in f:
            return f"redirects to {f['redirect']}"
        axe = " ".join(f"{s} {sum(self.axe.get(s, Counter()).values())}" for s in SCHEMES)
        phone = f["phone"]
        return (
            f"math {f['math']} typeset {f['math'] - len(f['unrendered'])} "
            f"errors {len(f['texErrors'])}; images {f['images']} loaded {f['images_ok']}; "
            f"links {f['internal']} internal ({f['broken']} broken"
            + (", the course PDF's not checked: not built" if self.notes else "")
            + f") + {f['external']} external; "
            f"console errors {f['console']}; solutions {f['solutions']} "
            f"(collapsed {f['solutions'] - len(f['openSolutions'])}); "
            f"axe serious/critical nodes {axe} (other {f['axe_other']}); "
            f"390 px: display math {phone['display']} ({phone['display_scroll']} scroll), "
            f"tables {phone['table']} ({phone['table_scroll']} scroll), "
            f"cut off {phone['cut']}, numbers over equations {phone['over']}"
        )


def find_chromium(explicit: str | None = None) -> str:
    candidate = explicit or os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not candidate or not Path(candidate).exists():
        sys.exit(INSTALL)
    return candidate


def site_pages(site: Path) -> list[Path]:
    pages = [
        p
        for p in sorted(site.rglob("*.html"))
        if not SKIP_DIRS.intersection(p.relative_to(site).parts)
    ]
    if not pages:
        sys.exit(f"no HTML pages under {site}: build the site first (make book)")
    return pages


def course_pdf(site: Path) -> Path | None:
    """Where ``make pdf`` puts the course PDF in the site (book/_build/html/NAME.pdf)."""
    config_file = site.resolve().parents[1] / "_config.yml"
    if not config_file.is_file():
        return None
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    target = (config.get("latex") or {}).get("latex_documents", {}).get("targetname")
    return site.resolve() / Path(target).with_suffix(".pdf").name if target else None


class LinkChecker:
    """Internal links: the target file exists, and so does the #anchor in it."""

    def __init__(self, site: Path):
        self.site = site.resolve()
        self._ids: dict[Path, set[str]] = {}
        self.pdf = course_pdf(site)

    def note(self, href: str) -> str | None:
        """The one link not checked: to the course PDF while it has not been built."""
        path = Path(unquote(urlsplit(href).path))
        if self.pdf is not None and path == self.pdf and not path.exists():
            return (
                f"links the course PDF {path.name}, not built (make pdf builds it and "
                "checks this link): not checked"
            )
        return None

    def ids(self, path: Path) -> set[str]:
        if path not in self._ids:
            self._ids[path] = set(_ID.findall(path.read_text(encoding="utf-8", errors="replace")))
        return self._ids[path]

    def problem(self, href: str) -> str | None:
        parts = urlsplit(href)
        path = Path(unquote(parts.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            return f"broken link {href} (no such file)"
        if not path.resolve().is_relative_to(self.site):
            return f"link {href} leaves the site"
        fragment = unquote(parts.fragment)
        if fragment and path.suffix == ".html" and fragment not in self.ids(path):
            return f"broken link {href} (no id {fragment!r} in {path.name})"
        return None


def phone_problems(phone: dict) -> tuple[dict[str, int], list[str]]:
    """Counts for the report line, and a failure for each item cut off or overlapped."""
    items = phone["items"]
    counts = {
        kind: sum(i["kind"] == kind for i in items) for kind in ("display", "inline", "table")
    }
    for kind in ("display", "table"):
        counts[f"{kind}_scroll"] = sum(i["kind"] == kind and i["scrolls"] for i in items)
    counts["cut"] = sum(bool(i["cut"]) for i in items)
    counts["over"] = sum(bool(i["over"]) for i in items)
    problems = []
    for i in items:
        what = {"display": "display equation", "inline": "inline formula", "table": "table"}
        label = what[i["kind"]] + (f" {i['number']}" if i["number"] else "")
        if i["cut"]:
            problems.append(
                f"390 px: {label} is cut off by {i['cut']} px with no sideways scroll "
                f"(clipped by {i['by']}): {i['start']!r}"
            )
        if i["over"]:
            problems.append(
                f"390 px: equation number {i['number']} is drawn over its equation "
                f"({i['over']} px): {i['start']!r}"
            )
    return counts, problems


@dataclass
class Browsed:
    """What the browser found on one page: all a check needs that the files cannot tell."""

    facts: dict
    violations: dict[str, list[dict]]  # scheme -> axe's violations
    phone: dict
    console: list[str]
    blocked: list[str]  # requests that would have left the site
    failures: list[str]  # what went wrong in the browser itself (a scheme did not switch)
    loaded: list[str]  # the files the page loaded, relative to the site


def sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


class Cache:
    """What the browser found on each page that passed, keyed on everything it read.

    The key of a page is the SHA-256 of the page and of every file it loaded, and the
    checker itself (`set_tool`). Stored as JSON: page ->
    {"tool", "files": {relative path: sha256}, "browsed"}.
    """

    def __init__(self, path: Path | None, site: Path, fresh: bool = False):
        self.path, self.site, self.fresh = path, site, fresh
        self.entries: dict[str, dict] = {}
        if path is not None and path.is_file():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # a damaged cache is an empty one
                self.entries = {}
        self.tool = ""

    def set_tool(self, chromium_version: str) -> None:
        """The checker: this script, axe-core, Chromium and Playwright, the fonts, the site's
        place (the stored links are absolute)."""
        from importlib.metadata import version

        fc_list = shutil.which("fc-list")
        fonts = (
            subprocess.run([fc_list], capture_output=True, check=False).stdout if fc_list else b""
        )
        self.tool = " ".join(
            [
                sha256(Path(__file__)),
                sha256(AXE),
                chromium_version,
                version("playwright"),
                hashlib.sha256(b"\n".join(sorted(fonts.splitlines()))).hexdigest(),
                str(self.site),
            ]
        )

    def get(self, page: str) -> Browsed | None:
        entry = self.entries.get(page)
        if self.path is None or self.fresh or not entry or entry.get("tool") != self.tool:
            return None
        try:
            if any(sha256(self.site / rel) != digest for rel, digest in entry["files"].items()):
                return None
            return Browsed(**entry["browsed"])
        except (KeyError, TypeError, AttributeError):  # an entry of another shape: not kept
            return None

    def put(self, page: str, browsed: Browsed) -> None:
        files = {rel: sha256(self.site / rel) for rel in sorted({page, *browsed.loaded})}
        self.entries[page] = {
            "tool": self.tool,
            "files": files,
            "browsed": dataclasses.asdict(browsed),
        }

    def drop(self, page: str) -> None:
        self.entries.pop(page, None)

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.entries, indent=0, sort_keys=True) + "\n")


async def browse(page, page_path: Path, site: Path, shots: Path | None) -> Browsed:
    """Open one page in the browser tab `page` and collect what it shows.

    The tab is the worker's own, reused from page to page (see `_run`): what this page
    set in it (colour scheme, width, handlers) is set afresh here and undone at the end.
    """
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    console: list[str] = []
    blocked: list[str] = []
    loaded: set[str] = set()
    failures: list[str] = []

    async def offline(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path))
                if path.resolve().is_relative_to(site):
                    loaded.add(path.resolve().relative_to(site).as_posix())
            await route.continue_()
        else:
            blocked.append(url)
            await route.abort("internetdisconnected")

    def on_console(m) -> None:
        if m.type == "error":
            console.append(f"console {m.type}: {m.text}")

    def on_pageerror(e) -> None:
        console.append(f"uncaught exception: {e}")

    def on_requestfailed(r) -> None:
        if not r.url.startswith(("http:", "https:")):  # those are blocked, and reported so
            console.append(f"request failed: {r.url} ({r.failure})")

    handlers = {"console": on_console, "pageerror": on_pageerror, "requestfailed": on_requestfailed}
    await page.set_viewport_size(DESKTOP)
    await page.route("**/*", offline)
    for event, handler in handlers.items():
        page.on(event, handler)
    stem = page_path.relative_to(site).as_posix().replace("/", "__").removesuffix(".html")
    violations = {}
    try:
        await page.emulate_media(color_scheme="light")
        await page.goto(page_path.resolve().as_uri(), wait_until="load", timeout=30_000)
        facts = await page.evaluate(_INSPECT)
        await page.add_style_tag(content=_NO_MOTION)
        if shots is not None:
            await page.screenshot(path=str(shots / f"{stem}.png"), full_page=True)
        await page.add_script_tag(path=str(AXE))
        for scheme in SCHEMES:
            await page.emulate_media(color_scheme=scheme)
            try:
                await page.wait_for_function(
                    f"document.documentElement.dataset.theme === {scheme!r}", timeout=5_000
                )
            except PlaywrightTimeoutError:
                failures.append(f"the page did not switch to the {scheme} scheme")
            # the dark pass (colour contrast only) with MathJax's output stood in for: see
            # _MATH_BLANKED; it is put back, node for node, before anything else looks
            blanked = scheme == "dark" and await page.evaluate(_MATH_BLANKED)
            violations[scheme] = await page.evaluate(_AXE_RUN, AXE_RUNS[scheme])
            if blanked:
                await page.evaluate(_MATH_RESTORED)
        await page.emulate_media(color_scheme="light")
        await page.set_viewport_size(PHONE)
        await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r)))")
        phone = await page.evaluate(_PHONE)
        if shots is not None:
            await page.screenshot(path=str(shots / f"{stem}-390px.png"), full_page=True)
    finally:
        await page.unroute("**/*", offline)
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
    return Browsed(facts, violations, phone, console, blocked, failures, sorted(loaded))


def judge(result: PageResult, browsed: Browsed, links: LinkChecker) -> PageResult:
    """The failures of a page, from what the browser found and the files as they are."""
    facts = dict(browsed.facts)
    violations, phone, console = browsed.violations, browsed.phone, browsed.console
    internal = [h for h in facts["links"] if h.startswith("file:")]
    external = [h for h in facts["links"] if h.startswith(("http:", "https:", "mailto:"))]
    result.notes = sorted({n for n in (links.note(h) for h in set(internal)) if n})
    checked = [h for h in sorted(set(internal)) if not links.note(h)]
    broken = [p for p in (links.problem(h) for h in checked) if p]
    phone_counts, phone_failures = phone_problems(phone)
    facts.update(
        images_ok=sum(i["ok"] for i in facts["images"]),
        internal=len(internal),
        external=len(external),
        broken=len(broken),
        console=len(console),
        phone=phone_counts | {"page_width": phone["pageWidth"]},
        axe_other=sum(
            v["nodes"] for vs in violations.values() for v in vs if v["impact"] not in AXE_FAILS
        ),
    )
    images = facts["images"]
    facts["images"] = len(images)
    result.facts = facts

    fail = result.failures.append
    result.failures += browsed.failures
    if facts["h1"] < 1:
        fail("no <h1>: the page has no content")
    if facts["math"] and not facts["mathjaxLoaded"]:
        fail(f"{facts['math']} math elements but MathJax did not load")
    if facts["rendered"] != facts["math"]:
        fail(f"{facts['math']} math elements but {facts['rendered']} rendered containers")
    for tex in facts["unrendered"]:
        fail(f"math not typeset: {tex!r}")
    for err in facts["texErrors"]:
        fail(f"TeX error: {err!r}")
    for raw in facts["rawTex"]:
        fail(f"raw TeX left in the text: {raw!r}")
    for img in images:
        if not img["ok"]:
            fail(f"image did not load: {img['src']}")
    result.failures += broken
    result.failures += console
    for sid in facts["openSolutions"]:
        fail(f"solution {sid} is not collapsed")
    for scheme, found in violations.items():
        result.axe[scheme] = Counter()
        for v in found:
            if v["impact"] in AXE_FAILS:
                result.axe[scheme][v["id"]] += v["nodes"]
                fail(
                    f"axe ({scheme}): {v['id']} ({v['impact']}, {v['nodes']} nodes): "
                    f"{v['help']}; e.g. {', '.join(v['targets'])}"
                )
    result.failures += phone_failures
    result.failures += [f"offline: the page requested {url}" for url in browsed.blocked]
    return result


async def check_page(
    tab, page_path: Path, site: Path, links: LinkChecker, shots: Path | None, cache: Cache
) -> PageResult:
    result = PageResult(page_path.relative_to(site).as_posix())
    refresh = _REFRESH.search(page_path.read_text(encoding="utf-8", errors="replace"))
    if refresh:  # a redirect, such as index.html -> intro.html
        result.facts = {"redirect": refresh[1]}
        if not (page_path.parent / refresh[1]).exists():
            result.failures.append(f"redirects to a missing page {refresh[1]}")
        return result
    start = time.perf_counter()
    browsed = None if shots is not None else cache.get(result.page)
    result.cached = browsed is not None
    if browsed is None:
        browsed = await browse(tab, page_path, site, shots)
    result.seconds = time.perf_counter() - start
    judge(result, browsed, links)
    if result.failures:
        cache.drop(result.page)
    elif not result.cached:
        cache.put(result.page, browsed)
    return result


async def _run(
    site: Path, shots: Path | None, executable: str, jobs: int, cache: Cache
) -> list[PageResult]:
    from playwright.async_api import async_playwright

    links = LinkChecker(site)
    pages = site_pages(site)
    # the longest pages first, so that the two at a time finish together
    order = sorted(pages, key=lambda p: p.stat().st_size, reverse=True)
    queue: asyncio.Queue[Path] = asyncio.Queue()
    for page_path in order:
        queue.put_nowait(page_path)
    done: dict[Path, PageResult] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        cache.set_tool(browser.version)

        async def worker() -> None:
            # A context each, so that each worker's pages get a renderer process of their
            # own, and one tab that goes from page to page: no renderer process is started
            # per page, and a page after the first can find MathJax and axe-core in V8's
            # cache (the whole check: 64-75 s in six runs, against 70-75 s in three with
            # a tab per page; the machine's noise is as large).
            context = await browser.new_context(viewport=DESKTOP)
            tab = await context.new_page()
            while not queue.empty():
                page_path = queue.get_nowait()
                done[page_path] = await check_page(tab, page_path, site, links, shots, cache)
            await context.close()

        await asyncio.gather(*(worker() for _ in range(jobs)))
        await browser.close()
    cache.save()
    return [done[p] for p in pages]


def run(
    site: Path,
    shots: Path | None = None,
    chromium: str | None = None,
    jobs: int = JOBS,
    cache: Path | None = None,
    fresh: bool = False,
) -> list[PageResult]:
    executable = find_chromium(chromium)
    if not AXE.exists():
        sys.exit(AXE_INSTALL)
    site = site.resolve()
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        for old in shots.glob("*.png"):
            old.unlink()
    return asyncio.run(_run(site, shots, executable, jobs, Cache(cache, site, fresh)))


def axe_totals(results: list[PageResult]) -> str:
    rules = sorted({rule for r in results for c in r.axe.values() for rule in c})
    if not rules:
        return "axe: no serious or critical violation of WCAG 2.1 A/AA, light or dark"
    parts = []
    for rule in rules:
        counts = [sum(r.axe.get(s, Counter())[rule] for r in results) for s in SCHEMES]
        pages = sum(any(c[rule] for c in r.axe.values()) for r in results)
        schemes = " ".join(f"{s} {n}" for s, n in zip(SCHEMES, counts, strict=True))
        parts.append(f"{rule} ({schemes}, on {pages} pages)")
    return "axe serious/critical nodes by rule: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=DEFAULT_SITE)
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="save full-page screenshots here"
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep the findings on passing pages here"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="open every page, and keep the new findings"
    )
    parser.add_argument("--chromium", default=None, help="path to chromium (default: PATH)")
    parser.add_argument("--jobs", type=int, default=JOBS, help="pages at a time (default: 2)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run(args.site, args.screenshots, args.chromium, args.jobs, args.cache, args.fresh)
    failed = [r for r in results if r.failures]
    for r in results:
        status = "FAIL" if r.failures else "ok  "
        when = " cached" if r.cached else f"{r.seconds:5.1f} s"
        print(f"{status} {r.page:45s} {when}  {r.summary()}")
        for message in r.failures:
            print(f"       - {message}")
        for message in r.notes:
            print(f"       - note: {message}")
    seconds = time.perf_counter() - start
    cached = sum(r.cached for r in results)
    print(
        f"{len(results)} pages checked in {seconds:.1f} s in headless Chromium, offline, "
        f"{args.jobs} at a time, at 1200 and 390 px, light and dark; "
        f"{len(failed)} failed."
        + (f" {cached} unchanged since they passed (cached in {args.cache})." if cached else "")
        + (f" Screenshots: {args.screenshots}" if args.screenshots else "")
    )
    print(axe_totals(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
