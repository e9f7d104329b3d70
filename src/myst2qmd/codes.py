"""Every warning has a stable code, as MyST-Parser's ``MystWarnings`` has warning types.

A warning prints as ``lecture.md:12: warning [ref-undefined]: reference to 'x', …``; the
code names what kind of problem it is, the message says which one. ``suppress-warnings =
["ref-undefined"]`` (``myst2qmd.toml``, ``MYST2QMD_SUPPRESS_WARNINGS``,
``--suppress-warnings``) silences a code, or a family of codes by the word before the first
``-`` (``toc`` silences ``toc-missing``, ``toc-duplicate`` and ``toc-invalid``). Suppressed
warnings are not printed, but counted in the summary and kept in ``--report``.

>>> Code.REF_UNDEFINED.value, suppressed(Code.TOC_MISSING, frozenset({"toc"}))
('ref-undefined', True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import Enum


class Code(str, Enum):
    """The kinds of warning (and info) the converter, book reader, checker and translator emit."""

    # references and labels
    REF_UNDEFINED = "ref-undefined"
    LINK_MISSING = "link-missing"
    LABEL_DUPLICATE = "label-duplicate"
    LABEL_IGNORED = "label-ignored"
    LABEL_PREFIX = "label-prefix"
    # directives, roles and their options
    DIRECTIVE_UNKNOWN = "directive-unknown"
    ROLE_UNKNOWN = "role-unknown"
    OPTION_UNKNOWN = "option-unknown"
    OPTION_UNSUPPORTED = "option-unsupported"
    OPTION_INVALID = "option-invalid"
    CLASS_INVALID = "class-invalid"
    FENCE_UNCLOSED = "fence-unclosed"
    DIRECTIVE_BODY = "directive-body"
    # how a construct was written
    UNCONVERTED = "unconverted"
    TABLE_SHAPE = "table-shape"
    QUARTO_DIFFERS = "quarto-differs"
    CONSTRUCT_REMOVED = "construct-removed"
    INCLUDE_FAILED = "include-failed"
    MACRO_UNDEFINED = "macro-undefined"
    SUBSTITUTION_UNDEFINED = "substitution-undefined"
    FRONTMATTER_INVALID = "frontmatter-invalid"
    # books
    TOC_MISSING = "toc-missing"
    TOC_DUPLICATE = "toc-duplicate"
    TOC_INVALID = "toc-invalid"
    PATH_OUTSIDE = "path-outside"
    OUTPUT_COLLISION = "output-collision"
    NOTEBOOK_INVALID = "notebook-invalid"
    NOTEBOOK_ID_DUPLICATE = "notebook-id-duplicate"
    NOTEBOOK_ATTACHMENT = "notebook-attachment"
    # the checker
    MYST_LEFT = "myst-left"
    PANDOC_UNREADABLE = "pandoc-unreadable"
    PANDOC_MISREAD = "pandoc-misread"
    FILE_UNREADABLE = "file-unreadable"
    # translation
    TRANSLATION_KEPT = "translation-kept"
    TRANSLATION_IMPLAUSIBLE = "translation-implausible"
    GLOSSARY_UNUSED = "glossary-unused"
    ENGINE_RETRY_AFTER = "engine-retry-after"
    MEMORY_UNUSABLE = "memory-unusable"
    PO_REJECTED = "po-rejected"

    def __str__(self) -> str:
        return str(self.value)


#: one line per code: what it means (the README's table is checked against this)
DESCRIPTIONS: dict[Code, str] = {
    Code.REF_UNDEFINED: "a reference (`{ref}`, `{numref}`, `{eq}`, `@fig-x`) to a label nothing defines",
    Code.LINK_MISSING: "a link, `{doc}` or image to a document, file or `#id` that does not exist",
    Code.LABEL_DUPLICATE: "a label (or id) defined twice, or two labels that become the same Quarto id",
    Code.LABEL_IGNORED: "a label that cannot be attached (a heading that has an id; several in one equation)",
    Code.LABEL_PREFIX: "a figure id without `fig-`: Quarto will not number it",
    Code.DIRECTIVE_UNKNOWN: "a directive the converter does not know: written as a fenced div",
    Code.ROLE_UNKNOWN: "a role the converter does not know: written as a span",
    Code.OPTION_UNKNOWN: "directive options (or `<img>` attributes) not carried over",
    Code.OPTION_UNSUPPORTED: "a known option with no Quarto equivalent: dropped",
    Code.OPTION_INVALID: "an option whose value cannot be used (bad YAML, `:widths:`, `:align:`, `:lines:`)",
    Code.CLASS_INVALID: "a class name Pandoc cannot read: left out",
    Code.FENCE_UNCLOSED: "a directive, code fence or div that is never closed (or closed without an opening)",
    Code.DIRECTIVE_BODY: "a directive body that holds text it cannot hold: kept beside it, or ignored",
    Code.UNCONVERTED: "something the converter could not convert: kept as written",
    Code.TABLE_SHAPE: "a table a pipe table cannot hold as it is (header rows, ragged rows, cells with blocks)",
    Code.QUARTO_DIFFERS: "Quarto has no exact equivalent: written as the nearest construct",
    Code.CONSTRUCT_REMOVED: "a construct removed because Quarto makes it itself, or because it is empty",
    Code.INCLUDE_FAILED: "an `{include}` or `{literalinclude}` that cannot be read: a note stands in its place",
    Code.MACRO_UNDEFINED: "math using LaTeX macros that are never defined",
    Code.SUBSTITUTION_UNDEFINED: "a `{{ key }}` substitution without a (text) value: kept as written",
    Code.FRONTMATTER_INVALID: "front matter that is not a YAML mapping: kept as it is",
    Code.TOC_MISSING: "a table of contents entry (or `glob:`) that names no document",
    Code.TOC_DUPLICATE: "a document listed twice in the table of contents",
    Code.TOC_INVALID: "a table of contents entry (or `_quarto.yml`) that cannot be read",
    Code.PATH_OUTSIDE: "a path that leads outside the book: not followed, not copied",
    Code.OUTPUT_COLLISION: "two sources that would be written to one output file: renamed apart",
    Code.NOTEBOOK_INVALID: "a notebook nbformat cannot read: left out",
    Code.NOTEBOOK_ID_DUPLICATE: "a notebook cell whose id is an earlier cell's: renamed, the same on every run",
    Code.NOTEBOOK_ATTACHMENT: "an `attachment:` link the cell has no (valid base64) data for: kept as written",
    Code.MYST_LEFT: "MyST syntax (a role, target or directive) left in the Quarto output",
    Code.PANDOC_UNREADABLE: "a file pandoc cannot read",
    Code.PANDOC_MISREAD: "text pandoc reads differently from what it looks like (a fence, table or caption)",
    Code.FILE_UNREADABLE: "a file that cannot be read",
    Code.TRANSLATION_KEPT: (
        "a segment (or a sentence of it) whose translation failed the reply check (German left in it,"
        " markup added or turned into `⟨…⟩` text, …) or broke the structure: kept in the original"
    ),
    Code.TRANSLATION_IMPLAUSIBLE: "a sentence the engine got obviously wrong (a question for a statement, a number, "
    "name or negation lost, a much shorter or longer reply): kept in the original",
    Code.GLOSSARY_UNUSED: "a translation that does not use a glossary term",
    Code.ENGINE_RETRY_AFTER: "the engine asked to wait longer than the timeout (`Retry-After`): waited less",
    Code.MEMORY_UNUSABLE: "the translation memory cannot be read or written: the run goes on without it",
    Code.PO_REJECTED: "a reviewed PO translation that fails the checks (`po-file:line`): not used",
}


def families() -> set[str]:
    """The word before the first ``-`` of every code (``toc``, ``label``, ``option`` …)."""
    return {code.value.split("-")[0] for code in Code}


def unknown_codes(names: Iterable[str]) -> list[str]:
    """The names in a ``suppress-warnings`` list that are neither a code nor a family."""
    known = {code.value for code in Code} | families()
    return [name for name in names if name not in known]


def suppressed(code: Code | str, suppress: frozenset[str]) -> bool:
    """Whether ``code`` is silenced by ``suppress`` (a code, or its family)."""
    value = str(code)
    return value in suppress or value.split("-")[0] in suppress


def count_codes(codes: Iterable[Code | str]) -> dict[str, int]:
    """``{code: how many}``, the most frequent first (ties by name)."""
    counts = Counter(str(code) for code in codes)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


class Count(str, Enum):
    """What a converted document counts, for the summary and the report's ``constructs``
    (``ctx.count(Count.FIGURE)``); the value is the key in the counts, the same words the report
    has always shown. A value with ``{}`` takes a name (``ctx.count(Count.CELL_TAG, "hide-input")``
    counts ``cell tag hide-input``).

    >>> Count.UNRESOLVED_REFERENCE.key(), Count.REMOVED.key("toctree")
    ('unresolved reference', 'toctree removed')
    """

    # the document
    BLOCK_BREAK = "block break"
    TARGET = "target"
    LIST_MARKER_ESCAPED = "list marker escaped"
    BARE_URL_LINKED = "bare URL linked"
    ABBREVIATION = "abbreviation spelled out"
    SUBSTITUTION = "substitution"
    BLOCK_ATTRIBUTES = "block attributes"
    FIELD_LIST = "field list"
    TITLE = "title"
    LABELLED_TITLE_HEADING_KEPT = "labelled title heading kept"
    FRONT_MATTER_JUPYTEXT_DROPPED = "front matter: jupytext dropped"
    FRONT_MATTER_KERNELSPEC = "front matter: kernelspec"
    FRONT_MATTER_SUBSTITUTIONS_APPLIED = "front matter: substitutions applied"
    # references and links (a book's report reads the first two)
    REFERENCE = "reference"
    UNRESOLVED_REFERENCE = "unresolved reference"
    CITATION = "citation"
    DOCUMENT_LINK = "document link"
    DOWNLOAD_LINK = "download link"
    GLOSSARY = "glossary"
    GLOSSARY_TERM = "glossary term"
    # math
    EQUATION = "equation"
    INLINE_MATH = "inline math"
    # figures, tables, media
    FIGURE = "figure"
    IMAGE = "image"
    IMAGE_PATH = "image path"
    TABLE = "table"
    VIDEO = "video"
    IFRAME = "iframe"
    EMBED = "embed"
    # code and cells
    CODE_BLOCK = "code block"
    CODE_CELL = "code cell"
    CODE_FENCE_INFO = "code fence info"
    CELL_TAG = "cell tag {}"
    DIAGRAM = "diagram"
    RAW_BLOCK = "raw block"
    GLUE_KEPT = "glue kept"
    GLUE_INLINE = "glue inline"
    GLUE_EMBEDDED = "glue embedded"
    INLINE_EXPRESSION = "inline expression"
    # layout
    BADGE = "badge"
    BUTTON = "button"
    ICON = "icon"
    CALLOUT = "callout"
    CARD = "card"
    GRID = "grid"
    GRID_ITEM = "grid item"
    MARGIN = "margin"
    QUOTE = "quote"
    RUBRIC = "rubric"
    SIDEBAR = "sidebar"
    TAB = "tab"
    TABSET = "tabset"
    #: a theorem, proof, exercise or solution, by its own name (``theorem``, ``exercise``)
    BLOCK = "{}"
    # includes
    INCLUDE = "include"
    INCLUDE_AS_CODE = "include as code"
    INCLUDE_INLINED = "include inlined"
    LITERALINCLUDE = "literalinclude"
    NOT_RESOLVED = "{} not resolved"
    # shown in some formats only
    ONLY = "only"
    TODO_HIDDEN = "todo hidden"
    # comments
    COMMENT = "comment"
    LATEX_COMMENT_REMOVED = "LaTeX comment removed"
    # what is not converted
    REMOVED = "{} removed"
    UNKNOWN_DIRECTIVE = "unknown directive"
    UNKNOWN_ROLE = "unknown role"

    def __str__(self) -> str:
        return str(self.value)

    def key(self, name: str = "") -> str:
        """The key in a document's counts: the value, with ``name`` in its ``{}`` (read from
        :data:`_VALUES`: an Enum's ``value`` is a property, and every ``ctx.count`` asks)."""
        return _VALUES[self].replace("{}", name)


#: each :class:`Count`'s value
_VALUES: dict[Count, str] = {kind: kind.value for kind in Count}
