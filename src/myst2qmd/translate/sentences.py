"""Splitting a unit into sentences (and halves), never inside a placeholder.

>>> split_sentences("Das ist ⟨1⟩. Z.B. hier! Und dort.")
['Das ist ⟨1⟩.', 'Z.B. hier!', 'Und dort.']
>>> split_sentences("Nach Hollander et al. (2019) gilt das.")
['Nach Hollander et al. (2019) gilt das.']
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
    "al",
    "u.ä",
    "inkl",
    "zzgl",
}
_BOUNDARY = re.compile(r"(?<=[.!?:])\s+(?=[A-ZÄÖÜ⟨\"'(\[]|\d)")


def split_with_gaps(text: str) -> list[tuple[str, str]]:
    """Sentences of ``text``, each with the whitespace after it (a hard line break stays a
    hard line break): ``"".join(s + gap for s, gap in …) == text``.

    >>> split_with_gaps("Erste Zeile.  \\nZweite Zeile.")
    [('Erste Zeile.', '  \\n'), ('Zweite Zeile.', '')]
    """
    parts: list[tuple[str, str]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()]
        last_word = re.findall(r"([\wäöüÄÖÜ.]+)[.!?:]$", before)
        if last_word and last_word[0].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if re.search(r"\b\d+[.]$", before):  # "am 3. Mai"
            continue
        parts.append((text[start : match.start()], match.group(0)))
        start = match.end()
    parts.append((text[start:], ""))
    return parts


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, never inside a placeholder."""
    return [p for p, _ in split_with_gaps(text) if p.strip()]


def split_in_half(text: str) -> tuple[str, str, str] | None:
    """``(first half, the whitespace between, second half)`` at the sentence (or else word)
    boundary nearest the middle; ``None`` when the text is too short to split."""
    parts = split_with_gaps(text)
    if len(parts) > 1:
        middle = len(parts) // 2
        first = "".join(s + gap for s, gap in parts[: middle - 1]) + parts[middle - 1][0]
        return first, parts[middle - 1][1], "".join(s + gap for s, gap in parts[middle:])
    words = text.split(" ")
    if len(words) < 8:
        return None
    middle = len(words) // 2
    return " ".join(words[:middle]), " ", " ".join(words[middle:])
