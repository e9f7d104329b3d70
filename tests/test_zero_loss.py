"""Issue 21: no construct loses text or a label without a warning.

Every case of the fixture files (``tests/fixtures``) and of the construct checklist
(``tests/checklist``, both dialects) is converted; every word the MyST shows a reader and every
label it defines (read with markdown-it's tokens, never the converter's code: see
:func:`myst_structure.myst_words_and_labels`) must be found in the output, a label as an id
(``#fig-x``, ``{#eq-x}``: its prefix may change, its name may not), unless the run said why with
a warning or info that has a code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from markdown_it.utils import read_fixture_file

from checklist_score import Case, convert_case, load_cases
from dialects import case_options
from myst2qmd import convert_text
from myst2qmd.constructs.project import myst_extension
from myst2qmd.context import Options
from myst_structure import myst_words_and_labels

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_CASES = [
    pytest.param(src, case_options(path, title), id=f"{path.stem}:{line}:{title[:40]}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, src, _ in read_fixture_file(path)
]
CHECKLIST_CASES = [pytest.param(case, id=f"{case.dialect}/{case.key}"[:80]) for case in load_cases()]


def _id_form(label: str) -> str:
    """A label as ids spell it: lower case, runs of other characters as ``-``.

    >>> _id_form("Kap:Einleitung 2")
    'kap-einleitung-2'
    """
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def lost(src: str, output: str, fieldlist: bool = False) -> list[str]:
    """What ``src`` shows or defines that ``output`` no longer has: words, and labels as ``(label)``.

    >>> lost("(fig-a)=\\nEin Text\\n", "[]{#fig-a}\\nEin Text\\n"), lost("(gl-a)=\\nText", "[]{#eq-a}\\n")
    ([], ['Text'])
    >>> lost("(a)=\\nText\\n", "Text\\n")
    ['(a)']
    """
    words, labels = myst_words_and_labels(src, fieldlist)
    missing = sorted(word for word in words if word not in output)
    written = re.findall(r"#([^\s{}\"'>)]+)", output) + re.findall(r"(?m)^#\| label: *(\S+)", output)
    ids = " ".join(map(_id_form, written))
    for label in sorted(labels):
        if re.search(rf"(?m)^\({re.escape(label)}\)=\n\(", src):
            continue  # stacked labels name one block: the last one's id stands for them (see references.md)
        name = _id_form(label)
        tail = name.split("-", 1)[1] if "-" in name else name  # its prefix may change (gl- → eq-)
        if tail and tail not in ids:
            missing.append(f"({label})")
    return missing


def case_fieldlist(case: Case) -> bool:
    """Does the case's project file enable field lists (as the converter reads a ``_config.yml``)?"""
    config = yaml.safe_load(case.files.get("_config.yml", "")) or {}
    return isinstance(config, dict) and myst_extension(config, "fieldlist")


@pytest.mark.parametrize(("src", "options"), FIXTURE_CASES)
def test_a_fixture_loses_nothing_without_a_warning(src: str, options: Options) -> None:
    result = convert_text(src, path="case.md", options=options)
    missing = lost(src, result.text, options.fieldlist)
    assert not missing or result.warnings, f"lost without a warning: {missing}"


@pytest.mark.parametrize("case", CHECKLIST_CASES)
def test_a_checklist_construct_loses_nothing_without_a_warning(case: object) -> None:
    output, codes = convert_case(case)  # type: ignore[arg-type]
    missing = lost(case.myst, output, case_fieldlist(case))  # type: ignore[arg-type, attr-defined]
    assert not missing or codes, f"lost without a warning: {missing}"
