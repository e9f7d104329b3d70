"""``myst2qmd check PATH``: problems in a Quarto file or project, without rendering.

Finds MyST left outside code (every role, target and directive fence, read from the parser's
tokens), ``@fig-``/``@tbl-``/``@eq-``/``@sec-``… references with no target, duplicate ids,
figure ids without the ``fig-`` prefix, links to missing files or ids, images whose files do
not exist, ``{{< include >}}`` of a missing file or of a file that includes itself, YAML that
does not parse, unbalanced ``:::`` divs and files that are not UTF-8. Every problem names
``file:line``. When pandoc is available (``quarto pandoc``, ``pandoc`` or the one from
``pypandoc-binary``) every file is also read as Quarto reads it (:mod:`.pandoc`): a file pandoc
cannot read is reported with pandoc's message and line, and so are ``:::`` fences that are no
div, pipe tables read as text, table captions detached from their table and code fences that
are no code block; the ids pandoc sees count too.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..codes import Code
from ..labels import CROSSREF_PREFIXES
from ..yamlload import YamlRefused, load_yaml
from .includes import IncludeGraph, include_problems
from .pandoc import PANDOC_CHECKS, PANDOC_HINT, find_pandoc, pandoc_read
from .scan import FileScan, Problem, read_text, scan_file

__all__ = [
    "PANDOC_CHECKS",
    "PANDOC_HINT",
    "FileScan",
    "Problem",
    "check",
    "find_pandoc",
    "project_files",
    "read_file",
    "scan_file",
]


def project_files(root: Path) -> tuple[list[Path], list[Problem]]:
    """The ``.qmd`` and ``.ipynb`` files of a project, and the problems of its ``_quarto.yml``."""
    problems: list[Problem] = []
    config = root / "_quarto.yml"
    if config.exists():
        data, problem = _quarto_yml(config)
        if problem is not None:
            problems.append(problem)
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


def _quarto_yml(config: Path) -> tuple[object, Problem | None]:
    """The project's ``_quarto.yml``, or why it cannot be read."""
    text, line, reason = read_text(config)
    if text is None:
        return {}, Problem("_quarto.yml", line, reason, Code.FILE_UNREADABLE)
    try:
        return load_yaml(text) or {}, None
    except YamlRefused as exc:
        return {}, Problem("_quarto.yml", 1, f"not read: {exc}", Code.TOC_INVALID)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return {}, Problem("_quarto.yml", (mark.line + 1) if mark else 1, "not valid YAML", Code.TOC_INVALID)
    except RecursionError:
        return {}, Problem("_quarto.yml", 1, "nested too deeply to be read", Code.TOC_INVALID)


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
    owner = _owners(scans, problems)
    by_path = {scan.path.resolve(): scan for _, scan in scans}
    graph = IncludeGraph(root, dict(by_path))
    for display, scan in scans:
        problems += _link_problems(display, scan, by_path, pandoc)
        problems += include_problems(display, scan, graph)
        where = "the project" if path.is_dir() else "the file"
        problems += [
            Problem(display, line, f"@{ref} has no target in {where}", Code.REF_UNDEFINED)
            for ref, line in scan.refs
            if ref not in owner
        ]
    problems.sort(key=lambda p: (p.path, p.line))
    return problems, len(files)


def _owners(scans: list[tuple[str, FileScan]], problems: list[Problem]) -> dict[str, tuple[str, int]]:
    """Where each cross-reference id is given; an id given in two files is a problem."""
    owner: dict[str, tuple[str, int]] = {}
    for display, scan in scans:
        for ident, line in scan.ids.items():
            if not ident.startswith(tuple(p + "-" for p in CROSSREF_PREFIXES)):
                continue
            if ident in owner and owner[ident][0] != display:
                message = f"duplicate id #{ident} (also in {owner[ident][0]})"
                problems.append(Problem(display, line or 1, message, Code.LABEL_DUPLICATE))
            owner.setdefault(ident, (display, line))
    return owner


def _link_problems(
    display: str, scan: FileScan, by_path: dict[Path, FileScan], pandoc: list[str] | None
) -> list[Problem]:
    """Links of ``scan`` to a file that does not exist or to an id its document does not have."""
    problems = []
    for target, line in scan.links:
        path_part, _, anchor = target.partition("#")
        destination = (scan.path.parent / path_part).resolve() if path_part else scan.path.resolve()
        if path_part and not destination.exists():
            # a document, a PDF, a data file: a reader who follows the link finds nothing
            problems.append(Problem(display, line, f"link to {target}: {path_part} does not exist", Code.LINK_MISSING))
            continue
        target_scan = by_path.get(destination)
        if target_scan is None and anchor and destination.suffix in (".qmd", ".ipynb") and destination.is_file():
            # a document outside what is checked (a single file's neighbour): read it for its ids
            target_scan = by_path[destination] = read_file(destination, path_part, pandoc)
        if anchor and target_scan is not None and anchor not in target_scan.ids:
            message = f"link to {target}: no #{anchor} in {path_part or 'this file'}"
            problems.append(Problem(display, line, message, Code.LINK_MISSING))
    return problems
