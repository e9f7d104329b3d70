"""Merging a PO catalog as ``msgmerge`` merges a new template: the entries a run found
(:class:`Found`) with those the PO file held (:func:`merge`).

New segments are added, vanished ones kept as obsolete (``#~``), changed ones become fuzzy with
their previous ``msgid`` (``#|``), reviewed ones stay untouched.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import polib

from ..segments import Segment
from .po_files import Stamp

#: what each segment kind is called in ``#.`` comments and ``msgctxt``
KIND_NAMES = {
    "heading": "heading",
    "paragraph": "paragraph",
    "list-item": "list item",
    "table-cell": "table cell",
    "caption": "caption",
    "table-caption": "table caption",
    "alt": "alt text",
    "callout-title": "callout title",
    "title": "title",
    "term": "definition term",
    "definition": "definition",
    "code-comment": "code comment",
}

#: how similar a changed segment must be to its old text to count as the same entry (msgmerge's fuzzy match)
SIMILAR = 0.6

#: what would end a ``#:`` line (or a PO reader's line) inside a file name: written as ``\\x0a``
LINE_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: the ``#.`` line of an entry the engine could not translate (written in the source language)
KEPT_NOTE = "kept in the original language"


def is_reviewed(entry: polib.POEntry) -> bool:
    """A translation someone stands by: translated, not fuzzy, not obsolete."""
    return bool(entry.msgstr) and not entry.fuzzy and not entry.obsolete


# -- what a run found --------------------------------------------------------------------------
@dataclass
class Found:
    """One entry as this run sees it: the segment's text, the translation written, where it stands."""

    kind: str
    msgid: str
    msgstr: str
    fuzzy: bool
    occurrences: list[tuple[str, str]] = field(default_factory=list)
    #: nothing was sent for it (``--engine none``): an older entry's translation is kept
    unsent: bool = False
    #: why the engine's translation was not used (the segment kept its original text, all or in part)
    kept: str = ""

    @property
    def comment(self) -> str:
        """The ``#.`` lines: the segment's kind, and for a kept one :data:`KEPT_NOTE` with why."""
        kind = KIND_NAMES.get(self.kind, self.kind)
        return f"{kind}\n{KEPT_NOTE}: {self.kept}" if self.kept else kind

    def entry(self, context: str | None) -> polib.POEntry:
        return polib.POEntry(
            msgid=self.msgid,
            msgstr=self.msgstr,
            msgctxt=context,
            comment=self.comment,
            occurrences=references(self.occurrences),
            flags=["fuzzy"] if self.fuzzy else [],
        )


def references(occurrences: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``#:`` references as gettext (0.20 and later) writes them: a file name with a space between
    U+2068 and U+2069, so that it stays one reference (``mein kapitel.md`` → ``\u2068mein kapitel.md\u2069``).

    >>> references([("mein kapitel.md", "3"), ("k.md", "4")])
    [('\u2068mein kapitel.md\u2069', '3'), ('k.md', '4')]
    """
    named = [(LINE_BREAK.sub(_escaped, name), line) for name, line in occurrences]
    return [(f"\u2068{name}\u2069" if re.search(r"\s", name) else name, line) for name, line in named]


def _escaped(match: re.Match[str]) -> str:
    """A character that would end a PO line, as an escape (a newline in a file name: ``\\x0a``)."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def contexts(found: list[Found]) -> list[str | None]:
    """Each entry's ``msgctxt``: its kind's name where the same text stands as two kinds, else none."""
    kinds: dict[str, set[str]] = {}
    for item in found:
        kinds.setdefault(item.msgid, set()).add(item.kind)
    return [KIND_NAMES.get(f.kind, f.kind) if len(kinds[f.msgid]) > 1 else None for f in found]


def merge(old: polib.POFile | None, found: list[Found]) -> list[polib.POEntry]:
    """The catalog's entries after this run, merged with ``old`` as ``msgmerge`` merges a new template.

    - the same text (and context) again: the old entry, with this run's references; a reviewed
      one, one still waiting for review after a source change (fuzzy with a previous
      ``msgid``), or one this run sent nothing for, keeps its ``msgstr`` and flags, any other
      gets this run's translation;
    - a new text much like one that vanished (a changed paragraph): fuzzy, with the old text as
      previous ``msgid`` (``#|``) and the old ``msgstr`` if it was reviewed (the reviewer's
      words to adapt), else this run's;
    - vanished entries with a translation: obsolete (``#~``), at the end.
    """
    olds = [e for e in old if e.msgid] if old is not None else []
    by_msgid: dict[str, list[polib.POEntry]] = {}
    for entry in olds:
        by_msgid.setdefault(entry.msgid, []).append(entry)
    used: set[int] = set()
    entries: list[polib.POEntry] = []
    pending: list[tuple[int, Found]] = []
    for item, context in zip(found, contexts(found), strict=True):
        match = _exact(by_msgid.get(item.msgid, []), used, context, KIND_NAMES.get(item.kind, item.kind))
        if match is None:
            pending.append((len(entries), item))
            entries.append(item.entry(context))
            continue
        used.add(id(match))
        entries.append(_updated(match, item, context))
    candidates = [e for e in olds if id(e) not in used and not e.obsolete]
    for at, item in pending:
        kind = KIND_NAMES.get(item.kind, item.kind)
        best = _similar([e for e in candidates if e.msgctxt in (None, kind)], item.msgid)
        if best is None:
            continue
        candidates.remove(best)
        used.add(id(best))
        entry = entries[at]
        waiting = best.fuzzy and best.previous_msgid is not None
        if is_reviewed(best) or waiting:
            entry.msgstr = best.msgstr  # the reviewer's words, to adapt
        # the translator's comment and flags survive (``no-wrap``, ``python-format``)
        entry.tcomment = best.tcomment
        entry.flags = [f for f in best.flags if f != "fuzzy"] + ["fuzzy"]
        # changed twice before review: ``#|`` stays the text the msgstr translates
        entry.previous_msgid = best.previous_msgid if waiting else best.msgid
        entry.previous_msgctxt = best.previous_msgctxt if waiting else best.msgctxt
    for entry in olds:
        if id(entry) not in used and entry.msgstr:
            entry.obsolete = True
            entry.occurrences = []
            entries.append(entry)
    return unique(entries)


def unique(entries: list[polib.POEntry]) -> list[polib.POEntry]:
    """``entries`` without a second definition of the same ``msgctxt`` and ``msgid`` (``msgfmt`` refuses
    a file with one): the first stays, live entries before obsolete ones."""
    seen: set[tuple[str | None, str]] = set()
    out = []
    for entry in sorted(entries, key=lambda e: e.obsolete):
        key = (entry.msgctxt, entry.msgid)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def _exact(olds: list[polib.POEntry], used: set[int], context: str | None, kind: str) -> polib.POEntry | None:
    """Of the old entries of the same text, the one of the same context; else, where a context was
    dropped (the text now stands as one kind), the one whose context is this kind; where one was added,
    the one without context of this kind. Never an entry of another context."""
    same = sorted((e for e in olds if id(e) not in used), key=lambda e: e.obsolete)
    for entry in same:
        if entry.msgctxt == context:
            return entry
    for entry in same:
        if entry.msgctxt == kind:
            return entry
    if context is None:
        return None
    return next((e for e in same if e.msgctxt is None and e.comment.split("\n")[0] == kind), None)


def _updated(entry: polib.POEntry, item: Found, context: str | None) -> polib.POEntry:
    entry.obsolete = False
    if context is not None:  # a context is added where needed, never dropped: the entry stays the same message
        entry.msgctxt = context
    entry.comment = item.comment
    entry.occurrences = references(item.occurrences)
    if is_reviewed(entry) or (entry.fuzzy and entry.previous_msgid) or (item.unsent and entry.msgstr):
        return entry
    entry.msgstr = item.msgstr
    entry.flags = [f for f in entry.flags if f != "fuzzy"] + (["fuzzy"] if item.fuzzy else [])
    entry.previous_msgid = entry.previous_msgctxt = None
    return entry


def _similar(candidates: list[polib.POEntry], msgid: str) -> polib.POEntry | None:
    best, score = None, SIMILAR
    for entry in candidates:
        matcher = difflib.SequenceMatcher(None, entry.msgid, msgid, autojunk=False)
        if matcher.real_quick_ratio() < score or matcher.quick_ratio() < score:
            continue
        ratio = matcher.ratio()
        if ratio >= score:
            best, score = entry, ratio
    return best


@dataclass
class Catalog:
    """One chapter's PO file: what it held before the run, and what the run found."""

    path: Path
    old: polib.POFile | None = None
    found: dict[tuple[str, str], Found] = field(default_factory=dict)
    #: what the file held when it was read (a file saved by a reviewer since is merged again, never overwritten)
    stamp: Stamp = field(default_factory=lambda: Stamp(None))
    #: msgid → the old entries with a translation someone stands by (not fuzzy; obsolete ones too:
    #: a paragraph deleted and written again gets its reviewed translation back)
    reviewed: dict[str, list[polib.POEntry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.old or []:
            if entry.msgstr and not entry.fuzzy:
                self.reviewed.setdefault(entry.msgid, []).append(entry)

    def lookup(self, segment: Segment) -> polib.POEntry | None:
        """The reviewed entry of ``segment``'s text: a live one before an obsolete one, of its kind's
        context before one without context."""
        name = KIND_NAMES.get(segment.kind, segment.kind)
        same = sorted(self.reviewed.get(segment.text, []), key=lambda e: e.obsolete)
        for entry in same:
            if entry.msgctxt == name:
                return entry
        free = sorted((e for e in same if e.msgctxt is None), key=lambda e: e.comment != name)
        return free[0] if free else None
