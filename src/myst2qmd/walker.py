"""The walk: a parsed document in, edits out.

:class:`Walker` hands each token to the rule for its type (``rules[token.type]``, as
markdown-it-py's renderer does); the rules ask :mod:`.constructs.registry` for the Quarto
text of a construct and record it as an :class:`~.edits.Edit` on the original text. Text no
rule claims is never touched. Parsing is :mod:`.convert`'s, labels :mod:`.labelpass`'s.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from . import labels as labelmod
from .adapter import InlineLocator, block_lines, link_destination, table_cell_locators
from .codes import Code
from .constructs import registry
from .constructs.base import FENCE, Role, link_target
from .constructs.blocks import (
    ANCHORED_BLOCKS,
    WRAPPED_BLOCKS,
    colon_runs,
    follows_text,
    holds_text,
    last_filled_line,
    lazy_lines,
    list_marker_escape,
    needs_blank_before,
    quote_prefix,
)
from .constructs.links import rewrite_link
from .context import Context, Label
from .directives import Directive, block_prefix_len, container_prefix_len, continuation, fence_content
from .edits import Edit, apply_edits
from .labelpass import next_block
from .nesting import Fragment
from .parsed import Fragments, Parsed
from .parser import parse_inline
from .source import View, line_starts
from .structure import fragment_parse

_BARE_URL = re.compile(r"(?<![<(\[\"'=/\w])(?:https?://|www\.)[^\s<>()\[\]`]*[^\s<>()\[\]`.,;:!?'\"]")
_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")


@dataclass
class WalkState:
    """What the walk of one view carries from token to token."""

    parsed: Parsed
    #: the longest ``:`` fence found or written in the view
    widest: int = 0
    #: inside a table (its cells are walked by the table's rule)
    in_table: int = 0
    #: the section label just read, for the heading right after it
    section_label: Label | None = None
    #: ``(label, block, id)``: blocks to wrap in a div with the label's id, once walked
    wraps: list[tuple[Token, Token, str]] = field(default_factory=list)


Rule = Callable[[WalkState, int], None]


class Walker:
    """Walks parsed views of one document, adding edits; holds the context while it walks."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.edits: list[Edit] = []
        #: :attr:`edits`, the same sorted, and how many of them are sorted in (see :meth:`edits_within`)
        self._sorted: tuple[list[Edit], list[Edit], int] = ([], [], 0)
        #: tokens of one parse another construct claims (the heading that becomes the title)
        self.claimed: tuple[Parsed | None, frozenset[int]] = (None, frozenset())
        #: token type → rule (a type without one is left as written)
        self.rules: dict[str, Rule] = {
            "myst_target": self._target_rule,
            "heading_open": self._heading_rule,
            "paragraph_open": self._paragraph_rule,
            "table_open": self._table_open_rule,
            "table_close": self._table_close_rule,
            "inline": self._inline_rule,
            "fence": self._fence_rule,
            "colon_fence": self._fence_rule,
            "math_block": self._math_rule,
            "math_block_label": self._math_rule,
            "amsmath": self._math_rule,
            "html_block": self._html_rule,
            "myst_line_comment": self._line_comment_rule,
            "myst_block_break": self._block_break_rule,
        }

    # -- fragments -----------------------------------------------------------------------------
    def fragments(self, token: Token | None) -> Fragments:
        """The fragments of ``token`` (a directive's title, cells…) from the document's parse, converted
        by this walk's :meth:`fragment` (``None``: texts no parse holds, a substitution's value)."""
        return Fragments(token, self.fragment)

    def fragment(self, text: str, lineno: int, fragment: Fragment | None) -> str:
        """A fragment (``text`` at 1-based line ``lineno``) converted from its tokens with this document's
        labels and context, by a walk of its own."""
        walker = Walker(self.ctx)
        walker.walk(fragment_parse(text, lineno, fragment, self.ctx))
        return apply_edits(text, without_clashing_dedents(walker.edits))

    # -- edits ---------------------------------------------------------------------------------
    def add(self, start: int, end: int, new: str, kind: str = "") -> None:
        self.edits.append(Edit(start, end, new, kind))

    def walk(self, parsed: Parsed) -> int:
        """Add the edits for one view; return the longest ``:`` fence found or written in it.

        Each token goes to the rule for its type (``self.rules[token.type]``, as markdown-it-py's
        renderer does); a label before a block is passed on to the heading that follows it.
        """
        state = WalkState(parsed)
        claimed = self.claimed[1] if parsed is self.claimed[0] else frozenset()
        for index, token in enumerate(parsed.tokens):
            if index in claimed:
                continue
            rule = self.rules.get(token.type)
            if rule is not None:
                rule(state, index)
            if token.type != "myst_target" and token.map is not None:
                state.section_label = None
        for target, block, anchor in reversed(state.wraps):  # inner blocks first: their fences close first
            state.widest = max(state.widest, self.wrap_block(parsed.view, target, block, anchor))
        return state.widest

    # -- the rules: one per token type ---------------------------------------------------------
    def _target_rule(self, state: WalkState, index: int) -> None:
        state.section_label = self.target(state.parsed, index, state.wraps)

    def _heading_rule(self, state: WalkState, index: int) -> None:
        self.heading(state.parsed.tokens, index, state.parsed.view, state.section_label)

    def _paragraph_rule(self, state: WalkState, index: int) -> None:
        tokens = state.parsed.tokens
        if index + 1 < len(tokens):
            self.paragraph_start(tokens[index + 1], state.parsed.view)

    def _table_open_rule(self, state: WalkState, index: int) -> None:
        state.in_table += 1
        self.table(state.parsed.tokens, index, state.parsed.view, state.parsed.env)

    def _table_close_rule(self, state: WalkState, index: int) -> None:
        state.in_table -= 1

    def _inline_rule(self, state: WalkState, index: int) -> None:
        token, view = state.parsed.tokens[index], state.parsed.view
        if not state.in_table and token.map is not None:
            with self.children(token, state.parsed.env):
                self.inline(token, InlineLocator(token.content, view, token.map[0]), view.lineno(token.map[0]))

    def _fence_rule(self, state: WalkState, index: int) -> None:
        state.widest = max(state.widest, self.fence(state.parsed, index))

    def _math_rule(self, state: WalkState, index: int) -> None:
        token, view = state.parsed.tokens[index], state.parsed.view
        self.replace_block(token, view, registry.math_block(token, view, self.ctx))

    def _html_rule(self, state: WalkState, index: int) -> None:
        token, view = state.parsed.tokens[index], state.parsed.view
        self.replace_block(token, view, registry.html_block(token, view, self.ctx, self.fragments(token)))

    def _line_comment_rule(self, state: WalkState, index: int) -> None:
        token = state.parsed.tokens[index]
        self.replace_block(token, state.parsed.view, registry.line_comment(token, self.ctx))

    def _block_break_rule(self, state: WalkState, index: int) -> None:
        """``+++`` goes; between two lines of text it leaves a blank line (the blocks stay two)."""
        self.ctx.count("block break")
        token, view = state.parsed.tokens[index], state.parsed.view
        first, end = block_lines(token)
        if first > 0 and end < view.nlines and holds_text(view.line(first - 1)) and holds_text(view.line(end)):
            src = view.line(first)
            lead = len(src[: block_prefix_len(src)].rstrip())  # "> " in a quote: its ">" stays
            start = view.abs(first, lead)
            self.add(start, view.abs(first, len(src)), "", token.type)
            return
        self.replace_block(token, view, "")

    # -- what the rules do -----------------------------------------------------------------------

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
        # the indentation, a block quote's "> " or a list item's "- " before the block: every new
        # line needs it again (list markers as spaces; a directive body's own is outside the view)
        lead = block_prefix_len(view.line(first))
        start = view.abs(first, lead)
        stop = view.abs(end - 1, len(view.line(end - 1)))
        self.add(start, stop, _indent(new, continuation(view.prefix(first, lead))), token.type)

    def remove_lines(self, view: View, first: int, end: int, kind: str) -> None:
        """Remove lines ``first…end-1``; after a blank line, the blank lines after them go too."""
        if first == 0 or view.line(first - 1).strip() == "":
            while end < view.nlines - 1 and view.line(end).strip() == "":
                end += 1
        # from the file's line start: the container prefix ("> ") goes with the line's newline
        self.add(_line_start(view, first), view.abs_line_end(end - 1), "", kind)

    def target(self, parsed: Parsed, index: int, wraps: list[tuple[Token, Token, str]]) -> Label | None:
        """``(label)=``: the id goes where Pandoc reads it on the block after the label.

        A heading takes it (``## Heading {#sec-label}``, returned to :meth:`heading`), a
        paragraph starts with an anchor (``[]{#label}``), a table gets the caption
        ``: {#label}``, a list, quote, code block, definition list or HTML block a div around
        it (``::: {#label}``, added to ``wraps``). Before a directive, a rule, another label,
        or a block a div fence would cut (lazy lines, a code fence never closed), the anchor
        is a paragraph of its own.
        """
        tokens, view = parsed.tokens, parsed.view
        token = tokens[index]
        self.ctx.count("target")
        label = self.ctx.labels.get(token.content.strip())
        if label is not None and label.kind == "sec":
            self.replace_block(token, view, "")
            return label
        anchor = label.quarto_id if label else labelmod.slug(token.content)
        nxt = next_block(tokens, index + 1)
        block = tokens[nxt] if nxt is not None else None
        if block is None or block.type in ANCHORED_BLOCKS:
            self.replace_block(token, view, f"[]{{#{anchor}}}")
        elif (
            tokens[index + 1].type == "myst_target"
            or nxt in parsed.directives
            or block.type not in WRAPPED_BLOCKS
            or (block.type == "fence" and fence_content(block, view)[1] is None)  # a div would end inside the code
            or lazy_lines(view, block, view.line(block_lines(token)[0]))  # a div fence would cut a paragraph
            or (block.type == "table_open" and registry.captions_table(parsed.owner))  # {table} writes the caption
            or (block.type == "table_open" and not _pipes_on_every_line(view, block))  # a caption would glue on
        ):
            self.replace_block(token, view, f"[]{{#{anchor}}}")
            line = block_lines(token)[0]
            src = view.line(line)
            end = view.abs(line, len(src))
            self.add(end, end, "\n" + quote_prefix(src[: container_prefix_len(src)]), "target")
        elif block.type == "table_open":
            self.replace_block(token, view, "")
            last = last_filled_line(view, block)
            indent = view.line(last)[: container_prefix_len(view.line(last))]
            end = view.abs(last, len(view.line(last)))
            after = _blank_after(view, last, indent)
            self.add(end, end, f"\n{quote_prefix(indent)}\n{indent}: {{#{anchor}}}{after}", "target")
        else:
            wraps.append((token, block, anchor))
        return None

    def edits_within(self, start: int, end: int) -> list[Edit]:
        """The edits made so far that lie inside ``start…end``: looked up in the edits sorted by
        their start (edits made since the last look-up are sorted in), not by a pass over all."""
        if self._sorted[0] is not self.edits:
            self._sorted = (self.edits, sorted(self.edits), len(self.edits))
        edits, ordered, seen = self._sorted
        for edit in edits[seen:]:
            insort(ordered, edit)
        self._sorted = (edits, ordered, len(edits))
        lo = bisect_left(ordered, start, key=lambda e: e.start)
        hi = bisect_right(ordered, end, lo=lo, key=lambda e: e.start)
        return [e for e in ordered[lo:hi] if e.end <= end]

    def wrap_block(self, view: View, target: Token, block: Token, anchor: str) -> int:
        """``(label)=`` + a list → ``::: {#label}`` + the list + ``:::``; return the fence's width.

        The fence is wider than any ``:`` fence inside the block, so MyST reads the div
        back as one (Pandoc would not need it).
        """
        first = block_lines(block)[0]
        last = last_filled_line(view, block)
        start, end = view.abs(first, 0), view.abs(last, len(view.line(last)))
        inner = [e.new for e in self.edits_within(start, end)]
        runs = [n for text in [*inner, view.text[start:end]] for n in colon_runs(text)]
        fence = ":" * max([3, *(n + 1 for n in runs)])
        line = block_lines(target)[0]
        src = view.line(line)
        indent = src[: container_prefix_len(src)]
        # Pandoc opens a div only after a blank line
        if line > 0 and follows_text(view, line):
            self.add(view.abs(line, 0), view.abs(line, 0), quote_prefix(indent) + "\n", "target")
        self.replace_block(target, view, f"{fence} {{#{anchor}}}")
        self.add(end, end, f"\n{indent}{fence}{_blank_after(view, last, indent)}", "target")
        return len(fence)

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
                self.ctx.warn(
                    view.lineno(last), f"heading already has an id; label '{label.name}' not added", Code.LABEL_IGNORED
                )
                return
            at = view.abs(last, attrs.start(1))
            self.add(at, at, f"#{label.quarto_id} ", "section label")
            return
        # ATX: after a closing sequence of #s too, as Pandoc wants it: "## Title ## {#sec-x}"
        self.add(view.abs(last, len(text)), view.abs(last, len(text)), f" {{#{label.quarto_id}}}", "section label")

    def paragraph_start(self, inline: Token, view: View) -> None:
        """``a) erstens`` starts a paragraph in MyST but a list in Pandoc: ``a\\) erstens``."""
        if inline.map is None:
            return
        at = list_marker_escape(inline.content.split("\n", 1)[0])
        if at is None:
            return
        locator = InlineLocator(inline.content, view, inline.map[0])
        if not locator.ok:
            return
        self.ctx.count("list marker escaped")
        self.add(locator.abs(at), locator.abs(at), "\\", "list marker")

    @staticmethod
    @contextmanager
    def children(token: Token, env: dict[str, Any] | None) -> Iterator[None]:
        """An inline token's children while the block holding it is walked: parsed here when the
        document was parsed block tokens first (``env`` is that parse's), and let go afterwards."""
        if env is None:
            yield
            return
        if not token.children:  # (a book's search for paths out of it may have parsed them already)
            parse_inline(token, env)
        try:
            yield
        finally:
            token.children = []

    def table(self, tokens: list[Token], index: int, view: View, env: dict[str, Any] | None = None) -> None:
        first = block_lines(tokens[index])[0] if tokens[index].map is not None else 0
        if index and tokens[index - 1].type == "paragraph_close" and view.line(first - 1).strip(" \t>"):
            # a table right under a paragraph line is that paragraph's text for pandoc
            prefix = view.line(first)[: container_prefix_len(view.line(first))].rstrip()
            self.add(view.abs(first), view.abs(first), prefix + "\n", "blank line before a table")
        for inline, locator in table_cell_locators(tokens, index, view):
            line = view.lineno(inline.map[0]) if inline.map else view.lineno(0)
            with self.children(inline, env):
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
            self.ctx.warn(
                lineno,
                "could not locate this paragraph's text in the file; its roles were left as they are",
                Code.UNCONVERTED,
            )
            return
        content = token.content
        before = len(self.edits)
        starts = line_starts(content)
        for child in token.children:
            if child.type not in registry.INLINE_TYPES:
                continue
            span = child.meta.get("span") if child.meta else None
            if span is None:
                continue
            line = lineno + bisect_right(starts, span[0]) - 1
            if child.type == "link_open":
                self.link(child, content, span, locator, line)
            elif child.type == "myst_role":
                before_role = _text_before(content, span[0])
                role = Role(name=child.meta["name"], content=child.content, lineno=line, before=before_role)
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
        self.keep_fence_like_lines(content, locator, self.edits[before:])

    def keep_fence_like_lines(self, content: str, locator: InlineLocator, edits: list[Edit]) -> None:
        """A paragraph line like ```` ```{note} a {math}`x` ```` is no fence (backticks in its info
        string); once its role becomes ``$x$`` it would be one. Its first backtick is escaped."""
        offset = 0
        for line in content.split("\n"):
            stripped = line.lstrip(" ")
            at = offset + len(line) - len(stripped)
            offset += len(line) + 1
            if not stripped.startswith("```") or len(line) - len(stripped) > 3:
                continue
            start, end = locator.abs(at), locator.abs(at) + len(stripped)
            touched = any(start <= e.start <= end or start <= e.end <= end for e in edits)
            if touched and not any(e.start < start < e.end or e.start == start < e.end for e in edits):
                self.add(start, start, "\\", "fence-like line")

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
            new = rewrite.target if bracketed else link_target(rewrite.target)
            self.add(locator.abs(destination[0]), locator.abs(destination[1]), new, "link")

    def substitute(self, token: Token, locator: InlineLocator, lineno: int) -> None:
        """``{{ key }}`` (``myst_substitutions``) → its value, converted as MyST; never inside code."""
        content = token.content
        taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
        starts = line_starts(content)
        for match in _SUBSTITUTION.finditer(content):
            if any(a <= match.start() < b for a, b in taken):
                continue
            key = match.group(1)
            line = lineno + bisect_right(starts, match.start()) - 1
            value = self.ctx.options.substitutions.get(key)
            if value is None:
                self.ctx.warn(
                    line, f"substitution {{{{ {key} }}}} is not defined; kept as it is", Code.SUBSTITUTION_UNDEFINED
                )
                continue
            self.ctx.count("substitution")
            new = self.fragments(None).convert(str(value), line).strip("\n")
            self.add(locator.abs(match.start()), locator.abs(match.end()), new, "substitution")

    def fence(self, parsed: Parsed, index: int) -> int:
        """A fenced block: a directive to rewrite, a Pandoc div to walk into, or code to keep."""
        token = parsed.tokens[index]
        view = parsed.view
        directive = parsed.directives.get(index)
        body = parsed.bodies.get(index)
        if directive is None:
            if body is not None:
                # the div's fence, or a ":" run in code inside it: a fence around the div must be longer
                return max(self.walk(body), _colons_in_code(body), len(token.markup))
            if view.depth > 0 and token.type == "fence":
                self.close_code_fence(token, view)
            if token.type == "fence":
                self.code_fence_info(token, view)
            return 0
        # (the colons in code count for a fence around this directive too, when it writes none itself)
        inner = max(self.walk(body), _colons_in_code(body)) if body is not None else 0
        directive.fragments = self.fragments(token)
        rewrite = registry.directive(directive, self.ctx)
        if rewrite.open == "" and rewrite.body == "" and rewrite.close == "":
            # removed altogether ({bibliography}, {toctree}): its lines go, like a removed block
            # a fence never closed ends where its list item or quote ends (else at the end of the file)
            last = (
                directive.close_line
                if directive.close_line is not None
                else min(block_lines(directive.token)[1], view.nlines) - 1
            )
            self.remove_lines(view, directive.open_line, last + 1, f"directive {directive.name}")
            return 0
        fence_len = max(3, inner + 1)
        fence = ":" * fence_len
        uses_fence = False
        first_line = directive.open_line
        # what stands before the fence in the file (container indentation, "> "), and the part of
        # it a div fence keeps: Pandoc reads ":::" only at its container's content column
        full = view.prefix(first_line, len(directive.indent))
        # a tab across the content column is split: the part left of it is written as spaces
        keep, pad = _cut_to_column(directive.indent, _width(directive.indent) - directive.excess)
        div_indent = directive.indent[:keep] + pad
        div_prefix = full[: len(full) - len(directive.indent) + keep] + pad
        lead = ""
        if rewrite.open is not None:
            uses_fence = FENCE in rewrite.open
            new_open = rewrite.open.replace(FENCE, fence)
            prefix = div_prefix if uses_fence else full
            start = view.abs(first_line, keep if uses_fence else len(directive.indent))
            lead = pad if uses_fence else ""
            # an unclosed fence whose list item or quote ends with its opening line has no body
            no_body = directive.body_first >= view.nlines or (
                directive.close_line is None and directive.body_first >= block_lines(directive.token)[1]
            )
            stop = (
                # the option lines go with the opening line: read, they are no text
                view.abs(directive.body_first - 1, len(view.line(directive.body_first - 1)))
                if no_body
                # up to the body's first line, its container indentation included
                else view.abs(directive.body_first, 0) - len(view.prefix(directive.body_first))
            )
            if no_body:
                new_open = new_open.rstrip("\n")
            elif not new_open.endswith("\n") and new_open:
                new_open += "\n"
            rest = continuation(prefix)
            new_open = _indent(new_open, rest)
            if uses_fence and first_line > 0 and needs_blank_before(view, first_line) and rest == prefix:
                # Pandoc only opens a div after a blank line (or as the first block of a list item)
                new_open = "\n" + prefix + new_open
                lead = ""
            if directive.option_errors:
                for err in directive.option_errors:
                    self.ctx.warn(
                        directive.lineno,
                        f"{{{directive.name}}}: {err}; options kept as a comment before it",
                        Code.OPTION_INVALID,
                    )
                # before the construct, never inside it (inside a code cell it would be code)
                raw = "\n".join(directive.raw_options).replace("-->", "--&gt;")
                comment = _indent(f"<!-- {{{directive.name}}} options that could not be read:\n{raw}\n-->", rest)
                new_open = comment + "\n" + rest + new_open
            if new_open == "" and not no_body:
                # the line goes; its container indentation stays for the body's first line
                start = view.abs(first_line, 0)
                stop = view.abs(directive.body_first, 0)
                if rewrite.body is None and (first_line == 0 or not view.line(first_line - 1).strip()):
                    # after a blank line, the body's leading blank lines go with the fence
                    skip = 0
                    while skip < len(directive.body_lines) - 1 and not directive.body_lines[skip].strip():
                        skip += 1
                    stop = view.abs(directive.body_first + skip, 0)
            self.add(start, stop, (lead if new_open else "") + new_open, f"directive {directive.name}")
        moved = _width(directive.indent) - _width(div_indent)
        if uses_fence and moved and body is not None and rewrite.body is None:
            self.dedent_body(view, directive.body_first, body.view, continuation(div_indent), moved)
        if rewrite.body is not None and directive.body_lines:
            start = view.abs(directive.body_first, 0)
            last = directive.body_first + len(directive.body_lines) - 1
            stop = view.abs(last, len(view.line(last)))
            new_body = _indent(rewrite.body, continuation(full))
            # the first line's own indentation is replaced too (a list marker stays on the opening line)
            lead = continuation(directive.indent)
            new_body = lead + new_body if lead and new_body[:1] not in ("", "\n") else new_body
            self.add(start, stop, new_body, f"directive {directive.name}")
        for n, text in rewrite.inserts:
            at = view.abs(directive.body_first + n, len(view.line(directive.body_first + n)))
            rest = continuation(full)
            lines = text.split("\n")
            new = "\n".join(lines[:1] + [rest + x if x else quote_prefix(rest) for x in lines[1:]])
            self.add(at, at, new, f"directive {directive.name}")
        if rewrite.prefix_body is not None:
            self.prefix_body(view, directive, rewrite.prefix_body, continuation(full))
        if rewrite.close is not None:
            closes_div = FENCE in rewrite.close
            uses_fence = uses_fence or closes_div
            new_close = rewrite.close.replace(FENCE, fence)
            rest = continuation(div_prefix if closes_div else full)
            if directive.close_line is not None:
                line = directive.close_line
                src = view.line(line)
                if new_close == "":
                    self.add(view.abs(line, 0), view.abs_line_end(line), "", f"directive {directive.name}")
                else:
                    col = container_prefix_len(src)
                    # the closing fence moves to the opening one's column, like the opening fence
                    at, pad = (
                        _cut_to_column(src[:col], _width(continuation(div_indent)))
                        if closes_div and _same_containers(src[:col], continuation(div_indent))
                        else (col, "")
                    )
                    self.add(
                        view.abs(line, at),
                        view.abs(line, len(src)),
                        pad + _indent(new_close, rest),
                        f"directive {directive.name}",
                    )
            else:
                # at the end of the file, or of the list item or quote the fence ran to the end of
                last = min(block_lines(directive.token)[1], view.nlines) - 1
                last = view.nlines - 1 if last >= view.nlines - 2 else last
                where = "at the end of the file" if last == view.nlines - 1 else "where its list item or quote ends"
                self.ctx.warn(
                    directive.lineno, f"{{{directive.name}}} is never closed; closed {where}", Code.FENCE_UNCLOSED
                )
                end = view.abs(last, len(view.line(last)))
                tail = view.line(last)
                sep = "" if tail == "" else "\n"
                # after a final newline the close needs one of its own; before the line that ended
                # the list item or quote, a blank line (Pandoc would read that line into the item)
                after = "\n" if tail == "" or last < view.nlines - 1 else ""
                if new_close:
                    self.add(end, end, sep + rest + _indent(new_close, rest) + after, "unclosed")
        return fence_len if uses_fence else inner

    def prefix_body(self, view: View, directive: Directive, prefix: str, rest: str) -> None:
        """``prefix`` (``"> "``) in front of every line of a directive's converted body.

        A body line another construct rewrote together with the lines around it (display math
        ``$$ … $$ (label)``, a nested directive's opening lines) gets it in that construct's new
        text, after ``rest`` (what a line needs in the containers the directive stands in)::

            ```{epigraph}            ::: {.epigraph}
            $$                       > $$
            x                        > x
            $$ (e1)                  > $$ {#eq-e1}
            ```                      :::
        """
        filled = [i for i, text in enumerate(directive.body_lines) if text.strip()]
        if not filled:
            return
        # blank lines before the first and after the last line of text stay unquoted
        first, last = directive.body_first + filled[0], directive.body_first + filled[-1]
        # (an edit removing the last line of text may take the blank lines after it too)
        span = (_line_start(view, first), view.abs_line_end(directive.body_first + len(directive.body_lines) - 1))
        inner = [e for e in self.edits_within(*span) if e.kind not in (DEDENT, TAB_DEDENT) and e.start < e.end]
        ats: list[int] = []
        rewritten: list[Edit] = []
        for line in range(first, last + 1):
            src = view.line(line)
            start = _line_start(view, line)
            text = view.source[start : view.abs(line, len(src))]  # the line as it stands in the file
            pad = ""
            if text.startswith(rest):  # at the directive's content column (after a list item's indentation)
                at = start + len(rest)
            elif not text.strip(" \t>") and rest.startswith(text):
                # a blank line shorter than the indentation gets it (or a list item would end)
                at, pad = start + len(text), rest[len(text) :]
            else:
                at = view.abs(line, len(directive.indent)) if src.startswith(directive.indent) else view.abs(line, 0)
            ats.append(at)
            around = next((e for e in inner if e.start < at < e.end), None)
            if any(e.start == at and e.new == "" and e.end > view.abs(line, len(src)) for e in inner):
                continue  # the line goes, its newline too
            if around is None:
                self.add(at, at, pad + (prefix if src.strip() else prefix.rstrip()), "quote")
            elif around not in rewritten:
                rewritten.append(around)
        for edit in rewritten:
            # after a final newline of the new text the source goes on: that line is quoted here
            # when its own prefix would have stood inside the edit
            line_at = max(a for line, a in enumerate(ats, first) if _line_start(view, line) <= edit.end)
            new = _prefix_lines(edit.new, prefix, rest, quote_last=line_at < edit.end)
            self.edits[self.edits.index(edit)] = Edit(edit.start, edit.end, new, edit.kind)
        if rewritten:
            self._sorted = ([], [], 0)  # an edit changed in place: sorted afresh when next looked up

    def dedent_body(self, view: View, first: int, body: View, rest: str, moved: int) -> None:
        """The body moves left with the div fence, so it stands to the div as it stood to the
        fence in MyST (``    code`` stays indented code, a nested fence stays at the div's column).

        ``first`` is the line of ``view`` (the view the directive stands in) the body starts on,
        ``rest`` what a line of the div needs in ``view``,
        ``moved`` the columns the fence moved left. A tab the cut crosses becomes spaces; so do
        tabs in a body line's indentation that would now reach another tab stop (``\\t\\tcode``
        under a fence at column 4 moved to 2 → ``\\t··code``, still code).
        Lines another edit rewrites keep their indentation (see :func:`without_clashing_dedents`).
        """
        for line in range(body.nlines):
            text = body.line(line)
            if not text.strip():
                continue
            at = body.abs(line, 0)
            # the line of ``view`` this body line is part of, and what stands before it there
            source = first + line
            before = view.line(source)[: at - view.abs(source, 0)]
            if not _same_containers(before, rest):
                continue
            keep, pad = _cut_to_column(before, max(_width(rest), _width(before) - moved))
            if keep < len(before) or pad:
                self.add(view.abs(source, keep), at, pad, DEDENT)
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in indent:
                column = _width(view.prefix(source, keep) + pad)
                if _width(indent, column) != column + _width(indent):
                    # MyST reads the body as a document of its own: its tabs count from its column 0
                    self.add(at, at + len(indent), " " * _width(indent), TAB_DEDENT)

    def code_fence_info(self, token: Token, view: View) -> None:
        """```` ```python title="demo.py" ```` → ```` ```{.python filename="demo.py"} ````: Pandoc
        reads no other words after a language (the fence would become inline code)."""
        first = block_lines(token)[0]
        src = view.line(first)
        at = block_prefix_len(src) + len(token.markup)
        if src[at - len(token.markup) : at] != token.markup:
            return
        new = registry.plain_fence_info(src[at:], self.ctx, view.lineno(first))
        if new is not None:
            self.add(view.abs(first, at), view.abs(first, len(src)), new, "code fence info")

    def close_code_fence(self, token: Token, view: View) -> None:
        """A code fence left open inside a directive ends with that directive's body (as in MyST);
        Pandoc would run it to the end of the file, so it gets its closing fence."""
        if fence_content(token, view)[1] is not None:
            return
        first, end = block_lines(token)
        marker = token.markup
        self.ctx.warn(
            view.lineno(first),
            "code fence never closed inside a directive; closed where the directive ends",
            Code.FENCE_UNCLOSED,
        )
        indent = continuation(view.prefix(first, container_prefix_len(view.line(first))))
        tail = view.abs(end - 1, len(view.line(end - 1)))
        self.add(tail, tail, ("\n" if view.line(end - 1) else "") + indent + marker, "fence closed")


DEDENT = "dedent"
#: a body line's own tab indentation written as spaces (yields to every other edit, dedents too)
TAB_DEDENT = "dedent tabs"


def without_clashing_dedents(edits: list[Edit]) -> list[Edit]:
    """The edits without the body dedents that fall inside another edit (a block rewritten whole)."""
    kept = [e for e in edits if e.kind not in (DEDENT, TAB_DEDENT)]
    for kind in (DEDENT, TAB_DEDENT):
        others = sorted(kept, key=lambda e: e.start)
        starts = [e.start for e in others]
        # the furthest end of any edit starting at or before each position
        reach: list[int] = []
        for e in others:
            reach.append(max(e.end, reach[-1]) if reach else e.end)
        for e in edits:
            if e.kind != kind:
                continue
            i = bisect_left(starts, e.end) - 1  # edits starting before this dedent ends
            if i >= 0 and reach[i] > e.start:
                continue
            kept.append(e)
    return kept


def _indent(text: str, indent: str) -> str:
    """Indent every line after the first of ``text`` with ``indent``; blank lines inside a block
    quote keep its ``>`` so the quote goes on."""
    if not indent:
        return text
    lines = text.split("\n")
    out = lines[:1] + [(indent + line) if line else quote_prefix(indent) for line in lines[1:-1]]
    if len(lines) > 1:
        out.append((indent + lines[-1]) if lines[-1] else "")  # after a final newline the source goes on
    return "\n".join(out)


def _line_start(view: View, line: int) -> int:
    """Where ``line`` of ``view`` starts in the file, its container prefix included."""
    return view.abs(line, 0) - len(view.prefix(line))


def _prefix_lines(text: str, prefix: str, rest: str, quote_last: bool) -> str:
    """``text`` (an edit's new text) with ``prefix`` after ``rest`` on every line it starts;
    on the line after a final newline only when ``quote_last``.

    >>> _prefix_lines("$$\\n  x\\n\\n  $$ {#eq-a}\\n", "> ", "  ", False)
    '$$\\n  > x\\n  >\\n  > $$ {#eq-a}\\n'
    """
    lines = text.split("\n")
    out = lines[:1]
    for n, line in enumerate(lines[1:], 1):
        if n == len(lines) - 1 and line == "" and not quote_last:
            out.append(line)
            continue
        if not line.strip(" \t>"):
            out.append(rest + prefix.rstrip())  # a blank line goes on quoting
        else:
            cut = len(rest) if line.startswith(rest) else 0
            out.append(line[:cut] + prefix + line[cut:])
    return "\n".join(out)


def _colons_in_code(body: Parsed | None) -> int:
    """The longest ``:::`` run starting a line of code in ``body``: a div around it must be longer,
    or our own reading (colon fences know no code) would close the div inside the code."""
    if body is None:
        return 0
    runs = [
        n
        for index, token in enumerate(body.tokens)
        if token.type == "fence" and index not in body.bodies  # a directive whose body is code ({code-cell}) too
        for n in colon_runs(token.content)
    ]
    return max(runs, default=0)


def _width(text: str, column: int = 0) -> int:
    """The column after ``text`` written from ``column``: a tab goes to the next multiple of 4 (CommonMark).

    >>> _width("\\t"), _width("- \\t"), _width("\\t", 2)
    (4, 4, 4)
    """
    for char in text:
        column += 4 - column % 4 if char == "\t" else 1
    return column


def _cut_to_column(prefix: str, column: int) -> tuple[int, str]:
    """``(keep, pad)``: ``prefix[:keep] + pad`` ends at ``column`` (or as near as its trailing
    whitespace allows); a tab across ``column`` gives way to spaces up to it.

    >>> _cut_to_column("    ", 2), _cut_to_column("\\t", 2), _cut_to_column("\\t\\t", 5), _cut_to_column("> ", 0)
    ((2, ''), (0, '  '), (1, ' '), (1, ''))
    """
    keep = len(prefix)
    while keep and prefix[keep - 1] in " \t" and _width(prefix[: keep - 1]) >= column:
        keep -= 1
    if keep and prefix[keep - 1] == "\t" and _width(prefix[:keep]) > column:
        keep -= 1
        return keep, " " * (column - _width(prefix[:keep]))
    return keep, ""


def _same_containers(text: str, prefix: str) -> bool:
    """``text`` opens the containers ``prefix`` opens, with other indentation.

    >>> _same_containers("\\t", "  "), _same_containers(">   ", "> "), _same_containers("", "> ")
    (True, True, False)
    """
    return text.rstrip(" \t") == prefix.rstrip(" \t")


def _pipes_on_every_line(view: View, table: Token) -> bool:
    """Every line of a pipe table holds a ``|``: a line without one ends the table for Pandoc
    (MyST reads it as a row), so a caption after it would not be the table's."""
    first, end = block_lines(table)
    return all("|" in view.line(n) for n in range(first, min(end, view.nlines)) if view.line(n).strip(" \t>"))


#: characters kept before a role's trailing spaces: more than the longest word a role looks back at
_LOOK_BACK = 32


def _text_before(content: str, at: int) -> str:
    """The end of ``content[:at]`` a role looks back at ("siehe Abbildung {numref}`x`"): its
    trailing spaces and the ``_LOOK_BACK`` characters before them (all of it, in a short paragraph).
    A slice of bounded length, so a paragraph of many roles is not copied once per role.

    >>> _text_before("Wie man sieht " * 5 + "in Abbildung  {numref}`a`", 84)
    'sieht Wie man sieht in Abbildung  '
    """
    start = at
    while start > 0 and (content[start - 1].isspace() or content[start - 1] == "~"):
        start -= 1
    return content[max(0, start - _LOOK_BACK) : at]


def _blank_after(view: View, line: int, indent: str) -> str:
    """A blank line to write after ``line`` when text follows it directly."""
    return "\n" + quote_prefix(indent) if line + 1 < view.nlines and holds_text(view.line(line + 1)) else ""
