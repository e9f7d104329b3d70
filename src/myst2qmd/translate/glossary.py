"""Glossaries: German term → English term, or a term to keep as it is.

YAML::

    Faltung: convolution
    Merkmalskarte: feature map
    Stride: Stride          # keep

or CSV (``source,target``; a row with one column keeps the term).

Besides the user's entries a glossary holds *hints*: the built-in glossary for German lecture
notes (``data/glossary_de_en.tsv``, see :func:`builtin_glossary`) and terms mined from the book
being translated (:mod:`.terms`). Every engine gets the entries and hints that occur in a unit;
a user's entry wins over a hint for the same term, and only the user's entries are warned about
when a translation does not use them. Lookups treat ``ß`` and ``ss`` as one letter (Swiss
spelling: ``Grösse`` finds ``Größe``), and case does not matter.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..files import read_input
from ..yamlload import load_yaml

#: the most glossary pairs a unit gets (the user's first, then the longest hints)
MAX_PAIRS = 8

#: endings of an inflected German noun or adjective after the form the glossary writes
_LAST_WORD_ENDINGS = r"(?:e|en|n|s|es|er|ern|nen|ns|em)?"
#: endings an adjective before the noun of a multi-word term may have (``lineare``, ``linearen``)
_ADJECTIVE_ENDINGS = re.compile(r"(?:es|er|en|em|e)$")


class GlossaryError(ValueError):
    """The glossary file cannot be used."""


def fold(text: str) -> str:
    """``text`` lower-cased with ``ß`` as ``ss`` (how glossary lookups compare words).

    >>> fold("Größe"), fold("GRÖSSE")
    ('grösse', 'grösse')
    """
    return text.replace("ẞ", "ss").replace("ß", "ss").lower()


def hint_pattern(term: str) -> re.Pattern[str]:
    """The pattern of a hint's term in folded text: whole words, inflected forms included.

    >>> bool(hint_pattern("neuronales Netz").search(fold("in neuronalen Netzen")))
    True
    >>> bool(hint_pattern("Rang").search("rangliste"))
    False
    """
    stems = _stems(term)
    parts = [re.escape(w) + "(?:e|en|er|es|em)?" for w in stems[:-1]]
    parts.append(re.escape(stems[-1]) + _LAST_WORD_ENDINGS)
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")


def _stems(term: str) -> list[str]:
    """The folded words of a hint's term as every match of :func:`hint_pattern` starts them: the
    words before the last without their adjective ending (when longer than five letters)."""
    words = fold(term).split()
    return [_ADJECTIVE_ENDINGS.sub("", w) if len(w) > 5 else w for w in words[:-1]] + words[-1:]


@dataclass
class Glossary:
    #: the user's entries (``--glossary``)
    entries: dict[str, str] = field(default_factory=dict)
    #: the built-in entries (part of :attr:`digest`), used where the user has no entry for the term
    builtin: dict[str, str] = field(default_factory=dict)
    #: terms mined from the book in this run (not part of :attr:`digest`: a changed chapter keeps the memory)
    mined: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A short hash of the user's and the built-in entries (part of the cache key)."""
        if not self.entries and not self.builtin:
            return ""
        data = "\n".join(f"{k}\t{v}" for k, v in sorted(self.entries.items()))
        if self.builtin:
            data += "\n--\n" + "\n".join(f"{k}\t{v}" for k, v in sorted(self.builtin.items()))
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    @property
    def all_entries(self) -> dict[str, str]:
        """Every term with its translation: the user's over mined terms over the built-in ones."""
        merged: dict[str, str] = {}
        taken: set[str] = set()
        for source in (self.entries, self.mined, self.builtin):
            for key, value in source.items():
                if fold(key) not in taken:
                    taken.add(fold(key))
                    merged[key] = value
        return merged

    def with_builtin(self, source_lang: str = "de", target_lang: str = "en") -> Glossary:
        """This glossary with the built-in one for the language pair (if there is one) under it."""
        return Glossary(dict(self.entries), builtin_glossary(source_lang, target_lang), dict(self.mined))

    def knows(self, term: str) -> str | None:
        """The translation of exactly ``term`` (folded), if any entry or hint has it."""
        wanted = fold(term)
        for key, value in self.all_entries.items():
            if fold(key) == wanted:
                return value
        return None

    def _pattern(self, term: str) -> re.Pattern[str]:
        return re.compile(r"(?<!\w)" + re.escape(fold(term)) + r"\w*")

    def _user_occurring(self, folded: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.entries.items() if self._pattern(k).search(folded)]

    def occurring(self, text: str) -> tuple[tuple[str, str], ...]:
        """The entries whose source term occurs in ``text`` (a user's entry as a word start, a hint
        as a whole word in an inflected form), the user's first; at most :data:`MAX_PAIRS`."""
        folded = fold(text)
        found = self._user_occurring(folded)
        taken = {fold(k) for k, _ in found} | {fold(k) for k in self.entries}
        hints = []
        for source in (self.mined, self.builtin):
            for key, value in source.items():
                if fold(key) not in taken and hint_occurs(key, folded):
                    taken.add(fold(key))
                    hints.append((key if "ß" in text else key.replace("ß", "ss"), value))
        hints.sort(key=lambda pair: -len(pair[0]))
        return tuple((found + hints)[:MAX_PAIRS])

    def missing(self, source: str, translation: str) -> list[str]:
        """The user's terms in ``source`` whose target term does not appear in ``translation``."""
        lowered = translation.lower()
        return [f"{k} → {v}" for k, v in self._user_occurring(fold(source)) if v.lower() not in lowered]


@functools.lru_cache(maxsize=4096)
def _compiled(term: str) -> tuple[str, re.Pattern[str]]:
    """:func:`hint_pattern` of ``term``, and the text every match of it starts with (a quick test first)."""
    return _stems(term)[0], hint_pattern(term)


def hint_occurs(term: str, folded: str) -> bool:
    """Does the hint ``term`` occur in the ``folded`` text (:func:`hint_pattern`)?

    >>> hint_occurs("neuronales Netz", fold("in neuronalen Netzen")), hint_occurs("Rang", "rangliste")
    (True, False)
    """
    first, pattern = _compiled(term)
    return first in folded and pattern.search(folded) is not None


def read_tsv(text: str) -> dict[str, str]:
    """``term<TAB>translation`` lines; ``#`` starts a comment line."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            source, _, target = line.partition("\t")
            entries[source.strip()] = target.strip()
    return entries


@functools.cache
def _builtin(source_lang: str, target_lang: str) -> tuple[tuple[str, str], ...]:
    name = f"glossary_{source_lang}_{target_lang}.tsv"
    data = resources.files("myst2qmd.translate") / "data" / name
    if not data.is_file():
        return ()
    return tuple(read_tsv(data.read_text(encoding="utf-8")).items())


def builtin_glossary(source_lang: str = "de", target_lang: str = "en") -> dict[str, str]:
    """The built-in glossary for a language pair (German → English: a few hundred terms of
    lecture notes in maths, computer science, statistics and engineering); empty for others."""
    return dict(_builtin(source_lang, target_lang))


def load_glossary(path: str | Path) -> Glossary:
    path = Path(path)
    text = read_input(path, GlossaryError, "glossary")
    entries: dict[str, str] = {}
    if path.suffix.lower() == ".csv":
        for row in csv.reader(io.StringIO(text)):
            row = [c.strip() for c in row]
            if not row or not row[0] or row[0].startswith("#"):
                continue
            entries[row[0]] = row[1] if len(row) > 1 and row[1] else row[0]
    else:
        try:
            data = load_yaml(text) or {}
        except yaml.YAMLError as exc:
            raise GlossaryError(f"glossary {path} is not valid YAML: {exc}") from exc
        if isinstance(data, list):
            data = {str(item): str(item) for item in data}
        if not isinstance(data, dict):
            raise GlossaryError(f"glossary {path} must map terms to translations")
        for key, value in data.items():
            entries[str(key)] = str(key) if value in (None, "") else str(value)
    return Glossary(entries)
