"""The last step of every output: what is done to the finished Markdown (converted, and
translated if the run translates) before it is written, in one place.

Today that is ``--escape-fences``: every backtick fence line written ``\\```…`` (for pasting
into a chat). It comes after translation: an escaped fence would be no code to the segmenter,
and its code would be sent for translation. A notebook's Markdown cells are finished one by one
(its code cells hold code, not fences); a notebook written as ``.qmd`` is finished whole.

>>> finish("```python\\nx = 1\\n```\\n", escape_fences=True)
'\\\\```python\\nx = 1\\n\\\\```\\n'
"""

from __future__ import annotations

import re

_FENCE_LINE = re.compile(r"(?m)^([ \t]*)(?=```)")


def escape_fences(text: str) -> str:
    """Every backtick fence line written ``\\```…`` (for pasting into a chat)."""
    return _FENCE_LINE.sub(r"\1\\", text)


def finish(text: str, *, escape_fences: bool) -> str:
    """``text`` as it is written: with its fences escaped if ``escape_fences`` (``--escape-fences``)."""
    return _FENCE_LINE.sub(r"\1\\", text) if escape_fences else text


def finish_all(texts: list[str], *, escape_fences: bool) -> list[str]:
    """:func:`finish` of each of ``texts`` (a notebook's Markdown cells, a book chapter's pieces)."""
    return [finish(text, escape_fences=escape_fences) for text in texts]
