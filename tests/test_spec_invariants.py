"""Issue 20, item 1: the output is checked against what the specs declare.

Two invariants, over every fixture case, the seed chapter and the shared corpus's Markdown
chapters (each converted on its own):

* every label the label pass defines appears as an id in the output (``{#id}``, ``#| label: id``,
  ``id="id"``), or a warning at its line names it and says why it has no place;
* every option a directive's spec calls prose (``prose=("caption",)``) reaches a translation
  segment: its words are in a segment's text (a caption that is only a file name has none).

Ids are found in the Quarto text, not through the converter's code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from cli_run import run_cli
from conftest import SEED, SHARED
from myst2qmd import convert_text
from myst2qmd.constructs import registry
from myst2qmd.convert import parse_text
from myst2qmd.directives import Directive
from myst2qmd.parsed import Parsed
from myst2qmd.segments import extract_segments, replace_segments

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    pytest.param(src, id=f"{path.stem}:{line}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, _title, src, _expected in read_fixture_file(path)
]
CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"
#: a caption that is a file name and nothing else: no prose to translate
FILE_NAME = re.compile(r"[\w./-]+\.\w+")


def shared_texts() -> list[tuple[str, str]]:
    """``(name, MyST)`` of the seed chapter and every Markdown chapter of the corpus."""
    if not SEED.is_file() or not CORPUS.is_dir():
        pytest.skip(f"the seed and corpus are not at {SHARED} (set MYST2QMD_SHARED)")
    files = [SEED, *sorted(CORPUS.rglob("*.md"))]
    return [(str(path.relative_to(SHARED)), path.read_text(encoding="utf-8")) for path in files]


def has_id(qmd: str, ident: str) -> bool:
    """Does ``qmd`` give something the id ``ident``, as Pandoc or Quarto reads ids?"""
    name = re.escape(ident)
    return bool(
        re.search(r"\{[^{}\n]*(?<![\w(])#" + name + r"(?![\w-])[^{}\n]*\}", qmd)
        or re.search(r"(?m)^\s*#\| label: " + name + r"\s*$", qmd)
        or re.search(r'\bid="' + name + '"', qmd)
    )


def labels_without_id(src: str) -> list[str]:
    """The labels of ``src`` that are no id in its output and that no warning at their line names."""
    result = convert_text(src)
    missing = []
    for name, label in result.labels.items():
        if name.startswith("slug:") or has_id(result.text, label.quarto_id):
            continue
        if not any(w.line == label.line and f"'{name}'" in w.message for w in result.warnings):
            missing.append(f"{name} → #{label.quarto_id}")
    return missing


def directives(parsed: Parsed) -> Iterator[Directive]:
    yield from parsed.directives.values()
    for body in parsed.bodies.values():
        yield from directives(body)


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{2,}", text))


def prose_options_without_segment(src: str) -> list[str]:
    """The prose options (as the specs say) of ``src``'s directives whose words reach no segment."""
    segments = extract_segments(convert_text(src).text)
    missing = []
    for d in directives(parse_text(src)):
        for option in registry.spec_of(d.name).prose:
            value = "" if option in ("argument", "body") else d.option(option).strip()
            if not value or FILE_NAME.fullmatch(value):
                continue
            if not any(words(value) <= words(segment.text) for segment in segments):
                missing.append(f"{{{d.name}}} :{option}: {value}")
    return missing


@pytest.mark.parametrize("src", CASES)
def test_every_label_is_an_id_in_the_output(src: str) -> None:
    assert labels_without_id(src) == []


@pytest.mark.parametrize("src", CASES)
def test_every_prose_option_reaches_a_segment(src: str) -> None:
    assert prose_options_without_segment(src) == []


def test_shared_labels_are_ids_and_prose_options_segments() -> None:
    """Both invariants on the seed chapter and the corpus's chapters."""
    for name, text in shared_texts():
        assert labels_without_id(text) == [], name
        assert prose_options_without_segment(text) == [], name


def test_ids_are_found_where_quarto_reads_them() -> None:
    """An id in an attribute block or a cell's ``#| label:`` counts; a link to it does not."""
    assert has_id("```{#lst-b .python}\n", "lst-b") and not has_id("[x](#lst-b)\n", "lst-b")
    assert has_id("```{python}\n#| label: fig-a\n", "fig-a") and not has_id("{#fig-ab}\n", "fig-a")


def test_every_prose_option_says_where_it_is_written() -> None:
    """A prose option outside the argument and body names the Quarto attribute it becomes, and
    the segments read that attribute (``registry.PROSE_ATTRIBUTES`` is derived from the specs)."""
    for spec in registry.DIRECTIVE_SPECS:
        options = {option for option in spec.prose if option not in ("argument", "body")}
        assert options == {option for option, _ in spec.prose_attributes}, spec.names
    assert {"lst-cap", "filename", "fig-alt"} <= registry.PROSE_ATTRIBUTES


def test_a_listing_caption_is_translated_and_a_file_name_in_it_is_not() -> None:
    src = (
        "```{code-block} python\n:name: code-b\n:caption: Der schöne Code in beispiel.py\ny = 2\n```\n\n"
        "```{code-block} python\n:caption: daten.csv\ny = 2\n```\n"
    )
    qmd = convert_text(src).text
    captions = [s for s in extract_segments(qmd) if s.kind == "code-caption"]
    assert [(s.text, s.protected_texts()) for s in captions] == [("Der schöne Code in beispiel.py", ["beispiel.py"])]
    translated = replace_segments(qmd, {captions[0].id: 'The "nice" code in beispiel.py'})
    assert translated.splitlines()[0] == '```{#lst-b .python lst-cap="The \\"nice\\" code in beispiel.py"}'
    assert 'filename="daten.csv"' in translated


def test_pseudo_translation_reaches_a_listing_caption(tmp_path: Path) -> None:
    """Issue 20, bug 2, as a user runs it: ``--engine pseudo`` translates ``lst-cap``."""
    source = tmp_path / "kapitel.md"
    source.write_text(
        "```{code-block} python\n:name: code-b\n:caption: Der schöne Code\ny = 2\n```\n", encoding="utf-8"
    )
    run = run_cli("convert", str(source), "-o", "-", "--engine", "pseudo", "-q")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == '```{#lst-b .python lst-cap="⟦DER SCHÖNE CODE⟧"}'
