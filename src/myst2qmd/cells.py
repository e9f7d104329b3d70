"""Quarto's executable cells: which ``{language}`` fences run, and the names Jupyter gives
their languages. The one list every part of the converter reads.

>>> "ojs" in CELL_LANGUAGES, KERNEL_LANGUAGES.get("ipython3"), sorted(HASH_COMMENT_LANGUAGES)
(True, 'python', ['bash', 'julia', 'python', 'r', 'sh'])
"""

from __future__ import annotations

#: Quarto's executable-cell languages (```` ```{python} ```` is a cell, never a MyST directive), each
#: with the sign its line comments start with where ``--translate-code-comments`` reads them
#: (``None``: its comments are left as they are)
CELL_LANGUAGES: dict[str, str | None] = {
    "python": "#",
    "r": "#",
    "julia": "#",
    "bash": "#",
    "sh": "#",
    "ojs": None,
    "mermaid": None,
    "dot": None,
    "sql": None,
    "octave": None,
    "stata": None,
    "sas": None,
}
#: the cell languages whose ``#`` comments can be translated
HASH_COMMENT_LANGUAGES = frozenset(name for name, sign in CELL_LANGUAGES.items() if sign == "#")
#: Jupyter kernel and language names that are not the cell language's own name → that name
KERNEL_LANGUAGES = {"ipython3": "python", "ipython": "python", "python3": "python", "ir": "r", "sh": "bash"}
