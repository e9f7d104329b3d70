"""JSON of any depth, and the text of a pandoc AST subtree, without recursion.

``json.loads`` recurses once per array or object: pandoc's AST of 600 nested divs (which
``convert`` writes from 600 nested callouts) is about 1,800 levels deep and raises
``RecursionError``. :func:`loads` reads such a text with an explicit stack instead (only then:
the C decoder is much faster).

>>> deep = "[" * 5000 + "]" * 5000
>>> value = loads(deep)
>>> depth = 0
>>> while value:
...     value, depth = value[0], depth + 1
>>> depth
4999
>>> loads('{"t": "Str", "c": "F\\\\u00fcr", "n": [1, -2.5e3, true, null]}')
{'t': 'Str', 'c': 'Für', 'n': [1, -2500.0, True, None]}
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_TOKEN = re.compile(r"[ \t\n\r]*(?:([\[{])|([\]}])|([,:])|(\")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(true|false|null))")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def loads(text: str) -> Any:
    """``json.loads(text)``, for a text nested deeper than the interpreter's recursion limit too.

    Raises ``ValueError`` (``json.JSONDecodeError`` is one) for a text that is not JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        return _loads_flat(text)


def _loads_flat(text: str) -> Any:
    """A JSON text read token by token with an explicit stack of open arrays and objects."""
    holder: list[Any] = []
    stack: list[Any] = [holder]
    keys: list[str | None] = [None]  # per open container: an object's key waiting for its value
    pos = 0
    while True:
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip():
                raise ValueError(f"not JSON at character {pos}")
            break
        pos = match.end()
        opening, closing, _, quote, number, literal = match.groups()
        if opening:
            stack.append([] if opening == "[" else {})
            keys.append(None)
            continue
        if closing:
            if len(stack) == 1:
                raise ValueError(f"'{closing}' closes nothing at character {pos - 1}")
            value: Any = stack.pop()
            keys.pop()
        elif quote:
            value, pos = scanstring(text, pos)
            if isinstance(stack[-1], dict) and keys[-1] is None:
                keys[-1] = value
                continue
        elif number:
            value = float(number) if any(c in number for c in ".eE") else int(number)
        elif literal:
            value = _LITERALS[literal]
        else:
            continue  # a comma or colon
        top = stack[-1]
        if isinstance(top, dict):
            top[keys[-1]] = value
            keys[-1] = None
        else:
            top.append(value)
    if len(stack) != 1 or len(holder) != 1:
        raise ValueError("not one complete JSON value")
    return holder[0]


def plain_text(node: object) -> str:
    """The text of a pandoc AST subtree, words separated by spaces, code and raw text included
    (in document order, with an explicit stack: no depth is too deep).

    >>> plain_text([{"t": "Para", "c": [{"t": "Str", "c": "a"}, {"t": "Code", "c": [["", [], []], "b"]}]}])
    ' ab'
    """
    out: list[str] = []
    todo: list[object] = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            tag, content = item.get("t"), item.get("c")
            if tag == "Str" and isinstance(content, str):
                out.append(content)
            elif tag in ("Code", "CodeBlock", "RawBlock", "RawInline") and isinstance(content, list):
                out.append(str(content[-1]))
            else:
                out.append(" ")
                todo.append(content)
        elif isinstance(item, list):
            todo.extend(reversed(item))
    return "".join(out)
