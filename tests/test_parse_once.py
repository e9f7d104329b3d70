"""Each document is parsed once (issue 10, item 3): directive bodies come from that parse.

The document parser (:func:`myst2qmd.convert.document_parser`) tokenizes a Markdown body inside the
fence's own parse. MyST reads a body as a document of its own; each place where a parse in place
would read it otherwise is absorbed in ``parser.py`` and pinned here: the body's tokens must be the
tokens of a parse of the body text alone (``create_md_parser().parse(body)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from myst2qmd import convert_text
from myst2qmd.book import convert_book
from myst2qmd.context import Context
from myst2qmd.convert import MAX_DEPTH, Converter, Parsed, document_parser
from myst2qmd.parser import create_md_parser
from myst2qmd.source import View
from scaling_families import write_book

ALONE = create_md_parser()


def summary(tokens: list[Token], shift: int = 0) -> list[tuple[Any, ...]]:
    """What a walk reads of block tokens (maps moved by ``shift``), fences without their content
    (a Markdown-bodied directive keeps only its option lines)."""
    return [
        (
            t.type,
            [t.map[0] + shift, t.map[1] + shift] if t.map else None,
            t.info,
            t.level,
            "" if t.type in ("fence", "colon_fence") and t.info.startswith("{") else t.content,
            [(c.type, c.content) for c in t.children or []],
        )
        for t in tokens
    ]


def parse(text: str) -> Parsed:
    return Converter(Context()).parse(View.root(text))


def the_body(text: str) -> Parsed:
    """The body of the document's first directive."""
    parsed = parse(text)
    return next(iter(parsed.bodies.values()))


#: (quirk, a document whose first directive's body shows it)
QUIRKS = [
    # a document's last line has no newline after it: an HTML block or a code fence left open
    # at the end of a body does not end with one
    ("last line without newline: html", "::::{note}\n<div>\nx\n::::\n"),
    ("last line without newline: open code fence", "::::{note}\n```python\nx = 1\n::::\n"),
    # a last line of spaces only is no line of a document
    ("last line of spaces", "::::{note}\n```\nx\n   \n::::\n"),
    # a tab counts to the next tab stop from the body's own column 0 (parsed on its own)
    ("tabs count from the body's column", "- ::::{note}\n  \tcode?\n  ::::\n"),
    # a body that starts with --- is read as front matter by a document
    ("front matter at the body's start", "::::{note}\n:class: x\n---\na: 1\n---\nText\n::::\n"),
    # link reference definitions and footnotes belong to the body they are in
    ("references are the body's own", "[a]: https://x.org\n\n::::{note}\n[a] and [b]\n\n[b]: https://y.org\n::::\n"),
    ("footnotes are the body's own", "::::{note}\nText[^1].\n\n[^1]: A note.\n::::\n\nMore[^1].\n"),
    # a fence indented in a list item: its indentation is cut from the body's lines
    ("indented fence", "- item\n\n  ::::{note}\n      code\n  text\n  ::::\n"),
    ("in a block quote", "> ::::{note}\n> **a**\n>\n> b\n> ::::\n"),
]


@pytest.mark.parametrize(("quirk", "text"), QUIRKS, ids=[q for q, _ in QUIRKS])
def test_a_body_reads_as_a_document_of_its_own(quirk: str, text: str) -> None:
    body = the_body(text)
    alone = ALONE.parse(body.view.text)
    assert summary(body.tokens) == summary(alone), quirk


def test_the_quirks_matter() -> None:
    """Without their handling the quirks would show: tokenized in place, the first two bodies'
    last block keeps its newline (as ``getLines(…, keepLastLF=True)`` keeps it)."""
    for _, text in QUIRKS[:2]:
        body = the_body(text)
        last = [t for t in body.tokens if t.type in ("html_block", "fence")][-1]
        assert not last.content.endswith("\n")


@contextmanager
def counting_parses() -> Iterator[dict[str, int]]:
    """Count parses (by any parser), the document parser's among them, and every block state (a body
    parsed on its own makes one)."""
    counts = {"parses": 0, "documents": 0, "states": 0}
    parse, init = MarkdownIt.parse, StateBlock.__init__
    parsers = (document_parser(True), document_parser(False))

    def counted_parse(self: MarkdownIt, *args: Any, **kwargs: Any) -> Any:
        counts["parses"] += 1
        counts["documents"] += any(self is md for md in parsers)
        return parse(self, *args, **kwargs)

    def counted_init(self: StateBlock, *args: Any, **kwargs: Any) -> None:
        counts["states"] += 1
        init(self, *args, **kwargs)

    MarkdownIt.parse = counted_parse  # type: ignore[method-assign]
    StateBlock.__init__ = counted_init  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        MarkdownIt.parse = parse  # type: ignore[method-assign]
        StateBlock.__init__ = init  # type: ignore[method-assign]


NESTED = (
    "(top)=\n# Top\n\n:::::{note}\nSee {ref}`top`.\n\n::::{tip}\n:class: x\n\n"
    "```{warning}\n**deep** {math}`x`\n```\n\n::: {.column}\nA div.\n:::\n::::\n:::::\n"
)


def test_a_document_with_nested_directives_is_parsed_once() -> None:
    with counting_parses() as counts:
        result = convert_text(NESTED)
    assert "**deep** $x$" in result.text and "@sec-top" in result.text
    assert counts == {"parses": 1, "documents": 1, "states": 1}


def test_every_body_is_in_the_one_parse() -> None:
    parsed = parse(NESTED)
    note = next(iter(parsed.bodies.values()))
    tip = next(iter(note.bodies.values()))
    assert [b.owner for b in (note, tip)] == ["note", "tip"]
    assert sorted(b.owner for b in tip.bodies.values()) == ["", "warning"]
    warning = next(b for b in tip.bodies.values() if b.owner == "warning")
    assert warning.view.line(0) == "**deep** {math}`x`" and warning.view.lineno(0) == 11


def test_a_book_parses_each_chapter_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The label pass's parse is the conversion's (and the search for paths leading out of the book's):
    a book of N chapters (and a root page) is parsed N + 1 times."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    write_book(tmp_path / "book", 6, labels=3, filler=1)
    with counting_parses() as counts:
        convert_book(tmp_path / "book", tmp_path / "out")
    assert counts["parses"] == counts["documents"] == counts["states"] == 7
    assert "@sec-2-0" in (tmp_path / "out" / "teil2" / "kapitel3.qmd").read_text(encoding="utf-8")


def test_directives_nested_too_deep_are_kept_and_warned() -> None:
    depth = MAX_DEPTH + 2
    text = "".join(f"{':' * (depth + 3 - i)}{{note}}\n" for i in range(depth))
    text += "Deep.\n" + "".join(f"{':' * (i + 4)}\n" for i in range(depth))
    result = convert_text(text)
    warned = [w for w in result.warnings if "nested deeper than" in w.message]
    assert len(warned) == 1 and warned[0].line == MAX_DEPTH + 1  # its body (the deeper levels) is not read
    assert re.search(r"^:+\{note\}$", result.text, re.M)  # the levels past the limit are kept as written


def test_labelled_blocks_are_wrapped_in_linear_time() -> None:
    """Each labelled list looks up the edits inside it among the edits sorted by place, not by a
    pass over every edit made so far (quadratic in labelled blocks). The walk's work (lines and
    calls executed, :func:`work_count.steps`: the same on a loaded machine) at ``n`` and ``4 n``:
    linear is 4."""
    from scaling_families import labelled_lists
    from work_count import steps

    def walk_steps(n: int) -> int:
        """The steps of one walk of one parse (the parse is not what is measured here)."""
        parsed = Converter(Context(), lazy_inline=True).parse(View.root(labelled_lists(n)))
        converter = Converter(Context(), lazy_inline=True)
        converter.collect_labels(parsed)
        return steps(lambda: converter.walk(parsed))

    small, large = walk_steps(1000), walk_steps(4000)
    assert large / small < 5, f"1,000 labelled lists walked in {small:,} steps, 4,000 in {large:,}"
    assert convert_text(labelled_lists(2)).text.startswith("::: {#lst-0}\n- Punkt 0 mit $x_0$\n")


def test_a_body_whose_tab_the_fence_cuts_in_two_is_kept_and_warned() -> None:
    """``- ::::{note}`` cuts two columns from its body's lines; a tab there spans four: the body's
    line is no suffix of the file's line, so the body cannot be edited in place."""
    result = convert_text("- ::::{note}\n\t**x** {math}`y`\n  ::::\n")
    assert "\t**x** {math}`y`" in result.text
    assert [w.message for w in result.warnings] == ["could not map the body of {note} to the file; body kept as is"]


#: an unclosed directive of option lines only, ended by the end of a file without a final newline
#: (a fixture case cannot end without one): its last option is read, and no option stays as text
UNCLOSED_AT_THE_END = {
    "top level": "See {numref}`f1`.\n\n::::{figure} img.png\n:width: 5\n:name: f1",
    "in a directive": "See {numref}`f1`.\n\n::::{note}\n::::{figure} img.png\n:width: 5\n:name: f1",
    "in a list item": "See {numref}`f1`.\n\n- ::::{note}\n  ::::{figure} img.png\n  :width: 5\n  :name: f1",
    "in a block quote": "See {numref}`f1`.\n\n> ::::{note}\n> ```{figure} img.png\n> :width: 5\n> :name: f1",
}


@pytest.mark.parametrize("text", UNCLOSED_AT_THE_END.values(), ids=list(UNCLOSED_AT_THE_END))
def test_the_last_option_of_a_fence_at_the_end_of_the_file_is_read(text: str) -> None:
    result = convert_text(text)
    assert "{#fig-f1}" in result.text and "{width=5}" in result.text
    assert ":name:" not in result.text and ":width:" not in result.text
    assert [str(w.code) for w in result.warnings] == ["fence-unclosed"] * len(re.findall(r"[:`]{3,}\{", text))


def test_a_fence_cut_to_its_options_keeps_the_newline_after_each() -> None:
    """The parse cuts a Markdown-bodied fence's content to its option lines: the body's last line,
    whose newline a body's tokenization drops, is not among them."""
    note = the_body("::::{note}\n::::{figure} img.png\n:width: 5\n:name: f1\n::::\n")
    (figure,) = note.directives.values()
    assert figure.token.content == ":width: 5\n:name: f1\n"
    assert figure.options == {"width": "5", "name": "f1"}


def _nested_notes(depth: int, inner: str) -> str:
    """``inner`` in ``depth`` nested ``{note}`` directives, each fence one colon longer than the one inside."""
    opens = "".join(f"{':' * (depth + 3 - i)}{{note}}\n" for i in range(depth))
    return opens + inner + "".join(f"{':' * (i + 4)}\n" for i in range(depth))


def test_gated_exercises_are_parsed_once() -> None:
    """The pairs of ``{exercise-start}``/``{exercise-end}`` and the fences between them come from the
    document's parse (they re-parsed the view, and every nested body again at each level)."""
    text = (
        "```{exercise-start}\n:label: ex-a\n```\nText.\n\n"
        + _nested_notes(6, "Tief.\n")
        + "\n```{code-cell} python\nx = 1\n```\n```{exercise-end}\n```\n\n"
        + _nested_notes(3, "```{solution-start} ex-a\n```\nL.\n```{solution-end}\n```\n")
    )
    with counting_parses() as counts:
        result = convert_text(text)
    # longer than the 9 colons and 6 levels of the notes between (as before: 9 + 6 + 1)
    assert result.text.startswith(":" * 16 + " {#exr-a}\n") and "\n" + ":" * 16 + "\n" in result.text
    assert "## @exr-a" in result.text
    assert not result.warnings
    assert counts == {"parses": 1, "documents": 1, "states": 1}


def test_tabs_are_parsed_once() -> None:
    """A tab's heading level comes from the headings of the tab-set's body in the document's parse
    (each tab re-parsed the tab-set's body, and every ``:::`` body in it again: quadratic when nested)."""
    text = "::::{tab-set}\n:::{tab-item} A\n## Zwei\n:::\n:::{tab-item} B\nText.\n:::\n::::\n"
    for level in range(4):
        tab_set, tab_item = ":" * (level + 6), ":" * (level + 5)
        text = f"{tab_set}{{tab-set}}\n{tab_item}{{tab-item}} T{level}\n{text}{tab_item}\n{tab_set}\n"
    with counting_parses() as counts:
        result = convert_text(text)
    # a tab is a heading one level above the headings in its tab-set, however deep they stand
    assert "\n# A\n" in result.text and "\n# B\n" in result.text and "\n# T0\n" in result.text
    assert counts == {"parses": 1, "documents": 1, "states": 1}


def test_a_list_table_parses_each_cell_once() -> None:
    """A ``{list-table}``'s body is verbatim: the document's parse tokenizes it once for its rows, and
    each cell once, to convert it (each cell was parsed once more to see whether it holds one paragraph;
    then the body and each cell were parses of their own)."""
    cells = 8
    body = "".join(f"* - a{r} {{math}}`x`\n  - **b{r}**\n" for r in range(cells // 2))
    with counting_parses() as counts:
        result = convert_text(f"```{{list-table}}\n:header-rows: 1\n{body}```\n")
    assert "| a1 $x$ | **b1** |" in result.text
    assert counts == {"parses": 1, "documents": 1, "states": 1 + 1 + cells}  # the document, the body, each cell


def test_a_table_directive_is_parsed_once() -> None:
    """Where the pipe table of a ``{table}`` stands in its body comes from the document's parse."""
    text = "```{table}\n:name: werte\n\nVorher.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNachher.\n```\n"
    with counting_parses() as counts:
        result = convert_text(text)
    assert "| 1 | 2 |\n\n: {#tbl-werte}\n\nNachher." in result.text
    assert counts == {"parses": 1, "documents": 1, "states": 1}
