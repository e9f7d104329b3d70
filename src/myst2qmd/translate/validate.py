"""Deterministic checks of every translation that comes back: engine replies are untrusted.

:func:`check` is the one gate every reply passes (OpenAI-compatible servers, DeepL, the
local model, the translation memory's entries, and any other text that claims to translate a
masked segment). A reply is rejected (and retried, split, or finally replaced by the
original) when it: was cut off, holds control characters, has an implausible length (also
for short segments; checked first, it bounds what the other checks read), lost/doubled/
invented a placeholder, starts with a preamble ("Sure, here you go:") or is a refusal, sits
in a code fence, adds markup the source did not have (links, images, raw TeX or HTML,
attributes, math, citations, notes, shortcodes, entities, URLs: only markup whose placeholder
came from the source may appear; and, from :mod:`.markup_parity`, more emphasis, strong
emphasis, strikeout, sub- or superscript or hard line breaks than the source, or ``⟨…⟩``
around text), echoes German, is not in the target language, or leaves a clause in the
source language (:mod:`.clauses`). :func:`markup_problem` is the markup part, which reviewed
PO entries pass too. What would start a new block (``a) ``, ``#. ``, ``(iv) ``, ``: ``,
``===``) is escaped when the reply is written where blocks start (:func:`escape_block_starts`).

>>> check("Siehe ⟨1⟩.", Reply("See ⟨1⟩."), source_lang="de", target_lang="en").ok
True
>>> check("Siehe ⟨1⟩.", Reply("See [this](javascript:alert(1)) ⟨1⟩."), source_lang="de", target_lang="en").reason
'adds markup the source did not have: [ ]( javascript:'
"""

from __future__ import annotations

import re
from collections import Counter

from ..placeholders import PLACEHOLDER, normalize_placeholders, placeholders
from .base_types import Verdict
from .clauses import source_clause
from .engines.base import Reply, text_problem
from .language import detect
from .markup_parity import BRACKETS, added_inline_markup

_PREAMBLE = re.compile(
    r"^\s*(?:⟨\s*\d+\s*⟩\s*)*"  # after the placeholders the source starts with, too
    r"(?:(?:here is|here's|here are|sure|certainly|of course|below is)\b[^.\n:]{0,60}?"
    r"\b(?:translation|translated|english version|in english)\b[^.\n:]{0,20}:"
    r"|(?:translation|english|übersetzung|english translation)\s*:"
    r"|(?:sure|certainly|of course|okay|ok|absolutely|gladly|no problem)\b[^\n:]{0,40}"
    r"\b(?:here|translat\w*|version)\b[^\n:]{0,30}(?::|\n)"
    r"|here (?:you go|it is)\b)",
    re.IGNORECASE,
)
#: a model talking about the task instead of doing it
_REFUSAL = re.compile(
    r"^\W*(?:(?:I'?m|I am) (?:sorry|afraid|unable|not able)|sorry\b|unfortunately,? I\b"
    r"|I (?:can(?:'|’)?t|cannot|can not|won(?:'|’)?t|will not|am unable to|'m unable to) "
    r"(?:help|assist|translate|do|comply|provide|process|fulfil))"
    r"|\bas an ai (?:language )?model\b|\blet me know if\b|\bI hope this helps\b"
    r"|\b(?:translator's|translation) note\b",
    re.IGNORECASE,
)
#: what pandoc (and Quarto) read as markup in prose: each match is one markup item
_MARKUP = re.compile(
    r"\\[A-Za-z@]+|\\[\s\S]?"  # raw TeX, backslash escapes, hard line breaks
    r"|\$"  # math
    r"|`"  # code (``{=html}`` after it: raw output)
    r"|<(?=[A-Za-z/!?])|-->"  # raw HTML, comments
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"  # entities
    r"|\{(?=[=#.{<%:]|[\w-]+=)|\}\}"  # attributes, shortcodes
    r"|\]\(|\]\{|\]\[|\^\[|\[\^|\[|\]"  # links, images, spans, citations, notes
    r"|@"  # citations and cross-references (an e-mail address the source had may come back)
    r"|\b(?:https?|ftp|mailto|javascript|data|file|vbscript):(?=\S)|\bwww\."  # URLs and schemes ("the data: may")
)
#: lines that pandoc reads as the start of a block (its fancy lists, definition lists, example
#: lists, line blocks, setext underlines, rules, fences, divs, tables, quotes, headings, HTML)
_BLOCK_MARKER = re.compile(
    r"^[ \t]*(?:"
    r"#{1,6}(?=[ \t]|$)|#\.(?=[ \t])|>"
    r"|[-*+](?=[ \t]|$)|(?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,8}|#|@[\w-]*)[.)](?=[ \t]|$)"
    r"|\((?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,8}|#|@[\w-]*)\)(?=[ \t]|$)"
    r"|:|~(?=[ \t]|$)|\|"
    r"|=+[ \t]*$|-{2,}[ \t]*$|(?:[*_-][ \t]*){3,}$|(?=[-=:| +]*[-=]{2})[-=:| +]{3,}$"
    r"|`{3,}|~{3,}|:{3,}|\$\$|\+[-=]"
    r")",
    re.MULTILINE,
)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: German function words that English never uses (an echo or an untranslated reply)
_GERMAN_WORDS = _wordset(
    "der das und ist nicht mit für dem des eine einer einem einen wird werden sind auch "
    "auf bei oder wie wir sich zum zur über aus nach durch können wenn diese dieser dieses"
)
#: function words of other languages that are no English words, for replies too short to classify
_FOREIGN_WORDS = {
    "de": _GERMAN_WORDS,
    "fr": _wordset(
        "le la les des du une est avec pour dans sur pas sont cette ces qui que "
        "aux nous vous ils leur très mais où être réseau données"
    ),
    "es": _wordset("los las del una está son este esta estos pero muy"),
    "it": _wordset("gli della delle degli una è sono questo questa nel nella"),
    "nl": _wordset("het een niet voor zijn wordt worden ook deze"),
    "pt": _wordset("uma não são este esta mais pelo pela dos das"),
}
#: languages a reply is also tested against (a model may answer in any of them)
_OTHER_LANGUAGES = ("de", "en", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "cs", "tr")


def markup(text: str) -> Counter[str]:
    """The markup items pandoc would read in ``text`` (placeholders are none).

    >>> sorted(markup("⟨1⟩{=html} und <svg/onload=x> \\\\input{/etc/passwd}").elements())
    ['<', '\\\\input', '{']
    """
    return Counter(m.group()[:1] if m.group().startswith("{") else m.group() for m in _MARKUP.finditer(text))


def stray_delimiters(text: str) -> int:
    """``*`` and ``_`` that open or close no emphasis: pandoc then reads on to the end of the
    line, and a heading's ``{#sec-x}`` after them is no attribute any more.

    >>> stray_delimiters("a **strong** and snake_case"), stray_delimiters("*The network {#sec-x}")
    (1, 1)
    """
    from ..parser import shared_parser

    tokens = shared_parser().parseInline(PLACEHOLDER.sub("x", text))
    children = tokens[0].children or [] if tokens else []
    return sum(t.content.count("*") + t.content.count("_") for t in children if t.type == "text")


def new_markup(source: str, reply: str) -> list[str]:
    """Markup items in ``reply`` beyond those the (masked) ``source`` holds itself."""
    return sorted((markup(reply) - markup(source)).elements())


def markup_problem(source: str, text: str) -> str:
    """Why the masked translation ``text`` reads as markup its masked ``source`` lacks ("" when it
    does not): the one markup check of engine replies, memory entries and reviewed PO entries.

    >>> markup_problem("Dadurch sind _MLPs_ gross.", "By this, ⟨MLPs⟩ are large.")
    'writes placeholder brackets ⟨…⟩ around text'
    >>> markup_problem("Wasser ist nass.", "Water is ~~not~~ wet.")
    'adds inline markup the source did not have: strikeout'
    """
    added = new_markup(source, text)
    if added:
        return "adds markup the source did not have: " + " ".join(dict.fromkeys(added))
    if ("*" in text or "_" in text) and stray_delimiters(text) > stray_delimiters(source):
        return "emphasis markers that close nothing"
    inline = added_inline_markup(source, text)
    if BRACKETS in inline:
        return "writes placeholder brackets ⟨…⟩ around text"
    if inline:
        return "adds inline markup the source did not have: " + ", ".join(inline)
    return ""


def escape_block_starts(source: str, reply: str) -> str:
    """Escape what would start a block at the start of a reply line, unless the source has it.

    >>> escape_block_starts("Erstens", "a) First\\n===\\n: term")
    'a\\\\) First\\n\\\\===\\n\\\\: term'
    """
    had = {_marker_kind(m.group()) for m in _BLOCK_MARKER.finditer(source)}

    def escape(match: re.Match[str]) -> str:
        marker = match.group()
        if _marker_kind(marker) in had:
            return marker
        indent = len(marker) - len(marker.lstrip(" \t"))
        body = marker[indent:]
        if body[0] in "([" or not body[0].isalnum():
            return marker[:indent] + "\\" + body
        # "a)", "iv.", "12.": escape the delimiter
        return marker[:indent] + body[:-1] + "\\" + body[-1]

    return _BLOCK_MARKER.sub(escape, reply)


def _marker_kind(marker: str) -> str:
    """``"a)"`` and ``"b)"`` are one kind of marker; ``"1."`` and ``"- "`` are others."""
    body = marker.strip()
    return re.sub(r"\d+", "1", re.sub(r"[A-Za-z]", "a", body))


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in PLACEHOLDER.sub("", text))


def plausible_length(source: str, reply: str) -> str:
    """Why the reply's length cannot be a translation of the source ('' when it can)."""
    have, want = letters(reply), letters(source)
    if want >= 20:
        ratio = len(reply) / max(1, len(source))
        if not 0.35 <= ratio <= 3.0:
            return f"length ratio {ratio:.2f} is implausible"
        return ""
    if want >= 2 and (have < min(2, want) or have * 4 < want):
        return f"too short for its source ({have} letters for {want})"
    if have > 3 * want + 15:
        return f"too long for its source ({have} letters for {want})"
    return ""


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", PLACEHOLDER.sub(" ", text).lower())


def wrong_language(source: str, reply: str, *, source_lang: str, target_lang: str) -> str:
    """Why the reply is not in ``target_lang`` ('' when it may be), for replies of any length."""
    found, probability = detect(reply, tuple(sorted({source_lang, target_lang, *_OTHER_LANGUAGES})))
    if found is not None:
        if found != target_lang and probability >= 0.9:
            return f"not in the target language ({found}, p={probability:.2f})"
        return ""
    # too short to classify: function words of another language, or its letters
    target_words = _FOREIGN_WORDS.get(target_lang, frozenset())
    for language, vocabulary in _FOREIGN_WORDS.items():
        if language == target_lang:
            continue
        foreign = [w for w in _words(reply) if w in vocabulary and w not in target_words]
        if foreign:
            return f"not in the target language ({language}: {' '.join(foreign[:3])})"
    if target_lang == "en":
        accented = {ch for ch in reply if ch.isalpha() and not ch.isascii()} - set(source)
        if accented:
            return f"not in the target language (letters {''.join(sorted(accented))})"
    return ""


def looks_german(text: str, source_lang: str) -> bool:
    """Does a (short) text carry signs of the source language (German words or letters)?"""
    if source_lang != "de":
        return False
    words = _words(text)
    return any(w in _GERMAN_WORDS for w in words) or bool(re.search(r"[äöüß]", text.lower()))


def check(source: str, reply: Reply, *, source_lang: str, target_lang: str, check_language: bool = True) -> Verdict:
    """Accept the reply (with its normalized text) or say why not.

    ``source`` is the masked text that was sent; ``reply`` what came back for it. Where the
    text is written, :func:`escape_block_starts` and :func:`links_paired` complete the check
    (they need the segment's kind and protected spans).
    """
    if reply.finish_reason == "length":
        return Verdict(False, "cut off (finish_reason=length)")
    if not isinstance(reply.text, str):
        return Verdict(False, "the reply is not text")
    raw = reply.text.replace("\r\n", "\n").replace("\r", "\n")
    problem = text_problem(raw)  # control characters, other line breaks, lone surrogates
    if problem:
        return Verdict(False, problem)
    text = normalize_placeholders(raw).strip()
    if not text:
        return Verdict(False, "empty reply")
    why = plausible_length(source, text)  # cheap, and it bounds what the checks below read
    if why:
        return Verdict(False, why)
    if text.startswith(("```", "~~~")) or text.endswith("```"):
        return Verdict(False, "wrapped in a code fence")
    if _PREAMBLE.match(text) and not _PREAMBLE.match(source):
        return Verdict(False, "starts with a preamble")
    if _REFUSAL.search(text) and not _REFUSAL.search(source):
        return Verdict(False, "a refusal or a remark, not a translation")
    if placeholders(text) != placeholders(source):
        want, got = sorted(placeholders(source).elements()), sorted(placeholders(text).elements())
        return Verdict(False, f"placeholders changed: sent {want}, got {got}")
    why = markup_problem(source, text)
    if why:
        return Verdict(False, why)
    if "\n\n" not in source:
        text = re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", text)  # a blank line would split the block
    if (
        source.rstrip().endswith((".", "!", "?"))
        and not re.search(r"[.!?:;\"'”’)\]⟩⟧…]\s*$", text)
        and letters(source) >= 40
    ):
        return Verdict(False, "seems cut off (no final punctuation)")
    if check_language:
        if text == source.strip() and letters(source) >= 2:
            source_language, source_p = detect(source, (source_lang, target_lang))
            if (source_language == source_lang and source_p >= 0.9) or looks_german(source, source_lang):
                return Verdict(False, "echoes the source")
        why = wrong_language(source, text, source_lang=source_lang, target_lang=target_lang)
        if why and text != source.strip():
            return Verdict(False, why)
        clause = source_clause(text, source_lang, target_lang)
        if clause:
            return Verdict(False, f"leaves a clause untranslated ({source_lang}: {_quote(clause)})")
    return Verdict(True, "", text)


def _quote(text: str, limit: int = 60) -> str:
    """``text`` in quotes, shortened to about ``limit`` characters."""
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


def check_text(source: str, text: str, *, source_lang: str = "de", target_lang: str = "en") -> Verdict:
    """:func:`check` for a translation that did not come from an engine (a reviewed PO entry)."""
    return check(source, Reply(text, "stop"), source_lang=source_lang, target_lang=target_lang)


def link_pairs(spans: list[str]) -> dict[int, int]:
    """Placeholder numbers of each link's ``[`` and its ``](target)``: ``{opener: closer}``.

    >>> link_pairs(["[", "$x$", "](a.qmd)", "[", "](b.qmd)"])
    {1: 3, 4: 5}
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for n, span in enumerate(spans, 1):
        if span == "[":
            stack.append(n)
        elif span.startswith("]") and stack:
            pairs[stack.pop()] = n
    return pairs


def math_cut_by_digit(masked: str, spans: list[str]) -> set[int]:
    """Placeholders of inline math that a digit follows: Pandoc reads ``$x$1`` as text, not math.

    >>> math_cut_by_digit("Sei ⟨1⟩2 und ⟨2⟩ 3", ["$x$", "$y$"])
    {1}
    """
    return {
        n
        for match in PLACEHOLDER.finditer(masked)
        if 0 < (n := int(match.group(1))) <= len(spans)
        and spans[n - 1].endswith("$")
        and masked[match.end() : match.end() + 1].isdigit()
    }


def written_problem(reply: str, source: str, spans: list[str]) -> str:
    """What breaks the document once a whole segment's masked translation ``reply`` is written
    back for the masked ``source`` with its protected ``spans`` ("" when nothing does): checked
    for engine replies and for reviewed PO entries alike.

    >>> written_problem("⟨1⟩A⟨4⟩ and ⟨3⟩B⟨2⟩", "⟨1⟩A⟨2⟩ und ⟨3⟩B⟨4⟩", ["[", "](a.qmd)", "[", "](b.qmd)"])
    'link texts and their targets no longer pair up'
    """
    if not links_paired(reply, spans):
        return "link texts and their targets no longer pair up"
    if math_cut_by_digit(reply, spans) - math_cut_by_digit(source, spans):
        return "a digit right after inline math (Pandoc would not read it as math)"
    return ""


def links_paired(reply: str, spans: list[str]) -> bool:
    """Does every link's text in ``reply`` still end at its own target (none swapped)?

    >>> spans = ["[", "](a.qmd)", "[", "](b.qmd)"]
    >>> links_paired("⟨1⟩A⟨2⟩ and ⟨3⟩B⟨4⟩", spans), links_paired("⟨1⟩A⟨4⟩ and ⟨3⟩B⟨2⟩", spans)
    (True, False)
    """
    pairs = link_pairs(spans)
    closers = {closer: opener for opener, closer in pairs.items()}
    stack: list[int] = []
    for match in PLACEHOLDER.finditer(reply):
        n = int(match.group(1))
        if n in pairs:
            stack.append(n)
        elif n in closers and (not stack or stack.pop() != closers[n]):
            return False
    return not stack
