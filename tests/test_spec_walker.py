"""Issue 10 item 2: the walker is a table, the label pass a module of its own.

``Walker.rules`` maps a token type to its rule, as markdown-it-py's renderer maps
``self.rules[token.type]``; :class:`~myst2qmd.labelpass.LabelPass` collects labels from a
parse without walking it.
"""

from __future__ import annotations

from myst2qmd.context import Context
from myst2qmd.convert import Converter
from myst2qmd.edits import Edit, apply_edits
from myst2qmd.labelpass import LabelPass
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
