"""Checking a reviewed translation (a PO file's ``msgstr``) as an engine's reply is checked, before
it wins over the engine: the checks that guard the document."""

from __future__ import annotations

import re

from ..placeholders import PLACEHOLDER, placeholder
from ..segments import Segment
from .engines.base import text_problem
from .validate import markup_problem, written_problem


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
