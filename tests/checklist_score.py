"""Score the converter on the construct checklist of issue 21 (``tests/checklist/``).

Each case of ``tests/checklist/{jb1,jb2}/FAMILY.md`` (markdown-it's fixture format; the title
is ``name [src: where the construct is documented]``) holds MyST as a course author writes it in
one Jupyter Book dialect, and the Quarto that quarto-web documents for it. The input may carry
its project file: a line ``=== myst.yml`` (or ``=== _config.yml``) starts it, ``=== page.md``
starts the page; without one, a minimal ``myst.yml`` (JB2) or ``_config.yml`` (JB1) is written.

Every case is converted the way a user converts a file (``myst2qmd convert page.md -o -
--engine none``, in-process, in a temporary folder holding the page and its project file) and
classified:

``EXACT``
    pandoc's AST of the output equals that of the expected Quarto, once both are normalised
    (:func:`normalise`: what Quarto does not care about);
``WARNED``
    it differs, but the run gave a warning with a code (or exited with a message);
``SILENT``
    it differs and nothing said so: a silent loss or a wrong conversion.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypandoc
from markdown_it.utils import read_fixture_file

from quarto_ast import _CELL, walk

CHECKLIST = Path(__file__).parent / "checklist"
STATUS = CHECKLIST / "status.json"
DIALECTS = ("jb1", "jb2")
#: the project file a dialect's page sits beside, when the case brings none
DEFAULT_PROJECT = {
    "jb1": ("_config.yml", "title: Checkliste\nauthor: Kurs\n"),
    "jb2": ("myst.yml", "version: 1\nproject:\n  title: Checkliste\n"),
}
EXACT, WARNED, SILENT = "EXACT", "WARNED", "SILENT"
#: pandoc reads Quarto's Markdown; header ids come only from the text (batched cases share a document)
READER = "markdown-auto_identifiers"
_TITLE = re.compile(r"^(?P<name>.*?)\s*\[src:\s*(?P<src>[^\]]*)\]\s*$")
_SECTION = re.compile(r"^=== (\S+)[ \t]*$", re.MULTILINE)
_WARNING = re.compile(r": warning \[([a-z0-9-]+)\]: ")
SEPARATOR = "CHECKLISTCASESEPARATOR"
#: front matter keys Quarto reads in two spellings (quarto-web authoring/front-matter)
ALIASES = {"authors": "author", "affiliations": "affiliation"}


@dataclass
class Case:
    """One construct: its MyST in one dialect and the Quarto quarto-web documents for it."""

    dialect: str
    family: str
    name: str
    source: str
    line: int
    myst: str
    expected: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.family}: {self.name}"


@dataclass
class Outcome:
    """What the converter made of one case."""

    case: Case
    output: str
    codes: list[str]
    verdict: str = ""


def split_input(dialect: str, text: str) -> tuple[str, dict[str, str]]:
    """A case's page and its project files (``=== name`` sections), with the dialect's default.

    >>> split_input("jb2", "=== myst.yml\\nversion: 1\\n=== page.md\\n# A\\n")
    ('# A\\n', {'myst.yml': 'version: 1\\n'})
    """
    parts = _SECTION.split(text)
    if len(parts) == 1:
        name, content = DEFAULT_PROJECT[dialect]
        return text, {name: content}
    files = {name: body[1:] for name, body in zip(parts[1::2], parts[2::2], strict=True)}
    page = files.pop("page.md", "")
    return page, files


def load_cases(root: Path = CHECKLIST) -> list[Case]:
    """Every case of the checklist, JB1 first, families in file order."""
    cases = []
    for dialect in DIALECTS:
        for path in sorted((root / dialect).glob("*.md")):
            for line, title, src, expected in read_fixture_file(path):
                match = _TITLE.match(title)
                if match is None:
                    raise ValueError(f"{path}:{line}: a title is 'name [src: where]': {title}")
                page, files = split_input(dialect, src)
                cases.append(Case(dialect, path.stem, match["name"], match["src"], line + 1, page, expected, files))
    return cases


#: each case's conversion, once per process: the checklist's score and the zero-loss test read the same
_CONVERTED: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[str, tuple[str, ...]]] = {}


def convert_case(case: Case) -> tuple[str, list[str]]:
    """The case converted as a user converts a file: its output and the codes of its warnings
    (converted once per process; the options are always the same: ``--engine none --quiet``)."""
    key = (case.dialect, case.myst, tuple(sorted(case.files.items())))
    if key not in _CONVERTED:
        output, codes = _convert_case(case)
        _CONVERTED[key] = output, tuple(codes)
    output, known = _CONVERTED[key]
    return output, list(known)


def _convert_case(case: Case) -> tuple[str, list[str]]:
    from myst2qmd.cli import main

    with tempfile.TemporaryDirectory(prefix="checklist-") as folder:
        page = Path(folder) / "page.md"
        page.write_text(case.myst, encoding="utf-8")
        for name, content in case.files.items():
            (Path(folder) / name).write_text(content, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["convert", str(page), "-o", "-", "--engine", "none", "--quiet"])
    codes = _WARNING.findall(err.getvalue())
    if status != 0:
        codes.append(f"exit-{status}")
    return out.getvalue(), codes


# -- reading with pandoc --------------------------------------------------------------------


def _standalone(text: str) -> bool:
    """Text that cannot share a document with others: front matter, footnotes, link definitions."""
    return text.startswith("---") or re.search(r"(?m)^ {0,3}\[[^\]]+\]:", text) is not None


def _pandoc(text: str, reader: str = READER) -> dict[str, Any]:
    return json.loads(
        pypandoc.convert_text(_CELL.sub(r"\1{.\2 .cell}", text), "json", format=reader, extra_args=["--quiet"])
    )


def read_many(texts: list[str], reader: str = READER) -> list[dict[str, Any]]:
    """Pandoc's AST (``{"meta", "blocks"}``) of each text: one pandoc run for all that can share a
    document (split on a separator paragraph), one run each for the others. A batch in which a text
    swallows its separator (a fence never closed), or that pandoc refuses, is read again in halves,
    down to that text alone."""
    asts: list[dict[str, Any] | None] = [None] * len(texts)
    _read_batch(texts, [i for i, text in enumerate(texts) if not _standalone(text)], asts, reader)
    for i, text in enumerate(texts):
        if asts[i] is None:
            ast = _pandoc(text, reader)
            asts[i] = {"meta": ast["meta"], "blocks": ast["blocks"]}
    return [ast for ast in asts if ast is not None]


def _read_batch(texts: list[str], batch: list[int], asts: list[dict[str, Any] | None], reader: str) -> None:
    """``asts[i]`` for each ``i`` of ``batch`` whose text does not swallow a separator."""
    if len(batch) < 2:
        return
    joined = f"\n\n{SEPARATOR}\n\n".join(texts[i] for i in batch)
    groups: list[list[Any]] = [[]]
    try:
        blocks = _pandoc(joined, reader)["blocks"]
    except RuntimeError:  # pandoc refused the whole (a metadata block made of two texts' lines)
        blocks = []
    for block in blocks:
        if block == {"t": "Para", "c": [{"t": "Str", "c": SEPARATOR}]}:
            groups.append([])
        else:
            groups[-1].append(block)
    if len(groups) == len(batch):
        for i, blocks in zip(batch, groups, strict=True):
            asts[i] = {"meta": {}, "blocks": blocks}
        return
    half = len(batch) // 2
    _read_batch(texts, batch[:half], asts, reader)
    _read_batch(texts, batch[half:], asts, reader)


# -- normalising ----------------------------------------------------------------------------


def _text(node: Any) -> str:
    """Plain text of inlines (a callout's title written as a heading or as ``title=``)."""
    if isinstance(node, list):
        return "".join(_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    t, c = node.get("t"), node.get("c")
    if t == "Str":
        return str(c)
    if t in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if t in ("Code", "Math"):
        return str(c[1])
    return _text(c)


def _title_text(markdown: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", markdown).split())


def _attr(attr: list[Any], div: bool) -> list[Any]:
    ident, classes, pairs = attr
    kv = dict(pairs)
    if div:
        kv.pop("appearance", None)  # the callout's look: Quarto shows the same content either way
    if "title" in kv:
        kv["title"] = _title_text(kv["title"])
    return [ident, sorted(classes), sorted(kv.items())]


def _code_block_attr(attr: list[Any]) -> list[Any]:
    """Line numbers as pandoc's ``.numberLines`` (which pandoc also reads as ``.number-lines``, and
    Quarto as ``code-line-numbers="true"``)."""
    ident, classes, pairs = attr
    numbered = "number-lines" in classes or ["code-line-numbers", "true"] in pairs
    classes = [c for c in classes if c != "number-lines"] + (["numberLines"] if numbered else [])
    pairs = [p for p in pairs if p != ["code-line-numbers", "true"]]
    return [ident, sorted(set(classes)), pairs]


def _callout(c: list[Any]) -> list[Any]:
    """A callout titled by its first heading, as one titled by ``title=`` (Quarto reads both)."""
    attr, blocks = c
    if any(cls.startswith("callout-") for cls in attr[1]) and blocks and blocks[0]["t"] == "Header":
        attr = [attr[0], attr[1], [*attr[2], ["title", _text(blocks[0]["c"][2])]]]
        blocks = blocks[1:]
    return [attr, blocks]


def _inlines(items: list[Any]) -> list[Any]:
    """Soft breaks as spaces, runs of spaces as one (a line's wrapping is no content)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict) and item.get("t") == "SoftBreak":
            item = {"t": "Space"}
        if item == {"t": "Space"} and out and out[-1] == {"t": "Space"}:
            continue
        out.append(item)
    return out


def normalise(node: Any) -> Any:
    """``node`` with what Quarto does not care about made equal: wrapping, attribute order, a
    callout's look and how its title is written, citation numbering."""
    if isinstance(node, list):
        items = [normalise(n) for n in node]
        return _inlines(items) if any(isinstance(i, dict) and "t" in i for i in items) else items
    if not isinstance(node, dict):
        return node
    t, c = node.get("t"), node.get("c")
    if t == "Div":
        c = _callout(c)
    if t == "ColWidth":  # a grid table's dash counts: layout, not content
        return {"t": "ColWidthDefault"}
    if t == "CodeBlock":
        c = [_code_block_attr(c[0]), c[1]]
    if t == "Cite":
        c = [[{**cit, "citationNoteNum": 0, "citationHash": 0} for cit in c[0]], c[1]]
    node = {key: normalise(value) for key, value in {**node, **({"c": c} if "c" in node else {})}.items()}
    if t in ("Div", "Span", "CodeBlock", "Image", "Link", "Code", "Figure", "Table") and isinstance(node["c"], list):
        node["c"][0] = _attr(node["c"][0], div=t == "Div")
    if t == "Header":
        node["c"][1] = _attr(node["c"][1], div=False)
    return node


def _auto_id(inlines: list[Any]) -> str:
    """Pandoc's ``auto_identifiers`` for a heading's text (Quarto reads with them on)."""
    text = "-".join(re.sub(r"[^\w\s.-]", "", _text(inlines)).lower().split())
    return re.sub(r"^[^a-zA-Z\u00c0-\uffff]+", "", text) or "section"


def with_heading_ids(ast: dict[str, Any]) -> dict[str, Any]:
    """Headings without an id get the one Quarto gives them (the case's headings read alone)."""
    headers = [el for el in walk(ast["blocks"]) if el.get("t") == "Header"]
    used = {h["c"][1][0] for h in headers if h["c"][1][0]}
    for header in headers:
        if not header["c"][1][0]:
            base = ident = _auto_id(header["c"][2])
            n = 0
            while ident in used:
                n += 1
                ident = f"{base}-{n}"
            used.add(ident)
            header["c"][1][0] = ident
    return ast


def with_tab_groups(ast: dict[str, Any]) -> dict[str, Any]:
    """Tabset ``group=`` names numbered in order of appearance: only which tabsets share one matters."""
    names: dict[str, str] = {}
    for div in (el for el in walk(ast["blocks"]) if el.get("t") == "Div"):
        div["c"][0][2] = [
            (key, names.setdefault(value, f"group-{len(names) + 1}") if key == "group" else value)
            for key, value in div["c"][0][2]
        ]
    return ast


def canonical(ast: dict[str, Any]) -> dict[str, Any]:
    """A case's AST as it is compared: normalised, headings with Quarto's ids, front matter keys
    Quarto reads alike (``authors`` is ``author``) under one spelling."""
    meta = {ALIASES.get(key, key): value for key, value in ast["meta"].items()}
    return with_tab_groups(with_heading_ids(normalise({"meta": meta, "blocks": ast["blocks"]})))


# -- scoring --------------------------------------------------------------------------------


def score(cases: Iterable[Case]) -> list[Outcome]:
    """Convert every case and classify it (pandoc runs once for most cases)."""
    outcomes = [Outcome(case, *convert_case(case)) for case in cases]
    expected = read_many([o.case.expected for o in outcomes])
    produced = read_many([o.output for o in outcomes])
    for outcome, want, got in zip(outcomes, expected, produced, strict=True):
        if canonical(want) == canonical(got):
            outcome.verdict = EXACT
        else:
            outcome.verdict = WARNED if outcome.codes else SILENT
    return outcomes


def status_of(outcomes: Iterable[Outcome]) -> dict[str, dict[str, list[str]]]:
    """The ratchet's record: per dialect, the cases that are EXACT and those that are SILENT."""
    table: dict[str, dict[str, list[str]]] = {d: {EXACT: [], SILENT: []} for d in DIALECTS}
    for o in outcomes:
        if o.verdict in (EXACT, SILENT):
            table[o.case.dialect][o.verdict].append(o.case.key)
    return {d: {v: sorted(keys) for v, keys in by.items()} for d, by in table.items()}


def write_status(outcomes: Iterable[Outcome], path: Path = STATUS) -> None:
    path.write_text(json.dumps(status_of(outcomes), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
