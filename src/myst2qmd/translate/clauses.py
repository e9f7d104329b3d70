"""Clauses a translation left in the source language, inside a reply in the target language.

A reply that is English as a whole may keep a German clause ("…, und dann wird das Bild mit
dem Filter gefaltet, …"): the language of the whole reply says English. Each clause (cut at
``, ; : ( ) " —`` and sentence ends) of at least :data:`MIN_WORDS` words that holds a function
word of the source language no target-language text uses is asked of the language identifier
(py3langid, restricted to the two languages): a German name or term in an English clause
("the Faltung layer", "van der Waals") has no such word or does not read as German.

>>> source_clause("We slide the filter, und dann wird das Bild gefaltet.", "de", "en")
'und dann wird das Bild gefaltet'
>>> source_clause("The Faltung layer of van der Waals, see Hollander et al.", "de", "en")
''
"""

from __future__ import annotations

import re

from ..placeholders import PLACEHOLDER
from .language import detect

#: fewer words than this and a clause is not judged ("der Filter", a title, a name)
MIN_WORDS = 4
#: letters a clause needs before the identifier is asked (``language.MIN_LETTERS`` is for replies)
MIN_LETTERS = 12
#: where clauses end: punctuation, brackets, quotes, dashes, sentence ends, line breaks
_CLAUSE_END = re.compile(r"[,;:()\[\]\"“”„«»—–]|[.!?…](?=\s|$)|\s-\s|\n")
_WORD = re.compile(r"[^\W\d_]+")
#: words of the target language that start a clause of their own ("…, and dann wird …")
_CONJUNCTIONS = {
    "en": re.compile(
        r"\b(?:and|or|but|which|that|because|while|whereas|where|when|whether|if|so|then|than|"
        r"although|though|since|unless|until|who|whose|whom)\b",
        re.IGNORECASE,
    )
}


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: function words of a source language that no text in another language uses (not "die", "man",
#: "hat", "den", "will", "also", "von": English words or names, "a die", "von Neumann")
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "de": _wordset(
        "der das und ist nicht mit für dem des eine einer einem einen eines ein wird werden wurde "
        "wurden sind auch auf bei oder wie wir sich zum zur über aus nach durch können kann wenn "
        "diese dieser dieses diesen diesem dann noch nur im ins vom beim zu haben hatte sie es ich "
        "sein seine ihre ihr dass daß als weil aber schon sehr jedoch sowie wobei dabei hier wo "
        "wir uns unser unsere jetzt immer alle gibt muss müssen soll sollte werden kein keine"
    ),
}


def clauses(text: str, target_lang: str = "") -> list[str]:
    """The clauses of ``text`` (placeholders count as words of no language), also cut before the
    conjunctions of ``target_lang``.

    >>> clauses("Siehe ⟨1⟩, und dann: fertig.")
    ['Siehe', 'und dann', 'fertig']
    >>> clauses("We see that wir es haben.", "en")
    ['We see', 'that wir es haben']
    """
    plain = PLACEHOLDER.sub(" ", text)
    conjunction = _CONJUNCTIONS.get(target_lang)
    parts = _CLAUSE_END.split(plain)
    if conjunction is not None:
        parts = [piece for part in parts for piece in _cut_before(conjunction, part)]
    return [" ".join(part.split()) for part in parts if part.strip()]


def _cut_before(pattern: re.Pattern[str], text: str) -> list[str]:
    """``text`` cut before every match of ``pattern``."""
    cuts = [m.start() for m in pattern.finditer(text) if m.start()]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _reads_as(clause: str, source_lang: str, target_lang: str, certainty: float) -> bool:
    language, probability = detect(clause, (source_lang, target_lang), min_letters=MIN_LETTERS)
    return language == source_lang and probability >= certainty


def source_clause(text: str, source_lang: str, target_lang: str) -> str:
    """The first clause of ``text`` in ``source_lang`` ('' when there is none)."""
    vocabulary = FUNCTION_WORDS.get(source_lang)
    if vocabulary is None or source_lang == target_lang:
        return ""
    for clause in clauses(text, target_lang):
        words = _WORD.findall(clause.lower())
        if len(words) < MIN_WORDS:
            continue
        hits = sum(word in vocabulary for word in words)
        # one function word may be a quoted name or term: then the identifier must be sure
        if hits and _reads_as(clause, source_lang, target_lang, 0.9 if hits == 1 else 0.6):
            return clause
    return ""
