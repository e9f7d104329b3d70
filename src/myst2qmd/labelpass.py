"""The label pass: every label a document defines, before the walk.

``(label)=`` targets, equation labels, and the labels directives define as their specs say
(``:name:``, ``:label:``, the argument, a glossary's terms), each with the Quarto id it
becomes (``fig-…`` for a figure, unique in the document). Across documents (a book's chapters,
a notebook's cells) :class:`LabelTable` joins them; both check label collisions with
:func:`id_holder`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from markdown_it.token import Token

from . import labels as labelmod
from .codes import Code
from .constructs import registry
from .constructs.attrs import block_label
from .constructs.blocks import next_block
from .constructs.math import label_from_amsmath
from .constructs.targets import takes_caption
from .context import Context, Label, Options, Warning_
from .dialect import Dialect
from .parsed import Parsed


class LabelPass:
    """Collects the labels of parsed views into ``ctx.labels``."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        #: Quarto id → the first label (in ``ctx.labels``' order) that has it; ``None`` when stale
        self._ids: dict[str, str] | None = None
        #: Pandoc's automatic heading ids so far (a second "Beispiel" is ``beispiel-1``)
        self._headings: Counter[str] = Counter()

    def collect_labels(self, parsed: Parsed) -> None:
        """The labels of ``parsed`` and of the directive bodies in it, and the Quarto ids its text
        already has (:func:`quarto_ids`)."""
        for ident in quarto_ids(parsed.view.text):
            self.ctx.labels.setdefault(
                QUARTO_ID + ident,
                Label(name=QUARTO_ID + ident, kind=ident.split("-", 1)[0], quarto_id=ident, line=0),
            )
        self._collect(parsed)

    def _collect(self, parsed: Parsed) -> None:
        tokens = parsed.tokens
        view = parsed.view
        labelled: set[int] = set()
        for index, token in enumerate(tokens):
            if token.type == "myst_target" and token.map is not None:
                nxt = next_block(tokens, index + 1)
                if nxt is not None and tokens[nxt].type == "heading_open":
                    labelled.add(nxt)
                    title = tokens[nxt + 1].content if nxt + 1 < len(tokens) else ""
                    self._define(token.content, "sec", view.lineno(token.map[0]), title)
                    if _alias_to_next_target(tokens, index, self.ctx.labels):
                        self._ids = None
                else:
                    kind = "tbl" if takes_caption(parsed, index) else "anchor"
                    self._define(token.content, kind, view.lineno(token.map[0]))
            elif token.type == "attrs_block" and token.map is not None:
                found = block_label(tokens, index)
                if found is not None:
                    self._define(found[0], "anchor", view.lineno(token.map[0]), found[1])
                    if found[1]:
                        labelled.add(index + 1)  # the heading it names takes the id
            elif token.type == "heading_open" and index + 1 < len(tokens) and index not in labelled:
                self._heading(tokens[index + 1].content, view.lineno(token.map[0]) if token.map else 0)
            elif token.type == "math_block_label" and token.map is not None:
                self._define(token.info, "eq", view.lineno(token.map[0]))
            elif token.type == "amsmath" and token.map is not None:
                label = label_from_amsmath(token.content)
                if label:
                    self._define(label, "eq", view.lineno(token.map[0]))
        for directive in parsed.directives.values():
            for defined in registry.labels_of(directive, self.ctx.options.dialect):
                title = defined.title or (caption(directive.body_lines) if defined.kind in ("fig", "tbl") else "")
                self._define(defined.name, defined.kind, defined.line, title)
        for body in parsed.bodies.values():
            self._collect(body)

    def _define(self, name: str, kind: str, line: int, title: str = "") -> None:
        name = name.strip()
        if not name:
            return
        key = self._key(name, kind)
        if key is None:
            self.ctx.warn(
                line,
                f"label '{name}' is defined twice (first at line {self.ctx.labels[name].line})",
                Code.LABEL_DUPLICATE,
            )
            return
        qid = labelmod.quarto_id(name, kind)
        taken = self._label_ids()
        clash = id_holder(qid, name, taken)
        if clash is not None:
            unique = labelmod.unique_id(qid, taken)
            self.ctx.warn(
                line,
                f"labels '{clash}' and '{name}' both become '#{qid}'; the second becomes '#{unique}'",
                Code.LABEL_DUPLICATE,
            )
            qid = unique
        self.ctx.labels[key] = Label(name=key, kind=kind, quarto_id=qid, line=line, title=title)
        taken.setdefault(qid, key)
        if kind == "sec" and title:
            # the heading's own anchor (myst_heading_anchors) now lives under the label's id
            alias = f"slug:{labelmod.slug(title, 'myst')}"
            if alias not in self.ctx.labels:
                self.ctx.labels[alias] = Label(name=alias, kind=kind, quarto_id=qid, line=line, title=title)

    def _heading(self, title: str, line: int) -> None:
        """A heading without a label: the id Quarto gives it (Pandoc's automatic one), under the
        anchors MyST and Pandoc make from its title, so ``[](#titel)`` finds it."""
        if _OWN_ID.search(title):
            return  # an id of its own, written as Quarto writes it
        myst, pandoc = f"slug:{labelmod.slug(title, 'myst')}", labelmod.slug(title, "pandoc")
        self._headings[pandoc] += 1
        ident = pandoc if self._headings[pandoc] == 1 else f"{pandoc}-{self._headings[pandoc] - 1}"
        for key in (myst, f"slug:{pandoc}", f"slug:{ident}"):
            self.ctx.labels.setdefault(key, Label(name=key, kind="anchor", quarto_id=ident, line=line, title=title))

    def _key(self, name: str, kind: str) -> str | None:
        """Where label ``name`` of ``kind`` is kept: its name, or (an equation beside a label of
        another kind, as Sphinx keeps math labels apart) :func:`~.labels.math_key`; ``None`` when
        the name is taken."""
        labels = self.ctx.labels
        other = labels.get(name)
        if other is None:
            return name
        if (other.kind == "eq") == (kind == "eq") or labelmod.math_key(name) in labels:
            return None
        if kind == "eq":
            return labelmod.math_key(name)
        # the equation came first: it moves to the math namespace, the name is the new label's
        del labels[name]
        other.name = labelmod.math_key(name)
        labels[other.name] = other
        self._ids = None
        return name

    def _label_ids(self) -> dict[str, str]:
        """Quarto id → the first label that has it, kept as labels are defined (one look-up per
        label, not a pass over all of them)."""
        if self._ids is None:
            self._ids = {}
            for other in self.ctx.labels.values():
                if not other.name.startswith(QUARTO_ID):
                    self._ids.setdefault(other.quarto_id, other.name)
        return self._ids


def id_holder(qid: str, name: str, ids: Mapping[str, str]) -> str | None:
    """The one label-collision check: the label other than ``name`` that already became ``qid``
    (``ids``: Quarto id → the label that has it), or ``None``.

    >>> id_holder("fig-a", "fig:a", {"fig-a": "fig-a"}), id_holder("fig-a", "fig-a", {"fig-a": "fig-a"})
    ('fig-a', None)
    """
    other = ids.get(qid)
    return other if other is not None and other != name else None


#: the key of an id a document already gives a block as Quarto writes it (``{#fig-x}``)
QUARTO_ID = "id:"
#: ``#(?<![^\n]#)``: a ``#`` at a line's start, as ``^#`` (``re.MULTILINE``) is, but written so that
#: every branch starts with a character (``{``, ``#``, ``<``): the search then skips to those
_QUARTO_ID = re.compile(
    r"\{#([A-Za-z][\w-]*)[\s}]|#(?<![^\n]#)\|\s*label:\s*([A-Za-z][\w-]*)\s*$|<[a-z][^<>]*\s(?:id|name)=[\"']([^\"'<>]+)[\"']",
    re.MULTILINE | re.IGNORECASE,
)
#: a heading's trailing attributes that give it an id (``{#x}``, ``{.a #x}``)
_OWN_ID = re.compile(r"\{[^{}]*#[^{}]*\}\s*$")


def quarto_ids(text: str) -> set[str]:
    """The ids a text already gives blocks as Quarto (or HTML) writes them, which ``@id`` and
    ``[](#id)`` may name: ``{#fig-x}`` attributes, cells' ``#| label: fig-y``, ``<a id="z">``.

    >>> sorted(quarto_ids("::: {#fig-a}\\n$$ {#eq-b .x}\\n#| label: fig-c\\n<a name='d'></a>"))
    ['d', 'eq-b', 'fig-a', 'fig-c']
    >>> sorted(quarto_ids("#| label: fig-a\\nx #| label: fig-b\\n\\n#| label: fig-c")) # at a line's start only
    ['fig-a', 'fig-c']
    """
    if "{#" not in text and "#|" not in text and "=" not in text:
        return set()
    return {m.group(1) or m.group(2) or m.group(3) for m in _QUARTO_ID.finditer(text)}


def caption(body_lines: Sequence[str]) -> str:
    """A figure's caption as ``{numref}`{name} <x>``` shows it: the first paragraph of its body that
    is no image, joined into one line.

    >>> caption(["", '<img src="a.png">', "", "Das *Bild*", "A."])
    'Das *Bild* A.'
    """
    lines: list[str] = []
    for line in body_lines:
        text = line.strip()
        if not text:
            if lines:
                break
        elif lines or not text.startswith(("<", "![")):
            lines.append(text)
    return " ".join(lines)


def document_labels(
    parsed: Parsed, path: str, macros: dict[str, tuple[str, int]], dialect: Dialect = Dialect.JB1
) -> dict[str, Label]:
    """The labels one parse defines, read in ``dialect`` (its label pass; what that pass warns is told by
    the conversion, which takes the labels and warnings from ``parsed.labelled``, see :func:`take_labels`)."""
    ctx = Context(path=path, options=Options(macros=macros, dialect=dialect))
    LabelPass(ctx).collect_labels(parsed)
    parsed.labelled = {dialect: (ctx.labels, ctx.warnings)}
    return ctx.labels


def take_labels(parsed: Parsed, ctx: Context) -> bool:
    """The labels (copies) and warnings of the label pass a book ran over ``parsed`` (:func:`document_labels`)
    put in ``ctx``, as :class:`LabelPass` would put them (in the same order); False when none ran in
    ``ctx``'s dialect."""
    handed = (parsed.labelled or {}).get(ctx.options.dialect)
    parsed.labelled = None
    if handed is None:
        return False
    labels, warnings = handed
    ctx.labels.update((name, replace(label)) for name, label in labels.items())
    for warning in warnings:
        ctx.warn(warning.line, warning.message, warning.code, warning.level)
    return True


class LabelTable:
    """Labels across documents: label → (Quarto id, document path, kind). A label defined in two
    documents keeps the first; two labels that become one id are reported (as :class:`LabelPass`
    reports them in one document), each into ``warnings`` and ``duplicates``."""

    def __init__(self, warnings: list[Warning_], duplicates: list[str]) -> None:
        self.warnings = warnings
        self.duplicates = duplicates
        self.found: dict[str, tuple[str, str, str]] = {}
        #: Quarto id → the label that has it
        self.ids: dict[str, str] = {}

    def add(self, path: str, labels: Mapping[str, Label]) -> None:
        """The labels a piece of the document ``path`` defines (:func:`document_labels`)."""
        for name, label in labels.items():
            if name.startswith(QUARTO_ID):
                continue  # a Quarto id already written: known in its own document only
            if name.startswith("slug:"):
                self.found.setdefault(name, (label.quarto_id, path, label.kind))
                continue
            if name in self.found and self.found[name][1] != path:
                self._report(path, label, f"label '{name}' is defined in {self.found[name][1]} and in {path}")
                continue
            other = id_holder(label.quarto_id, name, self.ids)
            if other is not None:
                self._report(path, label, f"labels '{other}' and '{name}' both become '#{label.quarto_id}'")
            self.found[name] = (label.quarto_id, path, label.kind)
            self.ids[label.quarto_id] = name

    def _report(self, path: str, label: Label, message: str) -> None:
        self.duplicates.append(message)
        self.warnings.append(Warning_(path, label.line, message, Code.LABEL_DUPLICATE))


def join_labels(
    sets: Sequence[Sequence[tuple[str, Mapping[str, Label]]]], warnings: list[Warning_], duplicates: list[str]
) -> dict[str, tuple[str, str, str]]:
    """Every document's label sets (:func:`.notebooks.document_label_sets`: its path and labels, per
    piece) joined in order: label → (Quarto id, document path, kind), collisions reported into
    ``warnings`` and ``duplicates`` (:class:`LabelTable`)."""
    table = LabelTable(warnings, duplicates)
    for document_sets in sets:
        for path, labels in document_sets:
            table.add(path, labels)
    return table.found


def _alias_to_next_target(tokens: list[Token], index: int, labels: dict[str, Label]) -> bool:
    """``(a)=`` ``(b)=`` ``## H``: the heading takes one id, so ``a`` becomes an alias of ``b``.

    Returns whether a label's id changed."""
    this = labels.get(tokens[index].content.strip())
    if this is None or this.kind != "sec":
        return False
    changed = False
    before = index - 1
    while before >= 0 and tokens[before].type == "myst_target":
        previous = labels.get(tokens[before].content.strip())
        if previous is not None and previous.kind == "sec":
            changed = changed or previous.quarto_id != this.quarto_id
            previous.quarto_id = this.quarto_id
        before -= 1
    return changed
