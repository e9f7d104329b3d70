"""Markers: a reply is taken for the unit it belongs to, never for another unit of its request.

Replies are untrusted: a model may give unit A's translation under unit B's id (two replies
swapped, all of them shifted after a dropped or merged unit). Two units alike in placeholders,
numbers and length give no check anything to notice such a swap by. So in a request of several
units each unit's text goes out behind a marker of its own, ``⟨m⟩ ``: a placeholder number that
no unit of the request uses, which the translation keeps as it keeps every placeholder
(:func:`mark`). A reply is taken for its unit only when it holds that unit's marker exactly once
and no other unit's; the marker is removed before the reply is checked (:func:`unmark`). A reply
that holds another unit's marker means the replies were given to the wrong units: none of that
request's replies is trusted (each unit is then sent alone, where there is nothing to confuse).

So units that look alike may share a request, and a request is filled up to the engine's size.

>>> units, markers = mark([Unit("a", "Ein Satz ⟨1⟩."), Unit("b", "Ein Satz ⟨1⟩!")])
>>> [u.text for u in units], markers
(['⟨2⟩ Ein Satz ⟨1⟩.', '⟨3⟩ Ein Satz ⟨1⟩!'], {'a': 2, 'b': 3})
>>> unmark({"a": Reply("⟨2⟩ A sentence ⟨1⟩."), "b": Reply("⟨3⟩ A sentence ⟨1⟩!")}, markers)["a"].text
'A sentence ⟨1⟩.'
>>> unmark({"a": Reply("⟨3⟩ A sentence ⟨1⟩!"), "b": Reply("⟨2⟩ A sentence ⟨1⟩.")}, markers)["a"].problem
'the replies of one request were given to the wrong segments'
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from ..placeholders import PLACEHOLDER, normalize_placeholders, placeholder, placeholders
from .engines.base import Reply, Unit

#: why every reply of a request is refused when one of them holds another unit's marker
CROSSED = "the replies of one request were given to the wrong segments"


def mark(units: list[Unit]) -> tuple[list[Unit], dict[str, int]]:
    """``units`` as they are sent, and each unit's marker number (none for a request of one unit).

    The markers are numbered after the highest placeholder of the request, counting the texts
    :func:`unmark` reads as one (``〈2〉``, ``<2>``), so no unit holds another's marker, nor its
    own, in its text."""
    if len(units) < 2:
        return units, {}
    first = 1 + max((max(placeholders(normalize_placeholders(u.text)), default=0) for u in units), default=0)
    markers = {unit.id: first + n for n, unit in enumerate(units)}
    return [replace(u, text=f"{placeholder(markers[u.id])} {u.text}") for u in units], markers


def unmark(replies: dict[str, Reply], markers: dict[str, int]) -> dict[str, Reply]:
    """The replies with their markers removed; a reply without its own marker (or with it twice) is
    refused, and if any reply holds another unit's marker, every reply is (:data:`CROSSED`)."""
    if not markers:
        return replies
    owner = {number: uid for uid, number in markers.items()}
    out: dict[str, Reply] = {}
    for uid, reply in replies.items():
        if uid not in markers or reply.problem or not isinstance(reply.text, str):
            out[uid] = reply
            continue
        text = normalize_placeholders(reply.text)
        found = [m for m in PLACEHOLDER.finditer(text) if int(m.group(1)) in owner]
        if any(owner[int(m.group(1))] != uid for m in found):
            return {key: replace(value, problem=CROSSED) for key, value in replies.items()}
        if len(found) != 1:
            why = "lost" if not found else "doubled"
            out[uid] = replace(reply, problem=f"{why} its marker {placeholder(markers[uid])}")
            continue
        out[uid] = replace(reply, text=_without(text, found[0].start(), found[0].end()))
    return out


def _without(text: str, start: int, end: int) -> str:
    """``text`` without the marker at ``start:end`` and one space beside it (``"⟦⟨2⟩ EIN⟧"`` →
    ``"⟦EIN⟧"``, ``"A ⟨2⟩ sentence"`` → ``"A sentence"``, ``"A sentence ⟨2⟩."`` → ``"A sentence."``).

    >>> _without("Word⟨2⟩ next", 4, 7), _without("⟨2⟩ First", 0, 3), _without("End ⟨2⟩", 4, 7)
    ('Word next', 'First', 'End')
    """
    before, after = text[:start], text[end:]
    opening = not before or before[-1].isspace() or unicodedata.category(before[-1]) in ("Ps", "Pi")
    if after[:1] in (" ", "\t") and opening:
        after = after[1:]
    elif before[-1:] in (" ", "\t") and (not after or unicodedata.category(after[0]).startswith("P")):
        before = before[:-1]
    return before + after
