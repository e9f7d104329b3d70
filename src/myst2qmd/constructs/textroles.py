"""Inline roles that are formatting, not references.

MyST → Quarto::

    H{sub}`2`O, x{sup}`2`        →  H~2~O, x^2^
    {abbr}`CSS (Cascading …)`     →  [CSS]{title="Cascading …"}
    {kbd}`Ctrl+C`                 →  {{< kbd Ctrl+C >}}
    {math}`a^2`                   →  $a^2$
    {code}`x = 1`, {file}`a.txt`  →  `x = 1`, `a.txt`

A role nobody knows becomes ``[content]{.role-name}`` and is reported.
"""

from __future__ import annotations

import re

from ..codes import Code, Count
from ..context import Context
from .base import Role, RoleFn, RoleResult, RoleSpec, attr_value


def inline_code(text: str) -> str:
    """Backtick ``text`` with a fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _pandoc_script(text: str, mark: str) -> str:
    return mark + text.replace("\\", "\\\\").replace(" ", "\\ ").replace(mark, "\\" + mark) + mark


def sub(role: Role, ctx: Context) -> RoleResult:
    return RoleResult(_pandoc_script(role.content, "~"))


def sup(role: Role, ctx: Context) -> RoleResult:
    return RoleResult(_pandoc_script(role.content, "^"))


def abbr(role: Role, ctx: Context) -> RoleResult:
    match = re.match(r"^(.*?)\s*\((.*)\)\s*$", role.content, re.DOTALL)
    if not match:
        return RoleResult(role.content)
    return RoleResult(f"[{match.group(1)}]{{title={attr_value(match.group(2))}}}")


def kbd(role: Role, ctx: Context) -> RoleResult:
    """``{kbd}`Ctrl+C``` → ``{{< kbd Ctrl+C >}}``; keys with spaces are quoted.

    >>> kbd(Role("kbd", "Ctrl C", 1), Context()).text
    '{{< kbd "Ctrl C" >}}'
    """
    keys = role.content.strip()
    if re.search(r"[\s=\"'<>{}]", keys) or not keys:
        quote = "'" if '"' in keys else '"'
        keys = quote + keys.replace(quote, "") + quote
    return RoleResult("{{< kbd " + keys + " >}}")


def math(role: Role, ctx: Context) -> RoleResult:
    ctx.count(Count.INLINE_MATH)
    return RoleResult(f"${role.content.strip()}$")


def code(role: Role, ctx: Context) -> RoleResult:
    return RoleResult(inline_code(role.content))


def emphasis(role: Role, ctx: Context) -> RoleResult:
    return RoleResult(f"*{role.content}*")


def strong(role: Role, ctx: Context) -> RoleResult:
    return RoleResult(f"**{role.content}**")


def span(css: str) -> RoleFn:
    def role_fn(role: Role, ctx: Context) -> RoleResult:
        return RoleResult(f"[{role.content}]{{.{css}}}")

    return role_fn


def strike(role: Role, ctx: Context) -> RoleResult:
    return RoleResult(f"~~{role.content}~~")


def index(role: Role, ctx: Context) -> RoleResult:
    ctx.info(role.lineno, "{index} entries have no Quarto equivalent; the text is kept", Code.QUARTO_DIFFERS)
    text = re.sub(r"\s*<[^<>]*>\s*$", "", role.content)
    return RoleResult(text)


def raw(fmt: str) -> RoleFn:
    def role_fn(role: Role, ctx: Context) -> RoleResult:
        return RoleResult(f"{inline_code(role.content)}{{={fmt}}}")

    return role_fn


def unknown(role: Role, ctx: Context) -> RoleResult:
    """Any other role: kept visible as a span with the role's name as class."""
    ctx.warn(
        role.lineno,
        f"unknown role {{{role.name}}}; written as a span [..]{{.{role.name.replace(':', '-')}}}",
        Code.ROLE_UNKNOWN,
    )
    ctx.count(Count.UNKNOWN_ROLE)
    return RoleResult(f"[{role.content}]{{.{role.name.replace(':', '-')}}}")


_CODE_ROLES = (
    "file",
    "samp",
    "command",
    "program",
    "envvar",
    "option",
    "mimetype",
    "makevar",
    "regexp",
    "literal",
    "func",
    "class",
    "meth",
    "mod",
    "attr",
    "data",
    "obj",
    "exc",
    "const",
    "type",
)
SPECS = (
    RoleSpec(("sub", "subscript"), sub),
    RoleSpec(("sup", "superscript"), sup),
    RoleSpec(("abbr",), abbr),
    RoleSpec(("kbd",), kbd),
    RoleSpec(("math",), math),
    #: ``{py:func}``, ``{r:…}``: a domain prefix keeps the role's last part as code
    RoleSpec(("code", *_CODE_ROLES), code, prefixes=("py:", "js:", "c:", "cpp:", "std:", "r:", "jl:", "julia:")),
    RoleSpec(("emphasis", "dfn"), emphasis),
    RoleSpec(("strong",), strong),
    RoleSpec(("u",), span("underline")),
    RoleSpec(("del",), strike),
    RoleSpec(("sc",), span("smallcaps")),
    RoleSpec(("guilabel",), span("guilabel")),
    RoleSpec(("menuselection",), span("menuselection")),
    RoleSpec(("index",), index),
    RoleSpec(("raw-html",), raw("html")),
    RoleSpec(("raw-latex", "raw-tex"), raw("latex")),
)
