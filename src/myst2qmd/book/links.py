"""Links and paths in a book: ``{doc}`` targets resolved to chapters, local targets (images,
links, downloads) read from the parser's tokens, those that lead out of the book reported, the
root chapter's paths rebased, and the files chapters include found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from ..codes import Code
from ..constructs import registry
from ..constructs.base import url_path
from ..context import Warning_
from ..convert import parse_text
from ..notebooks import Chapter, Document
from ..parsed import Parsed
from ..parser import parse_inline
from ..quarto import blank_code
from .labels import relative
from .toc import SOURCE_SUFFIXES


def document_resolver(chapter: Chapter, by_source: Mapping[str, Chapter]) -> Callable[[str], tuple[str, str] | None]:
    """``{doc}`` targets as written in ``chapter`` → (link to the output file, its title);
    ``by_source``: the book's chapters by their source's path (``a/b.md``, as ``as_posix`` writes it)."""

    def resolve(target: str) -> tuple[str, str] | None:
        target, _, anchor = target.partition("#")
        base = PurePosixPath("/") if target.startswith("/") else chapter.rel.parent
        joined = PurePosixPath(os.path.normpath((base / target.lstrip("/")).as_posix())).as_posix().lstrip("/")
        for candidate in [joined] + [joined + s for s in SOURCE_SUFFIXES]:
            hit = by_source.get(candidate)  # normalized already: as PurePosixPath(candidate).as_posix() writes it
            if hit is not None:
                href = url_path(relative(hit.out_rel, chapter.out_rel))
                return href + (f"#{anchor}" if anchor else ""), hit.title
        return None

    return resolve


def outside_references(document: Document, folder: Path) -> list[Warning_]:
    """Images, links and ``{download}`` targets that lead out of the book folder: they are not
    copied (the link stays as written), and each is reported with its file:line."""
    found = []
    source_dir = document.chapter.source.parent
    root = folder.resolve()  # once, not per target
    folders: dict[Path, Path] = {}
    for n, piece in enumerate(document.pieces):
        where = document.where(n)
        parsed = document.parses[n] if n < len(document.parses) else None
        for line, target in local_targets(piece, parsed=parsed):
            path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
            if not path:
                continue
            base = folder if path.startswith("/") else source_dir
            if not resolved(base / path.lstrip("/"), folders).is_relative_to(root):
                message = f"{target} leads outside the book; not copied (kept as written)"
                found.append(Warning_(where, line, message, Code.PATH_OUTSIDE))
    return found


def resolved(path: Path, folders: dict[Path, Path]) -> Path:
    """``path.resolve()``, its folder resolved once (``folders``: folder → resolved, kept by the
    caller): a chapter's targets mostly share a few folders, and each resolution asks the file
    system about every component. The file's own name resolves as ``Path.resolve`` does it: kept
    unless it is a symbolic link (then the whole path is resolved), or ``..``.

    >>> resolved(Path("/a/b/c.png"), {Path("/a/b"): Path("/x/y")}) == Path("/x/y/c.png")
    True
    """
    name = path.name
    if name in ("", ".", ".."):
        return path.resolve()
    parent = path.parent
    real = folders.get(parent)
    if real is None:
        real = folders[parent] = parent.resolve()
    candidate = real / name
    return path.resolve() if os.path.islink(candidate) else candidate


_URL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//|#|\{\{)", re.IGNORECASE)
#: ``<img src="…">``, ``<a href="…">``
_HTML_PATH = re.compile(r"\b(?:src|href)\s*=\s*[\"'](?P<p>[^\"']+)")


def local_targets(text: str, offset: int = 0, parsed: Parsed | None = None) -> list[tuple[int, str]]:
    """(line, path) of every local image, link and ``{download}`` target, read from the parser's
    tokens (directive bodies too; ``parsed``: ``text``'s parse, when the label pass made it).

    >>> local_targets("Text\\n\\n![a](../b.png) and {download}`Daten <../d.csv>`\\n")
    [(3, '../b.png'), (3, '../d.csv')]
    """
    return _targets(parsed if parsed is not None else parse_text(text), offset)


def _targets(parsed: Parsed, offset: int) -> list[tuple[int, str]]:
    """:func:`local_targets` of a parse: a Markdown body from the parse's own bodies, any other
    directive's content (a ``{list-table}``'s) parsed as a document of its own. Inline tokens it
    parses keep their children, for the conversion to use (and let go)."""
    found: list[tuple[int, str]] = []
    view, tokens = parsed.view, parsed.tokens
    references = bool((parsed.env or {}).get("references"))
    for index, token in enumerate(tokens):
        if token.type in ("fence", "colon_fence"):
            directive = parsed.directives.get(index)
            if directive is not None and not registry.literal_body(directive.name):
                line = offset + view.lineno(token.map[0] if token.map else 0)
                if registry.path_argument(directive.name) and directive.argument:
                    found.append((line, directive.argument))
                body = parsed.bodies.get(index)
                if body is not None:
                    found.extend(_targets(body, offset))
                else:
                    found.extend(local_targets(token.content, line))
            continue
        content = token.content
        lazy = parsed.env is not None and token.type == "inline" and not token.children
        if lazy and ("](" in content or "<" in content or "{download}" in content or (references and "[" in content)):
            parse_inline(token, parsed.env or {})
        if not token.children and token.type != "html_block":
            continue  # no target in it (most tokens): its line is not worked out
        line = offset + view.lineno(token.map[0] if token.map else 0)
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            target = None
            if child.type == "image":
                target = str(child.attrGet("src") or "")
            elif child.type == "link_open":
                target = str(child.attrGet("href") or "")
            elif child.type == "myst_role" and child.meta.get("name") == "download":
                role = child.content.strip()
                angled = re.search(r"<([^<>]+)>\s*$", role)
                target = angled.group(1) if angled else role
            if target and not _URL.match(target):
                found.append((line, target))
            if child.type == "html_inline":
                found += [(line, m["p"]) for m in _HTML_PATH.finditer(child.content) if not _URL.match(m["p"])]
        if token.type == "html_block":
            found += [(line, m["p"]) for m in _HTML_PATH.finditer(token.content) if not _URL.match(m["p"])]
    return found


_LOCAL = re.compile(r"^(?![a-z][a-z0-9+.\-]*:|/|#|\{\{<|data:)", re.IGNORECASE)
_PATH_SPOTS = [
    re.compile(r"\]\(\s*<?(?P<p>[^)\s>]+)"),  # ![alt](path) and [text](path)
    _HTML_PATH,
    re.compile(r"\{\{<\s*include\s+(?P<p>\S+)"),  # {{< include part.qmd >}}
]


def rebase_paths(qmd: str, prefix: str) -> str:
    """Relative paths in ``qmd`` seen from one folder up: ``_images/a.png`` → ``Markdown/_images/a.png``.

    The root chapter moves from its folder to the project's top as ``index.qmd``; its links and
    images must keep pointing at the same files. Code is left alone.
    """
    if not prefix:
        return qmd
    body = blank_code(qmd)
    edits: list[tuple[int, int, str]] = []
    for pattern in _PATH_SPOTS:
        for match in pattern.finditer(body):
            start, end = match.span("p")
            path = qmd[start:end]
            # links to chapters were already resolved from index.qmd's point of view
            if _LOCAL.match(path) and not re.search(r"\.(qmd|ipynb)(#|$)", path):
                edits.append((start, end, os.path.normpath(prefix + path).replace(os.sep, "/")))
    for start, end, new in sorted(edits, reverse=True):
        qmd = qmd[:start] + new + qmd[end:]
    return qmd


#: ``{{< include part.qmd >}}`` in a converted chapter
_INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")


def includes(rel: PurePosixPath, text: str) -> Iterator[PurePosixPath]:
    """The files the converted page ``rel`` includes whole (``{{< include part.qmd >}}``), as
    paths relative to the output folder.

    >>> list(includes(PurePosixPath("a/b.qmd"), "{{< include _teil.qmd >}} {{< include /c.qmd >}}"))
    [PurePosixPath('a/_teil.qmd'), PurePosixPath('c.qmd')]
    """
    for match in _INCLUDE.finditer(text):
        path = match.group(1)
        base = PurePosixPath("/") if path.startswith("/") else rel.parent
        yield PurePosixPath(os.path.normpath((base / path.lstrip("/")).as_posix()).lstrip("/"))
