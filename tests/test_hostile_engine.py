"""Engine replies are untrusted input (issue 14): whatever a hostile server answers, the output
has exactly the pandoc structure of ``--engine none`` (body and front matter), holds none of
the injected strings, the run ends after a bounded number of requests with exit 0, and every segment that kept
its German is warned at its line in the MyST source.

One run per mode of :class:`hostile_openai.HostileOpenAI`, on a small document (the bundled
``examples/faltung.md``, and a page of links, tables, lists and alt texts) and a long one (the
seed chapter); DeepL replies go through the same check (:class:`fake_deepl.FakeDeepL`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pypandoc
import pytest

from conftest import SEED
from fake_deepl import FakeDeepL
from fake_openai import FILLER, fake_translation
from hostile_openai import (
    BLOCKS,
    CONTROLS,
    GERMAN_CLAUSE,
    INJECTIONS,
    INLINE,
    MODES,
    HostileOpenAI,
    french_translation,
)
from myst2qmd import Result, convert_text
from myst2qmd.cli import main
from myst2qmd.segments import _TEX_TEXT_COMMANDS, Segment, extract_segments
from myst2qmd.translate.language import detect
from myst2qmd.translate.validate import looks_german
from quarto_ast import _CELL, walk

#: the most requests a hostile server may cost per segment of the document: 4 to 5 are sent in
#: every mode (batches, a correction retry of each rejected reply, halves); a pipeline that
#: retried without bound would exceed it (the design's worst case, every reply rejected down to
#: the quarters, is 1 + 1 + 2 * (1 + 1 + 2 * 2) = 15)
REQUESTS_PER_SEGMENT = 6
EXAMPLE = Path(__file__).parent.parent / "examples" / "faltung.md"
#: a small page with what the example lacks: links (two in one sentence), a table, lists, a
#: task list, alt texts, raw TeX and entities
PAGE = """\
# Verweise und Tabellen

Siehe [die Faltung](faltung.md) und danach [das Pooling](pooling.md) im nächsten Kapitel.

| Begriff | Bedeutung |
|---|---|
| Filter | Eine kleine Matrix, die über das Bild gleitet |
| Schritt | Die Weite, um die der Filter `s|t` springt |

- Erstens lernt das Netz einfache Kanten im Bild.
- Zweitens setzt es daraus größere Formen zusammen.
- [ ] Aufgabe: die Ausgabegröße für ein Beispiel berechnen

```{figure} bild.png
:name: fig-bild
:alt: Ein Filter gleitet über das ganze Bild

Die Faltung eines Bildes mit einem kleinen Filter.
```

Ein Absatz mit \\newpage und \\textbf{fetter Schrift} und Umlauten wie &auml; und&nbsp;mehr.
"""

#: inline elements whose presence, target or content is structure (their words are not)
_KEPT_INLINES = {"Link", "Image", "Math", "Code", "Cite", "RawInline", "Span", "Note"}


def read(qmd: str) -> dict[str, Any]:
    """Pandoc's AST, as Quarto reads the file (headers keep only the ids the file gives)."""
    text = _CELL.sub(r"\1{.\2 .cell}", qmd)
    return json.loads(pypandoc.convert_text(text, "json", format="markdown-auto_identifiers"))


def _inlines(node: Any) -> list[Any]:
    """The structural inline elements under ``node``: links in order, the rest as a multiset."""
    links, others = [], []
    for el in walk(node):
        t, c = el["t"], el.get("c")
        if t == "Link":
            links.append(("Link", c[0], c[2][0]))
        elif t == "Image":
            attrs = [(k, v if k != "fig-alt" else "…") for k, v in c[0][2]]
            others.append(repr(("Image", c[0][0], c[0][1], attrs, c[2][0])))
        elif t == "Cite":
            others.append(repr(("Cite", [(x["citationId"], x["citationMode"]["t"]) for x in c[0]])))
        elif t == "RawInline" and c[0] == "tex":
            # the words inside \textbf{…} are prose, translated like any other
            others.append(repr((t, re.sub(r"(\\(?:" + "|".join(_TEX_TEXT_COMMANDS) + r")\{)[^{}]*\}", r"\1…}", c[1]))))
        elif t in _KEPT_INLINES:
            others.append(repr((t, c if t != "Span" and t != "Note" else "…")))
    return links + sorted(others)


def structure(qmd: str) -> Any:
    """Blocks (kind, attributes, code, math, links, …) and front matter, without the words."""
    ast = read(qmd)

    def blocks(node: Any) -> Any:
        if isinstance(node, list):
            return [blocks(n) for n in node]
        if not isinstance(node, dict) or "t" not in node:
            return None
        t, c = node["t"], node.get("c")
        if t in ("Para", "Plain"):
            return [t, _inlines(c)]
        if t == "Header":
            return [t, c[0], c[1], _inlines(c[2])]
        if t in ("CodeBlock", "RawBlock", "HorizontalRule"):
            return [t, c]
        if t == "Div":
            attrs = [(k, v if k != "title" else "…") for k, v in c[0][2]]
            return [t, c[0][0], c[0][1], attrs, blocks(c[1])]
        if t == "DefinitionList":
            return [t, [[_inlines(term), blocks(definitions)] for term, definitions in c]]
        if t in ("BulletList", "OrderedList", "BlockQuote", "LineBlock"):
            return [t, json.dumps(blocks(c))]
        if t == "Figure":
            return [t, c[0], blocks(c[1][1]), blocks(c[2])]
        if t == "Table":
            # pandoc gives a pipe table relative column widths once a row is longer than 72
            # characters: layout, not structure
            return [t, json.dumps(blocks(c)).replace('"ColWidth"', '"ColWidthDefault"')]
        return [t, json.dumps(blocks(c))]

    meta = {}
    for key, value in ast.get("meta", {}).items():
        meta[key] = [value["t"], _inlines(value)] if key == "title" else value
    return meta, blocks(ast["blocks"])


def _run(tmp_path: Path, src: Path, base_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Any:
    monkeypatch.setenv("MYST2QMD_BASE_URL", base_url)
    out = tmp_path / (src.stem + ".qmd")
    code = main(["convert", str(src), "-o", str(out), "--engine", "openai", "--model", "hostile", "--no-cache"])
    return code, out.read_text(encoding="utf-8") if out.exists() else "", capsys.readouterr().err


@lru_cache(maxsize=8)
def _baseline(src_text: str) -> tuple[Result, list[Segment], Any]:
    """The ``--engine none`` conversion, its segments and its structure (once per document)."""
    result = convert_text(src_text)
    return result, extract_segments(result.text), structure(result.text)


def _kept_lines(src_text: str, translated: str, err: str, name: str) -> tuple[set[int], set[int], set[int]]:
    """Source lines of segments that kept their text, of those that are German, and of warnings."""
    result, before, _ = _baseline(src_text)
    after = extract_segments(translated)
    assert [s.kind for s in before] == [s.kind for s in after]
    unchanged, german = set(), set()
    for old, new in zip(before, after, strict=True):
        line = result.source_lines[old.line - 1]
        if old.text != new.text:
            # a part of it (a sentence, a half) may have kept its German
            if any(w in new.text for w in re.findall(r"[^\W\d_]{5,}", old.masked()[0]) if w.lower() not in FILLER):
                unchanged.add(line)
            continue
        if not old.has_prose:
            continue
        unchanged.add(line)
        masked = old.masked()[0]
        language, probability = detect(masked, ("de", "en"))
        if looks_german(masked, "de") or (language == "de" and probability >= 0.9):
            german.add(line)
    warned = {
        int(m)
        for m in re.findall(rf"{re.escape(name)}:(\d+): warning \[translation-kept\]: kept (?:the original|part)", err)
    }
    return unchanged, german, warned


def _forbidden(mode: str) -> list[str]:
    if mode in INJECTIONS:
        return [INJECTIONS[mode].strip()]
    if mode in CONTROLS:
        return [CONTROLS[mode], "[31m"]
    if mode in INLINE:
        return [INLINE[mode].strip(" ") if mode != "hardbreak" else "  \n", "~~~", "^2^", "~2~"]
    return {
        "rawattr": ["{=html}"],
        "idattr": ["{#sec-evil", ".evil}"],
        "refusal": ["help with that"],
        "french": ["réseau", "données"],
        "preamble": ["here you go"],
        "brackets": ["⟨", "⟩"],
        "german": [GERMAN_CLAUSE.strip(" ,")],
    }.get(mode, [])


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("docs")
    page = folder / "verweise.md"
    page.write_text(PAGE, encoding="utf-8")
    return {"faltung": EXAMPLE, "page": page, "seed": SEED}


@pytest.mark.parametrize("doc", ["faltung", "page", pytest.param("seed", marks=pytest.mark.shared)])
@pytest.mark.parametrize("mode", MODES)
def test_hostile_reply(
    mode: str, doc: str, documents: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    src = documents[doc]
    src_text = src.read_text(encoding="utf-8")
    baseline, before, plain_structure = _baseline(src_text)
    plain = baseline.text
    with HostileOpenAI(mode) as server:
        code, translated, err = _run(tmp_path, src, server.base_url, monkeypatch, capsys)
        requests = server.requests
    assert code == 0, err
    # bounded work, not seconds (issue 23): the count is the same in every mode (4 to 5 requests
    # per segment); a rejected reply retried more than once would multiply it
    assert 0 < requests <= REQUESTS_PER_SEGMENT * len(before), (requests, len(before))
    assert "please report" not in err
    assert structure(translated) == plain_structure
    for bad in _forbidden(mode):
        assert translated.count(bad) <= plain.count(bad), bad
    if mode in BLOCKS and not BLOCKS[mode].startswith("\n"):
        assert not re.search(rf"(?m)^\s*(- )?{re.escape(BLOCKS[mode])}", translated)
    unchanged, german, warned = _kept_lines(src_text, translated, err, src.name)
    assert german <= warned, f"German kept without a warning at source lines {sorted(german - warned)}"
    assert warned <= unchanged, f"warned at lines that kept nothing {sorted(warned - unchanged)}"
    after = extract_segments(translated)
    if mode == "onechar":
        assert not [s for s in after if s.text.strip() == "x"]
    if mode in ("swap", "merge", "swaplinks", "french", "echo"):
        # every segment is its own honest translation, or its German
        for old, new in zip(before, after, strict=True):
            masked = new.masked()[0]
            if new.text != old.text and mode != "swaplinks":
                assert masked == fake_translation(old.masked()[0]), (old.text, new.text)
            if mode == "french":
                assert masked != french_translation(old.masked()[0])


def test_every_kept_segment_names_its_source_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    """Item 8: ``faltung.md:24`` (the paragraph in the MyST file), not its line in the Quarto text."""
    with HostileOpenAI("refusal") as server:
        code, translated, err = _run(tmp_path, EXAMPLE, server.base_url, monkeypatch, capsys)
    assert code == 0
    lines = EXAMPLE.read_text(encoding="utf-8").split("\n")
    warned = [
        int(m) for m in re.findall(r"faltung\.md:(\d+): warning \[translation-kept\]: kept (?:the original|part)", err)
    ]
    assert 24 in warned
    for line in warned:
        assert re.search(r"[A-Za-zÄÖÜäöü]{4,}", lines[line - 1]), lines[line - 1]
    assert "Eine Faltung verschiebt" in lines[24 - 1]


@pytest.mark.parametrize(
    "mode", ["svg", "newpage", "alpha", "refusal", "french", "nul", "span", "tildeline", "brackets", "german"]
)
def test_deepl_replies_pass_the_same_check(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from hostile_openai import spoil

    src = tmp_path / "verweise.md"
    src.write_text(PAGE, encoding="utf-8")
    plain = convert_text(PAGE).text

    def hostile(text: str, honest: str) -> str:
        # DeepL speaks XML: the spoiled reply is escaped, as DeepL escapes its text
        import html

        placeholders = re.sub(r'<x i="(\d+)"/>', r"⟨\1⟩", text)
        spoiled = spoil(mode, placeholders, re.sub(r'<x i="(\d+)"/>', r"⟨\1⟩", honest))
        return re.sub(r"⟨(\d+)⟩", r'<x i="\1"/>', html.escape(spoiled, quote=False))

    with FakeDeepL(spoil=hostile) as server:
        monkeypatch.setenv("DEEPL_AUTH_KEY", "test:fx")
        monkeypatch.setenv("MYST2QMD_BASE_URL", server.url)
        out = tmp_path / "out.qmd"
        code = main(["convert", str(src), "-o", str(out), "--engine", "deepl", "--no-cache"])
    assert code == 0
    err = capsys.readouterr().err
    translated = out.read_text(encoding="utf-8")
    assert structure(translated) == structure(plain)
    for bad in _forbidden(mode):
        assert translated.count(bad) <= plain.count(bad), bad
    if mode == "alpha":
        assert "a\\) " in translated  # escaped: text, not a list
    else:
        assert "verweise.md:3: warning [translation-kept]: kept the original paragraph text" in err


def test_book_warnings_name_each_chapters_source_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Item 8 in a book: the chapter's line (``kapitel/faltung.md:6``), not the line in its ``.qmd``."""
    book = EXAMPLE.parent / "buch"
    with HostileOpenAI("refusal") as server:
        monkeypatch.setenv("MYST2QMD_BASE_URL", server.base_url)
        code = main(["convert", str(book), "-o", str(tmp_path / "out"), "--engine", "openai", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 0
    warned = re.findall(
        r"(kapitel/\w+\.md):(\d+): warning \[translation-kept\]: kept (?:the original|part of the) ([\w-]+)", err
    )
    assert ("kapitel/faltung.md", "6", "paragraph") in warned
    assert ("kapitel/faltung.md", "4", "heading") in warned  # "## Ausgabegrösse", under its label
    for chapter, line, _ in warned:
        text = (book / chapter).read_text(encoding="utf-8").split("\n")[int(line) - 1]
        assert re.search(r"[A-Za-zÄÖÜäöüß]{4,}", text), (chapter, line, text)
        assert not text.startswith("(") and not text.startswith(":::"), (chapter, line, text)
