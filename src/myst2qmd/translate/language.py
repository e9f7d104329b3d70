"""Language detection with py3langid (its model ships inside its wheel: no download).

Restricted to the run's two languages, so a short German sentence is not mistaken for
Dutch. Short texts are not judged at all: "Motivation" is German and English.
"""

from __future__ import annotations

import copy
import re
import threading
from functools import lru_cache
from typing import Any

from ..placeholders import PLACEHOLDER

_LOCK = threading.Lock()
#: fewer letters than this and we do not guess
MIN_LETTERS = 25


@lru_cache(maxsize=1)
def _model() -> Any:
    """py3langid's identifier of every language: its model is read once per process (a second or two)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> Any:
    """An identifier restricted to ``languages``: a copy of :func:`_model` that shares its tables."""
    identifier = copy.copy(_model())
    identifier.set_languages(list(languages))
    return identifier


def _letters(text: str) -> str:
    text = PLACEHOLDER.sub(" ", text)
    text = re.sub(r"[⟦⟧*_`#>\[\](){}|]", " ", text)
    return text


def detect(text: str, languages: tuple[str, ...], min_letters: int = MIN_LETTERS) -> tuple[str | None, float]:
    """``(language, probability)`` among ``languages``; ``(None, 0)`` for fewer than ``min_letters``
    letters."""
    clean = _letters(text)
    if sum(ch.isalpha() for ch in clean) < min_letters:
        return None, 0.0
    with _LOCK:
        language, probability = _identifier(tuple(sorted(languages))).classify(clean)
    return str(language), float(probability)
