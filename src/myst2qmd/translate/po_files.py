"""Reading and writing PO files safely: the syntax ``msgfmt`` refuses (:func:`syntax_problem`), a
catalog read with what its file was (:func:`read_stamped`), and written only if the file has
not changed since (:class:`Stamp`).

A PO file is written in two steps: the text is staged in a temporary file beside it before the
run's output is written (a PO file that cannot be written stops the run with nothing written),
then renamed over it after. A reviewer may save the file in between: its stamp (a hash of its
bytes when it was read) tells, and the catalog is then read and merged again, never overwritten.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import polib

from ..files import read_bounded


class PoError(ValueError):
    """A PO file that cannot be read: ``str()`` says which and why."""


#: a C string of a PO file (``"a \\"b\\" c"``), a keyword line or continuation line holding one, and one
#: that is not closed
_STRING = r'"(?:[^"\\]|\\.)*"'
_UNCLOSED = re.compile(r'(?:\S+[ \t]+)?"(?:[^"\\]|\\.)*\\?')
_KEYWORD_LINE = re.compile(rf"(?:(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])[ \t]+)?{_STRING}[ \t]*")
#: polib's syntax errors name the line: ``Syntax error in po file (line 3)``
_POLIB_LINE = re.compile(r"\s*\(line (\d+)\)")


def syntax_problem(text: str) -> tuple[int, str] | None:
    """The first line of PO ``text`` that ``msgfmt`` would refuse and polib may read wrongly: ``(line, why)``.

    polib takes a string without its closing quote (and drops its last character) and a
    ``msgstr[0]`` without ``msgid_plural`` (and drops it); these are refused here.

    >>> syntax_problem('msgid "a"\\nmsgstr "Faltung\\n')
    (2, 'a string without its closing quote')
    >>> syntax_problem('msgid "a"\\nmsgstr[0] "b"\\n')
    (2, 'msgstr[0] without msgid_plural')
    >>> syntax_problem('# note\\n#~ msgid "a"\\n#~ msgstr "b"\\n') is None
    True
    """
    plural = False
    # gettext ends a line at \n only: U+2028, U+0085 or U+001C inside a string are text (str.splitlines
    # would end the line there)
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        body = line.strip()
        previous = body.startswith(("#|", "#~|"))
        if body.startswith("#~"):
            body = body[2:].lstrip("|").strip()
        elif body.startswith("#|"):
            body = body[2:].strip()
        elif body.startswith("#") or not body:
            continue
        if not body:
            continue
        match = _KEYWORD_LINE.fullmatch(body)
        if match is None:
            if _UNCLOSED.fullmatch(body):
                return number, "a string without its closing quote"
            return number, f"not PO syntax: {body[:40]}"
        keyword = match.group(1) or ""
        if previous:
            continue
        if keyword == "msgid":
            plural = False
        elif keyword == "msgid_plural":
            plural = True
        elif keyword.startswith("msgstr[") and not plural:
            return number, f"{keyword} without msgid_plural"
        elif keyword == "msgstr" and plural:
            return number, "msgstr after msgid_plural (msgstr[0] expected)"
    return None


def read_catalog(path: Path) -> polib.POFile:
    """The PO file at ``path``, read in the encoding its header names; :class:`PoError` (``file:line: why``)
    if it cannot be read, breaks the PO syntax, or defines one message twice."""
    try:
        data = read_bounded(path)  # first: a FIFO or a device in the PO folder is refused, not waited on
        encoding = polib.detect_encoding(str(path))
        problem = syntax_problem(data.decode(encoding))
        if problem is not None:
            raise PoError(f"{path}:{problem[0]}: not a valid PO file ({problem[1]})")
        catalog = polib.pofile(str(path), wrapwidth=78, encoding=encoding)
    except (OSError, UnicodeDecodeError, LookupError) as exc:
        raise PoError(f"{path}: not a readable PO file ({exc})") from exc
    except PoError:
        raise
    except ValueError as exc:
        at = _POLIB_LINE.search(str(exc))
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise PoError(f"{where}: not a valid PO file ({_POLIB_LINE.sub('', str(exc))})") from exc
    first: dict[tuple[str | None, str], polib.POEntry] = {}
    for entry in catalog:
        earlier = first.setdefault((entry.msgctxt, entry.msgid), entry)
        if earlier is not entry:
            raise PoError(
                f"{path}:{entry.linenum}: not a valid PO file (a second definition of the message of line "
                f"{earlier.linenum})"
            )
    return catalog


@dataclass(frozen=True)
class Stamp:
    """What a PO file held when the run read it: a hash of its bytes (``None``: there was no file)."""

    digest: str | None

    @classmethod
    def of(cls, data: bytes | None) -> Stamp:
        return cls(None if data is None else hashlib.sha256(data).hexdigest())

    def changed(self, path: Path) -> bool:
        """Does ``path`` hold something else now (another text, a file where there was none, or none)?"""
        return Stamp.of(_bytes(path)) != self


def _bytes(path: Path) -> bytes | None:
    """The bytes of the file at ``path``; ``None`` if there is none (:class:`PoError` if it cannot be read)."""
    try:
        return read_bounded(path) if path.exists() and not path.is_dir() else None
    except OSError as exc:
        raise PoError(f"{path}: not a readable PO file ({exc.strerror or exc})") from exc


def read_stamped(path: Path) -> tuple[polib.POFile | None, Stamp]:
    """The catalog at ``path`` (``None`` if there is no file) and the :class:`Stamp` of the bytes it was
    read from (read again while a reviewer's save comes between the two reads)."""
    for _ in range(5):
        before = _bytes(path)
        if before is None:  # (a folder of its name is found when the file is staged: exit 1, nothing written)
            return None, Stamp.of(None)
        catalog = read_catalog(path)
        if _bytes(path) == before:
            return catalog, Stamp.of(before)
    raise PoError(f"{path}: the PO file keeps changing while it is read; run again when it is saved")
