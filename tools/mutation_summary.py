"""Per-module summary of the last mutmut run (make mutation).

Reads mutmut's results (mutants/course_lib/<module>.py.meta) and the survivors judged by
hand (tools/mutation_equivalent.txt: ``NAME KIND # why``, KIND ``equivalent`` or
``harmless``). For each module it prints the mutants killed, the survivors and the score,
counted over every mutant and over the non-equivalent ones (a harmless survivor still
counts against the score), then lists each survivor nobody has judged yet, and each
judged name that no longer survives.

    python tools/mutation_summary.py [--min PERCENT]

With ``--min``, the exit status is 1 when a module's score without the equivalent
mutants is below PERCENT.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
META = ROOT / "mutants" / "course_lib"
JUDGED = ROOT / "tools" / "mutation_equivalent.txt"

# mutmut 3.8's exit codes (mutmut/stats.py): 1 and 3 are test failures, a timeout is
# a kill too (the mutant made the tests hang).
KILLED = {1, 3, 36, 24, -24, 152, 255, -9, -11}
SURVIVED = {0}


def judged() -> dict[str, str]:
    """NAME -> KIND from tools/mutation_equivalent.txt."""
    names = {}
    if JUDGED.exists():
        for line in JUDGED.read_text().splitlines():
            fields = line.partition("#")[0].split()
            if fields:
                name, kind = fields
                if kind not in ("equivalent", "harmless"):
                    raise SystemExit(f"{JUDGED}: unknown kind {kind!r} for {name}")
                names[name] = kind
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=None, help="lowest acceptable score (%%)")
    args = parser.parse_args()

    metas = sorted(META.glob("*.py.meta"))
    if not metas:
        print("No mutmut results in mutants/: run `make mutation` first.")
        return 1
    equivalent = judged()
    seen: set[str] = set()
    unjudged: list[str] = []
    low = []
    header = f"{'module':10} {'mutants':>7} {'killed':>6} {'survived':>8} {'other':>5}"
    print(f"{header} {'score':>7} {'equiv.':>6} {'harmless':>8} {'score w/o equiv.':>16}")
    for meta in metas:
        module = meta.name.removesuffix(".py.meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        seen.update(codes)
        count = Counter(
            "killed" if c in KILLED else "survived" if c in SURVIVED else "other"
            for c in codes.values()
        )
        survivors = [n for n, c in codes.items() if c in SURVIVED]
        n_equiv = sum(equivalent.get(n) == "equivalent" for n in survivors)
        n_harmless = sum(equivalent.get(n) == "harmless" for n in survivors)
        unjudged += [n for n in survivors if n not in equivalent]
        total = len(codes)
        score = 100 * count["killed"] / total if total else 100.0
        rest = total - n_equiv
        score_ne = 100 * count["killed"] / rest if rest else 100.0
        if args.min is not None and score_ne < args.min:
            low.append(module)
        print(
            f"{module:10} {total:7} {count['killed']:6} {count['survived']:8} "
            f"{count['other']:5} {score:6.1f}% {n_equiv:6} {n_harmless:8} {score_ne:15.1f}%"
        )
    print("('other': not run, no tests, or suspicious; see `mutmut results --all true`)")
    if unjudged:
        print(
            f"\n{len(unjudged)} survivors not in {JUDGED.relative_to(ROOT)} (`mutmut show NAME`):"
        )
        for name in unjudged:
            print("   ", name)
    stale = [n for n in equivalent if n not in seen]
    killed_now = [n for n in equivalent if n in seen and n not in unjudged]
    killed_now = [n for n in killed_now if not _survived(n)]
    if stale or killed_now:
        print(f"\nIn {JUDGED.relative_to(ROOT)} but no longer a survivor (remove them):")
        for name in stale + killed_now:
            print("   ", name)
    if low:
        print(f"\nBelow {args.min}% without the equivalent mutants: {', '.join(low)}")
        return 1
    return 0


def _survived(name: str) -> bool:
    module = name.split(".")[1]
    codes = json.loads((META / f"{module}.py.meta").read_text())["exit_code_by_key"]
    return codes.get(name) in SURVIVED


if __name__ == "__main__":
    sys.exit(main())
