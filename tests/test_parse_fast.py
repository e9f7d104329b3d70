"""The parse's fast paths, pinned token by token against the plain parse over every document (and every
inline token) of the fixtures, the test books, the examples and (when present) the shared corpus and
seed chapter:

* plain text (:func:`myst2qmd.parser.plain_children`): an inline token whose content holds no character
  where an inline rule may start (newlines aside) gets its children without a parse, and they must be
  the very tokens the parse gives (line-break edge cases too);
* the span-recording wrappers of inline rules call a rule only on the character it starts on
  (``parser._RECORDED_RULES``): the parse must give the tokens (and spans) it gives when every
  wrapper calls its rule everywhere;
* block rules of plugins are tried only on a line that starts as they need (``parser._GUARDED_BLOCK_RULES``):
  the same tokens as when they are tried on every line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.text_join import text_join
from markdown_it.token import Token

from conftest import SHARED
from myst2qmd import parser
from myst2qmd.constructs import registry
from myst2qmd.constructs.fragments import tokenize_fragments
from myst2qmd.directives import markdown_body
from myst2qmd.nesting import Body
from myst2qmd.parser import _text_stops, block_parser, create_md_parser, parse_inline, plain_children
from myst2qmd.structure import document_parser

ROOT = Path(__file__).parent.parent

#: line breaks and spaces around them, as the ``newline`` rule reads them
EDGES = [
    "",
    "a",
    " a ",
    "a\nb",
    "a \nb",
    "a  \nb",
    "a     \n   b",
    "a\t\nb",
    "a \t\nb",
    "a\n\tb",
    "a\n \t b",
    "\na",
    "a\n",
    "a\n\n b",
    " \n ",
    "  \n",
    "\n\n",
    " ",
    "a\n  \nb",
    "Grüße, ümlaut — ok\nnext line",
]


def _texts() -> Iterator[str]:
    """The Markdown of every document the tests know of: fixtures, test books, examples, shared material."""
    roots = [
        ROOT / "tests" / "fixtures",
        ROOT / "tests" / "books",
        ROOT / "examples",
        SHARED / "corpus",
        SHARED / "seed",
    ]
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            if path.suffix == ".md":
                yield path.read_text(encoding="utf-8", errors="replace")
            elif path.suffix == ".ipynb":
                cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
                for cell in cells:
                    if cell.get("cell_type") == "markdown":
                        source = cell.get("source", "")
                        yield "".join(source) if isinstance(source, list) else source


def _inline_contents(tokens: list[Token]) -> Iterator[str]:
    """The contents of the inline tokens among ``tokens``, their bodies' and their fragments'."""
    for token in tokens:
        if token.type == "inline":
            yield token.content
        meta: dict[str, Any] = token.meta or {}
        if isinstance(meta.get("body"), Body):
            yield from _inline_contents(meta["body"].tokens)
        for fragment in (meta.get("fragments") or {}).values():
            yield from _inline_contents(fragment.tokens)


def _parsed_children(content: str) -> list[Token]:
    """The children the inline parse gives ``content`` (what ``parse_inline`` did before its fast path)."""
    md = block_parser()
    token = Token("inline", "", 0, content=content, children=[])
    env: dict[str, Any] = {}
    assert token.children is not None
    md.inline.parse(content, md, env, token.children)
    text_join(StateCore("", md, env, [token]))
    return token.children


def _contents() -> list[str]:
    md = document_parser(inline=False)
    found = {content for text in _texts() for content in _inline_contents(md.parse(text, {}))}
    return sorted(found | set(EDGES))


def test_plain_children_are_the_parse_s_tokens() -> None:
    stops = _text_stops(block_parser())
    assert stops is not None, "the installed markdown-it-py gives no terminator set: no fast path"
    contents = _contents()
    fast = 0
    for content in contents:
        plain = plain_children(content, stops)
        if plain is not None:
            fast += 1
            assert [t.as_dict() for t in plain] == [t.as_dict() for t in _parsed_children(content)], repr(content)
            assert plain == _parsed_children(content)
    assert fast > 100, f"only {fast} of {len(contents)} inline contents took the fast path"
    assert fast < len(contents), "every content took the fast path: the plain test is too loose"


@pytest.mark.parametrize("content", ["a *b*", "a {ref}`x`", "see [a](b)", "x $y$", "a\\\nb", "a &amp; b", "a<b>"])
def test_markup_takes_the_parse(content: str) -> None:
    assert plain_children(content, _text_stops(block_parser())) is None


def test_parse_inline_gives_plain_children() -> None:
    token = Token("inline", "", 0, content="one  \ntwo\n three")
    parse_inline(token, {})
    assert [(t.type, t.content) for t in token.children or []] == [
        ("text", "one"),
        ("hardbreak", ""),
        ("text", "two"),
        ("softbreak", ""),
        ("text", "three"),
    ]
    assert token.children == _parsed_children(token.content)


def test_recording_wrappers_call_rules_only_on_their_opener(monkeypatch: pytest.MonkeyPatch) -> None:
    guarded = create_md_parser()
    monkeypatch.setattr(parser, "_RECORDED_RULES", dict.fromkeys(parser._RECORDED_RULES))
    unguarded = create_md_parser()
    spans = 0
    for content in _contents():
        env: dict[str, Any] = {}
        want = unguarded.parseInline(content, env)
        got = guarded.parseInline(content, {})
        assert [t.as_dict() for t in got] == [t.as_dict() for t in want], repr(content)
        spans += sum("span" in t.meta for t in want[0].children or [])
    assert spans > 1000, f"only {spans} recorded spans: the contents hold too little markup to pin the wrappers"


def _summary(tokens: list[Token]) -> list[tuple[Any, ...]]:
    """What a block token says (its children and its bodies' tokens too)."""
    out: list[tuple[Any, ...]] = []
    for token in tokens:
        out.append((token.type, token.map, token.content, token.info, token.markup, token.attrs))
        out.extend(_summary(token.children or []))
        body = (token.meta or {}).get("body")
        if isinstance(body, Body):
            out.append(("body", body.first, body.starts, body.ends))
            out.extend(_summary(body.tokens))
    return out


def _document_md() -> MarkdownIt:
    """A fresh parser of documents, as :func:`myst2qmd.structure.document_parser` makes it (bodies tokenized)."""
    return create_md_parser(
        lambda token, last_line: markdown_body(token, last_line, registry.parses_body), fragments_of=tokenize_fragments
    )


def test_guarded_block_rules_give_the_same_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        *_texts(),
        "\\begin{align}\na\n\\end{align}\n",
        "- \\begin{equation*}x\\end{equation*}\n",
        " \\begin{gather}",
    ]
    guarded = _document_md()
    monkeypatch.setattr(parser, "_GUARDED_BLOCK_RULES", {})
    unguarded = _document_md()
    rules = [{r.name: r.fn.__name__ for r in md.block.ruler.__rules__}["amsmath"] for md in (guarded, unguarded)]
    assert rules == ["guarded", "amsmath_block"]
    found = 0
    for text in texts:
        want = _summary(unguarded.parse(text))
        assert _summary(guarded.parse(text)) == want, text[:80]
        found += sum(entry[0] == "amsmath" for entry in want)
    assert found >= 3, f"only {found} amsmath blocks: too few to pin the guard"
