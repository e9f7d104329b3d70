"""What the converter reports: undefined references, unknown constructs, removed directives.

The fixtures fix the converted text; these tests fix the messages (level and line) that
come with it, since "kept and warned about" and "nothing dropped silently" are promises.
"""

from __future__ import annotations

from myst2qmd import convert_text
from myst2qmd.context import Warning_


def messages(text: str) -> list[tuple[str, int, str]]:
    return [(w.level, w.line, w.message) for w in convert_text(text).warnings]


def only(warnings: list[Warning_], needle: str) -> list[Warning_]:
    return [w for w in warnings if needle in w.message]


def test_undefined_labels_are_kept_and_each_warned_about_with_its_line() -> None:
    text = "Intro.\n\nSiehe {numref}`fig-fehlt` und\n{ref}`abschnitt-fehlt`, {eq}`eq:fehlt`.\n"
    result = convert_text(text)
    assert result.text == "Intro.\n\nSiehe @fig-fehlt und\n@sec-abschnitt-fehlt, @eq-fehlt.\n"
    found = [(w.level, w.line, w.message.split("'")[1]) for w in result.warnings]
    assert found == [
        ("warning", 3, "fig-fehlt"),
        ("warning", 4, "abschnitt-fehlt"),
        ("warning", 4, "eq:fehlt"),
    ]


def test_defined_labels_give_no_warning() -> None:
    text = "(intro)=\n## Intro\n\n$$ x $$ (eq-x)\n\n{ref}`intro` und {eq}`eq-x`.\n"
    assert convert_text(text).warnings == []


def test_label_defined_later_in_the_file_resolves() -> None:
    text = "Siehe {ref}`spaeter`.\n\n(spaeter)=\n## Später\n"
    result = convert_text(text)
    assert result.text == "Siehe @sec-spaeter.\n\n## Später {#sec-spaeter}\n"
    assert result.warnings == []


def test_undefined_reference_inside_a_directive_reports_its_line_in_the_file() -> None:
    text = "Text.\n\n:::{note}\nZeile.\n\nSiehe {numref}`fig-weg`.\n:::\n"
    (warning,) = convert_text(text).warnings
    assert (warning.level, warning.line) == ("warning", 6)
    assert "fig-weg" in warning.message


def test_external_labels_resolve_without_warning() -> None:
    result = convert_text("Siehe {ref}`anderes-kapitel`.\n", external_labels={"anderes-kapitel": "sec-anderes"})
    assert result.text == "Siehe @sec-anderes.\n"
    assert result.warnings == []


def test_unknown_directive_warns_with_its_line_also_when_nested() -> None:
    text = "# T\n\n::::{raetsel} A\n:::{note}\n```{geheim}\nx\n```\n:::\n::::\n"
    found = [(w.level, w.line, w.message) for w in convert_text(text).warnings if "unknown directive" in w.message]
    assert [(level, line) for level, line, _ in found] == [("warning", 3), ("warning", 5)]
    assert "{raetsel}" in found[0][2] and "{geheim}" in found[1][2]


def test_unknown_role_warns() -> None:
    (warning,) = convert_text("a\n\nb {glitzer}`c`\n").warnings
    assert (warning.level, warning.line) == ("warning", 3)
    assert "{glitzer}" in warning.message


def test_removed_directives_say_so_and_name_toctree_entries() -> None:
    text = "```{bibliography}\n```\n\n```{tableofcontents}\n```\n\n```{toctree}\n:hidden:\n\nintro\nteil2\n```\n"
    result = convert_text(text)
    assert result.text == ""
    infos = [(w.level, w.line) for w in result.warnings]
    assert infos == [("info", 1), ("info", 4), ("info", 7)]
    assert "intro, teil2" in result.warnings[2].message


def test_options_without_a_quarto_form_are_reported() -> None:
    text = "::::{grid} 2\n:gutter: 3\n:::{grid-item}\nx\n:::\n::::\n\n```{list-table}\n:stub-columns: 1\n\n* - a\n```\n"
    found = [(w.level, w.line, w.message) for w in convert_text(text).warnings]
    # one shared report for options a directive does not understand: one wording, one severity
    assert [(level, line) for level, line, _ in found] == [("warning", 1), ("warning", 8)]
    assert found[0][2] == "{grid} options not carried over: gutter"
    assert found[1][2] == "{list-table} options not carried over: stub-columns"


def test_multi_paragraph_list_table_cell_is_a_grid_table_cell() -> None:
    # issue 21: a cell of two paragraphs keeps both in a grid table (no longer joined and warned)
    text = "```{list-table}\n* - a\n\n    b\n  - c\n```\n"
    result = convert_text(text)
    assert result.text == "+-----+-----+\n| a   | c   |\n|     |     |\n| b   |     |\n+-----+-----+\n"
    assert result.warnings == []


def test_cite_empty_explains_nocite() -> None:
    (warning,) = convert_text("Text {cite:empty}`a,b`.\n").warnings
    assert warning.level == "info"
    assert "nocite: '@a, @b'" in warning.message
