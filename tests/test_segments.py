"""Prose segments of the converted document, and writing them back."""

from __future__ import annotations

from collections import Counter

import yaml

from myst2qmd import convert_text
from myst2qmd.segments import extract_segments, replace_segments
from quarto_ast import assert_protected_spans_kept, summarize


def _shout(qmd: str) -> str:
    segments = extract_segments(qmd)
    texts = {}
    for segment in segments:
        if segment.has_prose:
            masked, _ = segment.masked()
            back = segment.unmask(masked.upper())
            assert back is not None
            texts[segment.id] = back
    return replace_segments(qmd, texts, segments)


def test_kinds_on_the_seed(seed_text: str) -> None:
    qmd = convert_text(seed_text).text
    kinds = Counter(s.kind for s in extract_segments(qmd))
    assert kinds["title"] == 1
    assert kinds["caption"] == 34
    assert kinds["callout-title"] == 2
    assert kinds["heading"] >= 17
    assert kinds["list-item"] >= 10


def test_rewriting_every_segment_keeps_structure(seed_text: str) -> None:
    qmd = convert_text(seed_text).text
    shouted = _shout(qmd)
    assert_protected_spans_kept(qmd, shouted)
    before, after = summarize(qmd), summarize(shouted)
    assert after.display_math == before.display_math
    assert after.divs == before.divs
    assert [h[1] for h in after.headers] != [] and [h[0] for h in after.headers] == [h[0] for h in before.headers]
    assert after.meta["title"] != before.meta["title"]
    assert "MOTIVATION" in shouted and "Motivation" not in shouted.split("---", 2)[2][:200]


def test_protected_spans() -> None:
    qmd = (
        "Siehe @fig-a, [@k1; @k2], `code`, $x^2$, <b>fett</b>, {{< kbd Ctrl >}}, "
        "[Text](https://example.org){.cls}, ![](a.png){width=60} und https://x.org/y.\n"
    )
    (segment,) = extract_segments(qmd)
    masked, spans = segment.masked()
    assert spans == [
        "@fig-a",
        "[@k1; @k2]",
        "`code`",
        "$x^2$",
        "<b>",
        "</b>",
        "{{< kbd Ctrl >}}",
        "[",
        "](https://example.org){.cls}",
        "![](a.png){width=60}",
        "https://x.org/y",
    ]
    assert "Text" in masked and "fett" in masked


def test_unmask_rejects_lost_or_doubled_placeholders() -> None:
    (segment,) = extract_segments("A @fig-a and $x$.\n")
    assert segment.unmask("B ⟨1⟩ and ⟨ 2 ⟩.") == "B @fig-a and $x$."
    assert segment.unmask("B ⟨2⟩ then ⟨1⟩.") == "B $x$ then @fig-a."
    assert segment.unmask("B ⟨1⟩ only.") is None
    assert segment.unmask("B ⟨1⟩ ⟨1⟩ ⟨2⟩.") is None


def test_segment_kinds_in_structures() -> None:
    qmd = (
        '---\ntitle: "Ein Titel"\n---\n\n## Kopf {#sec-k}\n\n- Punkt eins\n\n'
        "| Spalte | Wert |\n|---|---|\n| Zelle | 3 |\n\n: Unterschrift {#tbl-x}\n\n"
        '::: {.callout-note appearance="simple"}\n\n**Frage**\n\nKörper.\n:::\n'
    )
    kinds = [(s.kind, s.text) for s in extract_segments(qmd)]
    assert kinds == [
        ("title", "Ein Titel"),
        ("heading", "Kopf"),
        ("list-item", "Punkt eins"),
        ("table-cell", "Spalte"),
        ("table-cell", "Wert"),
        ("table-cell", "Zelle"),
        ("table-cell", "3"),
        ("table-caption", "Unterschrift"),
        ("callout-title", "Frage"),
        ("paragraph", "Körper."),
    ]
    seg = next(s for s in extract_segments(qmd) if s.kind == "table-caption")
    assert seg.masked()[0] == "Unterschrift"


def test_write_back_escapes_yaml_and_table_pipes() -> None:
    qmd = '---\ntitle: "Alt"\n---\n\n| a |\n|---|\n| b |\n'
    segments = extract_segments(qmd)
    title = next(s for s in segments if s.kind == "title")
    cell = next(s for s in segments if s.text == "b")
    out = replace_segments(qmd, {title.id: 'Neu "x"', cell.id: "c | d"}, segments)
    assert 'title: "Neu \\"x\\""' in out
    assert "| c \\| d |" in out
    assert yaml.safe_load(out.split("---")[1])["title"] == 'Neu "x"'
    # pandoc reads the title as it was sent: Neu, then "x" in double quotes
    title_inlines = summarize(out).meta["title"]["c"]
    assert [i["t"] for i in title_inlines] == ["Str", "Space", "Quoted"]
    assert title_inlines[2]["c"] == [{"t": "DoubleQuote"}, [{"t": "Str", "c": "x"}]]


def test_multi_line_list_item_keeps_indentation() -> None:
    qmd = "- erste Zeile\n  zweite Zeile\n- b\n"
    segments = extract_segments(qmd)
    first = segments[0]
    out = replace_segments(qmd, {first.id: "first line\nsecond line"}, segments)
    assert out == "- first line\n  second line\n- b\n"


def test_a_crlf_document_is_translated_inside_divs_too() -> None:
    """``\\r\\n`` line ends: the prose inside callouts and figures is found as in a ``\\n`` file
    (it was all kept in German), and every line keeps its ``\\r\\n``."""
    from myst2qmd.translate import Translator
    from myst2qmd.translate.engines.pseudo import PseudoEngine

    lf = (
        "# Titel\n\nEin Absatz\nüber zwei Zeilen.\n\n```{note}\nEin Hinweis im Kasten.\n```\n\n"
        ":::{figure-md} fig-a\n![Alternativtext](bild.png)\n\nEine Bildunterschrift.\n:::\n"
    )
    crlf = lf.replace("\n", "\r\n")
    assert [s.text for s in extract_segments(convert_text(crlf).text)] == [
        s.text for s in extract_segments(convert_text(lf).text)
    ]
    out, report, _ = Translator(PseudoEngine()).translate_document(convert_text(crlf).text)
    assert "\n" not in out.replace("\r\n", "")
    for german in ("HINWEIS IM KASTEN", "ALTERNATIVTEXT", "BILDUNTERSCHRIFT", "ZWEI ZEILEN"):
        assert german in out, german
    assert not report.kept
