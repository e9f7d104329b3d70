"""A book translated in one run: every chapter's converted text, its title and its part captions
(one cache, one progress bar, all files at once)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ..context import Warning_
from ..convert import Result
from ..notebooks import Document
from .toc import Book

if TYPE_CHECKING:
    from ..translate.pipeline import TranslationReport

#: a document's converted pieces by the document's ``id()``
Texts = dict[int, list[str]]


def translate_book(
    translator: Any, book: Book, converted: list[tuple[Document, list[Result]]], texts: Texts
) -> tuple[Texts, TranslationReport, list[Warning_]]:
    """``texts`` translated (a new mapping), the run's report and warnings; the translated title
    and part captions go to ``book.config`` (``_translated_title``, ``_translated_parts``)."""
    pieces = [(id(d), n, d.path, text) for d, _ in converted for n, text in enumerate(texts[id(d)])]
    # warnings name the chapter's (or notebook cell's) source line, as the converter's do
    lines: list[list[int] | None] = [r.source_lines for _, results in converted for r in results]
    where = [d.where(n) for d, rs in converted for n in range(len(rs))]
    # the book's title and its part captions are translated as a title and headings are
    captions = list(dict.fromkeys(part.caption for part in book.parts if part.caption))
    title_qmd = "---\ntitle: " + json.dumps(book.title, ensure_ascii=False) + "\n---\n"
    title_qmd += "".join(f"\n# {caption}\n" for caption in captions)
    outputs, report, warnings = translator.translate_many(
        [p[3] for p in pieces] + [title_qmd], where + ["_config.yml"], lines + [None]
    )
    translated_title = re.search(r'^title: "(.*)"$', outputs[-1], re.M)
    if translated_title:
        book.config["_translated_title"] = translated_title.group(1).replace('\\"', '"')
    headings = re.findall(r"^# (.*)$", outputs[-1], re.M)
    if len(headings) == len(captions):
        book.config["_translated_parts"] = dict(zip(captions, headings, strict=True))
    new = {key: list(value) for key, value in texts.items()}
    for (doc_id, n, _, _), text in zip(pieces, outputs[:-1], strict=True):
        new[doc_id][n] = text
    return new, report, warnings
