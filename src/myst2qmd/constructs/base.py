"""What construct functions receive and return.

A directive function maps a :class:`~myst2qmd.directives.Directive` to a :class:`Rewrite`:
the text that replaces its opening fence line (with options), the text that replaces its
closing fence line, and optionally its body. ``{FENCE}`` in ``open``/``close`` stands for a
Pandoc div fence; the div writer (:mod:`.divs`) sizes it (``:::``, ``::::``, …) so nested divs stay nested.

A role function maps a :class:`Role` to the Quarto text that replaces it.

A token rule (:class:`TokenSpec`) gets the walk (:class:`Walk`), what the walk of one view carries
(:class:`WalkState`) and the index of its token, and adds edits through the walk.

What Jupyter Book 2 (mystmd) reads differently from Jupyter Book 1 (MyST-Parser) is one switch in a
spec: its ``jb2`` field names the fields that differ with their JB2 values
(``DirectiveSpec(("note",), …, title=False, jb2=jb2(title=True))``: mystmd reads a note's argument
as its title). The core resolves a spec for the document's dialect with :func:`in_dialect`, the one
place a dialect is read; no construct asks which dialect it is in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote

from markdown_it.token import Token

from ..codes import Code
from ..context import Context, Label
from ..dialect import Dialect
from ..directives import Directive
from ..edits import Edit
from ..parsed import Fragments, Parsed

FENCE = "{FENCE}"

#: a spec's differences in Jupyter Book 2: field name → the value mystmd's reading gives it
Jb2 = Mapping[str, Any]
#: fields no dialect changes: what a construct is called, and what the parse reads (it reads both
#: dialects alike: a spec's ``fragments`` tokenize every text either dialect converts, its ``body``
#: says whether a body is parsed at all)
_FIXED_FIELDS = frozenset({"names", "name", "jb2", "fragments", "body"})


def jb2(**differences: Any) -> Jb2:
    """A spec's ``jb2`` field: the fields Jupyter Book 2 reads differently, with their values there.

    >>> dict(jb2(title=True))
    {'title': True}
    """
    return MappingProxyType(differences)


def _no_jb2() -> Jb2:
    return MappingProxyType({})


def check_jb2(spec: object) -> None:
    """Refuse a ``jb2`` naming a field the spec lacks or one no dialect may change (:data:`_FIXED_FIELDS`)."""
    known = {f.name for f in fields(spec)}  # type: ignore[arg-type]
    bad = sorted(name for name in getattr(spec, "jb2", {}) if name not in known or name in _FIXED_FIELDS)
    if bad:
        named = getattr(spec, "names", getattr(spec, "name", ""))
        raise ValueError(f"{type(spec).__name__} {named}: jb2 cannot set {bad}")


S = TypeVar("S", "DirectiveSpec", "RoleSpec", "TokenSpec")
#: ``id(spec)`` → ``(spec, spec in JB2)``; the spec is kept so its id is never reused meanwhile
_RESOLVED: dict[int, tuple[Any, Any]] = {}


def in_dialect(spec: S, dialect: Dialect) -> S:
    """``spec`` as ``dialect`` reads it: in Jupyter Book 2 with its ``jb2`` fields set. The one function
    the core calls to resolve a construct's dialect (``tests/test_dialect.py`` holds every other
    module to it).

    >>> spec = RoleSpec(("x",), lambda r, ctx: RoleResult(""), jb2=jb2(prefixes=("x:",)))
    >>> in_dialect(spec, Dialect.JB1).prefixes, in_dialect(spec, Dialect.JB2).prefixes
    ((), ('x:',))
    """
    if dialect is Dialect.JB1 or not spec.jb2:
        return spec
    cached = _RESOLVED.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _RESOLVED[id(spec)] = (spec, replace(spec, **spec.jb2))
    resolved: S = cached[1]
    return resolved


@dataclass
class Rewrite:
    """How a directive is rewritten. ``None`` keeps that part as it is."""

    open: str | None = None
    close: str | None = None
    #: a replacement for the whole body; ``None`` converts the body as MyST (or keeps it)
    body: str | None = None
    #: written in front of every body line (``"> "`` quotes the body)
    prefix_body: str | None = None
    #: ``(n, text)``: ``text`` inserted at the end of body line ``n`` (a caption after a table)
    inserts: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Role:
    """A ``{name}`content``` role as found in the text."""

    name: str
    content: str
    lineno: int
    #: the text just before the role in its paragraph, its end only (for "siehe Abbildung {numref}`x`")
    before: str = ""


@dataclass
class RoleResult:
    """The replacement for a role; ``eat_before`` characters before it are removed too."""

    text: str
    eat_before: int = 0


DirectiveFn = Callable[[Directive, Context], Rewrite]
#: tokenizes a fragment's text in the document's parse and gives its tokens
Tokenize = Callable[[str], list[Token]]
RoleFn = Callable[[Role, Context], RoleResult]
#: where a directive's label is written: an option's name, or ``"argument"`` (its first word)
LabelSource = Literal["name", "label", "argument"]


@dataclass(frozen=True)
class LabelDef:
    """A label a directive defines: ``(name, kind)`` at ``line``,
    with the text a ``{ref}`` to it shows (``title``)."""

    name: str
    kind: str
    line: int = 0
    title: str = ""


@dataclass(frozen=True)
class DirectiveSpec:
    """Everything the core knows about a directive, in one place (its family's module).

    The walker, the label pass and the checks ask :mod:`.registry`, which derives its tables
    from the specs; nothing outside ``constructs/`` names a directive. A new directive is one
    function, one spec in its module's ``SPECS`` and one fixture case.

    >>> spec = DirectiveSpec(("margin",), lambda d, ctx: Rewrite(), options=frozenset({"name", "class"}))
    >>> spec.names, spec.body, spec.kind
    (('margin',), 'markdown', 'anchor')
    """

    #: the directive's names (aliases share one spec)
    names: tuple[str, ...]
    function: DirectiveFn
    #: ``"markdown"``: the body is MyST, converted in place; ``"verbatim"``: never walked, its
    #: function rewrites or removes it whole (a glossary, a list-table, a video's body);
    #: ``"literal"``: never walked and no Markdown at all (code, math, raw output)
    body: Literal["markdown", "verbatim", "literal"] = "markdown"
    #: where its label is written, first found wins: ``:name:``, ``:label:``, the argument (a spec
    #: that reads one of ``:name:`` and ``:label:`` reads both; only the unknown directive's does not)
    label: tuple[LabelSource, ...] = ("name", "label")
    #: the cross-reference kind its label gets (``fig``, ``tbl``, ``eq``, ``anchor`` …), or a
    #: function of the directive (a folded solution is an anchor, an open one ``sol``)
    kind: str | Callable[[Directive], str] = "anchor"
    #: labels it defines besides its own (a glossary's terms)
    more_labels: Callable[[Directive], Iterable[LabelDef]] | None = None
    #: whether its argument is a title (a label's text for ``{ref}``); else a path, a language …
    title: bool = True
    #: the argument is a file the book copies (``{figure} bild.png``)
    path_argument: bool = False
    #: it writes the caption of the table in its body (a label before that table stays an anchor)
    captions_table: bool = False
    #: the options it understands; others are reported by :func:`report_unknown_options`.
    #: ``None``: every option is carried over somehow (code-cell's ``#|``, the fallback's attributes)
    options: frozenset[str] | None = None
    #: which of its texts are prose for translation: ``"argument"``, ``"body"``, option names
    prose: tuple[str, ...] = ("argument", "body")
    #: ``(option, attribute)``: the Quarto attribute a prose option is written to, when it is not
    #: written into the Markdown text (``caption`` → ``lst-cap``); the segments read these as prose
    prose_attributes: tuple[tuple[str, str], ...] = ()
    #: its texts that are MyST of their own (a title, a caption, table cells): given the directive as the
    #: parse sees it (:func:`~myst2qmd.directives.fence_directive`) and ``tokenize``, which tokenizes a text
    #: in the document's parse and gives its tokens, it tokenizes each (see :mod:`.fragments`)
    fragments: Callable[[Directive, Tokenize], None] | None = None
    #: what Jupyter Book 2 reads differently: fields and their JB2 values (:func:`jb2`, :func:`in_dialect`)
    jb2: Jb2 = field(default_factory=_no_jb2, compare=False)

    def __post_init__(self) -> None:
        check_jb2(self)

    @property
    def verbatim(self) -> bool:
        """Its body is never walked (``"verbatim"`` or ``"literal"``)."""
        return self.body != "markdown"

    @property
    def known_options(self) -> frozenset[str] | None:
        """The options it understands: :attr:`options` and the options its label is read from."""
        if self.options is None:
            return None
        return self.options | {source for source in self.label if source != "argument"}

    def label_text(self, d: Directive) -> str:
        """``d``'s own label as written (``:name:``, ``:label:`` or the argument, first found), or ``""``."""
        return own_label(d, self.label)

    def labels(self, d: Directive) -> list[LabelDef]:
        """The labels ``d`` defines: any more (a glossary's terms), then its own (``:name:`` …,
        kind and title as the spec says)."""
        found = [*self.more_labels(d)] if self.more_labels is not None else []
        text = self.label_text(d)
        if text.strip():
            kind = self.kind(d) if callable(self.kind) else self.kind
            return [*found, LabelDef(text, kind, d.lineno, d.argument if self.title else "")]
        return found


@dataclass(frozen=True)
class RoleSpec:
    """A role: its names and function (``{numref}`fig-a``` → ``@fig-a``).

    ``prefixes``: it also takes every role whose name starts with one of them
    (``{cite:p}``, ``{py:func}``).
    """

    names: tuple[str, ...]
    function: RoleFn
    prefixes: tuple[str, ...] = ()
    #: what Jupyter Book 2 reads differently: fields and their JB2 values (:func:`jb2`, :func:`in_dialect`)
    jb2: Jb2 = field(default_factory=_no_jb2, compare=False)

    def __post_init__(self) -> None:
        check_jb2(self)


@dataclass(frozen=True)
class LinePrefix:
    """A request to write ``prefix`` after ``rest`` on every line an edit's new text starts, for
    edits other constructs made (a quote's ``"> "`` over display math a body line holds).

    The construct asking never changes those edits: the walk composes the requests once it is done
    (:func:`.divs.with_line_prefixes`), the innermost first. ``edits``: ``(edit, quote_last)``, where
    ``quote_last`` says the line after a final newline of the edit's text gets the prefix too.
    """

    prefix: str
    rest: str
    edits: tuple[tuple[Edit, bool], ...]


@dataclass
class WalkState:
    """What the walk of one view carries from token to token."""

    parsed: Parsed
    #: the longest ``:`` fence found or written in the view
    widest: int = 0
    #: inside a table (its cells are walked by the table's rule)
    in_table: int = 0
    #: the index of the last token with lines the walk handed on (a rule of its own or not)
    previous: int = -1
    #: ``(index, label)``: the section label a ``(label)=`` token just read, for a heading right after it
    section_label: tuple[int, Label] | None = None
    #: what runs once the view is walked, the last first (a div around a labelled block, inner ones
    #: first: their fences close first); each returns the width of a ``:`` fence it wrote, or 0
    deferred: list[Callable[[], int]] = field(default_factory=list)


class Walk(Protocol):
    """What a token rule may do with the walk: add edits, look at those made, walk a parsed body."""

    @property
    def ctx(self) -> Context: ...

    def add(self, start: int, end: int, new: str, kind: str = "") -> None: ...

    def extend(self, edits: Iterable[Edit]) -> None: ...

    def edits_within(self, start: int, end: int) -> list[Edit]: ...

    def prefix_lines(self, request: LinePrefix) -> None: ...

    def walk(self, parsed: Parsed) -> int: ...

    def fragments(self, token: Token | None) -> Fragments: ...


#: a token rule: the walk, the view's walk state, the index of the token in ``state.parsed.tokens``
TokenRule = Callable[[Walk, WalkState, int], None]


@dataclass(frozen=True)
class TokenSpec:
    """A token construct: the token types whose tokens go to its rule, as a renderer's rules do
    (markdown-it-py's ``self.rules[token.type]``). Declared once in its module's ``TOKEN_SPECS``;
    :mod:`.tokens` derives the walker's table from them."""

    name: str
    token_types: tuple[str, ...]
    rule: TokenRule
    #: the MyST-Parser extension its syntax belongs to (``"fieldlist"``, an :class:`~..context.Options`
    #: flag of that name): the parse reads the syntax only when the flag is on; ``""``: always read
    extension: str = ""
    #: ``False``: the dialect has no such syntax (mystmd has no field lists): the parse never reads it,
    #: whatever the project enables, and the text stays as that dialect shows it
    parsed: bool = True
    #: what Jupyter Book 2 reads differently (``token_types``, ``rule``, ``parsed``): fields and their JB2 values
    jb2: Jb2 = field(default_factory=_no_jb2, compare=False)

    def __post_init__(self) -> None:
        check_jb2(self)


def report_unknown_options(d: Directive, ctx: Context, known: frozenset[str] | None) -> None:
    """The one report of options a directive does not understand: a warning listing them.

    ``:foo: 1`` on a ``{note}`` → ``warning [option-unknown]: {note} options not carried over: foo``.
    """
    if known is None:
        return
    unknown = sorted(set(d.options) - known)
    if unknown:
        ctx.warn(d.lineno, f"{{{d.name}}} options not carried over: {', '.join(unknown)}", Code.OPTION_UNKNOWN)


def attr_value(text: str) -> str:
    """Quote ``text`` as a Pandoc attribute value.

    >>> attr_value('a "b"')
    '"a \\\\"b\\\\""'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: characters a bare link destination cannot hold (:func:`link_target`), and those ``<…>`` cannot hold either
_BARE_UNSAFE = re.compile(r"[\s()<>]")
_BRACKET_UNSAFE = re.compile(r"[<>\n]")


def link_target(href: str) -> str:
    """A link destination as Markdown must write it: ``<…>`` around one with spaces or parentheses.

    CommonMark (and so our own reading, and the segments a translation engine sees) ends a
    bare destination at a space; ``<…>`` holds the path as it is.

    >>> link_target("a.qmd#sec-x"), link_target("Kapitel Eins/Übung 1.qmd"), link_target("a <b>.qmd")
    ('a.qmd#sec-x', '<Kapitel Eins/Übung 1.qmd>', 'a%20%3Cb%3E.qmd')
    """
    if not _BARE_UNSAFE.search(href):
        return href
    if _BRACKET_UNSAFE.search(href):
        return quote(href, safe="/#:?&=%@!$'*+,;~()")
    return f"<{href}>"


def url_path(path: str) -> str:
    """A file's path as a link's path: ``%``, ``?`` and ``#`` percent-encoded, which a link would read
    as an escape, a query or an anchor (``kap?2.qmd`` → ``kap%3F2.qmd``, ``kap%20.qmd`` → ``kap%2520.qmd``).

    >>> url_path("kap?2.qmd"), url_path("kap%20.qmd"), url_path("Übung 1.qmd")
    ('kap%3F2.qmd', 'kap%2520.qmd', 'Übung 1.qmd')
    """
    return path.replace("%", "%25").replace("?", "%3F").replace("#", "%23")


def can_embolden(title: str) -> bool:
    """Does ``**title**`` read as one bold title? Not with bold inside, or a lone ``*``.

    A title that cannot be bold becomes the callout's heading (Quarto's callout title), so
    its markup survives: ``Titel mit **fett** Wort`` → ``## Titel mit **fett** Wort``.

    >>> can_embolden("Frage 1"), can_embolden("Mit *kursiv*"), can_embolden("Mit **fett**"), can_embolden("a*b")
    (True, True, False, False)
    """
    return "**" not in title and "__" not in title and title.count("*") % 2 == 0 and not title.endswith("\\")


def bold(text: str) -> str:
    """``text`` in bold, also when it holds bold itself (``__…__`` around ``**…**``).

    >>> bold("Karte"), bold("Karte mit **fett**"), bold("a__b **c**")
    ('**Karte**', '__Karte mit **fett**__', 'a__b **c**')
    """
    if can_embolden(text):
        return f"**{text}**"
    if "__" not in text and "_" not in (text[:1], text[-1:]) and not text.endswith("\\"):
        return f"__{text}__"
    return text


def own_label(d: Directive, sources: tuple[LabelSource, ...] = ("name", "label")) -> str:
    """The label ``d`` gives itself, read from ``sources`` in order (a spec's :attr:`~DirectiveSpec.label`:
    ``:name:``, then ``:label:``, by default), or ``""``: ``:label: n`` on a ``{note}`` → ``"n"``."""
    for source in sources:
        text = (d.argument.split() or [""])[0] if source == "argument" else d.option(source)
        if text.strip():
            return text.strip()
    return ""


def div_open(*parts: str) -> str:
    """``{FENCE} {#id .class key="v"}``."""
    inner = " ".join(p for p in parts if p)
    return f"{FENCE} {{{inner}}}"


def strip_px(value: str) -> str:
    """``600px`` → ``600``; other units are kept (``50%``, ``10em``)."""
    value = str(value).strip()
    return value[:-2].strip() if value.endswith("px") else value
