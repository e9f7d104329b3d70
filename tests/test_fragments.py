"""One parse serves everything (issue 20, item 3): the texts inside constructs that are MyST of their
own (titles, captions, table cells, glossary terms and definitions, the caption under an ``<img>``
block, the heading that becomes the title) are tokenized by the document's one parse and converted
from those tokens, with the document's labels: no second parse, no converter per fragment, no
service locator on the context. Work is counted (parser invocations), never timed.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from markdown_it import MarkdownIt

from conftest import SHARED, require_shared
from myst2qmd import convert_text
from myst2qmd.context import Context
from test_parse_once import counting_parses

#: one of every kind of fragment, each with a role only a walk converts ({math} → $…$)
EVERY_FRAGMENT = """\
(ziel)=
## Ziel

# Titel mit {math}`t`

:::{admonition} Hinweis mit {math}`a` und {ref}`ziel`
Text.
:::

:::{note} Erste Zeile mit {math}`n`
Mehr.
:::

:::{versionadded} 1.2 mit {math}`v`
:::

:::{prf:theorem} Satz mit {math}`p`
Text.
:::

:::{exercise} Aufgabe mit {math}`e`
Text.
:::

:::{table} Tabelle mit {math}`c`
| a | b |
|---|---|
| 1 | 2 |
:::

:::{list-table} Liste mit {math}`l`
* - Zelle {math}`z`
  - **b**
:::

::::{glossary}
Begriff {math}`g`
  Definition mit {math}`d`

  :::{admonition} Innen {math}`i`
  Text.
  :::
::::

<img src="a.png">
Quelle: {math}`q`
"""

#: the fragments above: title, admonition, note, versionadded, theorem, exercise, table caption,
#: list-table (caption, body, two cells), glossary (term, definition, and the title in it), img caption
FRAGMENTS = 15


def test_every_fragment_is_tokenized_by_the_documents_one_parse() -> None:
    """Each fragment is tokenized once, inside the document's one parse (a block state each), and
    converted from those tokens: the roles in every one of them are converted."""
    with counting_parses() as counts:
        result = convert_text(EVERY_FRAGMENT)
    for math in "tanvpeclzgdiq":
        assert f"${math}$" in result.text, math
    assert "{math}" not in result.text and "@sec-ziel" in result.text
    assert counts == {"parses": 1, "documents": 1, "states": 1 + FRAGMENTS}


def test_the_context_holds_no_converter() -> None:
    """Fragments are converted by the walk of the construct they stand in, not through the context."""
    ctx = Context()
    assert not hasattr(ctx, "convert_fragment") and not hasattr(ctx, "fragment_converter")


def test_no_module_but_convert_builds_a_converter() -> None:
    """A converter per fragment (and one in ``segments`` only to parse) was how fragments were parsed again."""
    src = Path(__file__).resolve().parent.parent / "src" / "myst2qmd"
    builders = sorted(
        p.relative_to(src).as_posix()
        for p in src.rglob("*.py")
        if re.search(r"\bConverter\(", p.read_text(encoding="utf-8")) and p.name != "convert.py"
    )
    assert builders == []


@contextmanager
def parses_in_walks() -> Iterator[dict[str, list[str]]]:
    """Every parse by markdown-it during the block, sorted by what asked for it: ``walk`` (a parse made
    while a walk converts a document: a fragment parsed again), ``include`` (an included file's part) or
    ``value`` (a substitution's value: texts no document holds, each a document of its own), ``document``."""
    found: dict[str, list[str]] = {"walk": [], "include": [], "value": [], "document": []}
    parse = MarkdownIt.parse

    def kind(frame: FrameType | None) -> str:
        while frame is not None:
            code = frame.f_code
            if code.co_name == "_include_part":
                return "include"
            if code.co_name == "substitute":
                return "value"
            if code.co_name == "walk" and f"{os.sep}myst2qmd{os.sep}" in code.co_filename:
                return "walk"
            frame = frame.f_back
        return "document"

    def counted(self: MarkdownIt, src: str, *args: Any, **kwargs: Any) -> Any:
        found[kind(sys._getframe(1))].append(src[:40])
        return parse(self, src, *args, **kwargs)

    MarkdownIt.parse = counted  # type: ignore[method-assign]
    try:
        yield found
    finally:
        MarkdownIt.parse = parse  # type: ignore[method-assign]


def test_a_walk_parses_nothing_but_texts_no_document_holds() -> None:
    text = "---\nsubstitutions:\n  wert: 'Wert {math}`w`'\n---\n" + EVERY_FRAGMENT + "\nMit {{ wert }}.\n"
    with parses_in_walks() as found:
        result = convert_text(text)
    assert "Mit Wert $w$." in result.text
    assert found["walk"] == [] and found["include"] == [] and len(found["value"]) == len(found["document"]) == 1


@pytest.mark.shared
def test_the_corpus_is_parsed_once_per_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared corpus book: no walk parses a fragment again (there were 96 such parses, each with a
    converter of its own); what is parsed besides the documents are the parts ``{include}`` selects
    from other files, each a document of its own."""
    from myst2qmd.book import convert_book

    corpus = SHARED / "corpus" / "quadriga-tabelle-1"
    require_shared(corpus)
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    with parses_in_walks() as found:
        convert_book(corpus, tmp_path / "out")
    assert found["walk"] == [], f"{len(found['walk'])} fragments parsed again: {found['walk'][:5]}"
    assert len(found["include"]) == 6 and len(found["document"]) >= 43
