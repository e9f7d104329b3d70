"""The construct checklist of issue 21 as a ratchet (``tests/checklist/``, scored by ``tests/checklist_score.py``).

``tests/checklist/status.json`` records, per dialect, the cases converted EXACTly and those that are
SILENT (wrong or lost without a warning). This test fails when a recorded EXACT case is no longer
EXACT, when a case becomes SILENT that was not, or when the record names a case the checklist no
longer has; a case newly EXACT (or no longer SILENT) only asks, in a warning, for the record to be
updated::

    python tests/test_checklist.py --write      # then: git diff tests/checklist/status.json

``python benchmarks/construct_checklist.py -v`` prints the table and every case that is not EXACT.
"""

from __future__ import annotations

import doctest
import json
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import checklist_score
from checklist_score import DIALECTS, EXACT, SILENT, STATUS, Outcome, load_cases, score, status_of, write_status

try:
    import pypandoc

    pypandoc.get_pandoc_version()
    PANDOC = True
except (ImportError, OSError):
    PANDOC = False


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    if not PANDOC:
        pytest.skip("pandoc is not available (pip install pypandoc-binary): the checklist reads Quarto with it")
    return score(load_cases())


def test_scorer_doctests() -> None:
    for module in (checklist_score, sys.modules[__name__]):
        assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ('::: {.callout-tip title="T"}\nx\n:::\n', "::: {.callout-tip appearance=simple}\n## T\n\nx\n:::\n", True),
        ("## Eins\n", "## Eins {#eins}\n", True),
        ('::: {.panel-tabset group="a"}\n:::\n', '::: {.panel-tabset group="b"}\n:::\n', True),
        ("Ein\nSatz.\n", "Ein Satz.\n", True),
        ("Ein Satz.\n", "Ein Satz!\n", False),
        ("::: {.callout-tip}\nx\n:::\n", "::: {.callout-note}\nx\n:::\n", False),
        ("![](a.png){width=50%}\n", "![](a.png)\n", False),
    ],
)
def test_scorer_equates_only_what_quarto_does_not_care_about(a: str, b: str, same: bool) -> None:
    if not PANDOC:
        pytest.skip("pandoc is not available (pip install pypandoc-binary): the checklist reads Quarto with it")
    first, second = (checklist_score.canonical(ast) for ast in checklist_score.read_many([a, b]))
    assert (first == second) is same


def test_checklist_has_both_dialects_and_unique_names() -> None:
    cases = load_cases()
    keys = [(c.dialect, c.key) for c in cases]
    assert len(keys) == len(set(keys)), "two cases of one family share a name"
    assert sum(c.dialect == "jb1" for c in cases) >= 200
    assert sum(c.dialect == "jb2" for c in cases) >= 60


def ratchet(recorded: dict[str, dict[str, list[str]]], now: dict[str, dict[str, list[str]]]) -> tuple[list, list]:
    """What got worse (failures) and what got better (notes), comparing two records.

    >>> old = {"jb1": {"EXACT": ["a", "b"], "SILENT": ["c"]}}
    >>> ratchet(old, {"jb1": {"EXACT": ["a", "c"], "SILENT": ["d"]}})
    (['jb1/b is no longer EXACT', 'jb1/d became SILENT'], ['jb1/c is now EXACT', 'jb1/c is no longer SILENT'])
    """
    worse, better = [], []
    for dialect, by in now.items():
        before = recorded.get(dialect, {EXACT: [], SILENT: []})
        worse += [f"{dialect}/{k} is no longer EXACT" for k in before[EXACT] if k not in by[EXACT]]
        worse += [f"{dialect}/{k} became SILENT" for k in by[SILENT] if k not in before[SILENT]]
        better += [f"{dialect}/{k} is now EXACT" for k in by[EXACT] if k not in before[EXACT]]
        better += [f"{dialect}/{k} is no longer SILENT" for k in before[SILENT] if k not in by[SILENT]]
    return worse, better


def test_checklist_ratchet(outcomes: list[Outcome]) -> None:
    recorded = json.loads(STATUS.read_text(encoding="utf-8"))
    known = {f"{o.case.dialect}/{o.case.key}" for o in outcomes}
    stale = [f"{d}/{k}" for d in DIALECTS for keys in recorded.get(d, {}).values() for k in keys]
    missing = [k for k in stale if k not in known]
    assert not missing, (
        f"status.json names cases the checklist lacks (python tests/test_checklist.py --write): {missing}"
    )
    worse, better = ratchet(recorded, status_of(outcomes))
    if better:
        warnings.warn(
            f"{len(better)} checklist cases improved ({'; '.join(better[:5])}…): "
            "python tests/test_checklist.py --write",
            stacklevel=1,
        )
    assert not worse, "checklist regressions (on purpose? python tests/test_checklist.py --write):\n" + "\n".join(worse)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_checklist.py --write")
    sys.path.insert(0, str(Path(__file__).parent.parent / "src"))
    write_status(score(load_cases()))
    print(f"wrote {STATUS}")
