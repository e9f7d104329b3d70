"""Comments.

* HTML comments holding LaTeX (``<!-- ### BEGIN LATEX EXPORT … ### END LATEX EXPORT -->``
  and any comment that is LaTeX source) are removed; other HTML comments stay verbatim.
* MyST ``% comment`` lines become HTML comments: ``% todo`` → ``<!-- todo -->``, except
  commented-out LaTeX (``% \\newpage``), which goes too.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from ..codes import Count
from ..context import Context
from ..source import comment_spans
from .base import TokenSpec, Walk, WalkState
from .blocks import replace_block

_STRUCTURAL = re.compile(
    r"^\s*\\(?:begin\{(?:frame|document|itemize|enumerate|block|columns|figure|minted|tabular)|"
    r"end\{(?:frame|document)|section\*?\{|subsection\*?\{|input\{|include\{|documentclass|usepackage|"
    r"frametitle|titlepage|tableofcontents|graphicspath|subtitle\{|maketitle)",
    re.MULTILINE,
)


#: one LaTeX command with its arguments: ``\newpage``, ``\vspace{1cm}``, ``\input{x.tex}``
_COMMAND_LINE = re.compile(r"^(?:\\[A-Za-z]+\*?(?:\[[^\]]*\])*(?:\{[^{}]*\})*\s*)+$")


def is_latex_comment(body: str) -> bool:
    """Is this comment's text LaTeX source (not commented-out Markdown)?

    >>> is_latex_comment("### BEGIN LATEX EXPORT\\n\\\\section{X}\\n### END LATEX EXPORT")
    True
    >>> is_latex_comment(" Title: Multilayer Perceptron ")
    False
    >>> is_latex_comment(" \\\\vspace{1cm} "), is_latex_comment(" $x$ stays ")
    (True, False)
    """
    if "BEGIN LATEX EXPORT" in body or "END LATEX EXPORT" in body:
        return True
    if _STRUCTURAL.search(body):
        return True
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if len(lines) == 1:
        return bool(_COMMAND_LINE.match(lines[0]))
    if not lines:
        return False
    latexish = sum(1 for line in lines if line.startswith(("\\", "%")))
    return latexish / len(lines) >= 0.6


def split_comments(text: str) -> tuple[list[str], str]:
    """The bodies of the complete comments in ``text``, and the text outside them (stripped).

    >>> split_comments("<!-- a --> x <!-- b --> <!-- c")
    ([' a ', ' b '], 'x  <!-- c')
    """
    comments: list[str] = []
    outside: list[str] = []
    pos = 0
    for start, end in comment_spans(text):
        outside.append(text[pos:start])
        comments.append(text[start + 4 : end - 3])
        pos = end
    outside.append(text[pos:])
    return comments, "".join(outside).strip()


def html_comment_block(token: Token, ctx: Context) -> str | None:
    """``""`` to remove a LaTeX comment block, ``None`` to keep the block."""
    text = token.content.strip()
    if not text.startswith("<!--"):
        return None
    # the block may hold several comments; remove it only when every one is LaTeX
    comments, rest = split_comments(text)
    if not comments or rest:
        return None
    if all(is_latex_comment(c) for c in comments):
        ctx.count(Count.LATEX_COMMENT_REMOVED)
        return ""
    return None


def inline_comment(source: str, ctx: Context) -> str | None:
    """A comment inside a paragraph: ``Text <!-- \\newpage --> mehr`` loses a LaTeX one.

    ``""`` removes it, ``None`` keeps it.
    """
    match = re.fullmatch(r"<!--(.*?)-->", source, re.DOTALL)
    if match is None or not is_latex_comment(match.group(1)):
        return None
    ctx.count(Count.LATEX_COMMENT_REMOVED)
    return ""


def line_comment(token: Token, ctx: Context) -> str:
    """``% a`` / ``% b`` → ``<!-- a -->`` / ``<!-- b -->``; commented-out LaTeX goes.

    ``% \\begin{frame}`` … ``% \\end{frame}`` is removed whole, a ``% \\newpage`` line on
    its own (each line is an HTML comment of its own afterwards, and those are judged alone).
    """
    if is_latex_comment(token.content):
        ctx.count(Count.LATEX_COMMENT_REMOVED)
        return ""
    ctx.count(Count.COMMENT)
    lines = [line.strip() for line in token.content.split("\n")]
    kept = [line for line in lines if not is_latex_comment(line)]
    if len(kept) < len(lines):
        ctx.count(Count.LATEX_COMMENT_REMOVED)
    if not kept:
        return ""
    return "\n".join(f"<!-- {line.replace('--', '- -')} -->" for line in kept)


def line_comment_rule(walk: Walk, state: WalkState, index: int) -> None:
    """A ``% comment`` line goes."""
    token = state.parsed.tokens[index]
    walk.extend(replace_block(token, state.parsed.view, line_comment(token, walk.ctx)))


TOKEN_SPECS = (TokenSpec("line comment", ("myst_line_comment",), line_comment_rule),)
