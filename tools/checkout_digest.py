"""The SHA-256 of the checkout's files, less some: the key under which a result is kept.

The files are git's (``git ls-files --cached --others --exclude-standard``: what it
tracks, and new files it does not ignore), each hashed by content. Leaving a path out
(``--ignore PREFIX``) says that it cannot change the result: a path left in by mistake
only makes the result be recomputed more often. ``make site`` skips the Jupyter Book build
while the digest of its inputs is the one it last built (``book/_build/.site-digest``), and
tests/pass_cache.py keys the passes of the slow tests on it.

Usage: ``python tools/checkout_digest.py [--ignore PREFIX ...]``; prints the digest, or
nothing (exit status 1) outside a git checkout's top folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@cache
def checkout_files(root: Path = ROOT) -> tuple[str, ...] | None:
    """The checkout's files, relative to `root`; None unless `root` is a git checkout's top."""
    if shutil.which("git") is None:
        return None
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, check=False
    )
    if top.returncode != 0 or Path(top.stdout.decode().strip()).resolve() != root.resolve():
        return None
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    )
    return tuple(sorted(set(listed.stdout.decode().split("\0")) - {""}))


@cache
def file_digest(path: Path) -> str:
    """SHA-256 of a file's content; of its target, for a symbolic link (as git stores it)."""
    try:
        if path.is_symlink():
            return "symlink " + os.readlink(path)
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # listed by git but deleted since
        return "missing"


def digest(
    ignore: Iterable[str] = (), keep: Iterable[str] = (), extra: str = "", root: Path = ROOT
) -> str | None:
    """SHA-256 of `extra` and of every file (path and content) not under an `ignore` prefix.

    A file in `keep` is hashed even when under an ignored prefix.
    """
    files = checkout_files(root)
    if files is None:
        return None
    ignore, keep = tuple(ignore), frozenset(keep)
    h = hashlib.sha256(extra.encode())
    for rel in files:
        if rel in keep or not rel.startswith(ignore):
            h.update(f"\n{rel}\0{file_digest(root / rel)}".encode())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ignore", nargs="*", default=[], help="path prefixes left out")
    args = parser.parse_args(argv)
    found = digest(args.ignore, extra=sys.version)
    if found is None:
        return 1
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
