"""Terms mined from the book itself, translated once and used the same way in every chapter.

A lecture's own terms are its short headings (``## Ausgabegrösse``), its **bold** terms (where
a term is introduced) and the terms of its ``{glossary}`` directives. Before a run sends its
sentences, each such term that occurs in at least :data:`MIN_USES` other segments and that no
glossary entry (the user's or the built-in one) covers is translated alone, once; its translation
becomes a hint (:attr:`.glossary.Glossary.mined`) for every sentence that uses the term, in every
chapter, so ``Merkmalskarte`` is "feature map" throughout and not three different words.

The terms' translations are checked like any reply and kept in the translation memory; a term
whose translation is rejected is not hinted, and the memory remembers that (a re-run does not
ask again). Mined terms are not part of the memory's key: a changed chapter does not make the
others' sentences new.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..placeholders import PLACEHOLDER
from .engines.base import Unit
from .glossary import Glossary, fold, hint_occurs
from .memory import Memory
from .planning import Job, sends
from .report import TranslationReport
from .sending import Sender

#: a term is mined when it occurs in at least this many segments besides where it is introduced
MIN_USES = 2
#: the most words a mined term has (a longer heading is a phrase, not a term)
MAX_WORDS = 3
#: the most terms mined per run (each costs one short unit)
MAX_TERMS = 200

_BOLD = re.compile(r"\*\*([^*\n]{2,60}?)\*\*|(?<!\w)__([^_\n]{2,60}?)__(?!\w)")
_TERM_WORD = re.compile(r"[^\W\d_][\w-]*")


def _clean(text: str) -> str:
    """A candidate term: placeholders, brackets and edge punctuation removed; '' if it is no term."""
    text = " ".join(PLACEHOLDER.sub(" ", text).replace("[", " ").replace("]", " ").split()).strip(" :.,;!?\"'")
    words = text.split()
    if not words or len(words) > MAX_WORDS or not all(_TERM_WORD.fullmatch(w) for w in words):
        return ""
    return text if len(text) >= 3 else ""


def candidates(kinds_and_texts: Iterable[tuple[str, str]]) -> list[str]:
    """The terms a book introduces: short headings and titles, bold words, glossary terms.

    >>> candidates([("heading", "Ausgabegrösse"), ("paragraph", "Eine **Merkmalskarte** ist …"),
    ...             ("term", "[Stride⟨1⟩"), ("heading", "Faltungen in neuronalen Netzen")])
    ['Ausgabegrösse', 'Merkmalskarte', 'Stride']
    """
    found: dict[str, str] = {}
    for kind, text in kinds_and_texts:
        whole = kind in ("heading", "title", "term")
        pieces = [text] if whole else [a or b for a, b in _BOLD.findall(text)]
        for piece in pieces:
            term = _clean(piece)
            if term:
                found.setdefault(fold(term), term)
    return list(found.values())


def used_terms(terms: list[str], texts: list[str], glossary: Glossary) -> list[str]:
    """The ``terms`` worth a hint: in at least :data:`MIN_USES` + 1 of ``texts``, unknown to ``glossary``."""
    folded = [fold(text) for text in texts]
    chosen = []
    for term in terms:
        if glossary.knows(term) is not None:
            continue
        if sum(1 for text in folded if hint_occurs(term, text)) > MIN_USES:
            chosen.append(term)
    return chosen[:MAX_TERMS]


def mine(jobs: Sequence[Job], report: TranslationReport, *, sender: Sender, memory: Memory) -> None:
    """Translate the book's own terms once and add them to the glossary's ``mined`` terms.

    A term that is itself a reviewed segment (a heading with a reviewed translation in a PO file)
    takes the reviewer's words and is not sent.
    """
    if not sends(sender.requests.engine) or sender.breaker.reason:
        return
    glossary = memory.glossary
    texts = [(job.segment.kind, job.masked) for job in jobs]
    reviewed = {fold(job.masked): job.results[0] for job in jobs if job.reviewed and job.results[0] is not None}
    units = []
    for number, term in enumerate(used_terms(candidates(texts), [text for _, text in texts], glossary), 1):
        known = reviewed.get(fold(term))
        if known is None:
            known = memory.cached(term)
        if known is not None:
            glossary.mined[term] = known
        elif memory.remembered_kept(term) is None:  # the engine could not translate it before: not again
            units.append(Unit(f"t{number}", term, glossary.occurring(term)))
    for batch, replies in sender.call_many(sender.batches(units), report):
        if replies is None:  # the sentences will meet the same problem, and report it
            return
        for unit in batch:
            accepted, why = sender.check.accept(unit.text, replies.get(unit.id))
            if accepted is not None and accepted.endswith(".") and not unit.text.endswith("."):
                accepted = accepted[:-1].rstrip()  # a term, not a sentence
            if accepted is not None and "\n" not in accepted and len(accepted.split()) <= 2 * MAX_WORDS:
                memory.remember(unit.text, accepted)
                glossary.mined[unit.text] = accepted
            elif accepted is None:
                memory.remember_kept(unit.text, unit.text, [why])  # a re-run does not ask again
