"""``myst2qmd check PATH``: problems in a Quarto file or project, without rendering.

Finds MyST left outside code (every role, target and directive fence, read from the parser's
tokens), ``@fig-``/``@tbl-``/``@eq-``/``@sec-``… references with no target, duplicate ids,
figure ids without the ``fig-`` prefix, links to missing files or ids, images whose files do
not exist, YAML that does not parse and unbalanced ``:::`` divs. Every problem names
``file:line``. When pandoc is available (``quarto pandoc``, ``pandoc`` or the one from
``pypandoc-binary``) every file is also read as Quarto reads it: a file pandoc cannot read is
reported with pandoc's message and line, and so are ``:::`` fences that are no div, pipe
tables read as text, table captions detached from their table and code fences that are no
code block; the ids pandoc sees count too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml

from .codes import Code
from .constructs.includes import code_fence
from .files import read_bounded
from .labels import CROSSREF_PREFIXES, slug
from .quarto import TokenReading, blank_code, line_of, read_tokens
from .yamlload import YamlRefused, load_yaml

_REF = re.compile(r"(?<![\w@.\-])-?@((?:" + "|".join(CROSSREF_PREFIXES) + r")-[A-Za-z0-9_\-.:]*[A-Za-z0-9_])")
_ID = re.compile(r"\{#([A-Za-z0-9_\-.:]+)[^}]*\}")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>\n]+)>|([^)\s>]+))(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_DIV = re.compile(r"^\s*(:{3,})\s*(.*?)\s*$")
_LINK = re.compile(
    r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(?:<(?P<b>[^>\n]+)>|(?P<p>[^)\s>]+))"
    r"|<a\b[^>]*\bhref\s*=\s*[\"'](?P<h>[^\"']+)"
)


@dataclass
class Problem:
    path: str
    line: int
    message: str
    code: Code

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: error [{self.code}]: {self.message}"


@dataclass
class FileScan:
    path: Path
    text: str
    ids: dict[str, int] = field(default_factory=dict)
    refs: list[tuple[str, int]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reading: TokenReading | None = None
    #: why the file is not given to pandoc (front matter with aliases that expand too far)
    refused: str = ""


def scan_file(path: Path, display: str) -> FileScan:
    try:
        text = read_bounded(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        scan = FileScan(path, "")
        scan.problems.append(Problem(display, 1, f"cannot read: {exc}", Code.FILE_UNREADABLE))
        return scan
    if path.suffix == ".ipynb":
        text = _notebook_markdown(text)
    scan = FileScan(path, text)
    scan.reading = read_tokens(text)
    if scan.reading.front_matter is not None:
        try:
            load_yaml(scan.reading.front_matter)
        except YamlRefused as exc:  # pandoc would expand the aliases for ever: it does not read the file
            scan.refused = f"front matter not read ({exc}); pandoc not run on this file"
            scan.problems.append(Problem(display, 1, scan.refused, Code.FRONTMATTER_INVALID))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            scan.problems.append(
                Problem(
                    display, (mark.line + 2) if mark else 1, "front matter is not valid YAML", Code.FRONTMATTER_INVALID
                )
            )
    body = blank_code(text, reading=scan.reading)
    for line, message in scan.reading.leftovers:
        scan.problems.append(Problem(display, line, message, Code.MYST_LEFT))
    for match in _ID.finditer(body):
        ident = match.group(1)
        line = line_of(body, match.start())
        if ident in scan.ids:
            scan.problems.append(
                Problem(display, line, f"duplicate id #{ident} (also line {scan.ids[ident]})", Code.LABEL_DUPLICATE)
            )
        scan.ids.setdefault(ident, line)
    for match in _REF.finditer(body):
        scan.refs.append((match.group(1), line_of(body, match.start())))
    for line, heading in scan.reading.headings:
        if not re.search(r"\{#", heading):
            scan.ids.setdefault(slug(heading, "pandoc"), line)
    for match in _LINK.finditer(body):
        target = unquote(match.group("b") or match.group("p") or match.group("h"))
        if not re.match(r"^(?:[a-z][a-z0-9+.\-]*:|//|\{\{<|data:)", target, re.IGNORECASE):
            scan.links.append((target, line_of(body, match.start())))
    for pattern in (_IMAGE, _HTML_IMG):
        for match in pattern.finditer(body):
            src = unquote(next(g for g in match.groups() if g))
            if re.match(r"^(?:[a-z][a-z0-9+.\-]*:|//|#|\{\{<|data:)", src, re.IGNORECASE):
                continue
            image = path.parent / src.split("#")[0].split("?")[0]
            if not image.exists():
                scan.problems.append(
                    Problem(display, line_of(body, match.start()), f"image {src} does not exist", Code.LINK_MISSING)
                )
    scan.problems += _div_balance(body, display)
    scan.problems += _figure_ids(body, display)
    return scan


def _notebook_markdown(text: str) -> str:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError:
        return ""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    parts = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            parts.append(source)
        else:
            parts.append(code_fence(source, ""))
    return "\n\n".join(parts)


def _div_balance(body: str, display: str) -> list[Problem]:
    problems = []
    stack: list[tuple[int, int]] = []
    for n, line in enumerate(body.split("\n"), 1):
        match = _DIV.match(line)
        if not match:
            continue
        colons, rest = len(match.group(1)), match.group(2)
        if rest and not rest.startswith("{") and not re.match(r"^[\w.-]+$", rest):
            continue
        if rest:
            stack.append((colons, n))
        elif stack:
            stack.pop()
        else:
            problems.append(Problem(display, n, "':::' closes a div that was never opened", Code.FENCE_UNCLOSED))
    problems += [Problem(display, n, "div opened here is never closed", Code.FENCE_UNCLOSED) for _, n in stack]
    return problems


def _figure_ids(body: str, display: str) -> list[Problem]:
    """A div holding an image and a caption whose id lacks ``fig-`` is not a numbered figure."""
    problems = []
    for match in re.finditer(r"(?m)^\s*:{3,}\s*\{#([\w\-.:]+)[^}]*\}\s*\n(?:\s*\n)*\s*!\[", body):
        ident = match.group(1)
        if not ident.startswith("fig-"):
            problems.append(
                Problem(
                    display,
                    line_of(body, match.start()),
                    f"figure id #{ident} has no fig- prefix: Quarto will not number or cross-reference it",
                    Code.LABEL_PREFIX,
                )
            )
    return problems


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
_DIV_OPEN = re.compile(r"^([ \t]*:{3,}[ \t]*)(\{.*\}|[^\s{}:]+)([ \t]*:*[ \t]*)$")
_CAPTION = re.compile(r"^([ \t]*:[ \t]+)(?=\S)")
_TABLE_HEAD = re.compile(r"^([ \t]*\|?[ \t]*)(?=\S)")
_CELL = re.compile(r"^([ \t>]*`{3,})\{(\w+)\}[ \t]*$")


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
        div = _DIV_OPEN.match(line)
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


def _plain(node: object) -> str:
    """The text of an AST subtree, words separated by spaces, code and raw text included."""
    out: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, dict):
            tag, content = item.get("t"), item.get("c")
            if tag == "Str" and isinstance(content, str):
                out.append(content)
            elif tag in ("Code", "CodeBlock", "RawBlock", "RawInline") and isinstance(content, list):
                out.append(str(content[-1]))
            else:
                out.append(" ")
                walk(content)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return "".join(out)


def _squeeze(code: str) -> str:
    """Code with its white space squeezed (pandoc expands tabs and drops a final newline)."""
    return " ".join(code.split())


def pandoc_read(pandoc: list[str], text: str, reading: TokenReading) -> PandocReading:
    """Read ``text`` with pandoc as Quarto does and report what pandoc does not read as meant:
    ``:::`` fences that are not divs, pipe tables read as text, table captions detached from
    their table, code fences that are not code blocks."""
    result = PandocReading()
    try:
        run = subprocess.run(
            [*pandoc, "-f", "markdown", "-t", "json"],
            input=probe_text(text, reading.verbatim_lines, frozenset(line - 1 for line, _, _ in reading.fences)),
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        result.error = (1, str(exc))
        return result
    if run.returncode != 0:
        result.error = pandoc_error(run.stderr)
        return result
    ast = json.loads(run.stdout)
    divs: set[int] = set()
    #: where each probe ended up: "table", "caption", "code", "deflist-tbl" (a definition with a #tbl- id), "text"
    found: dict[tuple[str, int], set[str]] = {}
    code_blocks: Counter[str] = Counter()

    def note(where: str, haystack: str) -> None:
        for match in _PROBE.finditer(haystack):
            found.setdefault((match.group(1), int(match.group(2))), set()).add(where)
        if where == "code":
            for match in re.finditer(_PROBE_ATTR + r'="(\d+)"', haystack):
                found.setdefault(("DIV", int(match.group(1))), set()).add("code")

    def walk(node: object, where: str) -> None:
        if isinstance(node, list):
            for value in node:
                walk(value, where)
            return
        if not isinstance(node, dict):
            return
        tag, content = node.get("t"), node.get("c")
        if tag in ("Div", "Span", "Header", "Image", "CodeBlock", "Table", "Link", "Code") and isinstance(
            content, list
        ):
            attr = content[1] if tag == "Header" else content[0]
            if isinstance(attr, list) and len(attr) == 3:
                if isinstance(attr[0], str) and attr[0]:
                    result.ids.add(attr[0])
                if tag == "Div":
                    for key, value in attr[2]:
                        if key == _PROBE_ATTR and value.isdigit():
                            divs.add(int(value))
        if tag in ("CodeBlock", "RawBlock", "RawInline", "Code") and isinstance(content, list):
            note("code", str(content[-1]))
            if tag == "CodeBlock":
                code_blocks[_squeeze(str(content[-1]))] += 1
            return
        if tag == "Table":
            note("table", _plain(content))
            return
        if tag == "DefinitionList" and isinstance(content, list):
            for term, definitions in content:
                walk(term, where)
                for definition in definitions:
                    walk(definition, "deflist-tbl" if "{#tbl-" in _plain(definition) else "deflist")
            return
        if tag == "Str" and isinstance(content, str):
            note(where, content)
            return
        walk(content, where)

    walk(ast.get("blocks", []), "text")
    for (kind, n), places in sorted(found.items()):
        if kind == "TABLE" and "text" in places:
            message = "pandoc reads this pipe table as text (a table needs a blank line before it)"
            result.problems.append((n + 1, message))
        elif kind == "CAPTION" and places & {"text", "deflist-tbl"}:
            result.problems.append((n + 1, "table caption is not attached to a table (pandoc reads it as text)"))
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n in reading.verbatim_lines or not _DIV_OPEN.match(line) or n in divs:
            continue
        if "code" in found.get(("DIV", n), set()):
            continue
        hint = (
            "indented: write it at its container's content column"
            if line[:1] in (" ", "\t")
            else "pandoc cannot read its attributes"
        )
        result.problems.append((n + 1, f"pandoc does not read this ':::' fence as a div ({hint}): {line.strip()}"))
    for line_no, opening, body in reading.fences:
        key = _squeeze(body)
        if code_blocks[key] > 0:
            code_blocks[key] -= 1
        else:
            result.problems.append((line_no, f"pandoc does not read this fence as a code block: {opening}"))
    result.problems.sort()
    return result


def project_files(root: Path) -> tuple[list[Path], list[Problem]]:
    problems: list[Problem] = []
    config = root / "_quarto.yml"
    if config.is_file():
        try:
            data = load_yaml(read_bounded(config).decode("utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem("_quarto.yml", (mark.line + 1) if mark else 1, "not valid YAML", Code.TOC_INVALID))
            data = {}
        chapters = _chapters((data.get("book") or {}).get("chapters") if isinstance(data, dict) else None)
        for chapter in chapters:
            if not (root / chapter).is_file():
                problems.append(Problem("_quarto.yml", 1, f"chapter {chapter} does not exist", Code.TOC_MISSING))
    files = sorted(
        p
        for p in root.rglob("*")
        if p.suffix in (".qmd", ".ipynb")
        and not any(part.startswith((".", "_book", "_site", "_freeze")) for part in p.relative_to(root).parts)
    )
    return files, problems


def _chapters(items: object) -> list[str]:
    out: list[str] = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                part = item.get("part")
                if isinstance(part, str) and part.endswith((".qmd", ".md", ".ipynb")):
                    out.append(part)
                out += _chapters(item.get("chapters"))
    return out


def read_file(file: Path, display: str, pandoc: list[str] | None) -> FileScan:
    """One file's scan, with what pandoc reads in it when pandoc is there."""
    scan = scan_file(file, display)
    if pandoc is None or not scan.text or scan.reading is None or scan.refused:
        return scan
    read = pandoc_read(pandoc, scan.text, scan.reading)
    if read.error is not None:
        line, message = read.error
        scan.problems.append(Problem(display, line, f"pandoc cannot read this file: {message}", Code.PANDOC_UNREADABLE))
        return scan
    scan.problems += [Problem(display, line, message, Code.PANDOC_MISREAD) for line, message in read.problems]
    for ident in read.ids:
        scan.ids.setdefault(ident, 0)
    return scan


def check(path: Path, use_pandoc: bool = True) -> tuple[list[Problem], int]:
    """All problems under ``path`` and how many files were checked."""
    root = path if path.is_dir() else path.parent
    if path.is_dir():
        files, problems = project_files(path)
    else:
        files, problems = [path], []
    pandoc = find_pandoc() if use_pandoc else None
    scans = []
    for file in files:
        display = file.relative_to(root).as_posix()
        scan = read_file(file, display, pandoc)
        scans.append((display, scan))
        problems += scan.problems
    owner: dict[str, tuple[str, int]] = {}
    for display, scan in scans:
        for ident, line in scan.ids.items():
            if not ident.startswith(tuple(p + "-" for p in CROSSREF_PREFIXES)):
                continue
            if ident in owner and owner[ident][0] != display:
                problems.append(
                    Problem(
                        display, line or 1, f"duplicate id #{ident} (also in {owner[ident][0]})", Code.LABEL_DUPLICATE
                    )
                )
            owner.setdefault(ident, (display, line))
    by_path = {scan.path.resolve(): scan for _, scan in scans}
    for display, scan in scans:
        for target, line in scan.links:
            path_part, _, anchor = target.partition("#")
            destination = (scan.path.parent / path_part).resolve() if path_part else scan.path.resolve()
            if path_part and not destination.exists():
                # a missing document breaks the book; another missing file is the source's (warned on conversion)
                if re.search(r"\.(qmd|ipynb|md|html)$", path_part) or "." not in Path(path_part).name:
                    problems.append(
                        Problem(display, line, f"link to {target}: {path_part} does not exist", Code.LINK_MISSING)
                    )
                continue
            target_scan = by_path.get(destination)
            if target_scan is None and anchor and destination.suffix in (".qmd", ".ipynb") and destination.is_file():
                # a document outside what is checked (a single file's neighbour): read it for its ids
                target_scan = by_path[destination] = read_file(destination, path_part, pandoc)
            if anchor and target_scan is not None and anchor not in target_scan.ids:
                problems.append(
                    Problem(
                        display,
                        line,
                        f"link to {target}: no #{anchor} in {path_part or 'this file'}",
                        Code.LINK_MISSING,
                    )
                )
        for ref, line in scan.refs:
            if ref not in owner:
                problems.append(
                    Problem(
                        display,
                        line,
                        f"@{ref} has no target in {'the project' if path.is_dir() else 'the file'}",
                        Code.REF_UNDEFINED,
                    )
                )
    problems.sort(key=lambda p: (p.path, p.line))
    return problems, len(files)
