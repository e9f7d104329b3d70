"""sphinx-design (and mystmd) buttons, badges and icons, as the Bootstrap markup Quarto's HTML has.

MyST → Quarto::

    ```{button-link} https://example.org      [Zur Seite](https://example.org){.btn .btn-primary role="button"}
    Zur Seite
    ```
    ```{button-ref} sec-ziel                  [Zum Ziel](#sec-ziel){.btn .btn-primary role="button"}
    {button}`Los <https://example.org>`       [Los](https://example.org){.btn .btn-primary role="button"}
    {bdg-primary}`neu`                        [neu]{.badge .text-bg-primary}
    {bdg-primary-line}`neu`                   [neu]{.badge .border .border-primary .text-primary}
    {bdg-link-info}`Doku <https://x.org>`     [Doku](https://x.org){.badge .text-bg-info}
    {octicon}`check`                          {{< bi check >}}

Quarto's HTML is Bootstrap 5, so ``.btn`` and ``.badge`` look as sphinx-design's do. Icons
become the ``bi`` shortcode of the quarto-ext/bootstrap-icons extension (octicon names that
Bootstrap Icons lack need the extension's own name): an info says the extension is needed.
"""

from __future__ import annotations

import re

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import convert_fragment
from .base import DirectiveSpec, Rewrite, Role, RoleResult, RoleSpec, Tokenize, attr_value, link_target
from .references import doc_target, page_of, resolve

#: ``text <target>`` in a role's content
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.DOTALL)
_COLORS = frozenset({"primary", "secondary", "success", "info", "warning", "danger", "light", "dark", "muted"})
_BUTTON_OPTIONS = frozenset(
    {"color", "outline", "align", "expand", "click-parent", "tooltip", "shadow", "ref-type", "class", "name"}
)


def _color(value: str, ctx: Context, line: int) -> str:
    value = value.strip() or "primary"
    if value not in _COLORS:
        ctx.warn(line, f"button color '{value}' is no Bootstrap color; primary used", Code.OPTION_INVALID)
        return "primary"
    return value


def button_attributes(d: Directive, ctx: Context) -> str:
    """``{.btn .btn-primary role="button"}`` for a button directive's options (``:color:``, ``:outline:``,
    ``:expand:``, ``:class:``)."""
    color = _color(d.option("color"), ctx, d.lineno)
    classes = [".btn", f".btn-outline-{color}" if d.flag("outline") else f".btn-{color}"]
    classes += [".w-100"] if d.flag("expand") else []
    classes += [f".{c}" for c in d.classes()]
    return "{" + " ".join(classes) + ' role="button"}'


def _button_target(d: Directive, ctx: Context) -> tuple[str, str]:
    """``(link target, text shown when the body is empty)`` of a button directive."""
    target = d.argument.strip()
    if d.name == "button-link":
        return target, target
    if d.option("ref-type") == "doc":
        return doc_target(target), target
    ident, _ = resolve(target, ctx, "sec", d.lineno)
    label = ctx.labels.get(target)
    return f"{page_of(target, ctx)}#{ident}", (label.title if label is not None and label.title else target)


def button(d: Directive, ctx: Context) -> Rewrite:
    """``{button-link} URL`` / ``{button-ref} label`` with its body as the text: a link styled as a button."""
    ctx.count(Count.BUTTON)
    target, fallback = _button_target(d, ctx)
    text = " ".join(line.strip() for line in d.body_lines if line.strip())
    shown = convert_fragment(d, text, d.view.lineno(d.body_first)) if text else fallback
    link = f"[{shown}]({link_target(target)}){button_attributes(d, ctx)}"
    # a directive without body lines is written in place of its opening lines
    return Rewrite(open="", body=link, close="") if d.body_lines else Rewrite(open=link, close="")


def _body_text(d: Directive, tokenize: Tokenize) -> None:
    """A button's body is its text, MyST of its own: tokenized by the parse."""
    text = " ".join(line.strip() for line in d.body_lines if line.strip())
    if text:
        tokenize(text)


def button_role(role: Role, ctx: Context) -> RoleResult:
    """mystmd's ``{button}`Text <url>``` → ``[Text](url){.btn .btn-primary role="button"}``."""
    ctx.count(Count.BUTTON)
    text, target = _split(role.content)
    return RoleResult(f"[{text}]({link_target(target)}){{.btn .btn-primary role={attr_value('button')}}}")


def _split(content: str) -> tuple[str, str]:
    """``Text <target>`` → ``("Text", "target")``; a bare target is its own text."""
    match = _EXPLICIT.match(content)
    if match is None:
        return content.strip(), content.strip()
    return (match["text"].strip() or match["target"].strip()), match["target"].strip()


def badge(role: Role, ctx: Context) -> RoleResult:
    """``{bdg-primary}`neu``` → ``[neu]{.badge .text-bg-primary}``; ``-line`` variants are outlined,
    ``bdg-link-…``/``bdg-ref-…`` a link styled as a badge."""
    ctx.count(Count.BADGE)
    parts = role.name.split("-")[1:]
    kind = parts.pop(0) if parts and parts[0] in ("link", "ref") else ""
    line = bool(parts) and parts[-1] == "line"
    color = "-".join(parts[:-1] if line else parts)
    if color not in _COLORS:
        ctx.warn(
            role.lineno, f"{{{role.name}}}: '{color}' is no Bootstrap color; written as secondary", Code.QUARTO_DIFFERS
        )
        color = "secondary"
    classes = f".badge .border .border-{color} .text-{color}" if line else f".badge .text-bg-{color}"
    if not kind:
        return RoleResult(f"[{role.content}]{{{classes}}}")
    text, target = _split(role.content)
    if kind == "ref":
        ident, _ = resolve(target, ctx, "sec", role.lineno)
        target = f"{page_of(target, ctx)}#{ident}"
    return RoleResult(f"[{text}]({link_target(target)}){{{classes}}}")


def icon(role: Role, ctx: Context) -> RoleResult:
    """``{octicon}`check;1em;cls``` (and sphinx-design's ``{fab}``/``{fas}``/``{far}``) → ``{{< bi check >}}``."""
    ctx.count(Count.ICON)
    name = role.content.split(";")[0].strip()
    ctx.info(
        role.lineno,
        f"{{{role.name}}}`{name}` becomes {{{{< bi {name} >}}}}, the shortcode of the quarto-ext/bootstrap-icons "
        "extension (add it to the book; Bootstrap Icons may name this icon otherwise)",
        Code.QUARTO_DIFFERS,
    )
    return RoleResult("{{< bi " + name + " >}}")


SPECS = (
    DirectiveSpec(
        ("button-link", "button-ref"),
        button,
        body="verbatim",
        title=False,
        options=_BUTTON_OPTIONS,
        prose=("body",),
        fragments=_body_text,
    ),
)
ROLE_SPECS = (
    RoleSpec(("button",), button_role),
    RoleSpec(("octicon", "fab", "fas", "far"), icon),
    RoleSpec((), badge, prefixes=("bdg-",)),
)
