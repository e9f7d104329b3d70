"""MyST labels to Quarto cross-reference ids.

Quarto numbers and resolves ``@fig-x``, ``@tbl-x``, ``@eq-x``, ``@sec-x``, ``@lst-x``, …
only when the id starts with its kind's prefix and holds no characters a Pandoc citation
key would stop at. ``quarto_id("cnn-mlp", "fig")`` is ``"fig-cnn-mlp"``;
``quarto_id("eq:normalization", "eq")`` is ``"eq-normalization"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from functools import lru_cache
from typing import Literal

#: MyST/Sphinx spellings of a kind prefix that a label may already carry
_KIND_ALIASES = {
    "fig": ("fig", "figure", "abb", "abbildung"),
    "tbl": ("tbl", "tab", "table", "tabelle"),
    "eq": ("eq", "eqn", "equation", "gl", "gleichung"),
    "sec": ("sec", "section", "chap", "chapter", "kap"),
    "lst": ("lst", "listing", "code"),
    "exr": ("exr", "ex", "exercise"),
    "sol": ("sol", "solution"),
    "thm": ("thm", "theorem"),
    "lem": ("lem", "lemma"),
    "def": ("def", "defn", "definition"),
    "cor": ("cor", "corollary"),
    "prp": ("prp", "prop", "proposition"),
    "cnj": ("cnj", "conj", "conjecture"),
    "exm": ("exm", "example"),
    "rem": ("rem", "remark"),
    "alg": ("alg", "algorithm"),
}

#: Quarto: ids hold letters, digits and hyphens; underscores break LaTeX output
#: id prefixes Quarto numbers and resolves with ``@prefix-x`` (callout kinds included)
CROSSREF_KINDS = (
    "fig",
    "tbl",
    "eq",
    "sec",
    "lst",
    "exr",
    "sol",
    "thm",
    "lem",
    "def",
    "cor",
    "prp",
    "cnj",
    "exm",
    "rem",
    "alg",
)
CROSSREF_PREFIXES = CROSSREF_KINDS + ("tip", "nte", "wrn", "imp", "cau")

_INVALID = re.compile(r"[^A-Za-z0-9-]+")
#: German letters whose ASCII spelling is not their base letter (``Größe`` → ``groesse``)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"})


def ascii_letters(text: str) -> str:
    """``text`` spelled in ASCII: German umlauts as ``ae``/``oe``/``ue``, ``ß`` as ``ss``,
    accents dropped (``é`` → ``e``), anything else without an ASCII form as ``u`` + its
    code point, so no letter is lost.

    >>> ascii_letters("Übung_Größe"), ascii_letters("café"), ascii_letters("α-Wert")
    ('Uebung_Groesse', 'cafe', 'u3b1-Wert')
    """
    if text.isascii():  # as it is (NFKD leaves ASCII alone): most labels
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_GERMAN))
    out = []
    for ch in decomposed:
        if ch.isascii():
            out.append(ch)
        elif unicodedata.combining(ch):
            continue
        elif ch.isalnum():
            out.append(f"u{ord(ch):x}")
        else:
            out.append("-")
    return "".join(out)


#: the three ways an identifier is made from a text (see :func:`slug`)
SlugStyle = Literal["quarto", "myst", "pandoc"]


def slug(text: str, style: SlugStyle = "quarto") -> str:
    """An identifier made from ``text``. The three styles differ on purpose, each matching
    whoever reads the identifier:

    - ``quarto`` (our labels' ids): lower-case ASCII letters, digits and ``-`` only, umlauts
      spelled out (``ü`` → ``ue``), so the id survives LaTeX and a Pandoc citation key.
    - ``myst``: the anchor MyST gives a heading (``myst_heading_anchors``, GitHub style): roles,
      code and emphasis marks dropped, lower-case, punctuation dropped, every space a ``-``.
    - ``pandoc``: Pandoc's automatic id of a heading without one: trailing attributes and
      markup dropped, lower-case, punctuation but ``_-.`` dropped, spaces as one ``-``,
      everything before the first letter dropped (``section`` when nothing is left).

    >>> slug("Übung_csv"), slug("Größe der Filter")
    ('uebung-csv', 'groesse-der-filter')
    >>> slug("Stacking & Receptive Field", "myst"), slug("1. Die *Faltung* {#x}", "pandoc")
    ('stacking--receptive-field', 'die-faltung')
    """
    if style == "myst":
        text = _MYST_MARKUP.sub("", text).strip().lower()
        return _MYST_DROPPED.sub("", text).replace(" ", "-")
    if style == "pandoc":
        text = _PANDOC_ATTRIBUTES.sub("", text)
        text = _PANDOC_MARKUP.sub("", text).lower()
        text = _PANDOC_DROPPED.sub("", text)
        text = _SPACES.sub("-", text.strip())
        return _PANDOC_LEADING.sub("", text) or "section"
    text = _INVALID.sub("-", ascii_letters(text.strip())).strip("-")
    text = _DASHES.sub("-", text)
    return text.lower() or "x"


# :func:`slug`'s patterns, compiled once (a book's every heading is slugged twice)
_MYST_MARKUP = re.compile(r"\{[^{}]*\}|`|\*|_(?=\w)|(?<=\w)_")
_MYST_DROPPED = re.compile(r"[^\w\- ]")
_PANDOC_ATTRIBUTES = re.compile(r"\{[^{}]*\}\s*$")
_PANDOC_MARKUP = re.compile(r"[`*_~\[\]()]|<[^>]+>")
_PANDOC_DROPPED = re.compile(r"[^\w\s.\-]")
_SPACES = re.compile(r"\s+")
_PANDOC_LEADING = re.compile(r"^[\W\d_]+")
_DASHES = re.compile(r"-{2,}")


#: where an equation label lives when a label of another kind has its name (Sphinx keeps math
#: labels in a namespace of their own: ``{eq}`x``` and ``{numref}`x``` may name two blocks)
MATH_NAMESPACE = "math:"


def math_key(name: str) -> str:
    """The key of equation label ``name`` beside another label of that name.

    >>> math_key("modell")
    'math:modell'
    """
    return MATH_NAMESPACE + name


class AnyOf(Container[str]):
    """Ids in any of several containers, asked one id at a time (a book's other chapters' ids are
    asked, never listed: a re-run then knows which of them a chapter's output depends on).

    >>> "b" in AnyOf({"a"}, {"b": 1}.keys()), "c" in AnyOf({"a"})
    (True, False)
    """

    def __init__(self, *containers: Container[str]) -> None:
        self.containers = containers

    def __contains__(self, ident: object) -> bool:
        return any(ident in container for container in self.containers)


def unique_id(ident: str, taken: Container[str]) -> str:
    """``ident``, or ``ident-2``, ``ident-3``, … the first that is not in ``taken``.

    >>> unique_id("fig-img", {"fig-img", "fig-img-2"})
    'fig-img-3'
    """
    if ident not in taken:
        return ident
    n = 2
    while f"{ident}-{n}" in taken:
        n += 1
    return f"{ident}-{n}"


@lru_cache(maxsize=4096)
def quarto_id(label: str, kind: str) -> str:
    """The Quarto id for a MyST ``label`` of ``kind``.

    >>> quarto_id("fig-cnn-mlp", "fig"), quarto_id("receptive-field", "sec")
    ('fig-cnn-mlp', 'sec-receptive-field')
    >>> quarto_id("eq:binary:natural", "eq"), quarto_id("Installation_R-Studio", "sec")
    ('eq-binary-natural', 'sec-installation-r-studio')
    """
    if kind == "anchor":
        return slug(label)
    body = label
    for alias in _KIND_ALIASES.get(kind, (kind,)):
        for sep in ("-", ":", "_", "."):
            if body.lower().startswith(alias + sep) and len(body) > len(alias) + 1:
                body = body[len(alias) + 1 :]
                break
        else:
            continue
        break
    return f"{kind}-{slug(body)}"


@lru_cache(maxsize=4096)
def kind_from_label(label: str) -> str | None:
    """The kind a label's own prefix announces (``fig-x`` → ``fig``), else ``None``."""
    lowered = label.lower()
    for kind, aliases in _KIND_ALIASES.items():
        for alias in aliases:
            if any(lowered.startswith(alias + sep) for sep in ("-", ":", "_", ".")):
                return kind
    return None
