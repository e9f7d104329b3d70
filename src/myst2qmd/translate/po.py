"""Translations a reviewer can edit: gettext PO files, one per chapter (``--po DIR``).

Every prose segment of a chapter (:mod:`myst2qmd.segments`) becomes one PO entry: ``msgid``
is the source text and ``msgstr`` its translation, both with inline markup as the Quarto text
holds it (never ``⟨n⟩`` placeholders); ``#:`` gives the MyST source's ``file:line``, ``#.``
what the segment is, and ``msgctxt`` (only where needed) separates the same text standing as
two kinds of segment. Entries that come from the ``local`` engine (a draft), or that are
already in the target language, are ``#, fuzzy``.

An entry whose segment the engine could not translate (it was written in the source language,
with a ``translation-kept`` warning) is marked apart from the drafts: its ``msgstr`` is empty
(gettext's *untranslated*, counted apart by ``msgfmt --statistics`` and every PO editor), and a
second ``#.`` line says so and why (``#. kept in the original language: …``); kept only in part,
it holds the part that was translated, fuzzy, with the same line. ``po stats`` counts them.

A non-fuzzy ``msgstr`` is a *reviewed* translation: on the next run it wins over the engine
and the translation memory (nothing is sent for it), after the checks an engine reply gets
(:func:`check_reviewed`: the same inline markup, no new block). A broken one is reported as
``po-file:line`` and the engine's (or the original) text is used instead.

When the source changes, the catalog is merged as ``msgmerge`` does (:func:`merge`): new
segments are added, vanished ones kept as obsolete (``#~``), changed ones become fuzzy with
their previous ``msgid`` (``#|``), reviewed ones stay untouched.

A segment ``Siehe $x$.`` that the engine translated becomes::

    #. paragraph
    #: kapitel/faltung.md:12
    msgid "Siehe $x$."
    msgstr "See $x$."
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

import polib

from ..codes import Code
from ..context import Warning_
from ..files import stage_file
from ..placeholders import PLACEHOLDER, placeholder
from ..segments import Segment
from .engines.base import FatalEngineError, Reply, Request, Unit, text_problem
from .po_files import PoError, Stamp, read_catalog, read_stamped, syntax_problem  # noqa: F401 (re-exported)
from .validate import markup_problem, written_problem

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

#: gettext's ``Plural-Forms`` of common target languages (others: the English rule)
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "pt-br": "nplurals=2; plural=(n > 1);",
    "ja": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "zh": "nplurals=1; plural=0;",
    "vi": "nplurals=1; plural=0;",
    "id": "nplurals=1; plural=0;",
    "tr": "nplurals=2; plural=(n != 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
}
ENGLISH_PLURALS = "nplurals=2; plural=(n != 1);"

#: engines whose translations wait for review (``#, fuzzy``): ``local`` writes drafts, ``pseudo`` marks text
DRAFT_ENGINES = frozenset({"local", "pseudo"})

#: how similar a changed segment must be to its old text to count as the same entry (msgmerge's fuzzy match)
SIMILAR = 0.6

#: what would end a ``#:`` line (or a PO reader's line) inside a file name: written as ``\\x0a``
_LINE_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: a notebook cell's part of a warning path: ``kapitel.ipynb#cell3``
_CELL = re.compile(r"#cell\d+$")


#: the ``#.`` line of an entry the engine could not translate (written in the source language)
KEPT_NOTE = "kept in the original language"


def plural_forms(language: str) -> str:
    """``Plural-Forms`` for ``language`` (``en`` → ``nplurals=2; plural=(n != 1);``)."""
    language = language.lower()
    return PLURAL_FORMS.get(language) or PLURAL_FORMS.get(language.split("-")[0]) or ENGLISH_PLURALS


def is_reviewed(entry: polib.POEntry) -> bool:
    """A translation someone stands by: translated, not fuzzy, not obsolete."""
    return bool(entry.msgstr) and not entry.fuzzy and not entry.obsolete


# -- checking a reviewed translation ------------------------------------------------------------
def masked_like(segment: Segment, text: str) -> tuple[str, list[str]]:
    """``text`` with each of ``segment``'s protected spans, wherever it stands, as that span's
    ``⟨n⟩``; and the spans ``text`` does not hold.

    >>> from myst2qmd.segments import extract_segments
    >>> seg = extract_segments("Siehe $x$ und `y`.\\n")[0]
    >>> masked_like(seg, "`y` and $x$, see.")
    ('⟨2⟩ and ⟨1⟩, see.', [])
    >>> masked_like(seg, "See y.")
    ('See y.', ['$x$', '`y`'])
    """
    spans = segment.protected_texts()
    taken: list[tuple[int, int, int]] = []
    missing: set[int] = set()
    for n in sorted(range(len(spans)), key=lambda i: -len(spans[i])):
        span, start = spans[n], 0
        while True:
            at = text.find(span, start)
            if at < 0:
                missing.add(n)
                break
            if all(at >= b or at + len(span) <= a for a, b, _ in taken):
                taken.append((at, at + len(span), n + 1))
                break
            start = at + 1
    out, pos = [], 0
    for a, b, n in sorted(taken):
        out += [text[pos:a], placeholder(n)]
        pos = b
    out.append(text[pos:])
    return "".join(out), [spans[n] for n in sorted(missing)]


def check_reviewed(segment: Segment, text: str) -> tuple[str | None, str]:
    """A reviewed translation, masked as the engine's reply would be, or ``(None, why not)``.

    The checks of an engine reply that guard the document (:mod:`.validate`): no bad
    characters, every protected span of the source once (``$x$``, ``@fig-x``, link targets),
    no markup the source did not have (:func:`.validate.markup_problem`, as for replies: no
    stray ``*``/``_``, no more emphasis, strikeout, sub- or superscript or hard line breaks
    than the source, no ``⟨…⟩`` around text), no blank line that would start a new block,
    links still around their own texts. The language and the length are the reviewer's business.

    >>> from myst2qmd.segments import extract_segments
    >>> seg = extract_segments("Für $x$ gilt das.\\n")[0]
    >>> check_reviewed(seg, "This holds for $x$.")
    ('This holds for ⟨1⟩.', '')
    >>> check_reviewed(seg, "This holds for x.")
    (None, 'lost $x$')
    """
    if PLACEHOLDER.search(text):
        return None, "holds a ⟨n⟩ placeholder"
    masked, missing = masked_like(segment, text.strip())
    # the source's own line separators and control characters are protected spans: only others are refused
    problem = text_problem(masked)
    if problem:
        return None, problem.replace("the reply", "it")
    if missing:
        return None, "lost " + " ".join(missing)
    source = segment.masked()[0]
    problem = markup_problem(source, masked)
    if problem:
        return None, problem
    if re.search(r"\n[ \t]*\n", masked) and not re.search(r"\n[ \t]*\n", source):
        return None, "a blank line would start a new block"
    problem = written_problem(masked, source, segment.protected_texts())
    return (None, problem) if problem else (masked, "")


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
    named = [(_LINE_BREAK.sub(_escaped, name), line) for name, line in occurrences]
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


# -- one run -----------------------------------------------------------------------------------
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


@dataclass
class Staged:
    """A catalog's new text in a temporary file beside its PO file, to be renamed over it."""

    catalog: Catalog
    temp: Path


class Review:
    """The PO files of one run: reviewed translations in, what the run wrote out.

    ``po_path`` maps a document's path (as warnings name it) to its PO file.
    """

    def __init__(
        self,
        po_path: Callable[[str], Path],
        *,
        source_lang: str = "de",
        target_lang: str = "en",
        engine: str = "none",
        project: str = "",
    ):
        self.po_path = po_path
        self.source_lang = source_lang
        self.target_lang = target_lang
        #: the local engine's translations are drafts, the pseudo engine's no translations at all: fuzzy
        self.draft = engine in DRAFT_ENGINES
        self.project = _LINE_BREAK.sub(" ", project)  # a header line ends at a newline
        self.catalogs: dict[Path, Catalog] = {}
        #: (document path, segment id) → the reviewed entry used for it
        self.used: dict[tuple[str, int], polib.POEntry] = {}
        self.warnings: list[Warning_] = []
        #: PO files that changed while the run went on (a reviewer saved them), read and merged again
        self.merged_again: list[Path] = []
        #: folders :meth:`stage` made for new PO files (removed again if nothing is written into them)
        self.created: list[Path] = []

    @classmethod
    def for_book(cls, folder: Path, **kwargs: Any) -> Review:
        """A book's: ``kapitel/faltung.md`` (or ``.ipynb``) → ``folder/kapitel/faltung.po``; every PO
        file under ``folder`` is read now (:class:`PoError` before anything is converted)."""
        review = cls(lambda where: folder / PurePosixPath(_CELL.sub("", where)).with_suffix(".po"), **kwargs)
        review.load(sorted(folder.rglob("*.po")) if folder.is_dir() else [])
        return review

    @classmethod
    def for_file(cls, folder: Path, source: Path, **kwargs: Any) -> Review:
        """A single file's: ``folder/<stem>.po``, read now."""
        review = cls(lambda _where: folder / (source.stem + ".po"), **kwargs)
        review.load([review.po_path(str(source))])
        return review

    def load(self, paths: list[Path]) -> None:
        """Read the PO files at ``paths`` (those that exist); :class:`PoError` if one cannot be read."""
        for path in paths:
            if path.exists() and not path.is_dir():  # a FIFO or device too: refused now, not waited on later
                old, stamp = read_stamped(path)
                self.catalogs[path] = Catalog(path, old, stamp=stamp)

    def catalog(self, where: str) -> Catalog:
        path = self.po_path(where)
        if path not in self.catalogs:
            old, stamp = read_stamped(path)
            self.catalogs[path] = Catalog(path, old, stamp=stamp)
        return self.catalogs[path]

    def reviewed(self, where: str, segment: Segment) -> str | None:
        """The reviewed translation of ``segment`` in ``where``, masked as an engine reply, if it passes
        :func:`check_reviewed`; a broken one is warned about with its PO file and line."""
        catalog = self.catalog(where)
        entry = catalog.lookup(segment)
        if entry is None:
            return None
        masked, why = check_reviewed(segment, entry.msgstr)
        if masked is None:
            self.warnings.append(
                Warning_(
                    str(catalog.path),
                    entry.linenum,
                    f"reviewed translation not used ({why}); the engine's or the original text is used instead",
                    Code.PO_REJECTED,
                )
            )
            return None
        self.used[(where, segment.id)] = entry
        return masked

    def refuse_structure(self, where: str, segment: Segment) -> None:
        """``segment``'s reviewed translation passed :func:`check_reviewed` but changed the document's
        structure: warned about with its PO file and line; the engine translates the segment instead."""
        entry = self.used.pop((where, segment.id), None)
        if entry is not None:
            self.warnings.append(
                Warning_(
                    str(self.catalog(where).path),
                    entry.linenum,
                    "reviewed translation not used: it changed the document structure; the engine's text is used",
                    Code.PO_REJECTED,
                )
            )

    def record(self, where: str, segment: Segment, line: int, text: str, state: str, why: str = "") -> None:
        """What the run wrote for ``segment``: ``state`` is ``reviewed``, ``translated``, ``kept`` (the
        original, all or in part, for the reason ``why``), ``same`` (already in the target language) or
        ``untranslated`` (nothing was sent)."""
        catalog = self.catalog(where)
        entry = self.used.get((where, segment.id))
        if entry is not None and state == "kept":
            self.warnings.append(
                Warning_(
                    str(catalog.path),
                    entry.linenum,
                    "reviewed translation not used: it changed the document structure",
                    Code.PO_REJECTED,
                )
            )
        reference = (where, str(line))
        key = (segment.kind, segment.text)
        if key in catalog.found:
            if reference not in catalog.found[key].occurrences:
                catalog.found[key].occurrences.append(reference)
            return
        whole = state == "kept" and text == segment.text
        fuzzy = (state in ("kept", "same") and not whole) or (state == "translated" and self.draft)
        msgstr = "" if state == "untranslated" or whole else text
        kept = (why or "not translated") if state == "kept" else ""
        catalog.found[key] = Found(
            segment.kind, segment.text, msgstr, fuzzy, [reference], state == "untranslated", kept=kept
        )

    def render(self, catalog: Catalog) -> str | None:
        """``catalog`` merged (:func:`merge`) as PO text; ``None`` if that is what its file held when read."""
        po = polib.POFile(wrapwidth=78)
        po.header = catalog.old.header if catalog.old is not None else self.header_comment()
        po.metadata = self.metadata(catalog.old)
        po.extend(merge(catalog.old, list(catalog.found.values())))
        # written in UTF-8 (the header says so) whatever the old file's encoding: compared as bytes
        if Stamp.of((str(po) + "\n").encode("utf-8")) == catalog.stamp:
            return None
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M+0000")
        po.metadata["POT-Creation-Date"] = po.metadata["PO-Revision-Date"] = now
        return str(po) + "\n"

    def stage(self) -> list[Staged]:
        """Every catalog of a document this run translated whose text changed, merged and written to a
        temporary file beside its PO file (before the run's output is written: an :class:`OSError` names
        the PO file, and nothing is left behind). The PO files of other documents are left alone."""
        staged: list[Staged] = []
        try:
            for catalog in self.catalogs.values():
                if not catalog.found:
                    continue
                if catalog.stamp.changed(catalog.path):
                    self.read_again(catalog)
                text = self.render(catalog)
                if text is not None:
                    folder = catalog.path.parent
                    self.created += [f for f in (folder, *folder.parents) if not f.exists()]
                    staged.append(Staged(catalog, stage_file(catalog.path, text)))
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def discard(self, staged: list[Staged]) -> None:
        """Remove the temporary files of ``staged``, and the folders staging made that are left empty."""
        for item in staged:
            item.temp.unlink(missing_ok=True)
        for folder in sorted(set(self.created), key=lambda f: -len(f.parts)):
            with contextlib.suppress(OSError):  # not empty (a PO file was written there), or gone
                folder.rmdir()

    def commit(self, staged: list[Staged]) -> list[Path]:
        """Each staged file renamed over its PO file; a PO file saved since the run read it (a reviewer's
        correction) is read and merged again first, never overwritten. The paths written."""
        written = []
        for n, item in enumerate(staged):
            try:
                if self.settle(item):
                    os.replace(item.temp, item.catalog.path)
                    written.append(item.catalog.path)
            except BaseException:
                self.discard(staged[n:])
                raise
        return written

    def settle(self, item: Staged) -> bool:
        """Is ``item`` still the merge of what its PO file holds? If the file changed, merge again
        (False: nothing to write now)."""
        for _ in range(5):
            catalog = item.catalog
            if not catalog.stamp.changed(catalog.path):
                return True
            self.read_again(catalog)
            text = self.render(catalog)
            if text is None:
                item.temp.unlink(missing_ok=True)
                return False
            item.temp.write_text(text, encoding="utf-8", newline="")
        raise PoError(f"{item.catalog.path}: the PO file keeps changing while this run writes it; run again")

    def read_again(self, catalog: Catalog) -> None:
        """``catalog``'s file changed since it was read (a reviewer saved it): read it again, to merge with that."""
        catalog.old, catalog.stamp = read_stamped(catalog.path)
        self.merged_again.append(catalog.path)

    def write(self, _writer: object = None) -> list[Path]:
        """Write every changed catalog (:meth:`stage`, then :meth:`commit`); the paths written."""
        return self.commit(self.stage())

    def header_comment(self) -> str:
        return (
            f"{self.source_lang} → {self.target_lang} translations written by myst2qmd.\n"
            "Correct a msgstr and remove its fuzzy flag: the next conversion uses it as it is,\n"
            "instead of the engine's translation."
        )

    def metadata(self, old: polib.POFile | None) -> dict[str, str]:
        from .. import __version__

        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M+0000")
        metadata = {
            "Project-Id-Version": self.project or "myst2qmd",
            "Report-Msgid-Bugs-To": "",
            "POT-Creation-Date": now,
            "PO-Revision-Date": now,
            "Last-Translator": "",
            "Language-Team": "",
        }
        if old is not None:
            metadata.update(old.metadata)
        metadata.update(
            {
                "Language": self.target_lang,
                "MIME-Version": "1.0",
                "Content-Type": "text/plain; charset=UTF-8",
                "Content-Transfer-Encoding": "8bit",
                "Plural-Forms": metadata.get("Plural-Forms") or plural_forms(self.target_lang),
                "X-Generator": f"myst2qmd {__version__}",
                "X-Source-Language": self.source_lang,
            }
        )
        return metadata


class NoEngine:
    """``--engine none --po DIR``: nothing is sent; only reviewed translations are written."""

    name = "none"
    model = "reviewed only"
    max_batch_chars = 1
    max_batch_units = 1
    #: the pipeline plans no request for a segment without a reviewed translation
    sends = False

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        raise FatalEngineError("no engine: only reviewed translations are used")

    def close(self) -> None:
        pass


# -- po stats ----------------------------------------------------------------------------------
@dataclass
class Stats:
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    #: entries the engine could not translate (:data:`KEPT_NOTE`): counted among the untranslated or fuzzy
    kept: int = 0

    def add(self, other: Stats) -> None:
        self.translated += other.translated
        self.fuzzy += other.fuzzy
        self.untranslated += other.untranslated
        self.kept += other.kept

    def __str__(self) -> str:
        """As ``msgfmt --statistics`` says it."""

        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return (
            f"{count(self.translated, 'translated message', 'translated messages')}, "
            f"{count(self.fuzzy, 'fuzzy translation', 'fuzzy translations')}, "
            f"{count(self.untranslated, 'untranslated message', 'untranslated messages')}."
            + (f" {self.kept} kept in the original language." if self.kept else "")
        )


def catalog_stats(po: polib.POFile) -> Stats:
    """Translated / fuzzy / untranslated entries, as ``msgfmt --statistics`` counts them: obsolete ones and
    the header (empty ``msgid`` without ``msgctxt``) not counted, a plural entry translated by its
    ``msgstr[0]``."""
    live = [e for e in po if not e.obsolete and (e.msgid or e.msgctxt is not None)]

    def translation(entry: polib.POEntry) -> str:
        return str(entry.msgstr_plural.get(0, "")) if entry.msgid_plural else entry.msgstr

    return Stats(
        sum(1 for e in live if translation(e) and not e.fuzzy),
        sum(1 for e in live if translation(e) and e.fuzzy),
        sum(1 for e in live if not translation(e)),
        sum(1 for e in live if is_kept(e)),
    )


def is_kept(entry: polib.POEntry) -> bool:
    """An entry whose segment the engine could not translate (see :data:`KEPT_NOTE`)."""
    return any(line.startswith(KEPT_NOTE) for line in (entry.comment or "").split("\n"))


def kept_entries(folder: Path) -> list[tuple[str, str]]:
    """Every entry under ``folder`` kept in the original language: its source ``file:line`` and why."""
    found = []
    for path in sorted(folder.rglob("*.po")):
        for entry in read_catalog(path):
            if not entry.obsolete and is_kept(entry):
                why = next(line for line in entry.comment.split("\n") if line.startswith(KEPT_NOTE))
                where = ", ".join(f"{name}:{line}" for name, line in entry.occurrences) or path.name
                found.append((where, why))
    return found


def folder_stats(folder: Path) -> list[tuple[str, Stats]]:
    """Every PO file under ``folder`` (sorted, relative path) with its :class:`Stats`."""
    return [
        (path.relative_to(folder).as_posix(), catalog_stats(read_catalog(path)))
        for path in sorted(folder.rglob("*.po"))
    ]
