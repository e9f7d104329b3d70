"""Is an accepted reply a plausible translation of its sentence? Checks of meaning, not of form.

:mod:`.validate` checks a reply's form (placeholders, markup, language, length within wide
bounds). A small model also writes well-formed English that says something else; the obvious
cases are caught here, and the sentence keeps its original text with a warning
(``translation-implausible``) rather than being written wrong:

- a question for a statement (the source has no ``?``, the reply ends with one), or a
  statement for a question;
- a number that changed (the digits of source and reply differ; a German number word may
  become digits, and digits may be spelled out);
- a name that changed: an acronym or a word with inner capitals or digits (``DFG``, ``MLPs``,
  ``PARTHENOS``, ``ResNet50``) missing from the reply, unless a glossary entry translates it;
- a negation lost (``nicht``, ``kein`` without ``not``, ``no``, ``never``, …);
- a reply much shorter or longer than its sentence.

>>> implausible("Die Ausgabe wird grösser.", "Does the output get smaller?")
'implausible translation: a question for a statement'
>>> implausible("Gefördert von der DFG.", "Funded by the German Institute for Advanced Research.")
'implausible translation: DFG is missing'
>>> implausible("Wir verwenden 3 Filter.", "We use three filters.")
''
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..placeholders import PLACEHOLDER
from .glossary import fold

#: every reason starts so (the pipeline warns with ``translation-implausible`` for them)
IMPLAUSIBLE = "implausible translation"

#: a reply's length (letters and digits) against its sentence's, German → English, for sentences of
#: at least :data:`MIN_LETTERS`; English runs 0.8-1.2 times as long as German
RATIO_BOUNDS = (0.5, 2.0)
MIN_LETTERS = 30

_GERMAN_NUMBERS = {
    "null": "0", "eins": "1", "ein": "1", "eine": "1", "zwei": "2", "drei": "3", "vier": "4", "fünf": "5",
    "sechs": "6", "sieben": "7", "acht": "8", "neun": "9", "zehn": "10", "elf": "11", "zwölf": "12",
    "hundert": "100", "tausend": "1000",
}  # fmt: skip
_ENGLISH_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "hundred": "100", "thousand": "1000",
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "half": "2", "twice": "2", "once": "1",
}  # fmt: skip
#: a name a translation keeps: an acronym, or a word with a capital or digit after its first letter
_NAME = re.compile(r"(?<![\w-])[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*(?![\w])")
_GERMAN_NEGATION = re.compile(r"\b(?:nicht|nichts|kein|keine|keinen|keinem|keiner|keines|nie|niemals|weder)\b", re.I)
_ENGLISH_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|none|nothing|nobody|without|cannot|non|nowhere|rather than|instead of)\b"
    r"|n't\b|n’t\b|\bun\w+|\bin(?:correct|complete|valid|sufficient|dependent)\w*|\w+less\b",
    re.I,
)


def implausible(source: str, reply: str, glossary: Iterable[tuple[str, str]] = ()) -> str:
    """Why ``reply`` (English) is an obviously wrong translation of ``source`` (German, masked as
    sent); ``''`` when it may be right. ``glossary``: the entries that occur in the source."""
    src, text = _plain(source), _plain(reply)
    for check in (_question, _numbers, _length, _negation):
        why = check(src, text)
        if why:
            return f"{IMPLAUSIBLE}: {why}"
    why = _names(src, text, glossary)
    return f"{IMPLAUSIBLE}: {why}" if why else ""


def _plain(text: str) -> str:
    return " ".join(PLACEHOLDER.sub(" ", text).split())


def _question(source: str, reply: str) -> str:
    if "?" not in source and reply.rstrip(" \"'”’)").endswith("?"):
        return "a question for a statement"
    if source.rstrip(" \"'”’)").endswith("?") and "?" not in reply:
        return "a statement for a question"
    return ""


def _digits(text: str, words: dict[str, str]) -> tuple[set[str], set[str]]:
    """The digit runs of ``text``, and the numbers its number words stand for."""
    spelled = {words[w] for w in re.findall(r"[^\W\d_]+", text.lower()) if w in words}
    return set(re.findall(r"\d+", text)), spelled


def _numbers(source: str, reply: str) -> str:
    have, have_words = _digits(source, _GERMAN_NUMBERS)
    got, got_words = _digits(reply, _ENGLISH_NUMBERS)
    lost = sorted(have - got - got_words, key=lambda n: (len(n), n))
    if lost:
        return f"the number {lost[0]} is missing"
    added = sorted(got - have - have_words, key=lambda n: (len(n), n))
    if added:
        return f"the number {added[0]} is not in the source"
    return ""


def _length(source: str, reply: str) -> str:
    want = sum(ch.isalnum() for ch in source)
    have = sum(ch.isalnum() for ch in reply)
    low, high = RATIO_BOUNDS
    if want < MIN_LETTERS:  # a heading or a short sentence: only a reply that ran on
        return f"much longer than its sentence ({have} letters for {want})" if have > high * want + 20 else ""
    ratio = have / want
    if ratio < low:
        return f"much shorter than its sentence ({have} letters for {want})"
    if ratio > high:
        return f"much longer than its sentence ({have} letters for {want})"
    return ""


def _negation(source: str, reply: str) -> str:
    if _GERMAN_NEGATION.search(source) and not _ENGLISH_NEGATION.search(reply):
        return f"the negation ({_GERMAN_NEGATION.search(source).group(0)}) is lost"  # type: ignore[union-attr]
    return ""


def _names(source: str, reply: str, glossary: Iterable[tuple[str, str]]) -> str:
    translated = {fold(term) for term, _ in glossary}
    compact = re.sub(r"[\W_]", "", reply.lower())
    for name in dict.fromkeys(_NAME.findall(source)):
        stem = name[:-1] if name.endswith("s") else name  # MLPs, URIs, JupyterBooks
        if fold(name) in translated or fold(stem) in translated:
            continue
        if re.sub(r"[\W_]", "", stem.lower()) not in compact:
            return f"{stem} is missing"
    return ""
