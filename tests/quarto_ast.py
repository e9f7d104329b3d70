"""Read Quarto Markdown the way Quarto does, with pandoc, into its JSON AST.

Quarto's engines turn executable cells (```` ```{python} ````) into code blocks before
Pandoc reads the file; we do the same rewrite (to ```` ```{.python .cell} ````) and then
ask pandoc (from the ``pypandoc-binary`` wheel) for the AST. Everything else is pandoc's
own reading, independent of our parser.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pypandoc

#: an executable cell's fence: ```{python}, ```{r}, … (Quarto hands any ```{name} to an engine)
_CELL = re.compile(r"(?m)^([ \t>]*`{3,})\{([A-Za-z][\w+-]*)\}[ \t]*$")


def read_ast(qmd: str) -> dict[str, Any]:
    """Pandoc's JSON AST of a Quarto document."""
    text = _CELL.sub(r"\1{.\2 .cell}", qmd)
    return json.loads(pypandoc.convert_text(text, "json", format="markdown"))


def walk(node: Any):
    """Every AST element (dicts with a ``t``), depth first."""
    if isinstance(node, dict):
        if "t" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


_BLOCKS = {
    "Para",
    "Plain",
    "Header",
    "Div",
    "BlockQuote",
    "LineBlock",
    "CodeBlock",
    "RawBlock",
    "Table",
    "Cell",
    "Row",
    "DefinitionList",
    "BulletList",
    "OrderedList",
    "Figure",
    "Caption",
    "RawInline",
}


def stringify(node: Any) -> str:
    """Plain text of an inline/block subtree."""
    out: list[str] = []
    for el in walk(node):
        t = el["t"]
        if t in _BLOCKS:
            out.append(" ")  # blocks (and table cells) are separate words
        if t == "Str":
            out.append(el["c"])
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t == "Code" or t == "Math":
            out.append(el["c"][1])
    return "".join(out).strip()


@dataclass
class Summary:
    """What a test usually wants to know about a Quarto document."""

    meta: dict[str, Any]
    divs: list[tuple[str, list[str], dict[str, str]]] = field(default_factory=list)
    code_blocks: list[tuple[list[str], str]] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    display_math: list[str] = field(default_factory=list)
    inline_math: list[str] = field(default_factory=list)
    images: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    headers: list[tuple[int, str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    raw_blocks: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def figures(self) -> list[str]:
        return [d[0] for d in self.divs if d[0].startswith("fig-")]

    @property
    def callouts(self) -> list[tuple[str, list[str], dict[str, str]]]:
        return [d for d in self.divs if any(c.startswith("callout-") for c in d[1])]

    @property
    def cross_refs(self) -> list[str]:
        """Citation keys that are Quarto cross-references (``@fig-x``)."""
        return [
            c for c in self.citations if re.match(r"^(fig|tbl|eq|sec|lst|exr|thm|lem|def|cor|prp|cnj|exm|rem|alg)-", c)
        ]

    @property
    def bib_citations(self) -> list[str]:
        return [c for c in self.citations if c not in self.cross_refs]


def summarize(qmd: str) -> Summary:
    ast = read_ast(qmd)
    s = Summary(meta=ast.get("meta", {}))
    for el in walk(ast["blocks"]):
        t, c = el["t"], el.get("c")
        if t == "Div":
            ident, classes, kv = c[0]
            s.divs.append((ident, classes, dict(kv)))
            if ident:
                s.ids.append(ident)
        elif t == "CodeBlock":
            s.code_blocks.append((c[0][1], c[1]))
        elif t == "Cite":
            s.citations.extend(cit["citationId"] for cit in c[0])
        elif t == "Math":
            (s.display_math if c[0]["t"] == "DisplayMath" else s.inline_math).append(c[1])
        elif t == "Image":
            s.images.append((c[2][0], dict(c[0][2])))
            if c[0][0]:
                s.ids.append(c[0][0])
        elif t == "Header":
            s.headers.append((c[0], c[1][0], stringify(c[2])))
            s.ids.append(c[1][0])
        elif t == "Link":
            s.links.append(c[2][0])
        elif t == "Span" and c[0][0]:
            s.ids.append(c[0][0])
        elif t == "RawBlock":
            s.raw_blocks.append(c[1])
    s.text = stringify(ast["blocks"])
    return s


def assert_protected_spans_kept(plain: str, translated: str) -> None:
    """What a translation must never touch, read by pandoc: code, math, citations, links,
    images and figures are those of the untranslated conversion ``plain``; no placeholder left."""
    before, after = summarize(plain), summarize(translated)
    assert after.code_blocks == before.code_blocks
    assert after.inline_math == before.inline_math
    assert after.citations == before.citations
    assert after.links == before.links
    assert [i[0] for i in after.images] == [i[0] for i in before.images]
    assert after.figures == before.figures
    assert "⟨" not in translated and "⟩" not in translated


def equation_labels(qmd_summary_text: str) -> list[str]:
    return re.findall(r"\{#(eq-[^}\s]+)\}", qmd_summary_text)


#: the kinds of blocks :func:`block_counts` counts
BLOCK_KINDS = ("figure", "callout", "code", "cell", "display_math", "table", "list", "blockquote", "link")


def _is_cross_ref(key: str) -> bool:
    return re.match(r"^(fig|tbl|eq|sec|lst|exr|sol|thm|lem|def|cor|prp|cnj|exm|rem|alg)-", key) is not None


def block_counts(qmd: str) -> Counter[str]:
    """How many of each kind of structure pandoc reads in a Quarto document.

    ``figure``: a div or figure with a ``fig-`` id; ``callout``: a div with a ``callout-``
    class; ``code`` / ``cell``: code blocks, without / with Quarto's engine (```` ```{python} ````);
    ``display_math``; ``table``; ``list`` (bullet and ordered); ``blockquote``; ``link``: links
    and cross-references (``@fig-x``, one per citation group that holds one). The title in the
    metadata counts too (a first-level heading that became the title keeps its references).

    >>> sorted(block_counts("::: {#fig-a}\\n![](a.png)\\n\\nCap.\\n:::\\n\\nSee @fig-a.\\n").items())
    [('figure', 1), ('link', 1)]
    """
    return ast_block_counts(read_ast(qmd))


def ast_block_counts(ast: dict[str, Any]) -> Counter[str]:
    """:func:`block_counts` of a document pandoc has read already."""
    counts: Counter[str] = Counter()
    # the metadata too: a first-level heading that became the title keeps its references there
    for el in walk([ast["blocks"], ast.get("meta", {}).get("title")]):
        t, c = el["t"], el.get("c")
        if t in ("Div", "Figure", "Image"):
            ident, classes, _ = c[0]
            if ident.startswith("fig-"):
                counts["figure"] += 1
            if t == "Div" and any(cls.startswith("callout-") for cls in classes):
                counts["callout"] += 1
        elif t == "CodeBlock":
            counts["cell" if "cell" in c[0][1] else "code"] += 1
        elif t == "Math" and c[0]["t"] == "DisplayMath":
            counts["display_math"] += 1
        elif t == "Table":
            counts["table"] += 1
        elif t in ("BulletList", "OrderedList"):
            counts["list"] += 1
        elif t == "BlockQuote":
            counts["blockquote"] += 1
        elif t == "Link" or (t == "Cite" and any(_is_cross_ref(cit["citationId"]) for cit in c[0])):
            counts["link"] += 1
    return counts


#: the languages Quarto hands to an engine (```` ```{python} ````); any other ```` ```{name} ```` is MyST left
ENGINE_LANGUAGES = {"python", "r", "julia", "ojs", "bash", "mermaid", "dot", "sql", "sh", "ipython3", "ir"}
_ROLE_LEFT = re.compile(r"\{[A-Za-z][\w:+-]*\}$")
_ID_TEXT = re.compile(r"\{#([^{}\s]+)[^{}]*\}")
_LABEL_OPTION = re.compile(r"(?m)^#\|\s*label:\s*(\S+)\s*$")


def _document_text(path: Path) -> str:
    """A ``.qmd`` file's text, or a notebook's cells as a Quarto document."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text)["cells"]
    parts = []
    for cell in cells:
        source = "".join(cell["source"])
        parts.append(source if cell["cell_type"] == "markdown" else f"```{{python}}\n{source}\n```")
    return "\n\n".join(parts)


@dataclass
class _Document:
    ids: set[str] = field(default_factory=set)
    refs: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _role_left(before: object, after: object) -> bool:
    return (
        isinstance(before, dict)
        and isinstance(after, dict)
        and before.get("t") == "Str"
        and after.get("t") == "Code"
        and _ROLE_LEFT.search(before["c"]) is not None
    )


def _read_document(text: str, name: str) -> _Document:
    """What pandoc reads in one document: its ids, cross-references, local links and MyST left."""
    doc = _Document()
    ast = read_ast(text)
    for el in walk(ast["blocks"]):
        t, c = el["t"], el.get("c")
        attr = c[1] if t == "Header" else c[0] if isinstance(c, list) and c else None
        if isinstance(attr, list) and len(attr) == 3 and isinstance(attr[0], str) and attr[0]:
            doc.ids.add(attr[0])
        if t == "Str":
            doc.ids.update(_ID_TEXT.findall(c))  # $$ … $$ {#eq-x}, a caption's {#tbl-x}
        elif t == "CodeBlock":
            doc.ids.update(_LABEL_OPTION.findall(c[1]))
            language = (c[0][1] or [""])[0]
            if "cell" in c[0][1] and language not in ENGINE_LANGUAGES:
                doc.problems.append(f"{name}: MyST directive left: {{{language}}}")
        elif t == "Cite":
            doc.refs += [cit["citationId"] for cit in c[0] if _is_cross_ref(cit["citationId"])]
        elif t in ("Link", "Image"):
            target = c[2][0]
            if not re.match(r"^(?:[a-z][a-z0-9+.\-]*:|//|\{\{<|data:)", target, re.IGNORECASE):
                doc.links.append(target)
        if isinstance(c, list):
            for before, after in zip(c, c[1:], strict=False):  # a Str "{ref}" right before inline code
                if _role_left(before, after):
                    doc.problems.append(f"{name}: MyST role left: {before['c']}`{after['c'][1]}`")
    return doc


def book_problems(folder: Path) -> list[str]:
    """What pandoc, not ``myst2qmd check``, finds wrong in a converted book or file's folder:
    cross-references with no id in any document, links and images to files or ids that do not
    exist, roles and directives left (an oracle for ``check``'s own verdict)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".qmd", ".ipynb") and "_book" not in p.parts)
    docs = {path.resolve(): _read_document(_document_text(path), path.relative_to(folder).as_posix()) for path in files}
    every_id = set().union(*(doc.ids for doc in docs.values()))
    problems = []
    for path, doc in docs.items():
        name = path.relative_to(folder.resolve()).as_posix()
        problems += doc.problems
        problems += [f"{name}: @{ref} has no target" for ref in doc.refs if ref not in every_id]
        for link in doc.links:
            file_part, _, anchor = unquote(link).partition("#")
            target = (path.parent / file_part).resolve() if file_part else path
            if not target.exists():
                problems.append(f"{name}: {link} does not exist")
            elif anchor and target in docs and anchor not in docs[target].ids:
                problems.append(f"{name}: {link}: no such id")
    return problems
