"""The two MyST dialects a document may be written in, and which one a project is.

Jupyter Book 1 reads MyST as MyST-Parser and Sphinx read it (a ``_config.yml``/``_toc.yml`` book);
Jupyter Book 2 as mystmd reads it (a ``myst.yml`` project). A construct that reads differently in
the two declares it in its spec (``jb2=`` on :class:`~.constructs.base.DirectiveSpec`, ``TokenSpec``,
``RoleSpec``); the core resolves it with :func:`~.constructs.base.in_dialect`, never by branching.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path


class Dialect(str, Enum):
    """``jb1``: MyST-Parser and Sphinx (Jupyter Book 1); ``jb2``: mystmd (Jupyter Book 2)."""

    JB1 = "jb1"
    JB2 = "jb2"

    def __str__(self) -> str:
        return self.value


#: what ``--dialect``, ``dialect =`` and ``MYST2QMD_DIALECT`` accept
DIALECT_NAMES = tuple(d.value for d in Dialect)
#: project file → the dialect it makes its folder, the first found in a folder winning (a folder
#: upgraded to Jupyter Book 2 holds its ``myst.yml`` beside the old ``_config.yml``)
PROJECT_FILES = (("myst.yml", Dialect.JB2), ("_config.yml", Dialect.JB1), ("_toc.yml", Dialect.JB1))


class DialectError(ValueError):
    """A dialect name that is not ``jb1`` or ``jb2``."""


def parse_dialect(value: object, where: str) -> Dialect:
    """``value`` as a :class:`Dialect` (any case, spaces around it allowed); ``where`` names the flag,
    variable or file in the message of the :class:`DialectError` a bad value raises.

    >>> parse_dialect(" JB2 ", "--dialect")
    <Dialect.JB2: 'jb2'>
    >>> parse_dialect("sphinx", "MYST2QMD_DIALECT")
    Traceback (most recent call last):
    ...
    myst2qmd.dialect.DialectError: MYST2QMD_DIALECT: unknown dialect 'sphinx' (jb1: Jupyter Book 1, jb2: Jupyter Book 2)
    """
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in DIALECT_NAMES:
        raise DialectError(f"{where}: unknown dialect {value!r} (jb1: Jupyter Book 1, jb2: Jupyter Book 2)")
    return Dialect(text)


def project_dialect(folder: Path) -> Dialect | None:
    """The dialect of the project file in ``folder`` (``myst.yml``: JB2, ``_config.yml``/``_toc.yml``:
    JB1), or ``None`` when it holds none."""
    for name, dialect in PROJECT_FILES:
        if (folder / name).is_file():
            return dialect
    return None


def detect_dialect(src: Path) -> Dialect:
    """The dialect ``src`` is written in: a book folder's by its project file; a file's by the nearest
    project file in its folder or above it; Jupyter Book 1 when there is none."""
    start = (src if src.is_dir() else src.parent).resolve()
    for folder in [start, *start.parents]:
        found = project_dialect(folder)
        if found is not None:
            return found
    return Dialect.JB1
