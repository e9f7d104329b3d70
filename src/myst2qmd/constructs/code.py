"""Code cells and code blocks.

MyST::

    ```{code-cell} ipython3
    ---
    tags: [hide-input]
    ---
    import torch
    ```

Quarto::

    ```{python}
    #| code-fold: true
    import torch
    ```

``{code-block} py`` / ``{code}`` become plain fenced code (``:caption:`` → ``filename``,
``:caption:`` with ``:name:`` → a ``#lst-`` listing). Plain fences stay verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from ..cells import KERNEL_LANGUAGES
from ..codes import Code, Count
from ..context import Context
from ..directives import Directive, is_class_name
from ..yamlload import load_yaml
from . import ids
from .base import DirectiveSpec, Rewrite, attr_value, own_label

#: cell tag → Quarto cell option
TAG_OPTIONS = {
    "hide-input": ("code-fold", "true"),
    "hide-cell": ("code-fold", "true"),
    "remove-input": ("echo", "false"),
    "remove-output": ("output", "false"),
    "remove-cell": ("include", "false"),
    "raises-exception": ("error", "true"),
    "remove-stderr": ("warning", "false"),
    "remove-stdout": ("output", "false"),
    "skip-execution": ("eval", "false"),
    "full-width": ("column", "page"),
    "margin": ("column", "margin"),
}
# myst-nb honours the underscore spellings too (``remove_input``, ``hide_cell``, …)
TAG_OPTIONS.update({tag.replace("-", "_"): option for tag, option in list(TAG_OPTIONS.items()) if "-" in tag})


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
        try:
            loaded = load_yaml(value)
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, list):
            return [str(v) for v in loaded]
        return [t for t in re.split(r"[\s,\[\]]+", value) if t]
    return []


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return text if re.fullmatch(r"[\w.\-/ ]+", text) and text.strip() == text else attr_value(text)


def fence_for(body_lines: Sequence[str], minimum: int = 3) -> str:
    """A backtick fence longer than any backtick fence inside the body."""
    longest = 0
    for line in body_lines:
        match = re.match(r"^\s*(`{3,})", line)
        if match:
            longest = max(longest, len(match.group(1)))
    return "`" * max(minimum, longest + 1)


def code_cell(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{code-cell} ipython3 ```` → ```` ```{python} ```` with ``#|`` options."""
    ctx.count(Count.CODE_CELL)
    language = cell_language(d.argument, ctx.kernel_language)
    options: list[tuple[str, str]] = []
    tags = _tags(d.options.get("tags"))
    kept_tags = []
    for tag in tags:
        if tag in TAG_OPTIONS:
            pair = TAG_OPTIONS[tag]
            if pair not in options:
                options.append(pair)
            ctx.count(Count.CELL_TAG, tag)
        else:
            kept_tags.append(tag)
    if kept_tags:
        options.append(("tags", "[" + ", ".join(kept_tags) + "]"))
    for key, value in d.options.items():
        if key == "tags":
            continue
        if key in ("name", "label"):
            options.insert(0, ("label", str(value)))
        elif key == "mystnb" and isinstance(value, dict):
            ctx.warn(
                d.lineno,
                f"code-cell mystnb options not carried over: {', '.join(map(str, value))}",
                Code.OPTION_UNKNOWN,
            )
        else:
            options.append((key, _yaml_value(value)))
            ctx.info(
                d.lineno, f"code-cell option '{key}' kept as '#| {key}'; check Quarto knows it", Code.QUARTO_DIFFERS
            )
    comment = "//" if language in ("ojs", "js") else "#"
    lines = [f"{comment}| {key}: {value}" for key, value in options]
    fence = fence_for(d.body_lines, len(d.marker) if d.marker.startswith("`") else 3)
    open_ = f"{fence}{{{language}}}\n" + "".join(line + "\n" for line in lines)
    body = list(d.body_lines)
    if options and body and body[0].strip() == "":
        # "#|" options must be the first lines; the blank line after a YAML block goes
        return Rewrite(open=open_, close=fence, body="\n".join(_drop_leading_blank(body)))
    return Rewrite(open=open_, close=fence)


def _drop_leading_blank(lines: list[str]) -> list[str]:
    i = 0
    while i < len(lines) and lines[i].strip() == "" and i < 1:
        i += 1
    return lines[i:]


def code_block(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{code-block} py ```` → ```` ```py ```` (caption → ``filename``)."""
    ctx.count(Count.CODE_BLOCK)
    language = code_language(d.argument)
    attrs: list[str] = []
    caption = d.option("caption")
    attrs += [ident for ident in [ids.own_id(d, ctx, "lst")] if ident]
    if language and is_class_name(language):
        attrs.append("." + language)
    if d.flag("linenos") or d.flag("number-lines") or d.flag("lineno-start"):
        attrs.append(".numberLines")
        if d.option("lineno-start"):
            attrs.append(f"startFrom={attr_value(d.option('lineno-start'))}")
    if caption:
        attrs.append(caption_attribute(d, caption))
    if d.option("emphasize-lines"):
        attrs.append(f"code-line-numbers={attr_value(d.option('emphasize-lines'))}")
    fence = fence_for(d.body_lines, len(d.marker) if d.marker.startswith("`") else 3)
    return Rewrite(open=f"{fence}{fence_info(language, attrs)}\n", close=fence)


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
    {"caption", "name", "linenos", "number-lines", "lineno-start", "emphasize-lines", "class", "force", "dedent"}
)
SPECS = (
    DirectiveSpec(("code-cell",), code_cell, body="literal", title=False, prose=()),
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
