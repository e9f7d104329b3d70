"""The ``⟨n⟩`` placeholders that stand for a segment's protected spans while its prose is
translated (``Siehe @fig-a.`` is sent as ``Siehe ⟨1⟩.``): one spelling, one pattern, read by
the segments, the checks of every reply, language detection and the engines.

>>> placeholder(2), [int(m.group(1)) for m in PLACEHOLDER.finditer("⟨1⟩ und ⟨ 2 ⟩")]
('⟨2⟩', [1, 2])
>>> normalize_placeholders("See 〈1〉 and < 2 >.")
'See ⟨1⟩ and ⟨2⟩.'
"""

from __future__ import annotations

import re
from collections import Counter

#: a placeholder as written (``⟨1⟩``) or with spaces inside, as engines give it back (``⟨ 1 ⟩``)
PLACEHOLDER = re.compile(r"⟨\s*(\d+)\s*⟩")
#: the ways engines mangle ``⟨n⟩``: spaces, other angle brackets (what a reply's checks read as a
#: placeholder, so the same text in a source is protected too: see :mod:`.segments`)
LOOK_ALIKE = re.compile(r"[⟨〈‹<]\s*(\d{1,3})\s*[⟩〉›>]")


def placeholder(n: int) -> str:
    """The placeholder of the ``n``-th protected span (1-based)."""
    return f"⟨{n}⟩"


def normalize_placeholders(text: str) -> str:
    """``⟨ 1 ⟩``, ``〈1〉``, ``<1>`` → ``⟨1⟩``."""
    return LOOK_ALIKE.sub(lambda m: placeholder(int(m.group(1))), text)


def placeholders(text: str) -> Counter[int]:
    """How often each placeholder number stands in ``text``."""
    return Counter(int(m.group(1)) for m in PLACEHOLDER.finditer(text))
