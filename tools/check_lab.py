"""Drive JupyterLab in headless Chromium and check the course opens as it should.

What `make lab` promises, checked on a real server and a real browser:

1. a double-click on a notebook's ``.md`` in the file browser opens it as a notebook
   (the Jupytext default viewer from ``tools/jupyterlab-overrides.json``);
2. MyST renders (jupyterlab-myst): labelled equations are typeset by MathJax, and the
   ``{exercise}`` / ``{solution}`` directives become admonitions, not raw text;
3. saving an unchanged chapter changes nothing: every chapter, opened (its kernel
   started) and saved, leaves both its ``.md`` and its ``.ipynb`` byte-identical;
4. saving keeps the pair in step: an edit saved in JupyterLab reaches both the ``.md``
   and the ``.ipynb`` on disk.

The server runs on a copy of the repository's notebooks and pyproject.toml in a
temporary directory, so the check never touches the working tree. Exit status 0 when
every check passes; a screenshot of the opened notebook is written next to the copy
(its path is printed). Usage: ``.venv/bin/python tools/check_lab.py``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from check_site import CHROMIUM_ARGS, find_chromium  # the site check's browser set-up
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02-sigmoid-from-logit"
CONTROL = "99-hand-wrapped-control"
OVERRIDES = ROOT / "tools" / "jupyterlab-overrides.json"
# the site check's flags, with every host-name look-up blocked except our own server
LAB_ARGS = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")] + [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
]


def install_overrides(prefix: Path = Path(sys.prefix)) -> Path:
    """Put the default-viewer overrides where this environment's JupyterLab reads them."""
    target = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text() != OVERRIDES.read_text():
        shutil.copyfile(OVERRIDES, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root: Path, port: int, token: str) -> subprocess.Popen:
    cmd = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
        # a fresh workspace and user settings: nothing of the user's session leaks in
        f"--LabApp.workspaces_dir={root / 'workspaces'}",
        f"--LabApp.user_settings_dir={root / 'user-settings'}",
    ]
    log = open(root / "lab.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url, timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    proc.terminate()
    raise SystemExit(f"JupyterLab did not start; see {root / 'lab.log'}")


def jupytext_cells(path: Path) -> list:
    import jupytext

    return jupytext.read(path).cells


# Open a chapter as JupyterLab's double-click does, wait for its kernel, save it, close it
_OPEN_AND_SAVE = """async (path) => {
  const app = window.jupyterapp;
  const widget = await app.commands.execute(
    'docmanager:open', {path, factory: 'Jupytext Notebook'});
  await widget.context.ready;
  await widget.sessionContext.ready;
  await new Promise((done) => setTimeout(done, 500));  // the kernel's language_info
  await widget.context.save();
  await widget.close();
}"""


def unchanged_saves(page, work: Path) -> list[str]:
    """Open and save every chapter; return the files whose bytes the save changed."""
    changed = []
    for md in sorted((work / "notebooks").glob("[0-9][0-9]-*.md")):
        halves = [md, md.with_suffix(".ipynb")]
        before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in halves]
        page.evaluate(_OPEN_AND_SAVE, f"notebooks/{md.name}")
        for path, (data, mtime) in zip(halves, before, strict=True):
            if path.stat().st_mtime_ns == mtime:
                changed.append(f"{path.name} (not saved at all)")
            elif path.read_bytes() != data:
                changed.append(path.name)
    return changed


def check(failures: list[str], ok: bool, message: str) -> None:
    print(("PASS: " if ok else "FAIL: ") + message)
    if not ok:
        failures.append(message)


def main() -> int:
    install_overrides()
    work = Path(tempfile.mkdtemp(prefix="check-lab-"))
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    shutil.copyfile(ROOT / "pyproject.toml", work / "pyproject.toml")
    md, ipynb = work / "notebooks" / f"{NOTEBOOK}.md", work / "notebooks" / f"{NOTEBOOK}.ipynb"
    port, token = free_port(), "check-lab"
    lab = start_lab(work, port, token)
    failures: list[str] = []
    chromium = find_chromium()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=LAB_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/notebooks?token={token}")
            page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
            # wait until the settings (the default viewer) have reached the document registry
            factory = f"notebooks/{NOTEBOOK}.md"
            with contextlib.suppress(PlaywrightTimeout):  # reported by the check below
                page.wait_for_function(
                    "p => window.jupyterapp && window.jupyterapp.docRegistry"
                    ".defaultWidgetFactory(p).name === 'Jupytext Notebook'",
                    arg=factory,
                    timeout=30_000,
                )
            name = page.evaluate(
                "p => window.jupyterapp.docRegistry.defaultWidgetFactory(p).name", factory
            )
            check(failures, name == "Jupytext Notebook", f"the default viewer of .md is {name!r}")

            # 3. (first, on untouched files) open and save every chapter unchanged, and a
            # control: chapter 02 with its first caption wrapped by hand, which a save rewrites
            control = work / "notebooks" / f"{CONTROL}.md"
            control.write_text(md.read_text().replace("caption: ", "caption:\n      ", 1))
            shutil.copyfile(ipynb, control.with_suffix(".ipynb"))
            changed = unchanged_saves(page, work)
            chapters = len(list((work / "notebooks").glob("[0-9][0-9]-*.md"))) - 1
            check(
                failures,
                chapters > 0 and changed == [control.name],
                f"saving each of the {chapters} unchanged chapters left both halves "
                f"byte-identical, and the hand-wrapped control was rewritten; changed: {changed}",
            )
            control.unlink()
            control.with_suffix(".ipynb").unlink()

            # 1. double-click the .md in the file browser
            page.locator(".jp-DirListing-item", has_text=f"{NOTEBOOK}.md").dblclick()
            panel = page.locator(".jp-NotebookPanel:visible")
            panel.wait_for(timeout=30_000)
            page.wait_for_selector(".jp-NotebookPanel:visible .jp-Cell", timeout=30_000)
            check(
                failures,
                panel.locator(".jp-FileEditor").count() == 0,
                "it opened as a notebook, not in the text editor",
            )
            expected = len(jupytext_cells(md))
            count_js = "() => window.jupyterapp.shell.currentWidget.content.model.cells.length"
            with contextlib.suppress(PlaywrightTimeout):  # reported by the check below
                page.wait_for_function(f"n => ({count_js})() >= n", arg=expected, timeout=30_000)
            n_cells = page.evaluate(count_js)
            check(
                failures,
                n_cells == expected,
                f"the notebook has {n_cells} cells, as many as jupytext reads ({expected})",
            )

            # 2. MyST renders (jupyterlab-myst typesets math with KaTeX)
            page.wait_for_selector(".jp-NotebookPanel:visible .katex", timeout=30_000)
            n_math = panel.locator(".katex").count()
            n_errors = panel.locator(".katex-error, .myst-error, [class*='error']").count()
            check(
                failures,
                n_math > 0 and n_errors == 0,
                f"{n_math} formulas typeset in view, {n_errors} rendering errors",
            )
            text = panel.inner_text()
            check(
                failures,
                ":label:" not in text and "(sigmoid-from-logit)=" not in text,
                "no raw MyST source (labels, targets) is visible",
            )
            # scroll to the exercises at the end (the notebook renders only what is in view)
            page.evaluate(
                "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                " nb.activeCellIndex = nb.model.cells.length - 1;"
                " return nb.scrollToItem(nb.model.cells.length - 1); }"
            )
            exercises = panel.get_by_text(re.compile(r"^Exercise \d+$"))
            solutions = panel.get_by_text(re.compile(r"^Solution to"))

            def rendering() -> tuple[int, int, bool]:
                text = panel.inner_text()
                raw = "{exercise}" in text or "{solution}" in text
                return exercises.count(), solutions.count(), raw

            # cells render one by one as they scroll into view: wait until it settles
            state, deadline = None, time.time() + 30
            while time.time() < deadline:
                now = rendering()
                if now == state and now[0] and now[1] and not now[2]:
                    break
                state = now
                time.sleep(0.5)
            n_ex, n_sol, raw = rendering()
            check(
                failures,
                n_ex > 0 and n_sol > 0 and not raw,
                f"exercises render as admonitions ({n_ex} in view) and solutions "
                f"as dropdowns ({n_sol} in view); raw directive text: {raw}",
            )
            shot = work / "lab.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}")

            # 4. edit a code cell, save, and look at both files on disk
            marker = "# saved-from-jupyterlab"
            page.evaluate(
                "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                " nb.activeCellIndex = 1; return nb.scrollToItem(1); }"
            )
            code = panel.locator(".jp-CodeCell .cm-content").first
            code.wait_for(timeout=30_000)
            code.click()
            page.keyboard.press("Control+End")
            page.keyboard.type(f"\n{marker}")
            page.keyboard.press("Control+s")
            deadline = time.time() + 20
            while time.time() < deadline and not (
                marker in md.read_text() and marker in ipynb.read_text()
            ):
                time.sleep(0.25)
            check(failures, marker in md.read_text(), f"the saved edit reached {md.name}")
            in_ipynb = any(
                marker in "".join(c["source"]) for c in json.loads(ipynb.read_text())["cells"]
            )
            check(failures, in_ipynb, f"the saved edit reached {ipynb.name}")
            before = jupytext_cells(ROOT / "notebooks" / ipynb.name)
            after = jupytext_cells(ipynb)
            changed = sum(a.source != b.source for a, b in zip(before, after, strict=False))
            outputs_kept = all(
                a.get("outputs") == b.get("outputs") for a, b in zip(before, after, strict=False)
            )
            check(
                failures,
                len(before) == len(after) and changed == 1 and outputs_kept,
                f"saving changed {changed} cell and kept every stored output: {outputs_kept}",
            )
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=20)
    print(f"{len(failures)} failed" if failures else "all JupyterLab checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
