"""Splitting a unit into sentences (and halves), never inside a placeholder.

>>> split_sentences("Das ist ⟨1⟩. Z.B. hier! Und dort.")
['Das ist ⟨1⟩.', 'Z.B. hier!', 'Und dort.']
"""

from __future__ import annotations

import re

#: abbreviations after which a period does not end a sentence
_ABBREVIATIONS = {
    "z.b",
    "d.h",
    "u.a",
    "bzw",
    "ca",
    "vgl",
    "evtl",
    "ggf",
    "usw",
    "etc",
    "bspw",
    "s",
    "abb",
    "tab",
    "nr",
    "dr",
    "prof",
    "e.g",
    "i.e",
    "cf",
    "vs",
    "fig",
    "eq",
    "sec",
    "resp",
    "u.ä",
    "inkl",
    "zzgl",
}
_BOUNDARY = re.compile(r"(?<=[.!?:])\s+(?=[A-ZÄÖÜ⟨\"'(\[]|\d)")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; joined with single spaces they give back the text (up to spacing)."""
    parts: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()]
        last_word = re.findall(r"([\wäöüÄÖÜ.]+)[.!?:]$", before)
        if last_word and last_word[0].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if re.search(r"\b\d+[.]$", before):  # "am 3. Mai"
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def split_in_half(text: str) -> tuple[str, str] | None:
    """Two halves at the sentence (or else word) boundary nearest the middle."""
    sentences = split_sentences(text)
    if len(sentences) > 1:
        middle = len(sentences) // 2
        return " ".join(sentences[:middle]), " ".join(sentences[middle:])
    words = text.split(" ")
    if len(words) < 8:
        return None
    middle = len(words) // 2
    return " ".join(words[:middle]), " ".join(words[middle:])
