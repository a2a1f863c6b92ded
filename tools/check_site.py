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
- **solutions**: every dropdown solution is collapsed.

A screenshot of each page goes to ``--screenshots`` (default: ``book/_build/screenshots``).
Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright, which downloads no
browser of its own. Exit status 1 if any page fails.

Usage: ``python tools/check_site.py [book/_build/html]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
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


@dataclass
class PageResult:
    page: str
    seconds: float = 0.0
    facts: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        f = self.facts
        if "redirect" in f:
            return f"redirects to {f['redirect']}"
        return (
            f"math {f['math']} typeset {f['math'] - len(f['unrendered'])} "
            f"errors {len(f['texErrors'])}; images {f['images']} loaded {f['images_ok']}; "
            f"links {f['internal']} internal ({f['broken']} broken"
            + (", the course PDF's not checked: not built" if self.notes else "")
            + f") + {f['external']} external; "
            f"console errors {f['console']}; solutions {f['solutions']} "
            f"(collapsed {f['solutions'] - len(f['openSolutions'])})"
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


def check_page(context, page_path: Path, site: Path, links: LinkChecker, shots: Path):
    result = PageResult(page_path.relative_to(site).as_posix())
    console: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda m: console.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: console.append(f"uncaught exception: {e}"))
    page.on(
        "requestfailed",
        lambda r: (
            console.append(f"request failed: {r.url} ({r.failure})")
            if not r.url.startswith(("http:", "https:"))
            else None
        ),
    )
    refresh = _REFRESH.search(page_path.read_text(encoding="utf-8", errors="replace"))
    if refresh:  # a redirect, such as index.html -> intro.html
        result.facts = {"redirect": refresh[1]}
        if not (page_path.parent / refresh[1]).exists():
            result.failures.append(f"redirects to a missing page {refresh[1]}")
        page.close()
        return result
    start = time.perf_counter()
    try:
        page.goto(page_path.resolve().as_uri(), wait_until="load", timeout=30_000)
        facts = page.evaluate(_INSPECT)
        shot = shots / (result.page.replace("/", "__").removesuffix(".html") + ".png")
        page.screenshot(path=str(shot), full_page=True)
    finally:
        result.seconds = time.perf_counter() - start
        page.close()

    internal = [h for h in facts["links"] if h.startswith("file:")]
    external = [h for h in facts["links"] if h.startswith(("http:", "https:", "mailto:"))]
    result.notes = sorted({n for n in (links.note(h) for h in set(internal)) if n})
    checked = [h for h in sorted(set(internal)) if not links.note(h)]
    broken = [p for p in (links.problem(h) for h in checked) if p]
    facts.update(
        images_ok=sum(i["ok"] for i in facts["images"]),
        internal=len(internal),
        external=len(external),
        broken=len(broken),
        console=len(console),
    )
    images = facts["images"]
    facts["images"] = len(images)
    result.facts = facts

    fail = result.failures.append
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
    return result


def run(site: Path, shots: Path, chromium: str | None = None) -> list[PageResult]:
    from playwright.sync_api import sync_playwright

    executable = find_chromium(chromium)
    site = site.resolve()
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    links = LinkChecker(site)
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        blocked: list[str] = []

        def offline(route):
            url = route.request.url
            if url.startswith(("file:", "data:", "blob:")):
                route.continue_()
            else:
                blocked.append(url)
                route.abort("internetdisconnected")

        context.route("**/*", offline)
        for page_path in site_pages(site):
            blocked.clear()
            result = check_page(context, page_path, site, links, shots)
            result.failures += [f"offline: the page requested {url}" for url in blocked]
            results.append(result)
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=DEFAULT_SITE)
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--chromium", default=None, help="path to chromium (default: PATH)")
    args = parser.parse_args(argv)
    shots = args.screenshots or args.site.resolve().parent / "screenshots"
    start = time.perf_counter()
    results = run(args.site, shots, args.chromium)
    failed = [r for r in results if r.failures]
    for r in results:
        status = "FAIL" if r.failures else "ok  "
        print(f"{status} {r.page:45s} {r.seconds:4.1f} s  {r.summary()}")
        for message in r.failures:
            print(f"       - {message}")
        for message in r.notes:
            print(f"       - note: {message}")
    seconds = time.perf_counter() - start
    print(
        f"{len(results)} pages checked in {seconds:.1f} s in headless Chromium, offline; "
        f"{len(failed)} failed. Screenshots: {shots}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
