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

import re
from pathlib import Path

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive, container_strip, is_class_name
from ..parsed import convert_fragment
from ..quarto import code_fence, code_span
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite, attr_value, own_label
from .code import (
    CAPTION_ATTRIBUTES,
    caption_attribute,
    code_language,
    fence_info,
    line_number_attributes,
    listing_kind,
)
from .included_files import (
    IncludeError,
    file_lines,
    including,
    option_text,
    own_file,
    read_text,
    resolve,
    select_literal,
    select_part,
    shift_headings,
)

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
    # mystmd: an include with :lang: is code, as with :literal:, and takes a code block's options
    "lang",
    "linenos",
    "lineno-start",
    "emphasize-lines",
    "caption",
    "filename",
}
LITERAL_KNOWN = {
    "language",
    "lang",  # mystmd
    "filename",  # mystmd
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
    ctx.count(Count.NOT_RESOLVED, d.name)
    note = f"**Not included** ({{{d.name}}}): {code_span(what)}: {reason}."
    return _replace(d, f"::: {{.callout-warning .include-error path={attr_value(what)}}}\n{note}\n:::")


def _language(d: Directive, path: Path) -> str:
    given = option_text(d, "language") or option_text(d, "code") or option_text(d, "lang")
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
    attrs += [ident for ident in [ids.own_id(d, ctx, "lst")] if ident]
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
    start = start or option_text(d, "number-lines")
    with_numbers = d.flag("linenos") or d.flag("number-lines") or bool(start)
    numbering = line_number_attributes(with_numbers, start, option_text(d, "emphasize-lines"))
    attrs += [a for a in numbering if not a.startswith("code-line-numbers=")]
    if caption:
        attrs.append(caption_attribute(d, caption))
    if option_text(d, "filename") and not any(a.startswith("filename=") for a in attrs):
        attrs.append(f"filename={attr_value(option_text(d, 'filename'))}")
    attrs += [a for a in numbering if a.startswith("code-line-numbers=")]
    return code_fence("\n".join(lines), fence_info(language, attrs))


# -- the directives ------------------------------------------------------------------------------
def literalinclude(d: Directive, ctx: Context) -> Rewrite:
    """``{literalinclude} FILE`` → a fenced code block holding the selected lines of FILE."""
    ctx.count(Count.LITERALINCLUDE)
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


def is_literal(d: Directive) -> bool:
    """Is an ``{include}`` code (``:literal:``, ``:code:``, mystmd's ``:lang:``), not MyST?"""
    return d.flag("literal") or d.flag("code") or d.flag("lang")


def include(d: Directive, ctx: Context) -> Rewrite:
    """``{include} FILE``: Quarto's include shortcode of the converted file; with a selection
    (which the shortcode cannot make), the selected MyST converted and put in place."""
    ctx.count(Count.INCLUDE)
    for key in ("relative-docs", "relative-images"):
        if d.flag(key):
            ctx.info(
                d.lineno,
                f"{{include}} :{key}: not applied; paths in the included text stay as written",
                Code.OPTION_UNSUPPORTED,
            )
    literal = is_literal(d)
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
        ctx.count(Count.INCLUDE_AS_CODE)
        numbered = list(enumerate(file_lines(part), start=1))
        return _replace(d, literal_block(d, ctx, path, numbered), divs=False)
    if offset:
        part = shift_headings(part, offset)
    ctx.count(Count.INCLUDE_INLINED)
    chosen = [key for key in (*INCLUDE_SELECTION, "heading-offset") if d.flag(key)]
    ctx.info(
        d.lineno,
        f"{{include}} {d.argument.strip()} with :{': :'.join(chosen)}: — Quarto's include cannot select; "
        "the part is converted and written here",
        Code.QUARTO_DIFFERS,
    )
    with including(path):
        converted = convert_fragment(d, part, d.lineno) if part else ""
    if not converted.strip():
        ctx.warn(
            d.lineno,
            f"{{include}} {d.argument.strip()}: the selected part is empty; the directive is removed",
            Code.CONSTRUCT_REMOVED,
        )
        return Rewrite(open="", body="", close="")
    return _replace(d, converted.rstrip("\n"))


SPECS = (
    DirectiveSpec(
        ("include",),
        include,
        body="verbatim",
        kind=lambda d: listing_kind(literal_caption(d)) if is_literal(d) else "anchor",
        title=False,
        options=frozenset(INCLUDE_KNOWN),
        prose=("caption",),
        prose_attributes=CAPTION_ATTRIBUTES,
    ),
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
