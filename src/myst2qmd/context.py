"""Options, warnings and the label table shared by every construct module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .codes import Code, Count
from .dialect import Dialect

Level = Literal["warning", "info"]


@dataclass(frozen=True)
class Warning_:
    """One message about the input, with the 1-based line it concerns and its code
    (``kapitel.md:3: warning [ref-undefined]: reference to 'x', …``)."""

    path: str
    line: int
    message: str
    code: Code
    level: Level = "warning"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level} [{self.code}]: {self.message}"


@dataclass
class Options:
    """What the user asked for (see ``myst2qmd convert --help``)."""

    images_path: str | None = None
    escape_fences: bool = False
    macros: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: labels defined elsewhere (other chapters of a book): label -> Quarto id
    external_labels: dict[str, str] = field(default_factory=dict)
    #: in a book: label -> (kind, page of the chapter that defines it, relative to this one)
    label_pages: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: in a book: a document path as written (``../intro``) -> (link target, title), or None
    resolve_document: Callable[[str], tuple[str, str] | None] | None = None
    #: ``myst_substitutions``: ``{{ key }}`` -> value
    substitutions: dict[str, str] = field(default_factory=dict)
    #: ``linkify``: bare URLs in text become links ``<https://…>`` (on in Jupyter Book 1's default
    #: config and always in mystmd; off in a book whose ``myst_enable_extensions`` leaves it out)
    linkify: bool = True
    #: ``fieldlist``: ``:Autor: Max Muster`` lines are a field list (off in MyST-Parser and Jupyter Book 1
    #: unless ``myst_enable_extensions`` names it; mystmd has none): :mod:`.constructs.fieldlists`
    fieldlist: bool = False
    #: the first H1 becomes ``title:``; a book keeps it (Quarto titles chapters by their H1)
    title_from_h1: bool = True
    #: {include}/{literalinclude}: the folder of the document being converted (relative paths)
    source_dir: str | None = None
    #: the book's folder (``/``-paths and the boundary of includes); ``None`` for a single file
    root_dir: str | None = None
    #: what the project file (``_config.yml``, ``myst.yml``) says for every page, as Quarto front
    #: matter (``lang``, ``crossref``…: :mod:`.constructs.project`); a single file's output carries it
    project_meta: Mapping[str, Any] = field(default_factory=dict)
    #: mystmd ``abbreviations``: ``CNN`` -> its long form (``[CNN]{title="…"}``)
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    #: the MyST dialect the document is written in (Jupyter Book 1 or 2), chosen by its project
    #: (:func:`.dialect.detect_dialect`) or ``--dialect``; constructs read it only through their spec
    dialect: Dialect = Dialect.JB1


@dataclass
class Label:
    """A MyST label and the Quarto id it becomes."""

    name: str
    kind: str  # fig, tbl, eq, sec, lst, anchor, ...
    quarto_id: str
    line: int
    title: str = ""


@dataclass
class Context:
    """Everything a construct function may read or report into, for one file."""

    path: str = "<string>"
    options: Options = field(default_factory=Options)
    labels: dict[str, Label] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    #: blocks numbered so far per cross-reference kind (``thm`` → 2: the next is ``#thm-3``), not the report's counts
    numbers: Counter[str] = field(default_factory=Counter)
    #: the kernel language of the document (from the front matter), e.g. "python"
    kernel_language: str = "python"
    #: the folder (first path component) most images live in, for --images-path
    images_folder: str | None = None
    #: ids the converter made up (unlabelled figures), kept unique in the document
    generated_ids: set[str] = field(default_factory=set)
    #: macros seen in math but not defined: name -> first line
    undefined_macros: dict[str, int] = field(default_factory=dict)
    #: myst-nb ``glue("key", expression)`` calls in the cells so far: key → expression (for ``{glue}`` roles)
    glued: dict[str, str] = field(default_factory=dict)
    #: :meth:`external_folded`, once worked out
    _external_folded: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    def warn(self, line: int, message: str, code: Code, level: Level = "warning") -> None:
        self.warnings.append(Warning_(self.path, line, message, code, level))

    def info(self, line: int, message: str, code: Code) -> None:
        self.warn(line, message, code, "info")

    def count(self, kind: Count, name: str = "") -> None:
        """Count one ``kind`` for the summary and the report (``name``: what a ``{}`` kind counts)."""
        self.counts[kind.key(name)] += 1

    def external_folded(self) -> frozenset[str]:
        """The names of the labels defined elsewhere (``options.external_labels``: a book's other
        chapters) casefolded, for a ``{term}`` that matches a term whatever its case: worked out once,
        when first asked (a book's glossary may hold thousands, and each undefined term asks)."""
        if self._external_folded is None:
            self._external_folded = frozenset(name.casefold() for name in self.options.external_labels)
        return self._external_folded
