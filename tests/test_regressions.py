"""Defects found in review, each pinned by a test that fails without its fix."""

from __future__ import annotations

from pathlib import Path

import yaml

from fake_openai import FakeOpenAI
from myst2qmd import convert_text
from myst2qmd.check import check
from myst2qmd.context import Options
from myst2qmd.segments import extract_segments, replace_segments
from myst2qmd.translate import TranslationCache, Translator
from myst2qmd.translate.engines.base import Reply, Request, Unit
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.validate import check as check_reply
from myst2qmd.translate.validate import escape_block_starts


def test_a_plain_title_is_written_back_quoted() -> None:
    qmd = "---\ntitle: Faltung und Korrelation\n---\n\nText.\n"
    (title, _) = extract_segments(qmd)
    out = replace_segments(qmd, {title.id: "Convolution: the basics #1"})
    assert yaml.safe_load(out.split("---")[1])["title"] == "Convolution: the basics #1"


def test_alt_text_quotes_are_escaped_once() -> None:
    qmd = convert_text('```{figure} a.png\n:alt: Eine "Katze" auf dem Sofa\n\nBild.\n```\n').text
    out, _, _ = Translator(PseudoEngine()).translate_document(qmd)
    assert 'fig-alt="⟦EINE \\"KATZE\\" AUF DEM SOFA⟧"' in out


class _Adds:
    """An engine whose replies pass every check but glue a reference to a word (``see@fig-a`` is
    no reference for pandoc, so the parity check reverts it)."""

    name, model, max_batch_chars, max_batch_units, checks_language = "adds", "m", 1000, 10, False

    def __init__(self, good: bool = False) -> None:
        self.good, self.sent = good, []

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        self.sent += [u.text for u in units]
        see = "see ⟨1⟩" if self.good else "see⟨1⟩"
        return {u.id: Reply(f"A paragraph with enough text in it, {see}.", "stop") for u in units}

    def close(self) -> None:
        pass


def test_a_reverted_translation_does_not_stay_in_the_cache(tmp_path: Path) -> None:
    qmd = "Ein Absatz mit genug Text darin, siehe @fig-a.\n"
    cache = TranslationCache(tmp_path / "tm.sqlite")
    out, report, _ = Translator(_Adds(), cache=cache).translate_document(qmd)  # type: ignore[arg-type]
    assert out == qmd and report.parity_reverted == [1]
    # the memory remembers the engine could not translate it (issue 19): not sent again, kept with its warning
    again = _Adds(good=True)
    out, report, warnings = Translator(again, cache=cache).translate_document(qmd)  # type: ignore[arg-type]
    assert again.sent == [] and out == qmd and report.kept_remembered == 1 and warnings
    good = _Adds(good=True)
    out, _, _ = Translator(good, cache=cache, retry_kept=True).translate_document(qmd)  # type: ignore[arg-type]
    assert good.sent == ["Ein Absatz mit genug Text darin, siehe ⟨1⟩."]
    assert out == "A paragraph with enough text in it, see @fig-a.\n"


def test_a_malformed_retry_after_is_backed_off_not_fatal() -> None:
    qmd = convert_text("Baldigst kommt die Antwort, und dieser Absatz wird trotzdem übersetzt.\n").text
    with FakeOpenAI() as server:
        engine = OpenAIEngine(server.base_url, "fake", None, backoff=0.05)
        out, report, _ = Translator(engine).translate_document(qmd)
    assert report.translated == 1 and "Baldigst" not in out


def test_ordinary_sentences_are_no_preamble() -> None:
    for reply in ("Here is an example of a filter.", "Of course, the filter is small.", "The translation of an image."):
        assert check_reply(
            "Hier ist ein Beispiel.", Reply(reply), source_lang="de", target_lang="en", check_language=False
        ).ok, reply
    assert not check_reply(
        "Hier.", Reply("Here is the translation: Here."), source_lang="de", target_lang="en", check_language=False
    ).ok
    # a new list is no preamble: it is written as text (issue 14: escaped where blocks start)
    assert escape_block_starts("Ein Satz.", "A sentence.\n- and a list") == "A sentence.\n\\- and a list"


def test_reference_links_are_protected_whole() -> None:
    qmd = "Siehe [Faltung] und [die Quelle][] hier.\n\n[Faltung]: https://a.org\n[die Quelle]: https://b.org\n"
    segment = extract_segments(qmd)[0]
    assert segment.protected_texts() == ["[Faltung]", "[die Quelle][]"]


def test_an_empty_link_to_a_document_shows_its_title() -> None:
    options = Options(resolve_document=lambda target: ("uebung.qmd", "Übung PID") if target == "uebung.md" else None)
    assert convert_text("Weiter: [](uebung.md).\n", options=options).text == "Weiter: [Übung PID](uebung.qmd).\n"


def test_heading_anchors_follow_the_label_id() -> None:
    out = convert_text("(regler)=\n## Der Regler\n\n[Abschnitt](#der-regler)\n").text
    assert "[Abschnitt](#sec-regler)" in out


def test_check_reads_links_as_pandoc_does(tmp_path: Path) -> None:
    (tmp_path / "my file.qmd").write_text("# X\n", encoding="utf-8")
    (tmp_path / "my image.png").write_bytes(b"png")
    page = tmp_path / "a.qmd"
    page.write_text(
        "## Ähnlich\n\n[x](my%20file.qmd) [y](<my file.qmd>) [w](#ähnlich) ![](my%20image.png)\n", encoding="utf-8"
    )
    for use_pandoc in (True, False):
        problems, _ = check(page, use_pandoc=use_pandoc)
        assert problems == [], problems


def test_hard_line_breaks_survive_sentence_units() -> None:
    class Sentences(PseudoEngine):
        sentence_units = True

    qmd = "Erste Zeile endet hier.  \nZweite Zeile beginnt hier.\n"
    out, _, _ = Translator(Sentences()).translate_document(qmd)
    assert out == "⟦ERSTE ZEILE ENDET HIER.⟧  \n⟦ZWEITE ZEILE BEGINNT HIER.⟧\n"
