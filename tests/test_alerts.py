"""GitHub alerts (``> [!NOTE]``): the case the fixtures cannot hold (the quote kept inside the callout
changes what pandoc counts) and the cases that stay quotes."""

from __future__ import annotations

from myst2qmd import convert_text


def test_an_alert_around_a_rewritten_block_keeps_its_quote_and_says_so() -> None:
    src = "> [!WARNING]\n> ```{note}\n> Innen.\n> ```\n"
    result = convert_text(src)
    assert result.text.startswith(':::: {.callout-warning appearance="simple"}\n')
    assert "> ::: {.callout-note" in result.text and "> Innen." in result.text
    assert [(w.code.value, w.line) for w in result.warnings] == [("quarto-differs", 1)]


def test_a_marker_with_text_after_it_or_an_unknown_kind_stays_a_quote() -> None:
    for src in ("> [!NOTE] Titel\n> Text.\n", "> [!FOO]\n> Text.\n", "> Text [!NOTE]\n"):
        assert convert_text(src).text == src
