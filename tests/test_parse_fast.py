"""The parse's fast paths, pinned token by token against a parser without them (``reference``) over every
document (and every inline token) of the fixtures, the test books, the examples and (when present) the
shared corpus and seed chapter:

* plain text (:func:`myst2qmd.parser.plain_children`): an inline token whose content holds no character
  where an inline rule may start (newlines aside) gets its children without a parse, and they must be
  the very tokens the parse gives (line-break edge cases too);
* the span-recording wrappers of inline rules call a rule only on the character it starts on
  (``parser.INLINE_OPENERS``): the tokens (and spans) the parse gives when every wrapper calls its rule
  everywhere;
* markdown-it's ``text`` rule stops only where an inline rule may start (:func:`parser.narrow_text_stops`):
  the tokens it gives when it stops at every punctuation character;
* block rules of plugins are tried only on a line that starts as they need (``parser._GUARDED_BLOCK_RULES``):
  the same tokens as when they are tried on every line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
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

ROOT = Path(__file__).parent.parent

#: line breaks and spaces around them, as the ``newline`` rule reads them; the characters the ``text`` rule
#: no longer stops at, around markup and inside link labels
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
    "a-b: c=d #e @f +g %h ~i }j >k",
    "[a-b: [c]=d](e-f) [x]: y [^n-1] ^[a-b] ![a:b](c=d)",
    "*a-*b* _a:_ **-a-** __=b=__ a*-*b",
    "[a [b-c] d](e) [a]b-c] [[a-]b] [a\\]-b](c)",
    "`a-b` {r-x}`a:b` $a-b$ $$a=b$$ <a-b> <http://a-b.c> &amp;- \\- \\\n-",
]


def _texts() -> Iterator[str]:
    """The Markdown of every document the tests know of: fixtures, test books, examples, shared material."""
    roots = [ROOT / "tests" / "fixtures", ROOT / "tests" / "books", ROOT / "examples", SHARED / "corpus"]
    for root in [*roots, SHARED / "seed"]:
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


def _document_md() -> MarkdownIt:
    """A fresh parser of documents, as :func:`myst2qmd.structure.document_parser` makes it (bodies tokenized)."""
    return create_md_parser(
        lambda token, last_line: markdown_body(token, last_line, registry.parses_body), fragments_of=tokenize_fragments
    )


@cache
def _reference() -> MarkdownIt:
    """The parser of documents without the fast paths: every inline wrapper calls its rule everywhere, the
    ``text`` rule stops where markdown-it stops it, every block rule is tried on every line."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parser, "_ACT_FIRST", frozenset(parser._RECORDED_RULES))
        patch.setattr(parser, "narrow_text_stops", lambda md: None)
        patch.setattr(parser, "_GUARDED_BLOCK_RULES", {})
        return _document_md()


@cache
def _contents() -> list[str]:
    md = _document_md()
    md.core.ruler.disable("inline")
    found = {content for text in _texts() for content in _inline_contents(md.parse(text, {}))}
    return sorted(found | set(EDGES))


def _children(md: MarkdownIt, content: str) -> list[dict[str, Any]]:
    """The children ``md``'s inline parse gives ``content`` (what ``parse_inline`` did before its fast path)."""
    token = Token("inline", "", 0, content=content, children=[])
    env: dict[str, Any] = {}
    assert token.children is not None
    md.inline.parse(content, md, env, token.children)
    text_join(StateCore("", md, env, [token]))
    return [child.as_dict() for child in token.children]


def _summary(tokens: list[Token]) -> list[tuple[Any, ...]]:
    """What block tokens say (their children, spans and bodies' tokens too)."""
    out: list[tuple[Any, ...]] = []
    for token in tokens:
        out.append(
            (token.type, token.map, token.content, token.info, token.markup, token.attrs, token.meta.get("span"))
        )
        out.extend(_summary(token.children or []))
        body = (token.meta or {}).get("body")
        if isinstance(body, Body):
            out.append(("body", body.first, body.starts, body.ends))
            out.extend(_summary(body.tokens))
    return out


def test_the_reference_has_no_fast_path() -> None:
    fast, reference = _document_md(), _reference()
    assert fast.inline.terminator_re.pattern != reference.inline.terminator_re.pattern
    assert not reference.inline.terminator_re.search("a b")
    assert not fast.inline.terminator_re.search("a-b: c=d #e @f +g %h ~i }j >k")
    rules = [{r.name: r.fn.__name__ for r in md.block.ruler.__rules__}["amsmath"] for md in (fast, reference)]
    assert rules == ["guarded", "amsmath_block"]


def test_plain_children_are_the_parse_s_tokens() -> None:
    stops = _text_stops(block_parser())
    assert stops is not None, "the installed markdown-it-py gives no terminator set: no fast path"
    contents = _contents()
    fast = 0
    for content in contents:
        plain = plain_children(content, stops)
        if plain is not None:
            fast += 1
            assert [t.as_dict() for t in plain] == _children(_reference(), content), repr(content)
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
    assert [t.as_dict() for t in token.children or []] == _children(_reference(), token.content)


def test_inline_parse_gives_the_reference_s_tokens() -> None:
    fast, spans = _document_md(), 0
    for content in _contents():
        want = _children(_reference(), content)
        assert _children(fast, content) == want, repr(content)
        spans += sum("span" in child["meta"] for child in want if "meta" in child)
    # the project's own texts give about 700 (a fresh clone has no ../shared), the shared corpus more
    assert spans > 500, f"only {spans} recorded spans: the contents hold too little markup to pin the wrappers"


def test_block_parse_gives_the_reference_s_tokens() -> None:
    texts = [
        *_texts(),
        "\\begin{align}\na\n\\end{align}\n",
        "- \\begin{equation*}x\\end{equation*}\n",
        " \\begin{gather}",
    ]
    fast, found = _document_md(), 0
    for text in texts:
        want = _summary(_reference().parse(text))
        assert _summary(fast.parse(text)) == want, text[:80]
        found += sum(entry[0] == "amsmath" for entry in want)
    assert found >= 3, f"only {found} amsmath blocks: too few to pin the guard"
