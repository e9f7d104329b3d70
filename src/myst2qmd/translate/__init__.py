"""Translation of a converted Quarto document's prose, behind one engine interface.

>>> from myst2qmd.translate import Translator
>>> from myst2qmd.translate.engines.pseudo import PseudoEngine
>>> text, report, warnings = Translator(PseudoEngine()).translate_document("Siehe @fig-a, die Abbildung.\\n")
>>> text
'⟦SIEHE @fig-a, DIE ABBILDUNG.⟧\\n'

The names below are imported when first used, so a run that translates nothing does not load
the translation machinery (its cache database, the pipeline).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cache import TranslationCache
    from .engines import ENGINE_NAMES, EngineSettings, make_engine, resolve_auto
    from .glossary import Glossary, load_glossary
    from .pipeline import TranslationReport, Translator

_HOMES = {
    "TranslationCache": ".cache",
    "ENGINE_NAMES": ".engines",
    "EngineSettings": ".engines",
    "make_engine": ".engines",
    "resolve_auto": ".engines",
    "Glossary": ".glossary",
    "load_glossary": ".glossary",
    "TranslationReport": ".pipeline",
    "Translator": ".pipeline",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home, __name__), name)


__all__ = [
    "ENGINE_NAMES",
    "EngineSettings",
    "Glossary",
    "TranslationCache",
    "TranslationReport",
    "Translator",
    "load_glossary",
    "make_engine",
    "resolve_auto",
]
