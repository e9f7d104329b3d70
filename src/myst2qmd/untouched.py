"""The guard that no construct reached into code: every code block of the source is found
again, byte-identical and in order, in the output, by a route of its own (the parser's tokens
of the source and a search in the result, never the edits that made it)."""

from __future__ import annotations

from markdown_it.token import Token

from .directives import directive_name, fence_content
from .parser import block_parser_for
from .source import View


def check_untouched(source: str, result: str, tokens: list[Token] | None = None) -> None:
    """Assert that every code block of ``source`` outside a directive is in ``result``
    byte-identical and in order (plain fences, ``~~~`` fences, indented code).

    The blocks are read from the parser's tokens of ``source`` (``tokens``: the block tokens the
    converter parsed, else ``source`` is parsed here) and found again in ``result``
    by search, never from the edits that made ``result``: a construct whose edit reaches
    into code fails here. Raises ``AssertionError`` naming the first block that changed.

    >>> check_untouched("A {ref}`x`.\\n\\n```py\\nx = 1\\n```\\n", "A @sec-x.\\n\\n```{.py}\\nx = 1\\n```\\n")
    >>> check_untouched("```py\\nx = 1\\n```\\n", "```py\\nx = 2\\n```\\n")
    Traceback (most recent call last):
    AssertionError: line 2: the code block changed: 'x = 1\\n'

    A footnote's code is found where the footnote stands, though the parser lists it last:

    >>> footnote = "A[^a].\\n\\n[^a]:\\n    ```\\n    b\\n```\\nc\\n```\\n"
    >>> check_untouched(footnote, footnote)
    """
    if "```" not in source and "~~~" not in source and "\n    " not in source and "\n\t" not in source:
        return
    view = View.root(source)
    pos = 0
    parsed = tokens if tokens is not None else block_parser_for(source).parse(source)  # block tokens
    # in the order of the source: the footnote plugin moves footnote definitions (and their code) to the end
    blocks = sorted((t for t in parsed if t.map is not None and t.type in ("fence", "code_block")), key=_first_line)
    for token in blocks:
        first, end = _first_line(token), token.map[1] if token.map else 0
        if token.type == "fence":
            if directive_name(token.info) is not None:
                continue
            close = fence_content(token, view)[1]
            # a fence never closed ends with its list item or quote (at the end of the file at the top)
            last = close if close is not None else end
            start, stop = view.abs(first + 1), view.abs(last) if last < view.nlines else len(source)
        else:
            start, stop = view.abs(first), view.abs_line_end(end - 1)
        body = source[start:stop]
        if not body.strip():
            continue
        found = result.find(body, pos)
        if found < 0:
            raise AssertionError(f"line {first + 1 + (token.type == 'fence')}: the code block changed: {body[:60]!r}")
        pos = found + len(body)


def _first_line(token: Token) -> int:
    return token.map[0] if token.map else 0
