"""Translation of a converted Quarto document's prose, behind one engine interface.

>>> from myst2qmd.translate import Translator
>>> from myst2qmd.translate.engines.pseudo import PseudoEngine
>>> text, report, warnings = Translator(PseudoEngine()).translate_document("Siehe @fig-a, die Abbildung.\\n")
>>> text
'⟦SIEHE @fig-a, DIE ABBILDUNG.⟧\\n'
"""

from .cache import TranslationCache
from .engines import ENGINE_NAMES, EngineSettings, make_engine, resolve_auto
from .glossary import Glossary, load_glossary
from .pipeline import TranslationReport, Translator

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
