"""``{include}`` and ``{literalinclude}``: files read from the book.

MyST → Quarto::

    ```{include} teil.md                  {{< include teil.qmd >}}
    ```

    ```{include} lernziele.md             the part between the markers, converted in place
    :start-after: <!-- START: A -->
    :end-before: <!-- END: A -->
    ```

    ```{literalinclude} /CITATION.bib     ```bibtex
    :language: bibtex                     @book{…}
    ```                                   ```

Paths are relative to the folder of the including document (``Options.source_dir``), or to
the book's folder (``Options.root_dir``) when they start with ``/``; included files that
include again resolve from their own folder. A file outside the book, missing, unreadable or
not UTF-8, or a marker that is not in it: a warning with the line, and a visible note
(a warning callout naming the file) where the directive was. Nothing is dropped silently.
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
from ..directives import Directive, container_strip, is_class_name
from ..files import read_bounded
from ..quarto import code_fence, code_span
from ..yamlload import load_yaml
from .base import FENCE, DirectiveSpec, Rewrite, attr_value, name_id, own_label
from .blocks import atx_headings
from .code import CAPTION_ATTRIBUTES, caption_attribute, code_language, fence_info, listing_kind

#: the files being included right now (innermost last): their folder resolves nested includes
_INCLUDING: ContextVar[tuple[Path, ...]] = ContextVar("myst2qmd_including", default=())

#: file extension → fence language, when ``:language:`` is not given
EXTENSION_LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".r": "r",
    ".jl": "julia",
    ".js": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".ps1": "powershell",
    ".bib": "bibtex",
    ".tex": "latex",
    ".json": "json",
    ".ipynb": "json",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".cff": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".md": "markdown",
    ".qmd": "markdown",
    ".rst": "rst",
    ".html": "html",
    ".htm": "html",
    ".xml": "xml",
    ".css": "css",
    ".scss": "scss",
    ".sql": "sql",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".java": "java",
    ".go": "go",
    ".rs": "rust",
    ".rb": "ruby",
    ".m": "matlab",
    ".do": "stata",
}

#: {include} options that select a part of the file (Quarto's include shortcode cannot)
INCLUDE_SELECTION = ("start-line", "end-line", "lines", "start-after", "end-before")
INCLUDE_KNOWN = {
    *INCLUDE_SELECTION,
    "literal",
    "code",
    "heading-offset",
    "encoding",
    "tab-width",
    "relative-docs",
    "relative-images",
    "number-lines",
    "class",
    "name",
}
LITERAL_KNOWN = {
    "language",
    "lines",
    "start-after",
    "end-before",
    "start-at",
    "end-at",
    "dedent",
    "caption",
    "name",
    "linenos",
    "lineno-start",
    "lineno-match",
    "emphasize-lines",
    "class",
    "encoding",
    "tab-width",
    "prepend",
    "append",
    "pyobject",
    "force",
}


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


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@contextmanager
def _including(path: Path) -> Iterator[None]:
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
    numbered = list(enumerate(_lines(text), start=1))
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
        lines = _lines(text)
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


# -- output ------------------------------------------------------------------------------------
def _spaced(text: str, d: Directive) -> str:
    """``text`` with a blank line before/after it where the lines around the directive have text."""
    view = d.view
    # the walker itself puts a blank line before a text that opens a div ({FENCE})
    if FENCE not in text and d.open_line > 0 and container_strip(view.line(d.open_line - 1)).strip():
        text = "\n" + text
    after = d.close_line + 1 if d.close_line is not None else view.nlines
    if after < view.nlines and container_strip(view.line(after)).strip():
        text += "\n\n"
    return text


_DIV_FENCE3 = re.compile(r"(?m)^([ \t>]*):::(?!:)")


def _replace(d: Directive, text: str, divs: bool = True) -> Rewrite:
    """The directive, fences and all, replaced by ``text``.

    ``divs``: ``:::`` fences in ``text`` (not code) are written as ``{FENCE}`` (which the walker makes ``:::`` here),
    so that a directive around this one sizes its own fence wider. In a block quote, blank lines
    get a space, so the walker's ``> `` continues the quote over them.
    """
    if divs and ":::" in text and not re.search(r"(?m)^[ \t>]*::::", text):
        text = _DIV_FENCE3.sub(lambda m: m.group(1) + FENCE, text)
    text = _spaced(text, d)
    if ">" in d.indent:
        lines = text.split("\n")
        text = "\n".join([line or " " for line in lines[:-1]] + lines[-1:])
    return Rewrite(open=text, body="", close="")


def not_included(d: Directive, ctx: Context, reason: str) -> Rewrite:
    """A warning, and a callout naming the file where the directive was."""
    what = d.argument.strip() or "(no file)"
    label = own_label(d)
    unplaced = f" (its label '{label}' has no target)" if label else ""
    ctx.warn(
        d.lineno, f"{{{d.name}}} {what}: {reason}; a warning note stands in its place{unplaced}", Code.INCLUDE_FAILED
    )
    ctx.count(f"{d.name} not resolved")
    note = f"**Not included** ({{{d.name}}}): {code_span(what)}: {reason}."
    return _replace(d, f"::: {{.callout-warning .include-error path={attr_value(what)}}}\n{note}\n:::")


def _language(d: Directive, path: Path) -> str:
    given = option_text(d, "language") or option_text(d, "code")
    if given:
        return code_language(given)
    return EXTENSION_LANGUAGES.get(path.suffix.lower(), "")


def literal_caption(d: Directive) -> str:
    """A ``{literalinclude}``'s caption: ``:caption:``, or the file's path for an empty ``:caption:``."""
    return option_text(d, "caption") or (d.argument.strip() if d.flag("caption") else "")


def literal_block(d: Directive, ctx: Context, path: Path, numbered: list[tuple[int, str]]) -> str:
    """The selected lines as a fenced code block with Quarto's attributes for the options."""
    language = _language(d, path)
    prepend, append = option_text(d, "prepend"), option_text(d, "append")
    lines = ([prepend] if prepend else []) + [line for _, line in numbered] + ([append] if append else [])
    attrs: list[str] = []
    caption = literal_caption(d)
    attrs += [ident for ident in [name_id(d, ctx, "lst")] if ident]
    if language and is_class_name(language):
        attrs.append("." + language)
    attrs += [f".{c}" for c in d.classes()]
    start = option_text(d, "lineno-start")
    if d.flag("lineno-match") and numbered:
        if [n for n, _ in numbered] != list(range(numbered[0][0], numbered[0][0] + len(numbered))):
            ctx.warn(
                d.lineno,
                f"{{{d.name}}} {d.argument}: :lineno-match: with lines that do not follow each other",
                Code.OPTION_INVALID,
            )
        start = str(max(1, numbered[0][0] - (1 if prepend else 0)))
    if d.flag("linenos") or d.flag("number-lines") or start:
        attrs.append(".numberLines")
        if start and start != "1":
            attrs.append(f"startFrom={attr_value(start)}")
    if caption:
        attrs.append(caption_attribute(d, caption))
    emphasize = option_text(d, "emphasize-lines")
    if emphasize:
        attrs.append(f"code-line-numbers={attr_value(emphasize)}")
    return code_fence("\n".join(lines), fence_info(language, attrs))


# -- the directives ------------------------------------------------------------------------------
def literalinclude(d: Directive, ctx: Context) -> Rewrite:
    """``{literalinclude} FILE`` → a fenced code block holding the selected lines of FILE."""
    ctx.count("literalinclude")
    if d.flag("diff"):
        ctx.warn(
            d.lineno,
            f"{{literalinclude}} {d.argument}: :diff: is not supported; the file itself is shown",
            Code.OPTION_UNSUPPORTED,
        )
    if any(line.strip() for line in d.body_lines):
        ctx.warn(d.lineno, "{literalinclude} has content; it is ignored, as Sphinx does", Code.DIRECTIVE_BODY)
    try:
        path = resolve(d.argument, ctx, d.lineno, "{literalinclude}")
        text = read_text(path, option_text(d, "encoding"))
        if option_text(d, "tab-width").isdigit():
            text = text.expandtabs(int(option_text(d, "tab-width")))
        numbered = select_literal(text, d, ctx)
    except IncludeError as exc:
        return not_included(d, ctx, str(exc))
    return _replace(d, literal_block(d, ctx, path, numbered), divs=False)


def include(d: Directive, ctx: Context) -> Rewrite:
    """``{include} FILE``: Quarto's include shortcode of the converted file; with a selection
    (which the shortcode cannot make), the selected MyST converted and put in place."""
    ctx.count("include")
    for key in ("relative-docs", "relative-images"):
        if d.flag(key):
            ctx.info(
                d.lineno,
                f"{{include}} :{key}: not applied; paths in the included text stay as written",
                Code.OPTION_UNSUPPORTED,
            )
    literal = d.flag("literal") or d.flag("code")
    selects = any(d.flag(key) for key in INCLUDE_SELECTION) or d.flag("heading-offset")
    if literal or selects:
        return _include_part(d, ctx, literal)
    target = d.argument.strip()
    if ctx.options.source_dir is not None:
        try:
            if resolve(target, ctx, d.lineno, "{include}") == own_file(ctx):
                raise IncludeError("the file includes itself (Quarto would include it without end)")
        except IncludeError as exc:
            return not_included(d, ctx, str(exc))
    if target.endswith(".md"):
        from .references import doc_target

        target = doc_target(target)
        ctx.info(
            d.lineno,
            f"{{include}} of {d.argument.strip()}: convert that file too, it is included as {target}",
            Code.QUARTO_DIFFERS,
        )
    return Rewrite(open="{{< include " + target + " >}}", body="", close="")


def _include_part(d: Directive, ctx: Context, literal: bool) -> Rewrite:
    try:
        path = resolve(d.argument, ctx, d.lineno, "{include}")
        text = read_text(path, option_text(d, "encoding"))
        if option_text(d, "tab-width").isdigit():
            text = text.expandtabs(int(option_text(d, "tab-width")))
        part = select_part(text, d)
        offset = int(option_text(d, "heading-offset") or 0)
    except ValueError:
        return not_included(d, ctx, f"invalid :heading-offset: {option_text(d, 'heading-offset')!r}")
    except IncludeError as exc:
        return not_included(d, ctx, str(exc))
    if literal:
        ctx.count("include as code")
        numbered = list(enumerate(_lines(part), start=1))
        return _replace(d, literal_block(d, ctx, path, numbered), divs=False)
    if offset:
        part = shift_headings(part, offset)
    ctx.count("include inlined")
    chosen = [key for key in (*INCLUDE_SELECTION, "heading-offset") if d.flag(key)]
    ctx.info(
        d.lineno,
        f"{{include}} {d.argument.strip()} with :{': :'.join(chosen)}: — Quarto's include cannot select; "
        "the part is converted and written here",
        Code.QUARTO_DIFFERS,
    )
    with _including(path):
        converted = ctx.convert_fragment(part, d.lineno) if part else ""
    if not converted.strip():
        ctx.warn(
            d.lineno,
            f"{{include}} {d.argument.strip()}: the selected part is empty; the directive is removed",
            Code.CONSTRUCT_REMOVED,
        )
        return Rewrite(open="", body="", close="")
    return _replace(d, converted.rstrip("\n"))


SPECS = (
    DirectiveSpec(("include",), include, body="verbatim", options=frozenset(INCLUDE_KNOWN), prose=()),
    DirectiveSpec(
        ("literalinclude",),
        literalinclude,
        body="literal",
        kind=lambda d: listing_kind(literal_caption(d)),
        title=False,
        options=frozenset(LITERAL_KNOWN | {"diff"}),
        prose=("caption",),
        prose_attributes=CAPTION_ATTRIBUTES,
    ),
)
