"""Issue 9 cases 2, 7, 8, 15, 20, 21, 22: the block kinds pandoc reads from our output.

The inputs are the cases of ``fixtures/trust_structure.md`` (which also pins the exact
output); here pandoc's AST (read independently of our parser) says whether a table is
still a table with its id, a list still a list, and no text went missing.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it.utils import read_fixture_file

from myst2qmd import convert_text
from myst2qmd.constructs.blocks import escape_list_marker, list_marker_escape
from myst2qmd.labels import slug
from quarto_ast import read_ast, stringify, summarize, walk

CASES = {
    title: src for _, title, src, _ in read_fixture_file(Path(__file__).parent / "fixtures" / "trust_structure.md")
}


def source(prefix: str) -> str:
    """The input of the fixture whose title starts with ``prefix``."""
    found = [src for title, src in CASES.items() if title.startswith(prefix)]
    assert len(found) == 1, prefix
    return found[0]


def blocks(qmd: str) -> list[dict[str, Any]]:
    return read_ast(qmd)["blocks"]


def kinds(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["t"] for n in nodes]


def div(qmd: str, ident: str) -> dict[str, Any]:
    found = [el for el in walk(blocks(qmd)) if el["t"] == "Div" and el["c"][0][0] == ident]
    assert len(found) == 1, f"no div #{ident}"
    return found[0]


def tables(qmd: str) -> list[dict[str, Any]]:
    return [el for el in walk(blocks(qmd)) if el["t"] == "Table"]


def table_ids(qmd: str) -> list[str]:
    return [t["c"][0][0] for t in tables(qmd)]


def all_ids(qmd: str) -> set[str]:
    return set(summarize(qmd).ids) | set(table_ids(qmd))


def warnings_of(src: str) -> list[str]:
    return [w.message for w in convert_text(src).warnings]


def assert_references_resolve(qmd: str) -> None:
    summary = summarize(qmd)
    ids = all_ids(qmd)
    for link in summary.links:
        if link.startswith("#"):
            assert link[1:] in ids, link
    for ref in summary.cross_refs:
        assert ref in ids, ref


# -- case 2 --------------------------------------------------------------------------------------
def test_case2_list_table_keeps_paragraphs_before_and_after_the_rows() -> None:
    src = source("issue 9 case 2: list-table text before and after")
    out = convert_text(src).text
    top = blocks(out)
    assert kinds(top) == ["Para", "Table", "Para", "Para"]
    assert stringify(top[0]).startswith("Vorsatz mit")
    assert stringify(top[2]) == "Nachsatz nach der Tabelle."
    assert table_ids(out) == ["tbl-werte"]
    assert_references_resolve(out)
    assert any("besides its rows" in w for w in warnings_of(src))


def test_case2_unclosed_list_table_keeps_its_text() -> None:
    src = source("issue 9 case 2: unclosed list-table")
    out = convert_text(src).text
    top = blocks(out)
    assert kinds(top) == ["Para", "Para", "Table", "Para", "Para"]
    assert [stringify(b) for b in top if b["t"] == "Para"] == [
        "Text.",
        "Vorsatz vor der Tabelle.",
        "Nachsatz nach der Tabelle.",
        "Noch ein Absatz.",
    ]
    messages = warnings_of(src)
    assert any("never closed" in w for w in messages) and any("besides its rows" in w for w in messages)


def test_case2_row_text_outside_cells_and_rows_without_cells_are_kept() -> None:
    src = source("issue 9 case 2: list-table row text")
    out = convert_text(src).text
    text = summarize(out).text
    for words in ("Zeile eins", "nur Text", "eine normale Liste", "Hinweis im Körper."):
        assert words in text
    assert kinds(blocks(out)) == ["Table", "Para", "BulletList", "Div"]
    messages = warnings_of(src)
    assert any("outside its cells" in w for w in messages) and any("without cells" in w for w in messages)


# -- case 7 --------------------------------------------------------------------------------------
def test_case7_label_before_a_table_is_the_table_id() -> None:
    out = convert_text(source("issue 9 case 7: label before a table")).text
    assert kinds(blocks(out)) == ["Table", "Para"]
    assert table_ids(out) == ["tbl-a"]  # a numbered table: tab- is read as tbl-
    assert summarize(out).cross_refs == ["tbl-a"]
    assert_references_resolve(out)


def test_case7_label_before_a_list_or_quote_wraps_the_block() -> None:
    out = convert_text(source("issue 9 case 7: label before a list or a quote")).text
    assert kinds(div(out, "liste")["c"][1]) == ["BulletList"]
    assert kinds(div(out, "num")["c"][1]) == ["OrderedList"]
    assert kinds(div(out, "zitat")["c"][1]) == ["BlockQuote"]
    assert sorted(summarize(out).links) == ["#liste", "#num", "#zitat"]
    assert_references_resolve(out)


def test_case7_label_before_other_blocks() -> None:
    out = convert_text(source("issue 9 case 7: label before code")).text
    assert kinds(div(out, "code")["c"][1]) == ["CodeBlock"]
    assert "HorizontalRule" in kinds(blocks(out))  # after an anchor paragraph: a div's "---" could open YAML
    assert kinds(div(out, "dl")["c"][1]) == ["DefinitionList"]
    assert kinds(div(out, "zweit")["c"][1]) == ["BulletList"]
    top = blocks(out)
    # before a directive and before another label: an anchor paragraph of its own
    assert "Table" in kinds(top)
    assert {"lt", "nt", "erst", "regel"} <= all_ids(out)
    assert not any(b["t"] == "Header" for b in top)


def test_case7_labelled_blocks_inside_containers() -> None:
    out = convert_text(source("issue 9 case 7: labelled blocks inside")).text
    top = blocks(out)
    assert kinds(top) == ["BulletList", "BlockQuote", "Div"]
    item = top[0]["c"][0]
    assert kinds(item) == ["Para", "Div"] and kinds(item[1]["c"][1]) == ["BlockQuote"]
    assert kinds(top[1]["c"]) == ["Para", "Div"] and kinds(top[1]["c"][1]["c"][1]) == ["BulletList"]
    outer = div(out, "aussen")["c"][1]
    assert kinds(outer) == ["BulletList"]
    assert any(c.startswith("callout-") for _, classes, _ in summarize(out).callouts for c in classes)


# -- case 8 --------------------------------------------------------------------------------------
def test_case8_table_caption_follows_the_table() -> None:
    src = source("issue 9 case 8: table caption right after")
    out = convert_text(src).text
    top = blocks(out)
    assert kinds(top) == ["Table", "Para", "Para"]
    assert table_ids(out) == ["tbl-x"]
    assert stringify(top[0]["c"][1]) == "Messwerte"
    assert stringify(top[1]) == "Ein Absatz danach."
    assert summarize(out).cross_refs == ["tbl-x"]
    assert_references_resolve(out)
    assert any("more than its table" in w for w in warnings_of(src))


def test_case8_table_with_text_around_and_in_a_quote() -> None:
    out = convert_text(source("issue 9 case 8: table text before and after")).text
    top = blocks(out)
    assert kinds(top) == ["Para", "Table", "BulletList", "BlockQuote", "Para"]
    assert kinds(top[3]["c"]) == ["Table", "Para"]
    assert table_ids(out) == ["tbl-y", "tbl-z"]
    assert_references_resolve(out)


# -- case 15 -------------------------------------------------------------------------------------
def test_case15_figure_and_image_options_are_kept() -> None:
    src = source("issue 9 case 15: figure and image classes")
    out = convert_text(src).text
    figure = div(out, "fig-a")
    assert figure["c"][0][1] == ["breit"]
    images = [el["c"][0] for el in walk(blocks(out)) if el["t"] == "Image"]
    assert images == [["", ["rahmen"], [["loading", "lazy"]]], ["", ["klein"], [["loading", "lazy"]]]]
    assert warnings_of(src) == []


def test_case15_options_quarto_cannot_express_are_warned() -> None:
    messages = warnings_of(source("issue 9 case 15: figure options Quarto cannot"))
    assert any(":align: top" in w for w in messages)
    assert any(":figwidth:" in w for w in messages)
    assert any("[x is not a class name" in w for w in messages)


@pytest.mark.parametrize(
    ("prefix", "value"),
    [("issue 9 case 15: front-matter substitutions", "Maschinelles Lernen"), ("issue 9 case 15: myst: subst", "ML")],
)
def test_case15_front_matter_substitutions_are_applied(prefix: str, value: str) -> None:
    out = convert_text(source(prefix)).text
    summary = summarize(out)
    assert "substitutions" not in summary.meta and "myst" not in summary.meta
    assert "{{" not in re.sub(r"`[^`]*`", "", out)
    assert value in summary.text


def test_case15_substitution_values_are_converted() -> None:
    out = convert_text(source("issue 9 case 15: front-matter substitutions")).text
    para = blocks(out)[0]
    assert "Strong" in {el["t"] for el in walk(para)}
    assert "Maschinelles Lernen" in stringify(para)
    assert [el["c"][1] for el in walk(para) if el["t"] == "Code"] == ["{{ kurs }}"]


# -- case 20 -------------------------------------------------------------------------------------
def test_case20_umlaut_labels_are_transliterated() -> None:
    src = source("issue 9 case 20")
    out = convert_text(src).text
    headers = [h[1] for h in summarize(out).headers]
    assert headers == ["sec-uebung-csv", "sec-groesse", "sec-uebung-csv-2"]
    assert table_ids(out) == ["tbl-mass"]
    assert_references_resolve(out)
    assert any("#sec-uebung-csv-2" in w for w in warnings_of(src))


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Übung_csv", "uebung-csv"), ("Größe", "groesse"), ("STRAẞE", "strasse"), ("café", "cafe"), ("α", "u3b1")],
)
def test_case20_slug_keeps_every_letter(label: str, expected: str) -> None:
    assert slug(label) == expected


# -- case 21 -------------------------------------------------------------------------------------
def test_case21_generated_figure_ids_are_unique() -> None:
    out = convert_text(source("issue 9 case 21")).text
    figures = summarize(out).figures
    assert len(figures) == 4
    assert len(set(figures)) == 4
    assert "fig-img" in figures  # the explicit label keeps its id


# -- case 22 -------------------------------------------------------------------------------------
def test_case22_text_that_pandoc_would_read_as_a_list_stays_text() -> None:
    out = convert_text(source("issue 9 case 22: paragraphs and captions")).text
    top = blocks(out)
    assert "OrderedList" not in {el["t"] for el in walk(top)}
    assert stringify(div(out, "fig-b")["c"][1][-1]) == "B. Dritte Abbildung"
    texts = [stringify(b) for b in top if b["t"] == "Para"]
    assert texts[:5] == ["a) erstens", "iv. viertens", "(a) klammer", "#. Raute", "z. B. so"]
    assert kinds(top).count("BulletList") == 1 and kinds(top).count("BlockQuote") == 1


_MARKERS = ["a", "B", "I", "V", "iv", "IV", "mix", "dim", "z", "#", "@", "@ab", "1", "1234567890", "ab", "e.g", "MM"]
_FORMS = ["{m}.", "{m})", "({m})", "({m}."]
_AFTER = [" x", "  x", "\tx", "", "x"]
_LINES = [f.format(m=m) + a for m, f, a in itertools.product(_MARKERS, _FORMS, _AFTER)]


def _list_blocks(lines: list[str]) -> list[bool]:
    """Per line: does pandoc read it (as a block of its own) as an ordered list?"""
    doc = "\n\n<!-- -->\n\n".join(lines) + "\n"
    found = [b["t"] for b in blocks(doc) if b["t"] != "RawBlock"]
    assert len(found) == len(lines)
    return [t == "OrderedList" for t in found]


def test_case22_list_marker_rule_agrees_with_pandoc() -> None:
    pandoc = _list_blocks(_LINES)
    ours = [list_marker_escape(line) is not None for line in _LINES]
    assert [line for line, p, o in zip(_LINES, pandoc, ours, strict=True) if p != o] == []
    assert sum(pandoc) > 20
    assert not any(_list_blocks([escape_list_marker(line) for line in _LINES]))


def test_case7_blocks_right_after_a_labelled_block_stay_blocks() -> None:
    out = convert_text(source("issue 9 case 7: a block right after")).text
    assert kinds(blocks(out)) == ["Div", "Header", "Table", "Header", "Div", "CodeBlock"]
    assert table_ids(out) == ["tbl-t"]
    assert {"x", "q"} <= all_ids(out)


def test_case7_label_before_an_unclosed_code_fence() -> None:
    out = convert_text(source("issue 9 case 7: a label before a code fence that is never closed")).text
    # (pandoc itself reads an unclosed fence as text; what matters here: no div fence joins the code)
    assert kinds(blocks(out))[:2] == ["Para", "Para"]
    assert ":::" not in out and out.endswith("```python\ncode\n")
    assert "x" in all_ids(out)


def test_case7_label_before_a_list_with_a_lazy_line() -> None:
    out = convert_text(source("issue 9 case 7: a label before a list with a lazy")).text
    assert "OrderedList" not in {el["t"] for el in walk(blocks(out))}
    assert "innen Fortsetzung" in summarize(out).text
    assert "innen" in all_ids(out)


def test_case7_nested_labelled_lists() -> None:
    out = convert_text(source("issue 9 case 7: labelled lists nested")).text
    outer = div(out, "aussen2")["c"][1]
    assert kinds(outer) == ["BulletList"]
    assert kinds(outer[0]["c"][0]) == ["Para", "Div"]
    assert div(out, "innen2")["c"][0][0] == "innen2"


def test_case7_label_inside_a_table_directive() -> None:
    src = source("issue 9 case 7: a label inside a {table} body")
    out = convert_text(src).text
    assert warnings_of(src) == []
    assert kinds(blocks(out)) == ["Para", "Table", "Para"]
    assert table_ids(out) == ["tbl-q"]
    assert_references_resolve(out)


def test_case2_list_table_without_rows_keeps_its_text() -> None:
    src = source("issue 9 case 2: a list-table without rows")
    out = convert_text(src).text
    assert kinds(blocks(out)) == ["Para", "Para", "Div", "Para"]
    # the title too (it was dropped): found by the spec's prose contract (test_specs.py)
    assert "Werte" in summarize(out).text
    assert "Nur Text mit" in summarize(out).text and summarize(out).callouts
    assert_references_resolve(out)
    assert any("without rows" in w for w in warnings_of(src))


def test_case2_list_table_in_a_quote() -> None:
    out = convert_text(source("issue 9 case 2: a list-table in a block quote")).text
    top = blocks(out)
    assert kinds(top) == ["BlockQuote", "Para"]
    assert kinds(top[0]["c"]) == ["Para", "Table", "Para"]
    assert table_ids(out) == ["tbl-zitat"]
    assert_references_resolve(out)


def test_case22_markers_in_other_blocks() -> None:
    out = convert_text(source("issue 9 case 22: list markers in footnotes")).text
    lists = [el for el in walk(blocks(out)) if el["t"] == "OrderedList"]
    assert len(lists) == 1 and stringify(lists[0]) == "c) im Punkt"
    text = summarize(out).text
    for words in ("a) in der Fußnote", "b) in der Definition", "a) Wert am Anfang"):
        assert words in text
