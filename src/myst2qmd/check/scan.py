"""The built-in scan of one Quarto file (no pandoc): MyST left outside code, ids, references,
links, images, includes, the front matter's YAML, balanced ``:::`` divs and figure ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml

from ..codes import Code
from ..files import read_bounded
from ..labels import CROSSREF_PREFIXES, slug
from ..quarto import TokenReading, blank_code, code_fence, line_of, read_tokens
from ..yamlload import YamlRefused, load_yaml
from .deepjson import loads

_REF = re.compile(r"(?<![\w@.\-])-?@((?:" + "|".join(CROSSREF_PREFIXES) + r")-[A-Za-z0-9_\-.:]*[A-Za-z0-9_])")
_ID = re.compile(r"\{#([A-Za-z0-9_\-.:]+)[^}]*\}")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>\n]+)>|([^)\s>]+))(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_DIV = re.compile(r"^\s*(:{3,})\s*(.*?)\s*$")
_LINK = re.compile(
    r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(?:<(?P<b>[^>\n]+)>|(?P<p>[^)\s>]+))"
    r"|<a\b[^>]*\bhref\s*=\s*[\"'](?P<h>[^\"']+)"
)
#: Quarto's include shortcode, ``{{< include _teil.qmd >}}`` (the path may be quoted)
INCLUDE = re.compile(r"\{\{<\s*include\s+(?:\"([^\"\n]+)\"|'([^'\n]+)'|([^\s>]+))\s*>\}\}")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//|\{\{<|data:)", re.IGNORECASE)


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
    #: ``{{< include PATH >}}`` shortcodes outside code: (PATH, line)
    includes: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reading: TokenReading | None = None
    #: why the file is not given to pandoc (front matter with aliases that expand too far)
    refused: str = ""


def read_text(path: Path) -> tuple[str | None, int, str]:
    """``path``'s text, or ``None`` with the line and a one-line reason it cannot be read (a
    FIFO, a device or a file too large is not read: :func:`files.read_bounded`)."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        return None, 1, f"cannot read: {exc.strerror or exc}"
    try:
        return data.decode("utf-8"), 0, ""
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        return None, line, f"not UTF-8 text (byte 0x{byte:02x} on this line): Quarto reads UTF-8; save it as UTF-8"


def scan_file(path: Path, display: str) -> FileScan:
    """One file's built-in scan (a notebook's Markdown cells, its code cells as code)."""
    text, line, reason = read_text(path)
    if text is None:
        scan = FileScan(path, "")
        scan.problems.append(Problem(display, line, reason, Code.FILE_UNREADABLE))
        return scan
    if path.suffix == ".ipynb":
        text = _notebook_markdown(text)
    scan = FileScan(path, text)
    scan.reading = read_tokens(text)
    scan.problems += _front_matter(scan, display)
    body = blank_code(text, reading=scan.reading)
    for line, message in scan.reading.leftovers:
        scan.problems.append(Problem(display, line, message, Code.MYST_LEFT))
    _ids_and_refs(scan, body, display)
    for match in _LINK.finditer(body):
        target = unquote(match.group("b") or match.group("p") or match.group("h"))
        if not _EXTERNAL.match(target):
            scan.links.append((target, line_of(body, match.start())))
    for match in INCLUDE.finditer(body):
        scan.includes.append((next(g for g in match.groups() if g), line_of(body, match.start())))
    scan.problems += _images(body, path, display)
    scan.problems += _div_balance(body, display)
    scan.problems += _figure_ids(body, display)
    return scan


def _front_matter(scan: FileScan, display: str) -> list[Problem]:
    front_matter = scan.reading.front_matter if scan.reading is not None else None
    if front_matter is None:
        return []
    try:
        load_yaml(front_matter)
    except YamlRefused as exc:  # pandoc would expand the aliases for ever: it does not read the file
        scan.refused = f"front matter not read ({exc}); pandoc not run on this file"
        return [Problem(display, 1, scan.refused, Code.FRONTMATTER_INVALID)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark else 1
        return [Problem(display, line, "front matter is not valid YAML", Code.FRONTMATTER_INVALID)]
    except RecursionError:
        message = "front matter is nested too deeply to be read"
        return [Problem(display, 1, message, Code.FRONTMATTER_INVALID)]
    return []


def _ids_and_refs(scan: FileScan, body: str, display: str) -> None:
    """The ids (``{#x}`` and headings' automatic ones) and ``@x`` references of ``body``."""
    assert scan.reading is not None
    for match in _ID.finditer(body):
        ident = match.group(1)
        line = line_of(body, match.start())
        if ident in scan.ids:
            message = f"duplicate id #{ident} (also line {scan.ids[ident]})"
            scan.problems.append(Problem(display, line, message, Code.LABEL_DUPLICATE))
        scan.ids.setdefault(ident, line)
    for match in _REF.finditer(body):
        scan.refs.append((match.group(1), line_of(body, match.start())))
    for line, heading in scan.reading.headings:
        if not re.search(r"\{#", heading):
            scan.ids.setdefault(slug(heading, "pandoc"), line)


def _images(body: str, path: Path, display: str) -> list[Problem]:
    problems = []
    for pattern in (_IMAGE, _HTML_IMG):
        for match in pattern.finditer(body):
            src = unquote(next(g for g in match.groups() if g))
            if _EXTERNAL.match(src) or src.startswith("#"):
                continue
            image = path.parent / src.split("#")[0].split("?")[0]
            if not image.exists():
                line = line_of(body, match.start())
                problems.append(Problem(display, line, f"image {src} does not exist", Code.LINK_MISSING))
    return problems


def _notebook_markdown(text: str) -> str:
    try:
        notebook = loads(text)
    except ValueError:
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
    """``:::`` lines as pandoc pairs them: an opening whose ``{`` is never closed is text."""
    problems = []
    stack: list[tuple[int, int]] = []
    for n, line in enumerate(body.split("\n"), 1):
        match = _DIV.match(line)
        if not match:
            continue
        colons, rest = len(match.group(1)), match.group(2)
        if rest and not rest.startswith("{") and not re.match(r"^[\w.-]+$", rest):
            continue
        if rest.startswith("{") and "}" not in rest:
            message = f"'{line.strip()}' has no closing brace: pandoc reads this line as text, not as a div"
            problems.append(Problem(display, n, message, Code.FENCE_UNCLOSED))
        elif rest:
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
