"""Code blocks: ``{code-block}``, ``{code}``, ``{sourcecode}``, plain fences, diagrams.

MyST::

    ```{code-block} python
    :caption: main.py
    :lineno-start: 10

    print("hi")
    ```

Quarto::

    ```{.python .number-lines startFrom="10" filename="main.py"}
    print("hi")
    ```

``:caption:`` → ``filename`` (with ``:name:`` → a ``#lst-`` listing and ``lst-cap``), line numbers
→ ``code-line-numbers`` / ``startFrom``, mystmd's ``:filename:`` → ``filename``. Plain fences stay
verbatim. Executable cells are :mod:`.code_cells`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import yaml

from ..cells import KERNEL_LANGUAGES
from ..codes import Code, Count
from ..context import Context
from ..directives import Directive, is_class_name
from ..yamlload import load_yaml
from . import ids
from .base import DirectiveSpec, Rewrite, attr_value, own_label

#: Pygments lexer names Pandoc's highlighter does not know → the name it knows
LEXER_ALIASES = {
    "ipython3": "python",
    "ipython": "python",
    "ipython2": "python",
    "python3": "python",
    "py3": "python",
    "shell": "bash",
    "console": "bash",
    "shell-session": "bash",
    "zsh": "bash",
}


#: a value written as it is in an attribute (else quoted)
_PLAIN_VALUE = re.compile(r"[\w.\-/ ]+")
#: a line opening a backtick fence (its backticks)
_BACKTICK_FENCE = re.compile(r"^\s*(`{3,})")


def code_language(argument: str) -> str:
    """The fence language for a ``{code-block}``'s lexer: ``ipython3`` → ``python``."""
    lexer = argument.split()[0] if argument.strip() else ""
    return LEXER_ALIASES.get(lexer.lower(), lexer)


def cell_language(argument: str, default: str) -> str:
    """``ipython3`` → ``python``, ``ir`` → ``r``, ``julia-1.9`` → ``julia``."""
    arg = argument.strip().lower()
    if not arg:
        return KERNEL_LANGUAGES.get(default, default)
    if arg.startswith("julia"):
        return "julia"
    return KERNEL_LANGUAGES.get(arg, arg)


def _tags(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return list(_tags_of(value))
    return []


@lru_cache(maxsize=512)
def _tags_of(value: str) -> tuple[str, ...]:
    """The tags a ``:tags:`` option's text names: a YAML list, else words (books repeat a few often)."""
    try:
        loaded = load_yaml(value)
    except yaml.YAMLError:
        loaded = None
    if isinstance(loaded, list):
        return tuple(str(v) for v in loaded)
    return tuple(t for t in re.split(r"[\s,\[\]]+", value) if t)


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return text if _PLAIN_VALUE.fullmatch(text) and text.strip() == text else attr_value(text)


def fence_for(body_lines: Sequence[str], minimum: int = 3) -> str:
    """A backtick fence longer than any backtick fence inside the body."""
    longest = 0
    for line in body_lines:
        match = _BACKTICK_FENCE.match(line)
        if match:
            longest = max(longest, len(match.group(1)))
    return "`" * max(minimum, longest + 1)


def code_block(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{code-block} py ```` → ```` ```py ```` (caption → ``filename``, line numbers → Quarto's)."""
    ctx.count(Count.CODE_BLOCK)
    language = code_language(d.argument)
    attrs: list[str] = []
    caption = d.option("caption")
    attrs += [ident for ident in [ids.own_id(d, ctx, "lst")] if ident]
    if language and is_class_name(language):
        attrs.append("." + language)
    numbered = d.flag("linenos") or d.flag("number-lines") or d.flag("lineno-start")
    start = d.option("lineno-start") or d.option("number-lines")
    numbering = line_number_attributes(numbered, start, d.option("emphasize-lines"))
    attrs += [a for a in numbering if not a.startswith("code-line-numbers=")]
    if caption:
        attrs.append(caption_attribute(d, caption))
    if d.option("filename") and not any(a.startswith("filename=") for a in attrs):
        attrs.append(f"filename={attr_value(d.option('filename'))}")
    attrs += [a for a in numbering if a.startswith("code-line-numbers=")]
    fence = fence_for(d.body_lines, len(d.marker) if d.marker.startswith("`") else 3)
    return Rewrite(open=f"{fence}{fence_info(language, attrs)}\n", close=fence, body=literal_body(d))


def literal_body(d: Directive) -> str | None:
    """A literal body without the one blank line MyST-Parser, myst-nb and mystmd drop after the
    options (``None``: the body as it is).

    >>> from myst2qmd.directives import read_directive
    """
    lines = list(d.body_lines)
    if lines and not lines[0].strip():
        return "\n".join(lines[1:])
    return None


def line_number_attributes(numbered: bool, start: str, emphasize: str) -> list[str]:
    """Quarto's attributes for a code block's line numbers: ``code-line-numbers="true"``, from a
    first number other than 1 Pandoc's ``.number-lines startFrom="N"``; lines to emphasize are
    Quarto's ``code-line-numbers="2,4"``.

    >>> line_number_attributes(True, "", ""), line_number_attributes(True, "10", "")
    (['code-line-numbers="true"'], ['.number-lines', 'startFrom="10"'])
    >>> line_number_attributes(False, "", "2-3"), line_number_attributes(True, "1", "2")
    (['code-line-numbers="2-3"'], ['code-line-numbers="2"'])
    """
    start = start.strip()
    attrs: list[str] = []
    if numbered and start and start != "1":
        attrs += [".number-lines", f"startFrom={attr_value(start)}"]
    if emphasize.strip():
        attrs.append(f"code-line-numbers={attr_value(emphasize.strip())}")
    elif numbered and not attrs:
        attrs.append('code-line-numbers="true"')
    return attrs


def listing_kind(caption: str) -> str:
    """The cross-reference kind of a code block's label: a listing (``lst``) with a caption;
    without one an anchor, since Quarto numbers no listing without a caption (a ``{numref}`` to
    it becomes a link, and says so).

    >>> listing_kind("Der Code"), listing_kind("")
    ('lst', 'anchor')
    """
    return "lst" if caption else "anchor"


def caption_attribute(d: Directive, caption: str) -> str:
    """A code block's caption: ``lst-cap`` for a listing (a label), else Quarto's ``filename``."""
    return ("lst-cap=" if own_label(d) else "filename=") + attr_value(caption)


#: where a code block's ``:caption:`` (prose) is written
CAPTION_ATTRIBUTES = (("caption", "lst-cap"), ("caption", "filename"))


def fence_info(language: str, attrs: list[str]) -> str:
    """A code fence's info string: the language alone, or Pandoc's attribute block.

    A language Pandoc cannot read as a class (``c++``) stands before the block.

    >>> fence_info("py", [".py"]), fence_info("py", [".py", 'filename="a.py"']), fence_info("c++", ['filename="a"'])
    ('py', '{.py filename="a.py"}', 'c++ {filename="a"}')
    """
    rest = [a for a in attrs if a != f".{language}"]
    if not rest:
        return language
    block = "{" + " ".join(attrs) + "}"
    return block if not language or f".{language}" in attrs else f"{language} {block}"


_READABLE_INFO = re.compile(r"^\s*(?:\{.*\}|[^\s{]\S*(?:\s+\{.*\})?)?\s*$")
_INFO_WORD = re.compile(r"""([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)|(\S+)""")


def plain_fence_info(info: str, ctx: Context, line: int) -> str | None:
    """A plain fence's info string in the form Pandoc reads, or ``None`` when it reads it already.

    Pandoc takes a language word and an optional ``{…}`` block; anything else after the
    language makes the whole fence inline code. ``title=`` becomes Quarto's ``filename``,
    other ``key=value`` pairs attributes, other words classes.

    >>> plain_fence_info('python title="demo.py"', Context(), 1)
    '{.python filename="demo.py"}'
    >>> plain_fence_info("python", Context(), 1) is None, plain_fence_info("{.python}", Context(), 1) is None
    (True, True)
    """
    if _READABLE_INFO.match(info) or info.lstrip().startswith("{"):
        return None
    language, _, rest = info.strip().partition(" ")
    attrs: list[str] = [f".{language}"] if is_class_name(language) else []
    words: list[str] = []
    for match in _INFO_WORD.finditer(rest):
        key, value, word = match.groups()
        if word is not None:
            if is_class_name(word):
                attrs.append(f".{word}")
            else:
                words.append(word)
            continue
        if value[:1] in ('"', "'") and len(value) > 1 and value[-1] == value[0]:
            value = value[1:-1].replace('\\"', '"') if value[0] == '"' else value[1:-1]
        key = "filename" if key == "title" else key
        key = key if is_class_name(key) else "x-" + re.sub(r"[^\w\-:.]", "-", key)
        attrs.append(f"{key}={attr_value(value)}")
    if words:
        attrs.append(f"info={attr_value(' '.join(words))}")
        ctx.info(line, f"code fence info {' '.join(words)!r} kept as the attribute info=", Code.QUARTO_DIFFERS)
    ctx.count(Count.CODE_FENCE_INFO)
    return fence_info(language, attrs) if attrs != [f".{language}"] else language


def quarto_cell(d: Directive, ctx: Context) -> Rewrite:
    """``{graphviz}`` diagrams → Quarto's executable ``{dot}`` cells (```` ```{mermaid} ```` is
    one already: Quarto and MyST write it alike, see ``directives.QUARTO_CELL_LANGUAGES``)."""
    language = "dot"
    ctx.count(Count.DIAGRAM)
    fence = fence_for(d.body_lines)
    return Rewrite(open=f"{fence}{{{language}}}\n", close=fence)


_CODE_BLOCK_OPTIONS = frozenset(
    {
        "caption",
        "name",
        "linenos",
        "number-lines",
        "lineno-start",
        "emphasize-lines",
        "class",
        "force",
        "dedent",
        "filename",
    }
)
SPECS = (
    DirectiveSpec(
        ("code-block", "code", "sourcecode"),
        code_block,
        body="literal",
        kind=lambda d: listing_kind(d.option("caption")),
        title=False,
        options=_CODE_BLOCK_OPTIONS,
        prose=("caption",),
        prose_attributes=CAPTION_ATTRIBUTES,
    ),
    DirectiveSpec(("graphviz",), quarto_cell, body="literal", prose=()),
)
