"""Issue 10 item 2: the walker is a table, the label pass a module of its own; issue 20 item 2:
the table is derived from the token constructs' specs.

``Walker.rules`` maps a token type to its rule, as markdown-it-py's renderer maps
``self.rules[token.type]``; the rules are the token constructs' (:class:`~myst2qmd.constructs.base.TokenSpec`
in their modules' ``TOKEN_SPECS``, gathered by :mod:`myst2qmd.constructs.tokens`), so a new token
construct never touches ``walker.py``. :class:`~myst2qmd.labelpass.LabelPass` collects labels from a
parse without walking it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it.token import Token

from myst2qmd import convert_text, walker
from myst2qmd.adapter import block_lines
from myst2qmd.constructs import inline, registry, tokens
from myst2qmd.constructs.base import TokenSpec, Walk
from myst2qmd.context import Context
from myst2qmd.convert import Converter
from myst2qmd.edits import Edit, apply_edits
from myst2qmd.labelpass import LabelPass
from myst2qmd.parser import create_md_parser
from myst2qmd.source import View
from myst2qmd.walker import Walker, WalkState


def test_the_walk_dispatches_these_token_types() -> None:
    assert set(Walker(Context()).rules) == {
        "myst_target",
        "heading_open",
        "paragraph_open",
        "table_open",
        "table_close",
        "inline",
        "fence",
        "colon_fence",
        "math_block",
        "math_block_label",
        "amsmath",
        "html_block",
        "myst_line_comment",
        "myst_block_break",
        "blockquote_open",
        "attrs_block",
        "field_list_open",
    }


def test_a_rule_added_to_the_table_is_what_the_walk_calls() -> None:
    """A token type gets its treatment by one entry in the table (here: a rule for ``hr``)."""
    converter = Converter(Context())

    def rule(state: WalkState, index: int) -> None:
        token = state.parsed.tokens[index]
        assert token.map is not None
        start = state.parsed.view.abs(token.map[0], 0)
        converter.walker.edits.append(Edit(start, start + 3, "* * *", "hr"))

    converter.walker.rules["hr"] = rule
    text = "Eins\n\n---\n\nZwei {sub}`2`\n"
    assert apply_edits(text, converter.document(text)) == "Eins\n\n* * *\n\nZwei ~2~\n"
    del converter.walker.rules["paragraph_open"], converter.walker.rules["inline"]
    assert apply_edits(text, converter.document(text)) == "Eins\n\n* * *\n\nZwei {sub}`2`\n"


def test_the_label_pass_collects_labels_without_walking() -> None:
    ctx = Context()
    text = "(kap)=\n# Kapitel\n\n```{figure} a.png\n:name: bild\n```\n\n$$x$$ (gl)\n"
    LabelPass(ctx).collect_labels(Converter(ctx).parse(View.root(text)))
    assert {name: label.quarto_id for name, label in ctx.labels.items()} == {
        "kap": "sec-kap",
        "slug:kapitel": "sec-kap",
        "bild": "fig-bild",
        "gl": "eq-gl",
    }
    assert ctx.warnings == [] and ctx.counts == {}


def test_the_walkers_table_is_derived_from_the_token_specs() -> None:
    """The walker's table is the token registry's; ``walker.py`` names no token type."""
    assert set(Walker(Context()).rules) == set(tokens.token_table())
    source = Path(walker.__file__).read_text(encoding="utf-8")
    named = re.findall(r"[\"'](?:\w+_(?:open|close|block)|myst_\w+|inline|fence|amsmath)[\"']", source)
    assert named == []


def _thematic_break(walk: Walk, state: WalkState, index: int) -> None:
    """A toy token construct: ``---`` → ``* * *``."""
    token = state.parsed.tokens[index]
    start = state.parsed.view.abs(block_lines(token)[0], 0)
    walk.add(start, start + 3, "* * *", "thematic break")


def test_a_token_construct_registered_with_the_registry_is_dispatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """One spec registered with the token registry (as markdown-it's ``add_render_rule`` adds a
    rule) and the walker, untouched, hands ``hr`` tokens to it; a type two specs claim is an error."""
    monkeypatch.setattr(tokens, "TOKEN_SPECS", tokens.TOKEN_SPECS)  # restored after the test
    text = "Eins\n\n---\n\nZwei {sub}`2`\n"
    assert convert_text(text).text == "Eins\n\n---\n\nZwei ~2~\n"
    tokens.add_token_rule(TokenSpec("thematic break", ("hr",), _thematic_break))
    assert convert_text(text).text == "Eins\n\n* * *\n\nZwei ~2~\n"
    tokens.add_token_rule(TokenSpec("another break", ("hr",), _thematic_break))
    with pytest.raises(ValueError, match="token type hr has two rules: thematic break, another break"):
        tokens.token_table()


def test_a_paragraph_without_a_constructs_mark_is_never_parsed_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain prose holds nothing the inline walk converts: its children are never parsed (most of a
    book's paragraphs, whose parse was most of the inline work). Work counted, not timed."""
    parsed: list[str] = []
    parse = inline.parse_inline

    def counting(token: Token, env: dict[str, Any]) -> None:
        parsed.append(token.content)
        parse(token, env)

    monkeypatch.setattr(inline, "parse_inline", counting)
    text = (
        "Erster Absatz, *betont*, mit `Code` und https-losem Text.\n\n"
        "Siehe {numref}`fig-a`.\n\nMail an a@b.de\n\n$x$ und [Link](a.md) und <b>fett</b>\n\n"
        "Eine URL https://example.org\n\n| Kopf | Spalte |\n|---|---|\n| x | {math}`y` |\n"
    )
    out = convert_text(text).text
    assert parsed == [
        "Siehe {numref}`fig-a`.",
        "Mail an a@b.de",
        "$x$ und [Link](a.md) und <b>fett</b>",
        "Eine URL https://example.org",
        "{math}`y`",  # a table's cells alike
    ]
    assert out.startswith("Erster Absatz, *betont*, mit `Code` und https-losem Text.\n\nSiehe @fig-a.")
    assert "<https://example.org>" in out
    assert out.endswith("| x | $y$ |\n")


def test_every_token_the_inline_walk_converts_holds_a_mark() -> None:
    """:data:`.inline.CONSTRUCT_MARKS` holds a character of every token type the inline walk hands on:
    a paragraph without any is skipped unparsed. A new type needs a sample here (and maybe a mark)."""
    samples = {
        "myst_role": "a {ref}`x` b",
        "html_inline": "a <b>x</b> b",
        "math_inline": "a $x$ b",
        "math_inline_double": "a $$x$$ b",
        "image": "a ![x](b.png) b",
        "link_open": "a [x](b.md) <https://example.org> b",
    }
    assert set(samples) == registry.INLINE_TYPES
    md = create_md_parser()
    for kind, sample in samples.items():
        spans = [c.meta["span"] for c in md.parseInline(sample)[0].children or [] if c.type == kind]
        assert spans, kind
        for start, end in spans:
            assert any(mark in sample[start:end] for mark in inline.CONSTRUCT_MARKS), (kind, sample[start:end])
