"""The dialect a fixture case is written in, as the case states it.

A fixture file named ``FAMILY.jb2.md`` (``tests/fixtures/admonitions.jb2.md``) holds Jupyter Book 2
(mystmd) cases; any other file Jupyter Book 1 (MyST-Parser) ones. A case may state its own in its
title, ``[dialect: jb2]``, which wins over its file's; and the MyST-Parser extensions its project
enables beyond Jupyter Book 1's default ones, ``[extensions: fieldlist]``.
"""

from __future__ import annotations

import re
from pathlib import Path

from myst2qmd.context import Options
from myst2qmd.dialect import Dialect, parse_dialect

#: ``[dialect: jb2]`` in a case's title
STATED = re.compile(r"\[dialect:\s*([^\]]*)\]")
#: ``[extensions: fieldlist]`` in a case's title
EXTENSIONS = re.compile(r"\[extensions:\s*([^\]]*)\]")


def case_dialect(path: Path, title: str) -> Dialect:
    """The dialect of the case ``title`` of the fixture file ``path``.

    >>> case_dialect(Path("admonitions.jb2.md"), "note"), case_dialect(Path("a.md"), "x [dialect: jb2]")
    (<Dialect.JB2: 'jb2'>, <Dialect.JB2: 'jb2'>)
    >>> case_dialect(Path("admonitions.md"), "note"), case_dialect(Path("a.jb2.md"), "x [dialect: jb1]")
    (<Dialect.JB1: 'jb1'>, <Dialect.JB1: 'jb1'>)
    """
    stated = STATED.search(title)
    if stated is not None:
        return parse_dialect(stated.group(1), title)
    suffixes = path.suffixes
    return parse_dialect(suffixes[-2][1:], path.name) if len(suffixes) > 1 else Dialect.JB1


def case_extensions(title: str) -> frozenset[str]:
    """The extensions a case's title enables (``[extensions: fieldlist]``).

    >>> sorted(case_extensions("field list [extensions: fieldlist] [warns: none]")), case_extensions("note")
    (['fieldlist'], frozenset())
    """
    stated = EXTENSIONS.search(title)
    return frozenset(name.strip() for name in stated.group(1).split(",")) if stated else frozenset()


def case_options(path: Path, title: str) -> Options:
    """The options a fixture case is converted with: its dialect's, with the extensions it enables."""
    return Options(dialect=case_dialect(path, title), fieldlist="fieldlist" in case_extensions(title))
