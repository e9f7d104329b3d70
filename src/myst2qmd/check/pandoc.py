"""What pandoc (and so Quarto) reads in a Quarto text: its ids, and what it does not read as
written (``:::`` fences that are no div, pipe tables read as text, table captions detached from
their table, code fences that are no code block, raw ```` ```{=html} ```` fences that are no
raw block).

The AST is read and walked without recursion (:mod:`.deepjson`): 600 nested divs are fine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field

from ..quarto import TokenReading
from .deepjson import loads, plain_text

#: what ``check`` reads only through pandoc (said when pandoc is not used)
PANDOC_CHECKS = (
    "files pandoc cannot read, ':::' fences that are no div, pipe tables read as text, "
    "detached table captions, code fences that are no code block, the ids only pandoc gives"
)
#: how to get them
PANDOC_HINT = "install Quarto or pandoc, or run `pip install pypandoc-binary`"


def find_pandoc() -> list[str] | None:
    """A command that runs pandoc: ``quarto pandoc``, ``pandoc``, or pypandoc's bundled binary."""
    if shutil.which("quarto"):
        return ["quarto", "pandoc"]
    if shutil.which("pandoc"):
        return ["pandoc"]
    try:
        import pypandoc

        return [pypandoc.get_pandoc_path()]
    except (ImportError, OSError):
        return None


#: the tags :func:`probe_text` writes, found again in pandoc's AST
_PROBE = re.compile(r"M2Q(CAPTION|TABLE)(\d+)")
_PROBE_ATTR = "data-m2q-line"
DIV_OPEN = re.compile(r"^([ \t]*:{3,}[ \t]*)(\{.*\}|[^\s{}:]+)([ \t]*:*[ \t]*)$")
_CAPTION = re.compile(r"^([ \t]*:[ \t]+)(?=\S)")
_TABLE_HEAD = re.compile(r"^([ \t]*\|?[ \t]*)(?=\S)")
_CELL = re.compile(r"^([ \t>]*`{3,})\{(\w+)\}[ \t]*$")
#: a raw block's fence, ```` ```{=html} ````: pandoc reads it as a RawBlock, not a CodeBlock
_RAW_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})[ \t]*\{=[\w-]+\}[ \t]*$")


def _is_delimiter_row(line: str) -> bool:
    """``|---|:--|`` (a pipe table's second line)."""
    stripped = line.strip()
    return "|" in stripped and "-" in stripped and set(stripped) <= set("|-: \t")


def probe_text(text: str, verbatim_lines: set[int], fence_lines: frozenset[int] = frozenset()) -> str:
    """``text`` for pandoc, each ``:::`` opening line, table caption and pipe-table header tagged
    with its 0-based line number, so that pandoc's AST tells where each of them ended up.

    Executable cells (their opening lines are ``fence_lines``) become code blocks, as Quarto's
    engines make them. Lines keep their numbers; code and raw HTML are left alone.

    >>> probe_text("::: {.a}\\nx\\n:::\\n\\n| a |\\n|---|\\n\\n: Cap\\n", set())
    '::: {.a data-m2q-line="0"}\\nx\\n:::\\n\\n| M2QTABLE4 a |\\n|---|\\n\\n: M2QCAPTION7 Cap\\n'
    """
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n in fence_lines:
            lines[n] = _CELL.sub(r"\1{.\2 .cell}", line)
        if n in verbatim_lines:
            continue
        div = DIV_OPEN.match(line)
        if div:
            attrs = div.group(2)
            if attrs.startswith("{"):
                attrs = f'{attrs[:-1].rstrip()} {_PROBE_ATTR}="{n}"}}'
            else:
                attrs = f'{{.{attrs} {_PROBE_ATTR}="{n}"}}'
            lines[n] = div.group(1) + attrs + div.group(3)
        elif _CAPTION.match(line):
            lines[n] = _CAPTION.sub(rf"\g<1>M2QCAPTION{n} ", line, count=1)
        elif n + 1 < len(lines) and _is_delimiter_row(lines[n + 1]) and n + 1 not in verbatim_lines and line.strip():
            lines[n] = _TABLE_HEAD.sub(rf"\g<1>M2QTABLE{n} ", line, count=1)
    return "\n".join(lines)


@dataclass
class PandocReading:
    """What pandoc made of a file: its ids, the problems only pandoc sees, or why it failed."""

    ids: set[str] = field(default_factory=set)
    problems: list[tuple[int, str]] = field(default_factory=list)
    error: tuple[int, str] | None = None


def pandoc_error(stderr: str) -> tuple[int, str]:
    """pandoc's message on one line and the line it names.

    >>> pandoc_error("Error parsing YAML metadata at (line 3, column 1):\\nYAML parse exception at line 2")
    (3, 'Error parsing YAML metadata at (line 3, column 1): YAML parse exception at line 2')
    """
    message = " ".join(line.strip() for line in stderr.strip().splitlines()) or "pandoc failed"
    where = re.search(r"\(line (\d+), column \d+\)", message) or re.search(r"\bline (\d+)", message)
    return (int(where.group(1)) if where else 1), message


def _squeeze(code: str) -> str:
    """Code with its white space squeezed (pandoc expands tabs and drops a final newline)."""
    return " ".join(code.split())


@dataclass
class _Walk:
    """What a walk of pandoc's AST found."""

    ids: set[str] = field(default_factory=set)
    #: the lines of the probed ``:::`` fences pandoc read as divs
    divs: set[int] = field(default_factory=set)
    #: where each probe ended up: "table", "caption", "code", "deflist-tbl" (a definition with a #tbl- id), "text"
    found: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    #: code blocks and raw blocks by their squeezed text
    blocks: Counter[tuple[str, str]] = field(default_factory=Counter)

    def note(self, where: str, haystack: str) -> None:
        for match in _PROBE.finditer(haystack):
            self.found.setdefault((match.group(1), int(match.group(2))), set()).add(where)
        if where == "code":
            for match in re.finditer(_PROBE_ATTR + r'="(\d+)"', haystack):
                self.found.setdefault(("DIV", int(match.group(1))), set()).add("code")

    def attributes(self, tag: object, content: list[object]) -> None:
        attr = content[1] if tag == "Header" else content[0]
        if isinstance(attr, list) and len(attr) == 3:
            if isinstance(attr[0], str) and attr[0]:
                self.ids.add(attr[0])
            if tag == "Div" and isinstance(attr[2], list):
                for pair in attr[2]:
                    if isinstance(pair, list) and pair[:1] == [_PROBE_ATTR] and str(pair[-1]).isdigit():
                        self.divs.add(int(pair[-1]))

    def run(self, blocks: object) -> None:
        """Walk the AST depth first with an explicit stack (no depth is too deep)."""
        todo: list[tuple[object, str]] = [(blocks, "text")]
        while todo:
            node, where = todo.pop()
            if isinstance(node, list):
                todo.extend((value, where) for value in node)
                continue
            if not isinstance(node, dict):
                continue
            tag, content = node.get("t"), node.get("c")
            if tag in ("Div", "Span", "Header", "Image", "CodeBlock", "Table", "Link", "Code") and isinstance(
                content, list
            ):
                self.attributes(tag, content)
            if tag in ("CodeBlock", "RawBlock", "RawInline", "Code") and isinstance(content, list):
                self.note("code", str(content[-1]))
                if tag in ("CodeBlock", "RawBlock"):
                    self.blocks[(str(tag), _squeeze(str(content[-1])))] += 1
            elif tag == "Table":
                self.note("table", plain_text(content))
            elif tag == "DefinitionList" and isinstance(content, list):
                for term, definitions in content:
                    todo.append((term, where))
                    todo.extend(
                        (definition, "deflist-tbl" if "{#tbl-" in plain_text(definition) else "deflist")
                        for definition in definitions
                    )
            elif tag == "Str" and isinstance(content, str):
                self.note(where, content)
            else:
                todo.append((content, where))


def _run_pandoc(pandoc: list[str], text: str, reading: TokenReading) -> tuple[object, tuple[int, str] | None]:
    """pandoc's JSON AST of ``text`` (probed), or the line and message of its failure."""
    try:
        run = subprocess.run(
            [*pandoc, "-f", "markdown", "-t", "json"],
            input=probe_text(text, reading.verbatim_lines, frozenset(line - 1 for line, _, _ in reading.fences)),
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, (1, str(exc))
    if run.returncode != 0:
        return None, pandoc_error(run.stderr)
    try:
        ast = loads(run.stdout)
    except ValueError as exc:
        return None, (1, f"pandoc wrote no JSON AST ({exc})")
    return ast, None


def pandoc_read(pandoc: list[str], text: str, reading: TokenReading) -> PandocReading:
    """Read ``text`` with pandoc as Quarto does and report what pandoc does not read as meant:
    ``:::`` fences that are not divs, pipe tables read as text, table captions detached from
    their table, code fences that are not code blocks (and raw fences that are no raw block)."""
    result = PandocReading()
    ast, result.error = _run_pandoc(pandoc, text, reading)
    if result.error is not None:
        return result
    walk = _Walk()
    walk.run(ast.get("blocks", []) if isinstance(ast, dict) else [])
    result.ids = walk.ids
    for (kind, n), places in sorted(walk.found.items()):
        if kind == "TABLE" and "text" in places:
            message = "pandoc reads this pipe table as text (a table needs a blank line before it)"
            result.problems.append((n + 1, message))
        elif kind == "CAPTION" and places & {"text", "deflist-tbl"}:
            result.problems.append((n + 1, "table caption is not attached to a table (pandoc reads it as text)"))
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n in reading.verbatim_lines or not DIV_OPEN.match(line) or n in walk.divs:
            continue
        if "code" in walk.found.get(("DIV", n), set()):
            continue
        hint = (
            "indented: write it at its container's content column"
            if line[:1] in (" ", "\t")
            else "pandoc cannot read its attributes"
        )
        result.problems.append((n + 1, f"pandoc does not read this ':::' fence as a div ({hint}): {line.strip()}"))
    for line_no, opening, body in reading.fences:
        raw = bool(_RAW_FENCE.match(opening))
        key = ("RawBlock" if raw else "CodeBlock", _squeeze(body))
        if walk.blocks[key] > 0:
            walk.blocks[key] -= 1
        else:
            kind = "a raw block" if raw else "a code block"
            result.problems.append((line_no, f"pandoc does not read this fence as {kind}: {opening}"))
    result.problems.sort()
    return result
