"""Issue 9, "Done means": random books through the real command.

Hypothesis builds Jupyter Books with parts or sections, ``glob:`` entries, toc paths spelled
oddly (``./kap/x``, ``kap//x``, ``kap/../kap/x``, ``/kap/x``), repeated entries, notebooks
(malformed ones too), an ``{include}``, names with spaces and umlauts, names that clash
(root ``einleitung`` and chapter ``index``, ``a.md`` beside ``a.ipynb``, a stray ``a.qmd``),
and links between chapters. For every book:

- the command ends without an internal error (exit 0, no traceback, no "please report");
- the input folder is byte-identical afterwards;
- every readable chapter's prose words (and the included fragment's) are in the output;
- no output path is written twice, and ``_quarto.yml`` lists every chapter once;
- ``myst2qmd check`` finds nothing in the output (the sources have no problems of their own);
- a malformed notebook is named, and is the only chapter missing.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myst2qmd import cli
from myst2qmd.book import read_book
from myst2qmd.check import check
from quarto_ast import book_problems
from test_trust_book import MALFORMED, notebook, snapshot

FOLDERS = ["", "kap", "Teil 2", "übung"]
NAMES = ["faltung", "Faltung", "index", "a", "Übung 1", "pool ing", "x.y", "größe"]


@dataclass
class Doc:
    folder: str
    name: str
    kind: str  # md, ipynb, broken
    word: str

    @property
    def suffix(self) -> str:
        return ".md" if self.kind == "md" else ".ipynb"

    @property
    def rel(self) -> str:
        return f"{self.folder}/{self.name}{self.suffix}" if self.folder else f"{self.name}{self.suffix}"

    @property
    def label(self) -> str:
        return f"sec-{self.word}"


def spell(doc: Doc, style: int, keep_suffix: bool) -> str:
    """The doc's toc entry, spelled one of several equivalent ways."""
    stem = doc.rel if keep_suffix else doc.rel[: -len(doc.suffix)]
    if not doc.folder:
        return ["", "./", "/"][style % 3] + stem
    rest = stem[len(doc.folder) + 1 :]
    return [
        stem,
        f"./{stem}",
        f"{doc.folder}//{rest}",
        f"{doc.folder}/../{doc.folder}/{rest}",
        f"/{stem}",
    ][style % 5]


def chapter_text(doc: Doc, others: list[Doc]) -> str:
    links = ""
    for other in others[:2]:
        target = other.rel[: -len(other.suffix)]
        if " " not in target:
            links += f"Siehe {{doc}}`/{target}` und {{ref}}`{other.label}`.\n\n"
    return f"({doc.label})=\n# Kapitel {doc.word}\n\nDer Text {doc.word} über Faltungsnetze.\n\n{links}"


@st.composite
def books(draw: st.DrawFn) -> tuple[dict[str, str], list[Doc], str]:
    """(files of the book, its chapters in toc order, the included fragment's word)."""
    n = draw(st.integers(2, 7))
    docs: list[Doc] = []
    seen: set[str] = set()
    for i in range(n):
        folder = draw(st.sampled_from(FOLDERS))
        name = draw(st.sampled_from(NAMES))
        kind = "md" if i == 0 else draw(st.sampled_from(["md", "md", "ipynb", "broken"]))
        doc = Doc(folder, name, kind, f"wort{i}x")
        if doc.rel.casefold() in seen:
            continue
        seen.add(doc.rel.casefold())
        docs.append(doc)
    root = Doc("", draw(st.sampled_from(["einleitung", "intro", "index"])), "md", "wurzelx")
    if root.rel in {d.rel for d in docs}:
        docs = [d for d in docs if d.rel != root.rel]
    readable = [d for d in docs if d.kind != "broken"]
    files: dict[str, str] = {}
    for doc in docs:
        others = [d for d in [root, *readable] if d is not doc]
        text = chapter_text(doc, others)
        if doc.kind == "md":
            files[doc.rel] = text
        elif doc.kind == "ipynb":
            cells = [{"cell_type": "markdown", "source": text}, {"cell_type": "code", "source": "x = 1"}]
            files[doc.rel] = notebook(*cells)
        else:
            files[doc.rel] = MALFORMED[draw(st.sampled_from(sorted(MALFORMED)))]
    fragment_word = "stueckx"
    include = draw(st.booleans())
    root_text = chapter_text(root, readable)
    if include:
        files["_teile/stueck.md"] = f"Ein eingefügtes Stück {fragment_word}.\n"
        root_text += "```{include} _teile/stueck.md\n```\n"
    files[root.rel] = root_text
    if draw(st.booleans()) and readable and readable[0].kind == "md":  # a stray .qmd next to a chapter
        files[readable[0].rel[:-3] + ".qmd"] = "# Alt\n\nVERALTET\n"
    # the table of contents: stems shared by two documents need their suffix
    stems = [d.rel[: -len(d.suffix)].casefold() for d in [root, *docs]]
    root_entry = root.rel if stems.count(root.name.casefold()) > 1 else root.name
    entries = []
    globbed: set[str] = set()
    glob_folder = draw(st.sampled_from(FOLDERS[1:] + [None]))
    for doc in docs:
        if doc.folder == glob_folder:
            if glob_folder not in globbed:
                entries.append({"glob": f"{glob_folder}/*"})
                globbed.add(glob_folder)
            continue
        keep = stems.count(doc.rel[: -len(doc.suffix)].casefold()) > 1 or draw(st.booleans())
        entries.append({"file": spell(doc, draw(st.integers(0, 4)), keep)})
    if entries and draw(st.booleans()):
        entries.append(dict(draw(st.sampled_from(entries))))  # a repeat: warned, converted once
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), {"url": "https://example.org/kurs", "title": "Web"})
    style = draw(st.sampled_from(["parts", "sections", "myst.yml"]))
    if style == "myst.yml":  # MyST's pattern: is a glob with the suffix
        children = [{"pattern": e["glob"]} if "glob" in e else e for e in entries]
        toc: object = (
            [{"file": root.rel}, {"title": "Teil", "children": children}] if children else [{"file": root.rel}]
        )
        project = {"title": "Zufallsbuch", "toc": toc}
        files["myst.yml"] = yaml.safe_dump({"version": 1, "project": project}, allow_unicode=True)
    else:
        if style == "parts":
            half = len(entries) // 2
            parts = [{"caption": "Eins", "chapters": entries[:half] or entries}]
            if half:
                parts.append({"caption": "Zwei", "chapters": entries[half:]})
            toc = {"root": root_entry, "parts": parts}
        elif entries and "file" in entries[0] and len(entries) > 1:
            toc = {"root": root_entry, "chapters": [{**entries[0], "sections": entries[1:]}]}
        else:
            toc = {"root": root_entry, "chapters": entries}
        files["_toc.yml"] = yaml.safe_dump(toc, allow_unicode=True)
        files["_config.yml"] = "title: Zufallsbuch\n"
    return files, [root, *docs], fragment_word if include else ""


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_random_books(case: tuple[dict[str, str], list[Doc], str]) -> None:
    files, docs, fragment = case
    with tempfile.TemporaryDirectory() as tmp:
        book, out, report_path = Path(tmp) / "buch", Path(tmp) / "out", Path(tmp) / "report.json"
        for rel, text in files.items():
            (book / rel).parent.mkdir(parents=True, exist_ok=True)
            (book / rel).write_text(text, encoding="utf-8")
        before = snapshot(book)
        with pytest.MonkeyPatch.context() as patch:
            errors: list[str] = []
            patch.setattr("sys.stderr", _Collect(errors))
            code = cli.main(["convert", str(book), "-o", str(out), "--report", str(report_path), "-q"])
        stderr = "".join(errors)
        assert code == 0, stderr
        assert "Traceback" not in stderr and "please report" not in stderr, stderr
        assert snapshot(book) == before
        report = json.loads(report_path.read_text(encoding="utf-8"))
        chapters = read_book(book).chapters
        broken = sorted(
            c.rel.as_posix() for c in chapters if c.rel.as_posix() in {d.rel for d in docs if d.kind == "broken"}
        )
        assert sorted(report["not_converted"]) == broken
        written = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".qmd", ".ipynb"))
        for doc in docs:
            if doc.kind != "broken":
                assert doc.word in written, (doc, stderr)
        if fragment:
            assert fragment in written
        assert "VERALTET" not in written
        listed = _flatten(yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"])
        assert len(listed) == len(set(listed)) == len(chapters) - len(broken)
        assert all((out / path).is_file() for path in listed)
        assert len({name.casefold().rsplit(".", 1)[0] for name in listed}) == len(listed)  # one page each
        problems, _ = check(out)
        assert problems == [], [str(p) for p in problems]
        assert book_problems(out) == []  # pandoc's reading agrees (check is not its own oracle)


class _Collect:
    """A text stream that keeps what is written (stderr of an in-process run)."""

    def __init__(self, into: list[str]):
        self.into = into

    def write(self, text: str) -> int:
        self.into.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _flatten(entries: list[object]) -> list[str]:
    found: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, dict):
            if "part" in entry and str(entry["part"]).endswith((".qmd", ".ipynb")):
                found.append(str(entry["part"]))
            found += _flatten(entry.get("chapters") or [])
    return found
