"""Cross-references and citations.

MyST → Quarto::

    siehe Figure {numref}`fig-cnn-mlp`     →  siehe @fig-cnn-mlp
    {numref}`Abbildung %s <fig-x>`         →  Abbildung -@fig-x
    {ref}`receptive-field`                 →  @sec-receptive-field
    {ref}`das Feld <receptive-field>`      →  [das Feld](#sec-receptive-field)
    {eq}`eq:normalization`                 →  @eq-normalization
    {doc}`intro`  /  {download}`d.csv`     →  [intro](intro.qmd)  /  [d.csv](d.csv)

A word before a reference that Quarto writes itself ("Figure", "Abbildung", "Gleichung",
…) is dropped. A label the file does not define is kept as a reference (its prefix
guessed from its spelling) and reported.
"""

from __future__ import annotations

import re

from ..codes import Code, Count
from ..context import Context
from ..labels import CROSSREF_KINDS, kind_from_label, math_key, quarto_id
from .base import Role, RoleResult, RoleSpec, link_target, url_path
from .glossary import term_id

_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.DOTALL)
#: words Quarto writes in front of a numbered reference; dropped before ``@fig-x``
_PREFIX_WORDS = re.compile(
    r"(?:(?<=[\s(\[])|^)(?:Figures?|Fig\.|Abbildung(?:en)?|Abb\.|Tables?|Tab\.|Tabellen?|"
    r"Equations?|Eqs?\.|Gleichung(?:en)?|Gl\.|Formel|Sections?|Sec\.|Abschnitt|Kapitel|Chapter|"
    r"Listing|Theorem|Lemma|Definition|Exercises?|Übung|Aufgabe)(?:\s|\xa0|~)+$",
    re.IGNORECASE,
)
_NUMBERED_KINDS = set(CROSSREF_KINDS)
#: a role in a title, shown as its text for ``{name}``
_ROLE = re.compile(r"\{[\w:.-]+\}`([^`]*)`")


def split_explicit(content: str) -> tuple[str | None, str]:
    """``"Text <target>"`` → ``("Text", "target")``; ``"target"`` → ``(None, "target")``."""
    match = _EXPLICIT.match(content)
    if match and match.group("text"):
        return match.group("text"), match.group("target").strip()
    if match:
        return None, match.group("target").strip()
    return None, content.strip()


def label_key(label: str, ctx: Context, kind: str) -> str:
    """Where ``label`` is kept: an equation reference (``kind`` ``eq``) finds an equation label kept
    beside a label of another kind of that name first (:func:`~myst2qmd.labels.math_key`)."""
    if kind == "eq":
        key = math_key(label)
        if key in ctx.labels or key in ctx.options.external_labels:
            return key
    return label


def resolve(label: str, ctx: Context, default_kind: str, line: int) -> tuple[str, str]:
    """``(quarto id, kind)`` for a label, warning when the file does not define it."""
    label = label_key(label, ctx, default_kind)
    known = ctx.labels.get(label)
    if known is not None:
        return known.quarto_id, known.kind
    external = ctx.options.external_labels.get(label)
    if external is not None:
        page = ctx.options.label_pages.get(label)
        return external, page[0] if page else external.split("-", 1)[0]
    kind = kind_from_label(label) or default_kind
    ctx.warn(
        line,
        f"reference to '{label}', which this file does not define; kept as @{quarto_id(label, kind)}",
        Code.REF_UNDEFINED,
    )
    ctx.count(Count.UNRESOLVED_REFERENCE)
    return quarto_id(label, kind), kind


def _eat(role: Role, kind: str) -> int:
    if kind not in _NUMBERED_KINDS:
        return 0
    match = _PREFIX_WORDS.search(role.before)
    return len(match.group(0)) if match else 0


def page_of(label: str, ctx: Context) -> str:
    """The chapter a label lives in, relative to this one ("" for this document)."""
    if label in ctx.labels:
        return ""
    return ctx.options.label_pages.get(label, ("", ""))[1]


def title_of(label: str, ctx: Context) -> str:
    """The text a reference to ``label`` shows for ``{name}``: the title or caption of its block,
    its roles shown as their text; else the label."""
    known = ctx.labels.get(label)
    title = known.title if known is not None else ""
    return _ROLE.sub(r"\1", title).strip() or label


def find_label(name: str, ctx: Context) -> tuple[str, str, str] | None:
    """``(quarto id, kind, page)`` when ``name`` is a label of this document or book, else ``None``
    (nothing is warned: the caller decides whether it is a reference)."""
    known = ctx.labels.get(name)
    if known is not None:
        return known.quarto_id, known.kind, ""
    external = ctx.options.external_labels.get(name)
    if external is not None:
        kind = ctx.options.label_pages.get(name, ("anchor", ""))[0]
        return external, kind, page_of(name, ctx)
    return None


def _reference(role: Role, ctx: Context, default_kind: str) -> RoleResult:
    ctx.count(Count.REFERENCE)
    text, label = split_explicit(role.content)
    ident, kind = resolve(label, ctx, default_kind, role.lineno)
    label = label_key(label, ctx, default_kind)
    ident_href = link_target(page_of(label, ctx) + "#" + ident)
    if kind == "anchor":
        if role.name == "numref":
            ctx.warn(
                role.lineno,
                f"{{numref}} to '{label}', which has no number in Quarto (no caption, or no numbered kind); "
                "written as a link",
                Code.QUARTO_DIFFERS,
            )
        title = text or (ctx.labels[label].title if label in ctx.labels else "") or label
        return RoleResult(f"[{title}]({ident_href})")
    if text is None:
        return RoleResult(f"@{ident}", _eat(role, kind))
    if "%s" in text or "{number}" in text:
        # the number is Quarto's reference; the name a link to the same block
        named = text.replace("{name}", f"[{title_of(label, ctx)}]({ident_href})")
        return RoleResult(named.replace("%s", f"-@{ident}").replace("{number}", f"-@{ident}"))
    if "{name}" in text:
        return RoleResult(f"[{text.replace('{name}', title_of(label, ctx))}]({ident_href})")
    return RoleResult(f"[{text}]({ident_href})")


def numref(role: Role, ctx: Context) -> RoleResult:
    return _reference(role, ctx, "fig")


def ref(role: Role, ctx: Context) -> RoleResult:
    return _reference(role, ctx, "sec")


def eq(role: Role, ctx: Context) -> RoleResult:
    return _reference(role, ctx, "eq")


def doc_target(path: str) -> str:
    """A document path as the ``.qmd`` file it becomes."""
    anchor = ""
    if "#" in path:
        path, anchor = path.split("#", 1)
        anchor = "#" + anchor
    for ext in (".md", ".ipynb", ".rst", ".myst"):
        if path.endswith(ext):
            return path[: -len(ext)] + ".qmd" + anchor
    return (path + ".qmd" if path and "." not in path.rsplit("/", 1)[-1] else path) + anchor


def doc(role: Role, ctx: Context) -> RoleResult:
    """``{doc}`intro``` → ``[Introduction](intro.qmd)`` (the title is known in a book)."""
    ctx.count(Count.DOCUMENT_LINK)
    text, target = split_explicit(role.content)
    resolver = ctx.options.resolve_document
    if resolver is not None:
        found = resolver(target)
        if found is not None:
            href, title = found
            return RoleResult(f"[{text or title or target}]({link_target(href)})")
        ctx.warn(
            role.lineno,
            f"{{doc}} to '{target}', which is not a document of this book; kept as a link",
            Code.LINK_MISSING,
        )
    path, hash_, anchor = doc_target(target).partition("#")
    return RoleResult(f"[{text or target}]({link_target(url_path(path) + hash_ + anchor)})")


def download(role: Role, ctx: Context) -> RoleResult:
    ctx.count(Count.DOWNLOAD_LINK)
    text, target = split_explicit(role.content)
    return RoleResult(f"[{text or target.rsplit('/', 1)[-1]}]({link_target(target)})")


def term(role: Role, ctx: Context) -> RoleResult:
    """``{term}`CNN``` → ``[CNN](#term-cnn)``, a link to the glossary entry's id."""
    ctx.count(Count.GLOSSARY_TERM)
    text, target = split_explicit(role.content)
    key = f"term:{target}"
    page = page_of(key, ctx) if key in ctx.labels or key in ctx.options.label_pages else ""
    if not _term_defined(key, ctx):
        ctx.warn(
            role.lineno,
            f"{{term}} '{target}': no glossary of this file (or book) defines it; kept as a link to #{term_id(target)}",
            Code.REF_UNDEFINED,
        )
        ctx.count(Count.UNRESOLVED_REFERENCE)
    return RoleResult(f"[{text or target}]({page}#{term_id(target)})")


def _term_defined(key: str, ctx: Context) -> bool:
    """Does a glossary define the term ``key`` (``term:CNN``; Sphinx matches terms whatever their case)?"""
    if key in ctx.labels or key in ctx.options.label_pages or key in ctx.options.external_labels:
        return True
    elsewhere = ctx.external_folded()  # every label's name read: a book notes that it depends on them all
    folded = key.casefold()
    return folded in elsewhere or any(name.casefold() == folded for name in ctx.labels)


SPECS = (
    RoleSpec(("numref",), numref),
    RoleSpec(("ref", "any", "prf:ref"), ref),
    RoleSpec(("eq",), eq),
    RoleSpec(("doc",), doc),
    RoleSpec(("download",), download),
    RoleSpec(("term",), term),
)
