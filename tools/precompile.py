"""Compile the bytecode of the modules the site build imports, beside the build.

uv installs the lock without compiling its 900 MB of bytecode (with ``--compile-bytecode``
the install took 35.3 s instead of 1.6 s, 2026-12-03), so on a new ``.venv`` the site
build compiles each of the 2,000 modules it imports itself, one after another. ``make
site`` runs this script in the background while the build runs: it compiles the same
modules, in the order the build imports them, on the other core, and the build mostly
finds them compiled (on a new ``.venv``, two runs each: 19.9 and 21.9 s without it, 15.1
and 15.3 s with it). A module whose bytecode is up to date is skipped, so on a warm
``.venv`` it only looks at 2,000 timestamps.

The modules are listed in ``tools/site-modules.txt`` (paths under site-packages), as a
build imported them: ``python tools/precompile.py --record`` builds the site and writes
the list again (do so after ``make lock``). A stale list only costs time: a module not
in it is compiled by the build itself, and a path that no longer exists is skipped.
"""

from __future__ import annotations

import argparse
import compileall
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "tools" / "site-modules.txt"
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
BUILD = ["jupyter-book", "build", str(ROOT / "book"), "--all", "-W", "-n", "--keep-going", "-q"]


def compile_listed(listing: Path = LIST) -> int:
    """Compile each listed module that exists and is out of date; return how many."""
    done = 0
    for line in listing.read_text(encoding="utf-8").splitlines():
        path = SITE_PACKAGES / line
        if line and path.is_file():
            done += bool(compileall.compile_file(path, quiet=2))
    return done


def record(listing: Path = LIST) -> int:
    """Build the site in this process, then list the site-packages modules it imported."""
    from jupyter_book.cli.main import main

    sys.argv = BUILD
    try:
        main()
    except SystemExit as stop:
        if stop.code:
            return int(stop.code)
    imported = [getattr(module, "__file__", None) or "" for module in list(sys.modules.values())]
    paths = [
        Path(f).relative_to(SITE_PACKAGES).as_posix()
        for f in imported
        if f.endswith(".py") and Path(f).is_relative_to(SITE_PACKAGES)
    ]
    listing.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    print(f"{len(paths)} modules listed in {listing.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="build the site, list its modules")
    args = parser.parse_args(argv)
    if args.record:
        return record()
    compile_listed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
