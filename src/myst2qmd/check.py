"""``myst2qmd check PATH``: problems in a Quarto file or project, without rendering.

Finds MyST syntax left outside code, ``@fig-``/``@tbl-``/``@eq-``/``@sec-``… references with no
target, duplicate ids, figure ids without the ``fig-`` prefix, images whose files do not
exist, YAML that does not parse and unbalanced ``:::`` divs. Every problem names
``file:line``. When pandoc is available (``quarto pandoc``, ``pandoc`` or the one from
``pypandoc-binary``) every file must also parse with it and the ids pandoc sees count too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml

from .labels import CROSSREF_PREFIXES

_REF = re.compile(r"(?<![\w@.\-])-?@((?:" + "|".join(CROSSREF_PREFIXES) + r")-[A-Za-z0-9_\-.:]*[A-Za-z0-9_])")
_ID = re.compile(r"\{#([A-Za-z0-9_\-.:]+)[^}]*\}")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>\n]+)>|([^)\s>]+))(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_MYST = {
    "MyST role": re.compile(r"\{[\w:-]+\}`"),
    "MyST directive": re.compile(r"(?m)^\s*(`{3,}|~{3,}|:{3,})\s*\{[\w:-]+\}"),
    "MyST target": re.compile(r"(?m)^\([^)\s]+\)=\s*$"),
}
_QUARTO_CELL = re.compile(r"^\s*(`{3,})\s*\{(python|r|julia|ojs|mermaid|dot|bash|sql|sh)\b")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_DIV = re.compile(r"^\s*(:{3,})\s*(.*?)\s*$")
_LINK = re.compile(
    r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(?:<(?P<b>[^>\n]+)>|(?P<p>[^)\s>]+))"
    r"|<a\b[^>]*\bhref\s*=\s*[\"'](?P<h>[^\"']+)"
)
_HEADING = re.compile(r"(?m)^#{1,6}\s+(.*?)\s*#*\s*$")


def auto_identifier(heading: str) -> str:
    """Pandoc's automatic id for a heading without one (``## Die Faltung`` → ``die-faltung``)."""
    text = re.sub(r"\{[^{}]*\}\s*$", "", heading)
    text = re.sub(r"[`*_~\[\]()]|<[^>]+>", "", text).lower()
    text = re.sub(r"[^\w\s.\-]", "", text)
    text = re.sub(r"\s+", "-", text.strip())
    return re.sub(r"^[\W\d_]+", "", text) or "section"


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class FileScan:
    path: Path
    text: str
    ids: dict[str, int] = field(default_factory=dict)
    refs: list[tuple[str, int]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def blank_code(text: str, inline: bool = True) -> str:
    """``text`` with fenced code, Quarto cells, inline code and HTML comments blanked to spaces
    (every offset and line number stays where it was)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and line.strip().strip(fence[0]) == "":
                fence = None
            out.append(" " * len(line))
            continue
        match = _FENCE.match(line)
        if match and not re.match(r"^\s*`{3,}\s*\{[\w:-]+\}", line) or _QUARTO_CELL.match(line):
            fence = (match or _QUARTO_CELL.match(line)).group(1)  # type: ignore[union-attr]
            out.append(" " * len(line))
            continue
        out.append(line)
    blanked = "\n".join(out)
    blanked = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), blanked, flags=re.DOTALL)
    if not inline:
        return blanked
    # inline code, but not the backticks of a MyST role: {ref}`x` is exactly what we look for
    return re.sub(r"(?<!\})(``.*?``|`[^`\n]*`)", lambda m: " " * len(m.group(0)), blanked)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def scan_file(path: Path, display: str) -> FileScan:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        scan = FileScan(path, "")
        scan.problems.append(Problem(display, 1, f"cannot read: {exc}"))
        return scan
    if path.suffix == ".ipynb":
        text = _notebook_markdown(text)
    scan = FileScan(path, text)
    front = re.match(r"(?s)^---\n(.*?)\n---\s*\n", text)
    if front:
        try:
            yaml.safe_load(front.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            scan.problems.append(Problem(display, (mark.line + 2) if mark else 1, "front matter is not valid YAML"))
    body = blank_code(text)
    for name, pattern in _MYST.items():
        for match in pattern.finditer(body):
            scan.problems.append(Problem(display, _line(body, match.start()), f"{name} left: {match.group(0).strip()}"))
    for match in _ID.finditer(body):
        ident = match.group(1)
        line = _line(body, match.start())
        if ident in scan.ids:
            scan.problems.append(Problem(display, line, f"duplicate id #{ident} (also line {scan.ids[ident]})"))
        scan.ids.setdefault(ident, line)
    for match in _REF.finditer(body):
        scan.refs.append((match.group(1), _line(body, match.start())))
    for match in _HEADING.finditer(body):
        if not re.search(r"\{#", match.group(1)):
            scan.ids.setdefault(auto_identifier(match.group(1)), _line(body, match.start()))
    for match in _LINK.finditer(body):
        target = unquote(match.group("b") or match.group("p") or match.group("h"))
        if not re.match(r"^(?:[a-z][a-z0-9+.\-]*:|//|\{\{<|data:)", target, re.IGNORECASE):
            scan.links.append((target, _line(body, match.start())))
    for pattern in (_IMAGE, _HTML_IMG):
        for match in pattern.finditer(body):
            src = unquote(next(g for g in match.groups() if g))
            if re.match(r"^(?:[a-z][a-z0-9+.\-]*:|//|#|\{\{<|data:)", src, re.IGNORECASE):
                continue
            image = path.parent / src.split("#")[0].split("?")[0]
            if not image.exists():
                scan.problems.append(Problem(display, _line(body, match.start()), f"image {src} does not exist"))
    scan.problems += _div_balance(body, display)
    scan.problems += _figure_ids(body, display)
    return scan


def _notebook_markdown(text: str) -> str:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError:
        return ""
    parts = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        parts.append(source if cell.get("cell_type") in ("markdown", "raw") else "```\n" + source + "\n```")
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
            problems.append(Problem(display, n, "':::' closes a div that was never opened"))
    problems += [Problem(display, n, "div opened here is never closed") for _, n in stack]
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
                    _line(body, match.start()),
                    f"figure id #{ident} has no fig- prefix: Quarto will not number or cross-reference it",
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


def pandoc_ids(pandoc: list[str], text: str) -> tuple[set[str] | None, str]:
    """The ids pandoc finds in ``text`` (``None`` and the error if it cannot parse it)."""
    text = re.sub(r"(?m)^([ \t]*`{3,})\{(\w+)\}[ \t]*$", r"\1{.\2 .cell}", text)
    try:
        run = subprocess.run(
            [*pandoc, "-f", "markdown", "-t", "json"], input=text, capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if run.returncode != 0:
        return None, run.stderr.strip().splitlines()[0] if run.stderr.strip() else "pandoc failed"
    ids: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            tag, content = node.get("t"), node.get("c")
            if tag in ("Div", "Span", "Header", "Image", "CodeBlock", "Table") and isinstance(content, list):
                attr = content[1] if tag == "Header" else content[0]
                if isinstance(attr, list) and attr and isinstance(attr[0], str) and attr[0]:
                    ids.add(attr[0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(run.stdout))
    return ids, ""


def project_files(root: Path) -> tuple[list[Path], list[Problem]]:
    problems: list[Problem] = []
    config = root / "_quarto.yml"
    if config.is_file():
        try:
            data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem("_quarto.yml", (mark.line + 1) if mark else 1, "not valid YAML"))
            data = {}
        chapters = _chapters((data.get("book") or {}).get("chapters") if isinstance(data, dict) else None)
        for chapter in chapters:
            if not (root / chapter).is_file():
                problems.append(Problem("_quarto.yml", 1, f"chapter {chapter} does not exist"))
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
        scan = scan_file(file, display)
        if pandoc is not None and scan.text and file.suffix == ".qmd":
            ids, error = pandoc_ids(pandoc, scan.text)
            if ids is None:
                scan.problems.append(Problem(display, 1, f"pandoc cannot read this file: {error}"))
            else:
                for ident in ids:
                    scan.ids.setdefault(ident, 0)
        scans.append((display, scan))
        problems += scan.problems
    owner: dict[str, tuple[str, int]] = {}
    for display, scan in scans:
        for ident, line in scan.ids.items():
            if not ident.startswith(tuple(p + "-" for p in CROSSREF_PREFIXES)):
                continue
            if ident in owner and owner[ident][0] != display:
                problems.append(Problem(display, line or 1, f"duplicate id #{ident} (also in {owner[ident][0]})"))
            owner.setdefault(ident, (display, line))
    by_path = {scan.path.resolve(): scan for _, scan in scans}
    for display, scan in scans:
        for target, line in scan.links:
            path_part, _, anchor = target.partition("#")
            destination = (scan.path.parent / path_part).resolve() if path_part else scan.path.resolve()
            if path_part and not destination.exists():
                # a missing document breaks the book; another missing file is the source's (warned on conversion)
                if re.search(r"\.(qmd|ipynb|md|html)$", path_part) or "." not in Path(path_part).name:
                    problems.append(Problem(display, line, f"link to {target}: {path_part} does not exist"))
                continue
            target_scan = by_path.get(destination)
            if anchor and target_scan is not None and anchor not in target_scan.ids:
                problems.append(Problem(display, line, f"link to {target}: no #{anchor} in {path_part or 'this file'}"))
        for ref, line in scan.refs:
            if ref not in owner:
                problems.append(
                    Problem(display, line, f"@{ref} has no target in {'the project' if path.is_dir() else 'the file'}")
                )
    problems.sort(key=lambda p: (p.path, p.line))
    return problems, len(files)
