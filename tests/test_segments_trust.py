"""Issue 9, cases 25–28: markup that must never reach a translation engine (``--engine pseudo``
shows what is sent), and the reply check every engine's replies go through (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pypandoc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RecordingPseudo
from myst2qmd import convert_text
from myst2qmd.segments import extract_segments, replace_segments
from myst2qmd.translate import TranslationCache, Translator
from myst2qmd.translate.engines.base import Reply, Unit
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.validate import check, check_text, escape_block_starts, links_paired
from myst2qmd.translate.writeback import parity_repair
from quarto_ast import read_ast, summarize, walk


def _pseudo(myst: str) -> tuple[str, str, list[str]]:
    """(converted, translated with the pseudo engine, what the engine received)."""
    plain = convert_text(myst).text
    engine = RecordingPseudo()
    translated, _, warnings = Translator(engine).translate_document(plain)
    assert not warnings
    return plain, translated, engine.sent


def _raw_tex(qmd: str) -> list[str]:
    return [el["c"][1] for el in walk(read_ast(qmd)["blocks"]) if el["t"] == "RawInline" and el["c"][0] == "tex"]


# -- case 25: raw LaTeX in prose -----------------------------------------------------------------
def test_case25_tex_commands_are_protected_and_text_arguments_translated() -> None:
    plain, translated, sent = _pseudo("Text mit \\newpage und \\textbf{Fett} und \\hspace{1cm} hier.\n")
    assert sent == ["Text mit ⟨1⟩ und ⟨2⟩Fett⟨3⟩ und ⟨4⟩ hier."]
    assert "\\newpage" in translated and "\\hspace{1cm}" in translated
    assert "\\textbf{FETT}" in translated  # the command kept, its words translated
    assert "\\NEWPAGE" not in translated and "\\HSPACE" not in translated
    assert [t.lower() for t in _raw_tex(translated)] == [t.lower() for t in _raw_tex(plain)]


def test_case25_parity_notices_changed_tex() -> None:
    qmd = convert_text("Ein Absatz mit \\newpage darin.\n\nNoch einer.\n").text
    segments = extract_segments(qmd)
    first = segments[0]
    broken = {first.id: first.text.replace("\\newpage", "\\NEWPAGE")}
    out, reverted = parity_repair(qmd, segments, broken, replace_segments(qmd, broken, segments))
    assert reverted == [first.id] and out == qmd
    added = {first.id: first.text + " \\input{/etc/passwd}"}
    out, reverted = parity_repair(qmd, segments, added, replace_segments(qmd, added, segments))
    assert reverted == [first.id] and "\\input" not in out


# -- case 26: task lists -------------------------------------------------------------------------
def test_case26_task_list_boxes_stay_outside_the_segment() -> None:
    plain, translated, sent = _pseudo("- [ ] Aufgabe eins\n- [x] Erledigte Aufgabe\n")
    assert sent == ["Aufgabe eins", "Erledigte Aufgabe"]
    assert translated == "- [ ] ⟦AUFGABE EINS⟧\n- [x] ⟦ERLEDIGTE AUFGABE⟧\n"
    assert summarize(translated).text.startswith("☐") and "☒" in summarize(translated).text


# -- case 27: a pipe inside inline code in a table cell --------------------------------------------
def test_case27_code_with_a_pipe_in_a_table_cell_is_one_cell() -> None:
    myst = "| Spalte | Code |\n|---|---|\n| Wert | `code|pipe` Text |\n"
    plain, translated, sent = _pseudo(myst)
    assert "⟨1⟩ Text" in sent and not any("`" in s for s in sent)
    assert "| ⟦WERT⟧ | ⟦`code|pipe` TEXT⟧ |" in translated

    def cells(qmd: str) -> list[str]:
        html = pypandoc.convert_text(qmd, "html", format="markdown")
        return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.DOTALL)

    assert len(cells(translated)) == len(cells(plain)) == 4
    assert "<code>code|pipe</code>" in cells(translated)[3]
    # a new "|" in a translation is escaped, the code span's own is not
    segment = next(s for s in extract_segments(plain) if "code|pipe" in s.text)
    out = replace_segments(plain, {segment.id: "`code|pipe` a | b"})
    assert "| `code|pipe` a \\| b |" in out


# -- case 28: HTML entities ----------------------------------------------------------------------
def test_case28_entities_are_protected() -> None:
    plain, translated, sent = _pseudo("Umlaute &auml; und&nbsp;Leerzeichen &copy; 2024 &ndash; Ende &#228; &#x4E;.\n")
    assert "&" not in "".join(sent)
    for entity in ("&auml;", "&nbsp;", "&copy;", "&ndash;", "&#228;", "&#x4E;"):
        assert entity in translated
    assert "&AUML;" not in translated and "&NBSP;" not in translated
    assert summarize(translated).text.count("ä") == summarize(plain).text.count("ä") == 2


# -- the title and alt texts are protected as body text is (issue 14 item 1) --------------------
def test_title_and_alt_texts_have_protected_spans() -> None:
    qmd = '---\ntitle: "Faltung mit `conv2d` und $x$"\n---\n\n![](a.png){fig-alt="Bild von $y$ und @fig-a"}\n'
    title, alt = extract_segments(qmd)
    assert title.masked() == ("Faltung mit ⟨1⟩ und ⟨2⟩", ["`conv2d`", "$x$"])
    assert alt.masked() == ("Bild von ⟨1⟩ und ⟨2⟩", ["$y$", "@fig-a"])


# -- the reply check (issue 14 items 2–5): unit level ------------------------------------------
SOURCE = "Die Faltung ist eine lineare Operation auf Bildern, siehe ⟨1⟩."
HONEST = "The convolution is a linear operation on images, see ⟨1⟩."


@pytest.mark.parametrize(
    "reply",
    [
        HONEST + " [x](javascript:alert(1))",
        HONEST + " <svg/onload=alert(1)>",
        HONEST + " \\newpage",
        HONEST + " \\input{/etc/passwd}",
        HONEST.replace("⟨1⟩", "⟨1⟩{=html}"),
        HONEST.replace("⟨1⟩", "⟨1⟩{#sec-evil .evil}"),
        HONEST + " {{< include /etc/passwd >}}",
        HONEST + " ![](https://evil.example/x.png)",
        HONEST + " $$x$$",
        HONEST + " @fig-evil",
        HONEST + " [@key]",
        HONEST + " ^[note]",
        HONEST + " [span]{#id}",
        HONEST + " &lt;b&gt;",
        HONEST + " <!-- ",
        "I can't help with that.",
        "Sure, here you go: " + HONEST,
        "La convolution est une opération linéaire sur les images, voir ⟨1⟩.",
        HONEST.replace("is", "is\x00"),
        HONEST.replace("is", "\x1b[31mis"),
        HONEST.replace("is", "is\x0c"),
        HONEST.replace("is", "is\ud800"),
        "x ⟨1⟩",
        "*" + HONEST,  # an emphasis that never closes: pandoc then loses a heading's {#sec-x}
        HONEST.replace("images", "_images"),
    ],
)
def test_bad_replies_are_rejected(reply: str) -> None:
    verdict = check(SOURCE, Reply(reply, "stop"), source_lang="de", target_lang="en")
    assert not verdict.ok, reply
    assert check(SOURCE, Reply(HONEST, "stop"), source_lang="de", target_lang="en").ok


def test_markup_the_source_had_may_come_back() -> None:
    source = "Ein Wert in [eckigen Klammern] und <5 Elemente, siehe ⟨1⟩."
    assert check_text(source, "A value in [square brackets] and <5 elements, see ⟨1⟩.").ok
    source = "Das _Receptive Field_ einer **Schicht** in snake_case."
    assert check_text(source, "The _receptive field_ of a **layer** in snake_case.").ok
    assert check_text(source, "The receptive field of a layer in snake_case.").ok


@pytest.mark.parametrize(
    ("reply", "escaped"),
    [
        ("a) first", "a\\) first"),
        ("#. first", "\\#. first"),
        ("(iv) fourth", "\\(iv) fourth"),
        ("(@) example", "\\(@) example"),
        ("one\n===\ntwo", "one\n\\===\ntwo"),
        ("one\n:   two", "one\n\\:   two"),
        ("one\n~   two", "one\n\\~   two"),
        ("B. Third figure", "B\\. Third figure"),
        ("1. first", "1\\. first"),
        ("one\n---- ----\ntwo", "one\n\\---- ----\ntwo"),
        ("one\n+---+---+\ntwo", "one\n\\+---+---+\ntwo"),
        ("one\n| a | b |\ntwo", "one\n\\| a | b |\ntwo"),
        ("one\n> quoted", "one\n\\> quoted"),
        ("one\n- item", "one\n\\- item"),
        ("one\n```\ntwo", "one\n\\```\ntwo"),
        ("one\n::: {.x}\ntwo", "one\n\\::: {.x}\ntwo"),
    ],
)
def test_new_block_starts_are_escaped(reply: str, escaped: str) -> None:
    assert escape_block_starts("Ein Satz", reply) == escaped
    assert escape_block_starts("1. Einleitung", "1. Introduction") == "1. Introduction"  # the source's own
    body = read_ast(convert_text("Absatz davor.\n\n" + escaped + "\n").text)["blocks"]
    assert [b["t"] for b in body] == ["Para", "Para"]


def test_short_sources_need_replies_of_a_sane_length() -> None:
    for source, reply, ok in [
        ("Motivation", "x", False),
        ("Einleitung", "Introduction", True),
        ("Ziel", "Goal", True),
        ("Übung", "Übung", False),  # an echo of German
        ("Motivation", "Motivation", True),  # the same word in both languages
        ("Ziel", "Le but", False),  # French
        ("Bild", "Image " * 20, False),
    ]:
        assert check_text(source, reply).ok is ok, (source, reply)


def test_swapped_link_targets_are_noticed() -> None:
    spans = ["[", "](a.qmd)", "[", "](b.qmd)"]
    assert links_paired("See ⟨1⟩A⟨2⟩ and ⟨3⟩B⟨4⟩.", spans)
    assert not links_paired("See ⟨1⟩A⟨4⟩ and ⟨3⟩B⟨2⟩.", spans)


def test_a_reply_is_taken_only_for_the_unit_whose_marker_it_holds() -> None:
    """Two units alike in placeholders, numbers and length: each goes out behind a marker of its own,
    and replies given to the wrong unit (swapped, merged, shifted) are refused, all of the request's."""
    from myst2qmd.translate.markers import CROSSED, mark, unmark

    units, markers = mark([Unit("a", "Ein Satz über Filter ⟨1⟩."), Unit("b", "Ein Satz über Kanäle ⟨1⟩.")])
    assert [u.text for u in units] == ["⟨2⟩ Ein Satz über Filter ⟨1⟩.", "⟨3⟩ Ein Satz über Kanäle ⟨1⟩."]
    honest = {"a": Reply("⟨2⟩ A sentence about filters ⟨1⟩."), "b": Reply("A sentence ⟨3⟩ about channels ⟨1⟩.")}
    assert {k: (r.text, r.problem) for k, r in unmark(honest, markers).items()} == {
        "a": ("A sentence about filters ⟨1⟩.", ""),
        "b": ("A sentence about channels ⟨1⟩.", ""),
    }
    swapped = {"a": honest["b"], "b": honest["a"]}
    merged = {"a": Reply(honest["a"].text + " " + honest["b"].text)}
    for replies in (swapped, merged):
        assert {r.problem for r in unmark(replies, markers).values()} == {CROSSED}
    lost = unmark({"a": Reply("A sentence about filters ⟨1⟩."), "b": honest["b"]}, markers)
    assert lost["a"].problem == "lost its marker ⟨2⟩" and not lost["b"].problem
    alone, none = mark([Unit("a", "Ein Satz.")])
    assert alone[0].text == "Ein Satz." and unmark({"a": Reply("A sentence.")}, none)["a"].text == "A sentence."


def test_a_marker_like_text_in_a_source_takes_no_other_units_marker() -> None:
    """A source that writes ``〈2〉`` or ``<2>`` (read back as ``⟨2⟩``, like every mangled placeholder)
    does not make its honest reply look like one holding the next unit's marker."""
    from myst2qmd.translate.markers import mark, unmark

    for literal in ("〈2〉", "<2>", "⟨ 2 ⟩"):
        units, markers = mark([Unit("a", f"Es gilt x {literal} y."), Unit("b", "Ein anderer Satz.")])
        assert 2 not in markers.values()
        echoed = {u.id: Reply(u.text.replace("Es gilt", "It holds").replace("Ein anderer", "Another")) for u in units}
        replies = unmark(echoed, markers)
        assert replies["b"] == Reply("Another Satz.") and not replies["a"].problem


def test_swapped_ids_in_a_batch_are_resent_one_by_one() -> None:
    """An engine that gives each unit the next unit's translation when it gets several at once."""

    class Swapping(PseudoEngine):
        checks_language = True

        def translate(self, units, request):  # type: ignore[no-untyped-def]
            honest = {u.id: Reply(_english(u.text), "stop") for u in units}  # each behind its marker
            ids = [u.id for u in units]
            return {i: honest[ids[(n + 1) % len(ids)]] for n, i in enumerate(ids)}

    qmd = convert_text(
        "Ein kurzer Absatz über Filter.\n\nEin viel längerer Absatz über Filter, Kanäle und $x$ Gewichte im Netz.\n"
    ).text
    translated, report, warnings = Translator(Swapping()).translate_document(qmd)
    assert translated == (
        "A short paragraph about filters.\n\n"
        "A much longer paragraph about filters, channels and $x$ weights in the network.\n"
    )
    assert not warnings


def _english(sent: str) -> str:
    """The translation of a unit as sent: the marker it may go out behind (⟨9⟩ ), then its text."""
    marker, masked = re.match(r"(⟨\d+⟩ )?(.*)", sent, re.S).groups()  # type: ignore[union-attr]
    table = {
        "Ein kurzer Absatz über Filter.": "A short paragraph about filters.",
        "Ein viel längerer Absatz über Filter, Kanäle und ⟨1⟩ Gewichte im Netz.": (
            "A much longer paragraph about filters, channels and ⟨1⟩ weights in the network."
        ),
    }
    return (marker or "") + table[masked]


def test_a_poisoned_translation_memory_entry_is_checked_again(tmp_path: Path) -> None:
    """What an older version (or a hostile server then) stored passes the same check as a reply."""

    class Honest(PseudoEngine):
        checks_language = True

        def translate(self, units, request):  # type: ignore[no-untyped-def]
            self.sent += [u.text for u in units]
            return {u.id: Reply("A paragraph about filters and their ⟨1⟩ weights.", "stop") for u in units}

    qmd = convert_text("Ein Absatz über Filter und ihre $w$ Gewichte.\n").text
    cache = TranslationCache(tmp_path / "tm.sqlite")
    engine = Honest()
    translator = Translator(engine, cache=cache)
    translator.memory.remember(
        "Ein Absatz über Filter und ihre ⟨1⟩ Gewichte.", "A paragraph <svg/onload=alert(1)> ⟨1⟩."
    )
    out, report, _ = translator.translate_document(qmd)
    assert out == "A paragraph about filters and their $w$ weights.\n"
    assert engine.sent == ["Ein Absatz über Filter und ihre ⟨1⟩ Gewichte."] and report.cached == 0


#: what a hostile reply may be made of: pandoc's markup characters, newlines, placeholders
_FUZZ = st.lists(
    st.one_of(
        st.sampled_from(list("[](){}<>!$`\\@#*_~^:|-=+&;%'\".,/ \n\t") + ["⟨1⟩", "⟨2⟩", "a)", "(@)", "#.", "\n\n"]),
        st.sampled_from(["javascript:", "http://x", "&amp;", "{=html}", "{#id}", "^[n]", "<!--", "-->", "<b>"]),
        st.sampled_from(["a) ", "(iv) ", "#. ", "1. ", "- ", "\n:   ", "\n~   ", "\n===\n", "\n| a |", "\n> "]),
        st.text(alphabet="abcXYZ12 ", min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=8,
)
_FUZZ_DOC = """\
# Titel der Seite

Ein Absatz mit [einem Link](a.md), $x$ und `code`, siehe auch die Quelle.

- Erster Punkt der Liste mit Text
- [ ] Aufgabe mit Kasten

| Begriff | Bedeutung |
|---|---|
| Filter | Eine kleine Matrix |

```{figure} bild.png
:name: fig-bild
:alt: Ein Bild mit Text

Die Unterschrift der Abbildung.
```

```{admonition} Eine Frage
:class: tip
Wie groß ist die Ausgabe?
```

1. Erster Schritt der Rechnung
2. Zweiter Schritt der Rechnung

Begriff
: Eine Erklärung des Begriffs

```{list-table} Eine Tabelle mit Titel
:name: tbl-x
* - Kopf
  - Wert
```

> Ein Zitat mit Text.
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzz=_FUZZ, where=st.one_of(st.just(0.0), st.floats(0, 1)))
def test_no_reply_changes_the_structure(fuzz: list[str], where: float) -> None:
    """Whatever is inserted into an honest reply, the check rejects or escapes it: pandoc reads
    the same structure as without translation (tests/test_hostile_engine.py's reading)."""
    from fake_openai import fake_translation
    from test_hostile_engine import structure

    class Fuzzing(PseudoEngine):
        checks_language = False

        def translate(self, units, request):  # type: ignore[no-untyped-def]
            out = {}
            for unit in units:
                honest = fake_translation(unit.text)
                at = int(len(honest) * where)
                out[unit.id] = Reply(honest[:at] + "".join(fuzz) + honest[at:], "stop")
            return out

    plain = convert_text(_FUZZ_DOC).text
    translated, _, _ = Translator(Fuzzing()).translate_document(plain)
    assert structure(translated) == _fuzz_baseline(plain)


_BASELINES: dict[str, object] = {}


def _fuzz_baseline(plain: str) -> object:
    from test_hostile_engine import structure

    if plain not in _BASELINES:
        _BASELINES[plain] = structure(plain)
    return _BASELINES[plain]


def test_look_alike_units_share_a_request_each_behind_its_own_marker() -> None:
    """Sources alike in placeholders, numbers and length, whose swapped replies would pass every check
    of the text (issue 14.4), share a request: their markers tell the replies apart (issue 22.3)."""
    from myst2qmd.translate.markers import mark

    texts = [
        "Ein Filter gleitet über das Bild ⟨1⟩.",
        "Eine Faltung verschiebt den Kern ⟨1⟩.",
        "Kurz.",
        "Die Gewichte werden in jedem Schritt mit Backpropagation angepasst, bis der Fehler klein ist.",
        "Das Netz lernt nützliche Merkmale ⟨1⟩ aus den Daten ⟨2⟩.",
        "Ein Pooling-Layer verkleinert die Feature-Map ⟨1⟩.",
    ]
    units = [Unit(id=f"u{n}", text=text) for n, text in enumerate(texts)]
    batches = Translator(PseudoEngine()).sender.batches(units)
    assert batches == [units]
    sent, markers = mark(batches[0])
    assert sorted(markers.values()) == list(range(3, 3 + len(texts)))  # after the highest placeholder, ⟨2⟩
    assert [u.text for u in sent] == [f"⟨{markers[u.id]}⟩ {u.text}" for u in units]


def test_a_digit_glued_to_inline_math_is_refused() -> None:
    """``$x$1`` is text to Pandoc, not math: a reply that glues a digit to a math span costs its
    sentence (found by the fuzzing test above with ``HYPOTHESIS_PROFILE=explore``)."""

    class Gluing(PseudoEngine):
        checks_language = False

        def translate(self, units, request):  # type: ignore[no-untyped-def]
            return {
                u.id: Reply(u.text.replace("⟨1⟩ und", "⟨1⟩1 and").replace("Ein Absatz mit", "A paragraph with"), "stop")
                for u in units
            }

    plain = convert_text("Ein Absatz mit $x$ und weiterem Text hier.\n").text
    translated, report, warnings = Translator(Gluing()).translate_document(plain)
    assert translated == plain
    assert any("digit right after inline math" in w.message for w in warnings)


@pytest.mark.parametrize("literal", ["〈2〉", "<3>", "⟨1⟩", "‹ 4 ›"])
def test_text_a_reply_check_reads_as_a_placeholder_is_protected_and_translated_around(literal: str) -> None:
    """A source that holds what the checks of a reply read as a placeholder (``〈2〉``) is sent with a
    placeholder of its own there: before, every reply failed the placeholder check (the source sent
    none, the reply held one) and the sentence stayed German."""
    source = f"Der Wert {literal} steht hier und $x$ auch.\n"
    converted = convert_text(source).text
    (segment,) = extract_segments(converted)
    assert literal in segment.protected_texts()
    translated, report, warnings = Translator(PseudoEngine()).translate_document(converted)
    assert not warnings and report.translated == 1
    assert f"DER WERT {literal} STEHT HIER UND $x$ AUCH." in translated
