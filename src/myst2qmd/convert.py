"""The walker: MyST token stream in, edits out.

``convert_text`` parses the document once (directive bodies are re-parsed as documents of
their own, with their place in the file remembered), collects every label, then asks the
construct modules for edits and applies them. Text that no construct claims is never
touched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from markdown_it.token import Token

from . import labels as labelmod
from .adapter import InlineLocator, block_lines, link_destination, table_cell_locators
from .constructs import registry
from .constructs.base import FENCE, Role
from .constructs.frontmatter import frontmatter_edits, read_kernel
from .constructs.links import rewrite_link
from .constructs.math import label_from_amsmath
from .context import Context, Label, Options, Warning_
from .directives import Directive, container_prefix_len, directive_name, fence_content, read_directive
from .edits import Edit, Normalized, apply_edits, check_untouched
from .linemap import source_lines
from .parser import shared_parser
from .source import View

MAX_DEPTH = 1000
_BARE_URL = re.compile(r"(?<![<(\[\"'=/\w])(?:https?://|www\.)[^\s<>()\[\]`]*[^\s<>()\[\]`.,;:!?'\"]")
_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")


@dataclass
class Result:
    """The converted text and what the converter has to say about the input."""

    text: str
    warnings: list[Warning_] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    #: ``source_lines[n - 1]``: the input's line that line ``n`` of :attr:`text` came from
    source_lines: list[int] = field(default_factory=list)


@dataclass
class Parsed:
    """A view, its tokens, and the directives (with parsed bodies) found in them."""

    view: View
    tokens: list[Token]
    directives: dict[int, Directive] = field(default_factory=dict)
    bodies: dict[int, Parsed] = field(default_factory=dict)


@contextmanager
def _deep_recursion(limit: int) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


class Converter:
    """Converts one document; holds the context while it walks."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.md = shared_parser()
        self.edits: list[Edit] = []
        if ctx.fragment_converter is None:
            ctx.fragment_converter = self.fragment

    # -- parsing ---------------------------------------------------------------------------
    def parse(self, view: View) -> Parsed:
        tokens = self.md.parse(view.text, {})
        parsed = Parsed(view=view, tokens=tokens)
        for index, token in enumerate(tokens):
            if token.type not in ("fence", "colon_fence") or token.map is None:
                continue
            directive = read_directive(token, view)
            if directive is None:
                if token.type == "colon_fence" and view.depth < MAX_DEPTH:
                    # a Pandoc div (our own output) or a bare ::: block: walk inside it
                    sub = self._fence_body_view(token, view)
                    if sub is not None:
                        parsed.bodies[index] = self.parse(sub)
                continue
            parsed.directives[index] = directive
            if registry.parses_body(directive.name) and view.depth < MAX_DEPTH:
                sub = directive.sub_view()
                if sub is None:
                    self.ctx.warn(
                        directive.lineno, f"could not map the body of {{{directive.name}}} to the file; body kept as is"
                    )
                else:
                    parsed.bodies[index] = self.parse(sub)
            elif view.depth >= MAX_DEPTH:
                self.ctx.warn(directive.lineno, f"directives nested deeper than {MAX_DEPTH}; body kept as is")
        return parsed

    @staticmethod
    def _fence_body_view(token: Token, view: View) -> View | None:
        lines, _ = fence_content(token, view)
        return view.sub(block_lines(token)[0] + 1, lines)

    # -- labels ------------------------------------------------------------------------------
    def collect_labels(self, parsed: Parsed) -> None:
        tokens = parsed.tokens
        view = parsed.view
        for index, token in enumerate(tokens):
            if token.type == "myst_target" and token.map is not None:
                nxt = _next_block(tokens, index + 1)
                if nxt is not None and tokens[nxt].type == "heading_open":
                    title = tokens[nxt + 1].content if nxt + 1 < len(tokens) else ""
                    self._define(token.content, "sec", view.lineno(token.map[0]), title)
                    _alias_to_next_target(tokens, index, self.ctx.labels)
                else:
                    self._define(token.content, "anchor", view.lineno(token.map[0]))
            elif token.type == "math_block_label" and token.map is not None:
                self._define(token.info, "eq", view.lineno(token.map[0]))
            elif token.type == "amsmath" and token.map is not None:
                label = label_from_amsmath(token.content)
                if label:
                    self._define(label, "eq", view.lineno(token.map[0]))
        for directive in parsed.directives.values():
            if directive.name == "glossary":
                for n, line in enumerate(directive.body_lines):
                    if line.strip() and not line[:1].isspace():
                        self._define(f"term:{line.strip()}", "term", directive.view.lineno(directive.body_first + n))
            found = registry.label_of(directive)
            if found is not None:
                name, kind = found
                self._define(name, kind, directive.lineno, registry.title_of(directive))
        for body in parsed.bodies.values():
            self.collect_labels(body)

    def _define(self, name: str, kind: str, line: int, title: str = "") -> None:
        name = name.strip()
        if not name:
            return
        if name in self.ctx.labels:
            self.ctx.warn(line, f"label '{name}' is defined twice (first at line {self.ctx.labels[name].line})")
            return
        qid = labelmod.quarto_id(name, kind)
        for other in self.ctx.labels.values():
            if other.quarto_id == qid:
                self.ctx.warn(
                    line, f"labels '{other.name}' and '{name}' both become '#{qid}'; the second keeps its own spelling"
                )
                qid = f"{qid}-{len(self.ctx.labels)}"
                break
        self.ctx.labels[name] = Label(name=name, kind=kind, quarto_id=qid, line=line, title=title)
        if kind == "sec" and title:
            # the heading's own anchor (myst_heading_anchors) now lives under the label's id
            alias = f"slug:{heading_slug(title)}"
            self.ctx.labels.setdefault(alias, Label(name=alias, kind=kind, quarto_id=qid, line=line, title=title))

    # -- edits ---------------------------------------------------------------------------------
    def add(self, start: int, end: int, new: str, kind: str = "") -> None:
        self.edits.append(Edit(start, end, new, kind))

    def walk(self, parsed: Parsed) -> int:
        """Add the edits for one view; return the longest ``:`` fence found or written in it."""
        view = parsed.view
        tokens = parsed.tokens
        widest = 0
        in_table = 0
        section_label: Label | None = None
        for index, token in enumerate(tokens):
            ttype = token.type
            if ttype == "myst_target":
                section_label = self.target(token, view)
                continue
            if ttype == "heading_open":
                self.heading(tokens, index, view, section_label)
            if token.map is not None:
                section_label = None
            if ttype == "table_open":
                in_table += 1
                self.table(tokens, index, view)
            elif ttype == "table_close":
                in_table -= 1
            elif ttype == "inline" and not in_table and token.map is not None:
                self.inline(token, InlineLocator(token.content, view, token.map[0]), view.lineno(token.map[0]))
            elif ttype in ("fence", "colon_fence"):
                widest = max(widest, self.fence(parsed, index))
            elif ttype in ("math_block", "math_block_label", "amsmath"):
                self.replace_block(token, view, registry.math_block(token, view, self.ctx))
            elif ttype == "html_block":
                self.replace_block(token, view, registry.html_block(token, view, self.ctx))
            elif ttype == "myst_line_comment":
                self.replace_block(token, view, registry.line_comment(token, self.ctx))
            elif ttype == "myst_block_break":
                self.ctx.count("block break")
                self.replace_block(token, view, "")
        return widest

    def replace_block(self, token: Token, view: View, new: str | None) -> None:
        """Replace a whole block (its lines, keeping its indentation) with ``new``.

        ``""`` removes the block's lines, newlines included.
        """
        if new is None:
            return
        first, end = block_lines(token)
        end = min(end, view.nlines)
        if new == "":
            self.remove_lines(view, first, end, token.type)
            return
        src = view.line(first)
        # the indentation, or a block quote's "> " markers, that every new line needs again
        indent = (
            src[: len(src) - len(src.lstrip(" \t>"))]
            if src.lstrip(" \t").startswith(">")
            else (src[: len(src) - len(src.lstrip(" \t"))])
        )
        start = view.abs(first, len(indent))
        stop = view.abs(end - 1, len(view.line(end - 1)))
        self.add(start, stop, _indent(new, indent), token.type)

    def remove_lines(self, view: View, first: int, end: int, kind: str) -> None:
        """Remove lines ``first…end-1``; after a blank line, the blank lines after them go too."""
        if first == 0 or view.line(first - 1).strip() == "":
            while end < view.nlines - 1 and view.line(end).strip() == "":
                end += 1
        self.add(view.abs(first, 0), view.abs_line_end(end - 1), "", kind)

    def target(self, token: Token, view: View) -> Label | None:
        """``(label)=``: folded into the heading after it, else an anchor ``[]{#label}``."""
        self.ctx.count("target")
        label = self.ctx.labels.get(token.content.strip())
        if label is not None and label.kind == "sec":
            self.replace_block(token, view, "")
            return label
        anchor = label.quarto_id if label else labelmod.slug(token.content)
        self.replace_block(token, view, f"[]{{#{anchor}}}")
        return None

    def heading(self, tokens: list[Token], index: int, view: View, label: Label | None) -> None:
        """``(label)=`` before a heading → ``## Heading {#sec-label}``.

        An attribute block the heading already has gains the id: ``{.unnumbered}`` →
        ``{#sec-label .unnumbered}``; one that already has an id is left alone (and reported).
        """
        inline = tokens[index + 1]
        heading_map = tokens[index].map
        if label is None or inline.map is None or heading_map is None:
            return
        atx = tokens[index].markup.startswith("#")
        last = inline.map[0] if atx else heading_map[1] - 2
        text = view.line(last).rstrip()
        attrs = re.search(r"\s\{([^{}]*)\}$", text)
        if attrs is not None:
            if re.search(r"(^|\s)#", attrs.group(1)):
                self.ctx.warn(view.lineno(last), f"heading already has an id; label '{label.name}' not added")
                return
            at = view.abs(last, attrs.start(1))
            self.add(at, at, f"#{label.quarto_id} ", "section label")
            return
        # ATX: after a closing sequence of #s too, as Pandoc wants it: "## Title ## {#sec-x}"
        self.add(view.abs(last, len(text)), view.abs(last, len(text)), f" {{#{label.quarto_id}}}", "section label")

    def table(self, tokens: list[Token], index: int, view: View) -> None:
        for inline, locator in table_cell_locators(tokens, index, view):
            line = view.lineno(inline.map[0]) if inline.map else view.lineno(0)
            self.inline(inline, locator, line)

    def inline(self, token: Token, locator: InlineLocator, lineno: int) -> None:
        if not token.children:
            return
        substitutions = self.ctx.options.substitutions and "{{" in token.content
        linkify = self.ctx.options.linkify and "://" in token.content
        needs = substitutions or linkify or any(c.type in registry.INLINE_TYPES for c in token.children)
        if not needs:
            return
        if not locator.ok:
            self.ctx.warn(lineno, "could not locate this paragraph's text in the file; its roles were left as they are")
            return
        content = token.content
        for child in token.children:
            if child.type not in registry.INLINE_TYPES:
                continue
            span = child.meta.get("span") if child.meta else None
            if span is None:
                continue
            line = lineno + content.count("\n", 0, span[0])
            if child.type == "link_open":
                self.link(child, content, span, locator, line)
            elif child.type == "myst_role":
                role = Role(name=child.meta["name"], content=child.content, lineno=line, before=content[: span[0]])
                result = registry.role(role, self.ctx)
                if result is None:
                    continue
                start = span[0] - result.eat_before
                self.add(locator.abs(start), locator.abs(span[1]), result.text, f"role {role.name}")
            else:
                alone = span == (0, len(content))
                new = registry.inline_token(child, content[span[0] : span[1]], line, self.ctx, alone)
                if new is not None:
                    self.add(locator.abs(span[0]), locator.abs(span[1]), new, child.type)
        if substitutions:
            self.substitute(token, locator, lineno)
        if linkify:
            self.linkify(token, locator)

    def linkify(self, token: Token, locator: InlineLocator) -> None:
        """A bare ``https://…`` in text → ``<https://…>`` (what MyST's linkify extension renders)."""
        content = token.content
        taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
        # like markdown-it's linkify: nothing inside an HTML <a>…</a> is linked again
        opened: int | None = None
        for child in token.children or []:
            span = (child.meta or {}).get("span")
            if child.type == "html_inline" and span is not None:
                if re.match(r"<a[\s>]", child.content, re.IGNORECASE):
                    opened = span[0]
                elif re.match(r"</a\s*>", child.content, re.IGNORECASE) and opened is not None:
                    taken.append((opened, span[1]))
                    opened = None
        for match in _BARE_URL.finditer(content):
            if any(a <= match.start() < b for a, b in taken):
                continue
            self.ctx.count("bare URL linked")
            self.add(locator.abs(match.start()), locator.abs(match.end()), f"<{match.group(0)}>", "linkify")

    def link(self, token: Token, content: str, span: tuple[int, int], locator: InlineLocator, line: int) -> None:
        """A Markdown link's destination, as MyST resolves it (labels, documents, built pages)."""
        if content[span[0] : span[0] + 9] == "<project:":
            # a MyST autolink <project:#label> or <project:path.md>
            rewrite = rewrite_link(content[span[0] + 1 : span[1] - 1], True, self.ctx, line)
            if rewrite is not None:
                whole = rewrite.whole or f"[{rewrite.target}]({rewrite.target})"
                self.add(locator.abs(span[0]), locator.abs(span[1]), whole, "link")
            return
        destination = link_destination(content, span)
        if destination is None:
            return
        target = content[destination[0] : destination[1]]
        empty = content[span[0] + 1 : span[0] + 2] == "]"
        rewrite = rewrite_link(target, empty, self.ctx, line)
        if rewrite is None:
            return
        if rewrite.whole is not None:
            self.add(locator.abs(span[0]), locator.abs(span[1]), rewrite.whole, "link")
        elif rewrite.target is not None and rewrite.target != target:
            bracketed = content[destination[0] - 1 : destination[0]] == "<"
            new = f"<{rewrite.target}>" if " " in rewrite.target and not bracketed else rewrite.target
            self.add(locator.abs(destination[0]), locator.abs(destination[1]), new, "link")

    def substitute(self, token: Token, locator: InlineLocator, lineno: int) -> None:
        """``{{ key }}`` (``myst_substitutions``) → its value, converted as MyST; never inside code."""
        content = token.content
        taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
        for match in _SUBSTITUTION.finditer(content):
            if any(a <= match.start() < b for a, b in taken):
                continue
            key = match.group(1)
            line = lineno + content.count("\n", 0, match.start())
            value = self.ctx.options.substitutions.get(key)
            if value is None:
                self.ctx.warn(line, f"substitution {{{{ {key} }}}} is not defined; kept as it is")
                continue
            self.ctx.count("substitution")
            new = self.fragment(str(value), line).strip("\n")
            self.add(locator.abs(match.start()), locator.abs(match.end()), new, "substitution")

    def fence(self, parsed: Parsed, index: int) -> int:
        """A fenced block: a directive to rewrite, a Pandoc div to walk into, or code to keep."""
        token = parsed.tokens[index]
        view = parsed.view
        directive = parsed.directives.get(index)
        body = parsed.bodies.get(index)
        if directive is None:
            if body is not None:
                inner = self.walk(body)
                return max(inner, len(token.markup))
            if view.depth > 0 and token.type == "fence":
                self.close_code_fence(token, view)
            return 0
        inner = self.walk(body) if body is not None else 0
        rewrite = registry.directive(directive, self.ctx)
        if rewrite.open == "" and rewrite.body == "" and rewrite.close == "":
            # removed altogether ({bibliography}, {toctree}): its lines go, like a removed block
            last = directive.close_line if directive.close_line is not None else view.nlines - 1
            self.remove_lines(view, directive.open_line, last + 1, f"directive {directive.name}")
            return 0
        fence_len = max(3, inner + 1)
        fence = ":" * fence_len
        uses_fence = False
        first_line = directive.open_line
        if rewrite.open is not None:
            uses_fence = FENCE in rewrite.open
            new_open = rewrite.open.replace(FENCE, fence)
            start = view.abs(first_line, len(directive.indent))
            stop = (
                view.abs(directive.body_first, 0)
                if directive.body_first < view.nlines
                else view.abs(view.nlines - 1, len(view.line(view.nlines - 1)))
            )
            if directive.body_first >= view.nlines:
                new_open = new_open.rstrip("\n")
            elif not new_open.endswith("\n") and new_open:
                new_open += "\n"
            new_open = _indent(new_open, directive.indent)
            if uses_fence and first_line > 0 and view.line(first_line - 1).strip():
                # Pandoc only opens a div after a blank line
                new_open = "\n" + directive.indent + new_open
            if directive.option_errors:
                for err in directive.option_errors:
                    self.ctx.warn(directive.lineno, f"{{{directive.name}}}: {err}; options kept as a comment before it")
                # before the construct, never inside it (inside a code cell it would be code)
                raw = "\n".join(directive.raw_options).replace("-->", "--&gt;")
                comment = _indent(
                    f"<!-- {{{directive.name}}} options that could not be read:\n{raw}\n-->", directive.indent
                )
                new_open = comment + "\n" + directive.indent + new_open
            if new_open == "" and directive.body_first < view.nlines:
                start = view.abs(first_line, 0)
                if rewrite.body is None and (first_line == 0 or not view.line(first_line - 1).strip()):
                    # after a blank line, the body's leading blank lines go with the fence
                    skip = 0
                    while skip < len(directive.body_lines) - 1 and not directive.body_lines[skip].strip():
                        skip += 1
                    stop = view.abs(directive.body_first + skip, 0)
            self.add(start, stop, new_open, f"directive {directive.name}")
        if rewrite.body is not None and directive.body_lines:
            start = view.abs(directive.body_first, 0)
            last = directive.body_first + len(directive.body_lines) - 1
            stop = view.abs(last, len(view.line(last)))
            self.add(start, stop, _indent(rewrite.body, directive.indent, first=True), f"directive {directive.name}")
        if rewrite.prefix_body is not None:
            filled = [i for i, text in enumerate(directive.body_lines) if text.strip()]
            # blank lines before the first and after the last line of text stay unquoted
            for i in range(filled[0], filled[-1] + 1) if filled else ():
                line = directive.body_first + i
                at = (
                    view.abs(line, len(directive.indent))
                    if view.line(line).startswith(directive.indent)
                    else view.abs(line, 0)
                )
                self.add(
                    at, at, rewrite.prefix_body if view.line(line).strip() else rewrite.prefix_body.rstrip(), "quote"
                )
        if rewrite.close is not None:
            uses_fence = uses_fence or FENCE in rewrite.close
            new_close = rewrite.close.replace(FENCE, fence)
            if directive.close_line is not None:
                line = directive.close_line
                src = view.line(line)
                if new_close == "":
                    self.add(view.abs(line, 0), view.abs_line_end(line), "", f"directive {directive.name}")
                else:
                    start = view.abs(line, container_prefix_len(src))
                    self.add(
                        start,
                        view.abs(line, len(src)),
                        _indent(new_close, directive.indent),
                        f"directive {directive.name}",
                    )
            else:
                self.ctx.warn(directive.lineno, f"{{{directive.name}}} is never closed; closed at the end of the file")
                end = view.abs(view.nlines - 1, len(view.line(view.nlines - 1)))
                tail = view.line(view.nlines - 1)
                sep = "" if tail == "" else "\n"
                # after a final newline the close needs one of its own
                after = "\n" if tail == "" else ""
                if new_close:
                    self.add(
                        end, end, sep + directive.indent + _indent(new_close, directive.indent) + after, "unclosed"
                    )
        return fence_len if uses_fence else inner

    def fragment(self, text: str, lineno: int) -> str:
        """Convert a piece of MyST (a table cell, a caption) with this document's labels."""
        if not text:
            return text
        sub = Converter(self.ctx)
        view = View.root(text)
        view.first_lineno = lineno
        sub.walk(sub.parse(view))
        return apply_edits(text, sub.edits)

    def close_code_fence(self, token: Token, view: View) -> None:
        """A code fence left open inside a directive ends with that directive's body (as in MyST);
        Pandoc would run it to the end of the file, so it gets its closing fence."""
        if fence_content(token, view)[1] is not None:
            return
        first, end = block_lines(token)
        marker = token.markup
        self.ctx.warn(view.lineno(first), "code fence never closed inside a directive; closed where the directive ends")
        src = view.line(first)
        indent = src[: container_prefix_len(src)]
        tail = view.abs(end - 1, len(view.line(end - 1)))
        self.add(tail, tail, ("\n" if view.line(end - 1) else "") + indent + marker, "fence closed")

    def document(self, text: str) -> list[Edit]:
        root = View.root(text)
        parsed = self.parse(root)
        self.collect_labels(parsed)
        self.edits = []
        self.ctx.images_folder = registry.images_folder(text)
        read_kernel(parsed.tokens, self.ctx)
        self.walk(parsed)
        self.edits.extend(frontmatter_edits(parsed.tokens, root, self.ctx, self.edits))
        return self.edits


def heading_slug(title: str) -> str:
    """The anchor MyST (``myst_heading_anchors``, GitHub style) gives a heading.

    >>> heading_slug("Stacking & Receptive Field")
    'stacking--receptive-field'
    """
    text = re.sub(r"\{[^{}]*\}|`|\*|_(?=\w)|(?<=\w)_", "", title).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _indent(text: str, indent: str, first: bool = False) -> str:
    """Indent every line after the first (or every line) of ``text`` with ``indent``."""
    if not indent:
        return text
    lines = text.split("\n")
    out = [(indent + lines[0]) if first and lines[0] else lines[0]]
    out += [(indent + line) if line else line for line in lines[1:]]
    return "\n".join(out)


def _alias_to_next_target(tokens: list[Token], index: int, labels: dict[str, Label]) -> None:
    """``(a)=`` ``(b)=`` ``## H``: the heading takes one id, so ``a`` becomes an alias of ``b``."""
    this = labels.get(tokens[index].content.strip())
    if this is None or this.kind != "sec":
        return
    before = index - 1
    while before >= 0 and tokens[before].type == "myst_target":
        previous = labels.get(tokens[before].content.strip())
        if previous is not None and previous.kind == "sec":
            previous.quarto_id = this.quarto_id
        before -= 1


def _next_block(tokens: list[Token], start: int) -> int | None:
    for i in range(start, len(tokens)):
        if tokens[i].type in ("myst_target",):
            continue
        if tokens[i].map is not None or tokens[i].type.endswith("_open"):
            return i
    return None


def convert_text(
    text: str,
    *,
    path: str = "<string>",
    images_path: str | None = None,
    escape_fences: bool = False,
    macros: dict[str, tuple[str, int]] | None = None,
    external_labels: dict[str, str] | None = None,
    engine: str = "none",
    options: Options | None = None,
) -> Result:
    """Convert MyST Markdown ``text`` to Quarto Markdown.

    >>> convert_text("See {numref}`fig-a`.\\n").text
    'See @fig-a.\\n'
    """
    if engine not in ("none",):
        raise ValueError(f"unknown translation engine {engine!r}")
    if options is None:
        options = Options(
            images_path=images_path,
            escape_fences=escape_fences,
            macros=dict(macros or {}),
            external_labels=dict(external_labels or {}),
        )
    ctx = Context(path=path, options=options)
    if text.startswith("\ufeff"):
        text = text[1:]
    source = Normalized(text)
    with _deep_recursion(20000):
        converter = Converter(ctx)
        edits = converter.document(source.text)
        out = apply_edits(source.text, edits)
        check_untouched(source.text, edits, out)
        if source.changed:
            out = source.rebuild(edits)
        if options.escape_fences:
            out = registry.escape_fences(out)
    registry.report_macros(ctx)
    counts = dict(ctx.counts)
    warnings = sorted(ctx.warnings, key=lambda w: w.line)
    lines = source_lines(source.text, edits)
    return Result(text=out, warnings=warnings, counts=counts, labels=dict(ctx.labels), source_lines=lines)


__all__ = ["Result", "convert_text", "directive_name"]
