"""One `pip install` runs every chapter: course-lib declares all that a chapter imports.

Also: the version is defined once (``course_lib.__version__``, which pyproject.toml
reads), and the wheel carries the licence.
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import jupytext
import pytest

import course_lib

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.md"))
# The kernel that runs a notebook brings IPython; nothing else may be assumed.
KERNEL = {"IPython"}


def imported_modules(md: Path) -> set[str]:
    """Top-level names of the modules that a chapter's code cells import."""
    names = set()
    for cell in jupytext.read(md).cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line
            for line in cell.source.splitlines()
        )
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def declared_distributions() -> set[str]:
    requires = importlib.metadata.requires("course-lib") or []
    # the base requirements, not the extras
    base = [r for r in requires if "extra ==" not in r]
    return {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower() for r in base}


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_import_of_a_chapter_is_a_dependency(md):
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    third_party = imported_modules(md) - set(sys.stdlib_module_names) - KERNEL - {"course_lib"}
    assert third_party, f"{md.name} imports nothing but course_lib? (parse error?)"
    missing = {
        module: providers.get(module, ["?"])
        for module in third_party
        if not {d.lower() for d in providers.get(module, [])} & declared
    }
    assert not missing, (
        f"{md.name} imports {sorted(missing)} (from {missing}), which course-lib does not "
        f"declare in pyproject.toml's dependencies ({sorted(declared)})"
    )


def test_version_is_defined_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"], "the version belongs in course_lib only"
    assert project["project"]["dynamic"] == ["version"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "course_lib.__version__"}
    assert importlib.metadata.version("course-lib") == course_lib.__version__


def test_licences_are_declared_and_present():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    content = (ROOT / "LICENSE-CONTENT").read_text()
    assert "Attribution 4.0 International Public License" in content
