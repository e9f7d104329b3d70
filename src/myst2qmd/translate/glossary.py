"""Glossaries: German term → English term, or a term to keep as it is.

YAML::

    Faltung: convolution
    Merkmalskarte: feature map
    Stride: Stride          # keep

or CSV (``source,target``; a row with one column keeps the term).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..files import read_input
from ..yamlload import load_yaml


class GlossaryError(ValueError):
    """The glossary file cannot be used."""


@dataclass
class Glossary:
    entries: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A short hash of the entries (part of the cache key)."""
        if not self.entries:
            return ""
        data = "\n".join(f"{k}\t{v}" for k, v in sorted(self.entries.items()))
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def _pattern(self, term: str) -> re.Pattern[str]:
        return re.compile(r"(?<!\w)" + re.escape(term) + r"\w*", re.IGNORECASE)

    def occurring(self, text: str) -> tuple[tuple[str, str], ...]:
        """The entries whose source term occurs in ``text`` (as a word start)."""
        return tuple((k, v) for k, v in self.entries.items() if self._pattern(k).search(text))

    def missing(self, source: str, translation: str) -> list[str]:
        """Glossary terms of ``source`` whose target term does not appear in ``translation``."""
        lowered = translation.lower()
        return [f"{k} → {v}" for k, v in self.occurring(source) if v.lower() not in lowered]


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
