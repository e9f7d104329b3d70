"""The files ``{include}`` and ``{literalinclude}`` read, and the parts of them they select.

Paths resolve from the including document's folder (or the book's, for ``/``-paths) and never
leave the book; the lines kept follow docutils' ``{include}`` and Sphinx's ``{literalinclude}``
options. Every problem is an :class:`IncludeError` whose message completes "{include} PATH: …".
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePosixPath

import yaml

from ..codes import Code
from ..context import Context
from ..directives import Directive
from ..files import looked_at, read_bounded
from ..yamlload import load_yaml
from .blocks import atx_headings

#: the files being included right now (innermost last): their folder resolves nested includes
_INCLUDING: ContextVar[tuple[Path, ...]] = ContextVar("myst2qmd_including", default=())


class IncludeError(Exception):
    """Why a file cannot be included (the message completes "{include} PATH: …")."""


# -- options, paths, files ----------------------------------------------------------------------
def option_text(d: Directive, key: str) -> str:
    """An option's value without the quotes MyST's option parser removes.

    ``:start-after: "<!-- START -->"`` → ``<!-- START -->``.
    """
    value = d.options.get(key)
    if value is None:
        return ""
    text = str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        try:
            loaded = load_yaml(text)
        except yaml.YAMLError:
            loaded = None
        return loaded if isinstance(loaded, str) else text[1:-1]
    return text


def resolve(argument: str, ctx: Context, lineno: int, what: str) -> Path:
    """The file ``argument`` names, checked to exist inside the book; else :class:`IncludeError`."""
    raw = argument.strip()
    if not raw:
        raise IncludeError("no file is named")
    options = ctx.options
    if options.source_dir is None:
        raise IncludeError("the document's folder is unknown (converted from text), so the file cannot be read")
    source = Path(options.source_dir)
    root = Path(options.root_dir) if options.root_dir is not None else None
    stack = _INCLUDING.get()
    if raw.startswith("/"):
        if root is None:
            ctx.warn(
                lineno,
                f"{what} {raw}: a path from the book's root in a single file; read from its folder",
                Code.QUARTO_DIFFERS,
            )
        target = (root or source) / raw.lstrip("/")
    else:
        target = (stack[-1].parent if stack else source) / raw
    bound = (root or source).resolve()
    resolved = target.resolve()
    if not resolved.is_relative_to(bound):
        raise IncludeError("outside the book's folder" if root is not None else "outside the document's folder")
    if resolved in stack:
        raise IncludeError("the file includes itself")
    looked_at("file", resolved)
    if not resolved.exists():
        raise IncludeError("file not found")
    if not resolved.is_file():
        raise IncludeError("not a file")
    return resolved


def own_file(ctx: Context) -> Path | None:
    """The file being converted (resolved), when its folder is known."""
    if ctx.options.source_dir is None:
        return None
    name = PurePosixPath(ctx.path.split("#")[0]).name
    return (Path(ctx.options.source_dir) / name).resolve()


def read_text(path: Path, encoding: str = "") -> str:
    """The file's text with ``\\n`` line ends and no byte-order mark."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise IncludeError(f"cannot be read ({exc.strerror or exc})") from exc
    encoding = encoding or "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise IncludeError(f"unknown :encoding: {encoding}") from exc
    except UnicodeDecodeError as exc:
        raise IncludeError(f"not {encoding} text (byte {exc.start}); give its :encoding:") from exc
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def file_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@contextmanager
def including(path: Path) -> Iterator[None]:
    token = _INCLUDING.set((*_INCLUDING.get(), path))
    try:
        yield
    finally:
        _INCLUDING.reset(token)


# -- selections --------------------------------------------------------------------------------
def line_numbers(spec: str, total: int) -> list[int]:
    """Sphinx's ``:lines:`` spec as 0-based line indices (``-3`` from the start, ``8-`` to the end).

    >>> line_numbers("1-3,5,8-", 9)
    [0, 1, 2, 4, 7, 8]
    """
    items: list[int] = []
    for part in spec.split(","):
        bounds = part.strip().split("-")
        try:
            if len(bounds) == 1:
                items.append(int(bounds[0]) - 1)
            elif len(bounds) == 2 and bounds != ["", ""]:
                start = int(bounds[0] or 1)
                end = int(bounds[1] or max(start, total))
                if start > end or start < 1:
                    raise ValueError
                items.extend(range(start - 1, end))
            else:
                raise ValueError
        except ValueError as exc:
            raise IncludeError(f"invalid :lines: {spec!r}") from exc
    if any(n < 0 for n in items):
        raise IncludeError(f"invalid :lines: {spec!r}")
    return items


def pick_lines(numbered: list[tuple[int, str]], spec: str, ctx: Context, d: Directive) -> list[tuple[int, str]]:
    wanted = line_numbers(spec, len(numbered))
    picked = [numbered[n] for n in wanted if n < len(numbered)]
    if not picked:
        raise IncludeError(f":lines: {spec} selects no line of its {len(numbered)}")
    if len(picked) < len(wanted):
        ctx.warn(
            d.lineno,
            f"{{{d.name}}} {d.argument}: :lines: {spec} goes past its {len(numbered)} lines",
            Code.OPTION_INVALID,
        )
    return picked


def _python_object(text: str, name: str) -> tuple[int, int]:
    """1-based first and last line of a class or function (decorators included) in Python source."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise IncludeError(f":pyobject: {name}: the file is not valid Python") from exc
    body: list[ast.stmt] = tree.body
    node: ast.stmt | None = None
    for part in name.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == part
            ),
            None,
        )
        if node is None:
            raise IncludeError(f":pyobject: {name} not found")
        body = getattr(node, "body", [])
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    first = min([node.lineno, *(dec.lineno for dec in node.decorator_list)])
    return first, node.end_lineno or node.lineno


def select_literal(text: str, d: Directive, ctx: Context) -> list[tuple[int, str]]:
    """The lines ``{literalinclude}`` shows, with their 1-based numbers in the file.

    Sphinx's order: ``:pyobject:``, ``:start-at:``/``:start-after:``, ``:end-at:``/``:end-before:``
    (markers are text found in a line, first occurrence), ``:lines:`` (of what is left), ``:dedent:``.
    """
    numbered = list(enumerate(file_lines(text), start=1))
    pyobject = option_text(d, "pyobject")
    if pyobject:
        first, last = _python_object(text, pyobject)
        numbered = numbered[first - 1 : last]
    for key, inclusive in (("start-at", True), ("start-after", False)):
        marker = option_text(d, key)
        if not marker:
            continue
        at = next((i for i, (_, line) in enumerate(numbered) if marker in line), None)
        if at is None:
            raise IncludeError(f":{key}: text {marker!r} not found")
        numbered = numbered[at if inclusive else at + 1 :]
        break
    for key, inclusive in (("end-at", True), ("end-before", False)):
        marker = option_text(d, key)
        if not marker:
            continue
        # as in Sphinx, :end-before: never matches the first line left (the start marker's own line)
        at = next((i for i, (_, line) in enumerate(numbered) if marker in line and (inclusive or i > 0)), None)
        if at is None:
            raise IncludeError(f":{key}: text {marker!r} not found")
        numbered = numbered[: at + 1 if inclusive else at]
        break
    spec = option_text(d, "lines")
    if spec:
        numbered = pick_lines(numbered, spec, ctx, d)
    if d.flag("dedent"):
        numbered = _dedent(numbered, option_text(d, "dedent"), ctx, d)
    return numbered


def _dedent(numbered: list[tuple[int, str]], value: str, ctx: Context, d: Directive) -> list[tuple[int, str]]:
    if not numbered:
        return numbered
    if not value:
        lines = textwrap.dedent("\n".join(line for _, line in numbered)).split("\n")
        return [(n, line) for (n, _), line in zip(numbered, lines, strict=True)]
    try:
        width = int(value)
    except ValueError as exc:
        raise IncludeError(f"invalid :dedent: {value!r}") from exc
    if any(line[:width].strip() for _, line in numbered):
        ctx.warn(
            d.lineno,
            f"{{{d.name}}} {d.argument}: :dedent: {width} removes text that is not white space",
            Code.OPTION_INVALID,
        )
    return [(n, line[width:]) for n, line in numbered]


def select_part(text: str, d: Directive) -> str:
    """The part of a file ``{include}`` takes, as docutils does: ``:start-line:``/``:end-line:``
    (Python slice of the lines), ``:lines:`` (Sphinx spec), then ``:start-after:``/``:end-before:``
    (text, first occurrence; the marker's own line end stays out)."""
    if d.flag("start-line") or d.flag("end-line"):
        try:
            start = int(option_text(d, "start-line") or 0)
            end = int(option_text(d, "end-line")) if option_text(d, "end-line") else None
        except ValueError as exc:
            raise IncludeError("invalid :start-line: or :end-line:") from exc
        text = "".join(text.splitlines(keepends=True)[start:end])
    spec = option_text(d, "lines")
    if spec:
        lines = file_lines(text)
        wanted = [n for n in line_numbers(spec, len(lines)) if n < len(lines)]
        if not wanted:
            raise IncludeError(f":lines: {spec} selects no line of its {len(lines)}")
        text = "\n".join(lines[n] for n in wanted) + "\n"
    after = option_text(d, "start-after")
    if after:
        at = text.find(after)
        if at < 0:
            raise IncludeError(f":start-after: text {after!r} not found")
        text = text[at + len(after) :]
    before = option_text(d, "end-before")
    if before:
        at = text.find(before)
        if at < 0:
            raise IncludeError(f":end-before: text {before!r} not found")
        text = text[:at]
    # the marker lines' ends and blank lines around the part go; its indentation stays
    return re.sub(r"\A(?:[ \t]*\n)+", "", text).rstrip()


_ATX = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")


def shift_headings(text: str, offset: int) -> str:
    """``:heading-offset: 1``: every ``#`` heading outside code one level deeper (at most 6).

    >>> shift_headings("# A\\n```\\n# x\\n```\\n## B", 1)
    '## A\\n```\\n# x\\n```\\n### B'
    """
    lines = text.split("\n")
    for line, _ in atx_headings(text):
        heading = _ATX.match(lines[line])
        if heading:
            level = max(1, min(6, len(heading.group(2)) + offset))
            lines[line] = heading.group(1) + "#" * level + lines[line][heading.end() :]
    return "\n".join(lines)
