#!/usr/bin/env python3
"""The construct checklist of issue 21: every case of ``tests/checklist/{jb1,jb2}/*.md`` converted
and classified EXACT / WARNED / SILENT (see ``tests/checklist_score.py``).

Usage::

    python benchmarks/construct_checklist.py              # a table per family, totals per dialect
    python benchmarks/construct_checklist.py -v           # also every case that is not EXACT, and why
    python benchmarks/construct_checklist.py --diff NAME  # a case's expected and actual Quarto
    python benchmarks/construct_checklist.py --write      # record today's EXACT and SILENT sets
                                                          # (tests/checklist/status.json, the ratchet)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from checklist_score import DIALECTS, EXACT, SILENT, WARNED, Outcome, load_cases, score, write_status  # noqa: E402


def table(outcomes: list[Outcome]) -> str:
    """Counts per dialect and family, and the dialect's totals."""
    lines = [f"{'dialect/family':<28}{'cases':>6}{EXACT:>7}{WARNED:>8}{SILENT:>8}"]
    for dialect in DIALECTS:
        mine = [o for o in outcomes if o.case.dialect == dialect]
        for family in sorted({o.case.family for o in mine}):
            counts = Counter(o.verdict for o in mine if o.case.family == family)
            lines.append(
                f"{dialect + '/' + family:<28}{sum(counts.values()):>6}"
                f"{counts[EXACT]:>7}{counts[WARNED]:>8}{counts[SILENT]:>8}"
            )
        counts = Counter(o.verdict for o in mine)
        share = 100 * counts[EXACT] / max(1, len(mine))
        lines.append(
            f"{dialect.upper() + ' total':<28}{len(mine):>6}{counts[EXACT]:>7}{counts[WARNED]:>8}"
            f"{counts[SILENT]:>8}   EXACT {share:.0f}%"
        )
    return "\n".join(lines)


def details(outcomes: list[Outcome]) -> str:
    """Every case that is not EXACT, with the warning codes it got."""
    rows = []
    for o in outcomes:
        if o.verdict != EXACT:
            codes = ", ".join(sorted(set(o.codes))) or "-"
            rows.append(f"{o.verdict:<7} {o.case.dialect}/{o.case.key}  [{codes}]  ({o.case.source})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every case that is not EXACT")
    parser.add_argument("--diff", metavar="NAME", help="show expected and actual Quarto of cases whose name has NAME")
    parser.add_argument("--write", action="store_true", help="record today's EXACT/SILENT sets (the ratchet)")
    args = parser.parse_args(argv)
    cases = load_cases()
    if args.diff:
        cases = [c for c in cases if args.diff in f"{c.dialect}/{c.key}"]
    outcomes = score(cases)
    if args.diff:
        for o in outcomes:
            print(f"=== {o.verdict} {o.case.dialect}/{o.case.key} [{', '.join(o.codes)}]")
            print(f"--- expected\n{o.case.expected}--- actual\n{o.output}")
        return 0
    print(table(outcomes))
    if args.verbose:
        print(details(outcomes))
    if args.write:
        write_status(outcomes)
        print("wrote tests/checklist/status.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
