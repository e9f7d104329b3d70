"""The one reply check, for engine replies, translation-memory entries and reviewed PO entries alike:
inline markup the source lacked (issue 18 item 8), ``⟨…⟩`` around text and German clauses (issue 19,
issue 18 item 9), a doubled placeholder (issue 23 item 5).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.codes import Code
from myst2qmd.segments import extract_segments
from myst2qmd.translate import TranslationCache, Translator
from myst2qmd.translate.clauses import source_clause
from myst2qmd.translate.engines.base import Reply, Request, Unit
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.markup_parity import inline_markup
from myst2qmd.translate.po_check import check_reviewed, masked_like
from myst2qmd.translate.validate import check, wrong_language

DATA = Path(__file__).parent / "data"

GERMAN = "Die Faltung verschiebt den Filter über das Bild und berechnet an jeder Stelle das Produkt $w$.\n"
MASKED = "Die Faltung verschiebt den Filter über das Bild und berechnet an jeder Stelle das Produkt ⟨1⟩."
HONEST = "The convolution slides the filter over the image and computes the product ⟨1⟩ at every position."

#: what spoils an honest reply with inline markup the source lacks, and the kinds pandoc would read
ADDED = {
    "subscript line": (lambda h: h.replace("the filter ", "the filter\n~~~\n"), "strikeout, subscript"),
    "hard line break": (lambda h: h.replace("the filter ", "the filter  \n"), "hard line break"),
    "strikeout": (lambda h: h.replace("the filter", "the ~~filter~~"), "strikeout"),
    "superscript": (lambda h: h.replace("the filter", "the filter^2^"), "superscript"),
    "subscript": (lambda h: h.replace("the filter", "the filter~2~"), "subscript"),
    "strong": (lambda h: h.replace("the filter", "the **filter**"), "strong emphasis"),
    "emphasis": (lambda h: h.replace("the filter", "the _filter_"), "emphasis"),
}
#: a sentence too short to be split in halves: a rejected reply keeps it whole, at once
SHORT = "Für den Filter gilt das Produkt $w$.\n"
SHORT_MASKED = "Für den Filter gilt das Produkt ⟨1⟩."
SHORT_HONEST = "For the filter the product ⟨1⟩ holds."


class Scripted(PseudoEngine):
    """Answers each unit from ``replies`` (masked text → reply; ``default`` for any other text, such
    as a half), and its replies' language is checked."""

    checks_language = True

    def __init__(self, replies: dict[str, str], sentence_units: bool = False, default: str = "") -> None:
        super().__init__()
        self.replies = replies
        self.sentence_units = sentence_units
        self.default = default

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        self.calls += 1
        self.sent += [u.text for u in units]
        return {u.id: Reply(self.replies.get(u.text, self.default), "stop") for u in units}


def _check(reply: str, source: str = MASKED) -> tuple[bool, str]:
    verdict = check(source, Reply(reply, "stop"), source_lang="de", target_lang="en")
    return verdict.ok, verdict.reason


def test_the_honest_reply_passes() -> None:
    assert _check(HONEST) == (True, "")


@pytest.mark.parametrize("case", sorted(ADDED))
def test_an_engine_reply_that_adds_inline_markup_is_kept_german_with_a_warning(case: str) -> None:
    spoil, kinds = ADDED[case]
    assert _check(spoil(HONEST)) == (False, f"adds inline markup the source did not have: {kinds}")
    engine = Scripted({SHORT_MASKED: spoil(SHORT_HONEST)})
    out, _, warnings = Translator(engine, cache=TranslationCache(None)).translate_document(SHORT)
    assert out == SHORT and engine.sent == [SHORT_MASKED] * 2  # the reply and its correction retry
    assert [(w.code, w.message) for w in warnings] == [
        (
            Code.TRANSLATION_KEPT,
            f"kept the original paragraph text: adds inline markup the source did not have: {kinds}"
            f" (“{' '.join(SHORT.split())}”)",  # the text kept, as every translation-kept warning names it
        )
    ]


@pytest.mark.parametrize("case", sorted(ADDED))
def test_a_memory_entry_that_adds_inline_markup_is_asked_again(case: str, tmp_path: Path) -> None:
    engine = Scripted({MASKED: HONEST})
    translator = Translator(engine, cache=TranslationCache(tmp_path / "tm.sqlite"))
    translator.memory.remember(MASKED, ADDED[case][0](HONEST))
    out, report, _ = translator.translate_document(convert_text(GERMAN).text)
    assert out == HONEST.replace("⟨1⟩", "$w$") + "\n"
    assert engine.sent == [MASKED] and report.cached == 0


@pytest.mark.parametrize("case", sorted(ADDED))
def test_a_reviewed_entry_that_adds_inline_markup_is_refused(case: str) -> None:
    segment = extract_segments(convert_text(GERMAN).text)[0]
    masked, why = check_reviewed(segment, ADDED[case][0](HONEST).replace("⟨1⟩", "$w$"))
    assert masked is None and why == f"adds inline markup the source did not have: {ADDED[case][1]}"
    assert check_reviewed(segment, HONEST.replace("⟨1⟩", "$w$"))[0] == HONEST


def test_markup_the_source_has_may_come_back() -> None:
    source = "Die **Faltung** von H~2~O mit x^2^ ist ~~falsch~~ _richtig_ ⟨1⟩.  \nUnd 2 * 3 ist snake_case."
    reply = "The **convolution** of H~2~O with x^2^ is ~~wrong~~ _right_ ⟨1⟩.  \nAnd 2 * 3 is snake_case."
    assert _check(reply, source) == (True, "")
    # less emphasis than the source is no new markup: a merged phrase, a dropped ``_``
    assert _check(reply.replace("_right_", "right"), source) == (True, "")
    # what pandoc reads as text is no markup: ``~5``, ``2^10`` (and, counted by the stray-delimiter
    # check instead, an intraword ``_`` and a ``*`` between spaces)
    german = "Die Lernrate ist etwa fünf Prozent, also zwei hoch zehn."
    assert _check("The learning rate is ~5 percent, that is 2^10.", german) == (True, "")
    assert inline_markup("learning_rate is ~5, that is 2 * 3, to the 2^10 ~ 3 ^ 4 km~") == Counter()


def test_placeholder_brackets_around_text_are_rejected_for_every_origin(tmp_path: Path) -> None:
    """Issue 19: ``Dadurch sind _MLPs_ schnell sehr gross`` came back as ``By this, ⟨MLPs⟩ are very large``."""
    german = "Dadurch werden _MLPs_ schnell sehr gross, und das Training dauert lange.\n"
    masked = german.strip()
    bracketed = "As a result, ⟨MLPs⟩ quickly become very large, and training takes a long time."
    assert _check(bracketed, masked) == (False, "writes placeholder brackets ⟨…⟩ around text")
    for other in ("⟨weights⟩", "〈Stacked Convolution〉", "⟨MLPs"):
        assert not _check(bracketed.replace("⟨MLPs⟩", other), masked)[0], other
    assert _check(bracketed.replace("⟨MLPs⟩", "_MLPs_"), masked) == (True, "")
    # an engine reply: kept German, with a warning
    engine = Scripted({masked: bracketed}, default="⟨MLPs⟩ quickly become very large")
    out, _, warnings = Translator(engine, cache=TranslationCache(None)).translate_document(german)
    assert out == german and [w.code for w in warnings] == [Code.TRANSLATION_KEPT]
    # a memory entry
    engine = Scripted({masked: bracketed.replace("⟨MLPs⟩", "_MLPs_")})
    translator = Translator(engine, cache=TranslationCache(tmp_path / "tm.sqlite"))
    translator.memory.remember(masked, bracketed)
    out, _, _ = translator.translate_document(german)
    assert out == "As a result, _MLPs_ quickly become very large, and training takes a long time.\n"
    # a reviewed entry
    segment = extract_segments(german)[0]
    assert check_reviewed(segment, bracketed) == (None, "writes placeholder brackets ⟨…⟩ around text")


def test_a_doubled_placeholder_is_rejected_by_the_check_itself(tmp_path: Path) -> None:
    """Issue 23 item 5: ``unmask`` would refuse it later; the reply check promises to, and does."""
    doubled = HONEST.replace("the image", "the image ⟨1⟩")
    assert _check(doubled) == (False, "placeholders changed: sent [1], got [1, 1]")
    assert _check(HONEST.replace("⟨1⟩", "⟨1⟩⟨ 1 ⟩")) == (False, "placeholders changed: sent [1], got [1, 1]")
    assert _check(HONEST.replace("⟨1⟩", "⟨1⟩ <1>")) == (False, "placeholders changed: sent [1], got [1, 1]")
    # from the memory: asked again
    engine = Scripted({MASKED: HONEST})
    translator = Translator(engine, cache=TranslationCache(tmp_path / "tm.sqlite"))
    translator.memory.remember(MASKED, doubled)
    assert translator.memory.cached(MASKED) is None
    assert translator.translate_document(convert_text(GERMAN).text)[0] == HONEST.replace("⟨1⟩", "$w$") + "\n"


# -- German clauses ------------------------------------------------------------------------------
#: English around each partly German reply, as in a paragraph whose other sentences were translated
BEFORE = (
    "Convolutional networks are the standard tool for images. ",
    "Faltungsnetze sind das Standardwerkzeug für Bilder. ",
)
AFTER = (
    " The next section shows how the output size is computed, and the exercises at the end of the chapter let "
    "you try it yourself.",
    " Der nächste Abschnitt zeigt, wie die Ausgabegrösse berechnet wird, und die Aufgaben am Ende des Kapitels "
    "lassen Sie es selbst ausprobieren.",
)


def _mixed() -> list[tuple[str, str]]:
    items = [json.loads(line) for line in (DATA / "mixed_replies.jsonl").read_text(encoding="utf-8").splitlines()]
    return [(BEFORE[1] + i["source"] + AFTER[1], BEFORE[0] + i["reply"] + AFTER[0]) for i in items]


def test_partly_german_replies_are_rejected() -> None:
    """Issue 18 item 9: a German clause inside English paragraphs; the language of the whole reply
    says English for every one of them (4 of 17 such replies passed before)."""
    mixed = _mixed()
    assert len(mixed) >= 17
    for source, reply in mixed:
        assert not wrong_language(source, reply, source_lang="de", target_lang="en")
        ok, why = _check(reply, source)
        assert not ok and why.startswith("leaves a clause untranslated (de: “"), (reply, why)


def _reference_pairs() -> list[tuple[str, str]]:
    """Each reference item's segments, masked, with the English masked like its German."""
    pairs = []
    for line in (DATA / "chrf_reference.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        german = [s for s in extract_segments(convert_text(item["source"]).text) if s.has_prose]
        english = [s for s in extract_segments(convert_text(item["reference"]).text) if s.has_prose]
        assert len(german) == len(english), item["origin"]
        for de, en in zip(german, english, strict=True):
            masked, missing = masked_like(de, en.text)
            assert not missing, item["origin"]
            pairs.append((de.masked()[0], masked))
    return pairs


def test_the_reference_translations_pass_the_reply_check() -> None:
    """No false alarm on the English reference translations (German names and terms included)."""
    pairs = _reference_pairs()
    assert len(pairs) >= 40
    rejected = [(reply, why) for source, reply in pairs if (why := _check(reply, source)[1]) != ""]
    assert rejected == []
    assert [reply for _, reply in pairs if source_clause(reply, "de", "en")] == []


def test_names_and_terms_are_no_german_clause() -> None:
    for english in (
        "The van der Waals forces are small compared with the weights, see Hollander et al.",
        "We use the Faltung and Pooling layers of the network in the next step of the lecture.",
        "As in “Grundlagen der Bildverarbeitung”, the kernel is flipped before it is applied.",
        "Roll a die ten times and count the sixes: the man with the hat wins.",
        "The Max-Planck-Institut für Informatik published the data set in 2019.",
    ):
        assert source_clause(english, "de", "en") == "", english


def test_a_german_clause_costs_one_sentence_not_the_run() -> None:
    """With sentence units (the local engine), the sentence that kept its German clause stays German,
    with a warning that has a code; the other sentences are translated."""
    german = "Das Bild wird geladen. Der Filter wird verschoben. Das Ergebnis wird gespeichert.\n"
    replies = {
        "Das Bild wird geladen.": "The image is loaded.",
        "Der Filter wird verschoben.": "The filter is shifted by one pixel, und dann wird das Bild gefaltet.",
        "Das Ergebnis wird gespeichert.": "The result is stored.",
    }
    engine = Scripted(replies, sentence_units=True)
    out, report, warnings = Translator(engine, cache=TranslationCache(None)).translate_document(german)
    assert out == "The image is loaded. Der Filter wird verschoben. The result is stored.\n"
    assert [w.code for w in warnings] == [Code.TRANSLATION_KEPT]
    assert "leaves a clause untranslated (de: “und dann wird das Bild gefaltet”)" in warnings[0].message


def test_the_cheap_checks_come_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 item 7: a huge reply is refused by its length before any regular expression over
    its markup, the parser or the language identifier reads it (counted, not timed)."""
    import myst2qmd.translate.validate as validate

    calls: list[str] = []
    for name in ("markup", "stray_delimiters", "added_inline_markup", "detect", "source_clause"):
        original = getattr(validate, name)
        monkeypatch.setattr(validate, name, lambda *a, _n=name, _f=original, **k: calls.append(_n) or _f(*a, **k))
    huge = HONEST.replace("the filter", "the **filter** " + "and the filter " * 50_000)
    assert _check(huge)[1].startswith("length ratio")
    assert calls == []
    assert _check(HONEST) == (True, "") and {"markup", "added_inline_markup", "detect", "source_clause"} <= set(calls)


def test_a_preamble_after_the_placeholders_a_sentence_starts_with_is_refused() -> None:
    """Half a paragraph may start with a placeholder (``⟨2⟩ und berechnet …``): a reply that keeps it first
    and then talks ("⟨2⟩ Sure, here you go: …") is as much a preamble as one that starts talking."""
    source = "⟨2⟩ und berechnet an jeder Position ein Skalarprodukt, siehe ⟨3⟩ und ⟨4⟩."
    honest = "⟨2⟩ and computes a dot product at every position, see ⟨3⟩ and ⟨4⟩."
    assert _check(honest, source) == (True, "")
    for talk in ("Sure, here you go: ", "Here is the translation: ", "Translation: "):
        assert _check(honest.replace("⟨2⟩ ", "⟨2⟩ " + talk, 1), source) == (False, "starts with a preamble")
