"""Deterministic checks of every translation that comes back.

A reply is rejected (and retried, split, or finally replaced by the original) when it:
was cut off, lost/doubled/invented a placeholder, starts with a preamble ("Here is the
translation") or sits in a code fence, echoes a long source unchanged, has an insane
length ratio, adds Markdown block structure, or is not in the target language.
"""

from __future__ import annotations

import re
from collections import Counter

from .base_types import Verdict
from .engines.base import Reply
from .language import detect

#: the ways engines mangle ⟨n⟩: spaces, other angle brackets
_MANGLED = re.compile(r"[⟨〈‹<]\s*(\d{1,3})\s*[⟩〉›>]")
PLACEHOLDER_STRICT = re.compile(r"⟨(\d+)⟩")
_PREAMBLE = re.compile(
    r"^\s*(?:(?:here is|here's|here are|sure|certainly|of course|below is)\b[^.\n:]{0,60}?"
    r"\b(?:translation|translated|english version|in english)\b[^.\n:]{0,20}:"
    r"|(?:translation|english|übersetzung|english translation)\s*:)",
    re.IGNORECASE,
)
_BLOCK_START = re.compile(r"^(#{1,6}\s|:{3,}|`{3,}|~{3,}|\$\$|>\s?|\||[-*+]\s|\d+[.)]\s)", re.MULTILINE)


def normalize_placeholders(text: str) -> str:
    """``⟨ 1 ⟩``, ``〈1〉``, ``<1>`` → ``⟨1⟩``."""
    return _MANGLED.sub(lambda m: f"⟨{int(m.group(1))}⟩", text)


def placeholders(text: str) -> Counter[int]:
    return Counter(int(n) for n in PLACEHOLDER_STRICT.findall(text))


def check(source: str, reply: Reply, *, source_lang: str, target_lang: str, check_language: bool = True) -> Verdict:
    """Accept the reply (with its normalized text) or say why not."""
    text = normalize_placeholders(reply.text).strip()
    if reply.finish_reason == "length":
        return Verdict(False, "cut off (finish_reason=length)")
    if not text:
        return Verdict(False, "empty reply")
    if text.startswith(("```", "~~~")) or text.endswith("```"):
        return Verdict(False, "wrapped in a code fence")
    if _PREAMBLE.match(text) and not _PREAMBLE.match(source):
        return Verdict(False, "starts with a preamble")
    if placeholders(text) != placeholders(source):
        want, got = sorted(placeholders(source).elements()), sorted(placeholders(text).elements())
        return Verdict(False, f"placeholders changed: sent {want}, got {got}")
    if len(_BLOCK_START.findall(text)) > len(_BLOCK_START.findall(source)):
        return Verdict(False, "adds Markdown block structure")
    letters = sum(ch.isalpha() for ch in source)
    if letters >= 20:
        ratio = len(text) / max(1, len(source))
        if not 0.35 <= ratio <= 3.0:
            return Verdict(False, f"length ratio {ratio:.2f} is implausible")
    if source.rstrip().endswith((".", "!", "?")) and not re.search(r"[.!?:;\"'”’)\]⟩⟧…]\s*$", text) and letters >= 40:
        return Verdict(False, "seems cut off (no final punctuation)")
    if check_language:
        source_language, source_p = detect(source, (source_lang, target_lang))
        if text == source.strip() and source_language == source_lang and source_p >= 0.9:
            return Verdict(False, "echoes the source")
        found, probability = detect(text, (source_lang, target_lang))
        if found is not None and found != target_lang and probability >= 0.9:
            return Verdict(False, f"not in the target language ({found}, p={probability:.2f})")
    return Verdict(True, "", text)
