"""Language codes: BCP 47 tags in any case (``de``, ``EN-GB``, ``pt-br``, ``zh_hant``), checked once
(:func:`normalize`) and spelled for each engine (:func:`deepl_target`, :func:`language_name`).

The languages known are those DeepL translates that the language detector (py3langid) also
knows; a region or script may follow (``en-GB``, ``pt-BR``, ``zh-Hant``). The reply checks and
the detector use the language alone (:func:`primary`); the translation memory, the prompt and
DeepL's target use the whole tag.

>>> normalize("EN-GB"), normalize("pt_br"), normalize("ZH-hant"), normalize("de")
('en-GB', 'pt-BR', 'zh-Hant', 'de')
>>> deepl_target("en-GB", "EN-US"), deepl_target("en", "EN-US"), deepl_target("de-AT", "EN-US")
('EN-GB', 'EN-US', 'DE')
>>> language_name("en-GB"), language_name("pt-BR"), language_name("de")
('British English', 'Brazilian Portuguese', 'German')
"""

from __future__ import annotations

import re

#: language subtag → its English name
LANGUAGES = {
    "ar": "Arabic", "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese",
}  # fmt: skip
#: tags with a name of their own
VARIANT_NAMES = {
    "en-GB": "British English",
    "en-US": "American English",
    "pt-BR": "Brazilian Portuguese",
    "pt-PT": "European Portuguese",
    "zh-Hans": "Simplified Chinese",
    "zh-Hant": "Traditional Chinese",
}
#: DeepL's spelling of a target tag; a language with variants needs one (``en``: ``--deepl-target``)
DEEPL_TARGETS = {
    "en-GB": "EN-GB",
    "en-US": "EN-US",
    "pt": "PT-PT",
    "pt-PT": "PT-PT",
    "pt-BR": "PT-BR",
    "zh": "ZH-HANS",
    "zh-Hans": "ZH-HANS",
    "zh-CN": "ZH-HANS",
    "zh-Hant": "ZH-HANT",
    "zh-TW": "ZH-HANT",
    "zh-HK": "ZH-HANT",
}
#: languages whose target DeepL wants as a variant: a tag of theirs not in DEEPL_TARGETS is refused
DEEPL_VARIANT_LANGUAGES = frozenset({"en", "pt", "zh"})

_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|[0-9]{3}))?")


class LanguageError(ValueError):
    """A language code that is not BCP 47, or a language (variant) an engine does not translate."""


def normalize(value: str, flag: str = "--to") -> str:
    """``value`` as a BCP 47 tag in its usual case (``en-GB``); :class:`LanguageError` if unknown."""
    match = _TAG.fullmatch(value.strip())
    if match is None:
        raise LanguageError(f"{flag} {value!r} is not a language code (BCP 47, e.g. en, en-GB, pt-BR)")
    language, script, region = match.groups()
    language = language.lower()
    if language not in LANGUAGES:
        known = ", ".join(sorted(LANGUAGES))
        raise LanguageError(f"{flag} {value}: unknown language '{language}' (known: {known})")
    return "-".join(part for part in (language, script and script.title(), region and region.upper()) if part)


def primary(tag: str) -> str:
    """The language of a tag (``en-GB`` → ``en``): what the reply checks and the detector use."""
    return tag.split("-")[0].lower()


def language_name(tag: str) -> str:
    """``British English``, ``German``, ``English (AU)``: the language named in a prompt."""
    name = VARIANT_NAMES.get(tag)
    if name:
        return name
    base = LANGUAGES.get(primary(tag), tag)
    rest = tag.split("-")[1:]
    return f"{base} ({'-'.join(rest)})" if rest else base


def deepl_source(tag: str) -> str:
    """DeepL's source language: the language alone, upper case (DeepL reads any variant)."""
    return primary(tag).upper()


def deepl_target(tag: str, english: str = "EN-US") -> str:
    """DeepL's target language for ``tag`` (``english``, from ``--deepl-target``, for a plain ``en``);
    :class:`LanguageError` for a variant DeepL does not translate into (``en-AU``)."""
    if tag == "en":
        return english
    if tag in DEEPL_TARGETS:
        return DEEPL_TARGETS[tag]
    language = primary(tag)
    if language in DEEPL_VARIANT_LANGUAGES:
        variants = ", ".join(sorted(t for t in DEEPL_TARGETS if primary(t) == language and "-" in t))
        raise LanguageError(f"--to {tag}: DeepL does not translate into that variant (it has: {variants})")
    return language.upper()  # de-AT, fr-CA: DeepL has one variant of these
