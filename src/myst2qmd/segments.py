"""Translatable prose of a Quarto document, and writing it back.

The converter's output is read again with the same parser: paragraphs, headings, list
items, table cells, figure and table captions, callout titles, definition terms, ``fig-alt``
texts and the front matter ``title`` are :class:`Segment` s. Inside each, the spans a
translation must never touch (inline code, math, ``@refs`` and ``[@cites]``, link targets,
images, inline HTML, shortcodes, attributes, URLs) are *protected*.

>>> qmd = "Siehe @fig-a und `x = 1`.\\n"
>>> [s.masked()[0] for s in extract_segments(qmd)]
['Siehe ⟨1⟩ und ⟨2⟩.']
>>> seg = extract_segments(qmd)[0]
>>> replace_segments(qmd, {seg.id: seg.unmask("See ⟨1⟩ and ⟨2⟩.")})
'See @fig-a and `x = 1`.\\n'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from .adapter import InlineLocator, link_destination, link_label_end
from .cells import HASH_COMMENT_LANGUAGES
from .edits import Edit, Normalized, apply_edits
from .parsed import Parsed
from .placeholders import LOOK_ALIKE, PLACEHOLDER, placeholder
from .source import View
from .structure import parse_document

#: spans Pandoc/Quarto give meaning to that markdown-it sees as plain text
_PROTECT_PATTERNS = [
    re.compile(r"\{\{<.*?>\}\}", re.DOTALL),  # shortcodes
    re.compile(r"\[-?@[^\[\]]*\]"),  # [@a; @b], [-@a]
    re.compile(r"(?<![\w@.])-?@\{[^{}]*\}"),  # @{key}
    re.compile(r"(?<![\w@.])-?@[\w][\w:.#$%&\-+?<>~/]*[\w]|(?<![\w@.])-?@\w"),  # @key, @fig-x
    re.compile(r"\]\{[^{}]*\}"),  # the end of a bracketed span [text]{.class}
    re.compile(r"(?<=\))\{[^{}\n]*\}"),  # attributes after an image or link: ){width=600}
    re.compile(r"(?<=\s)\{#[^{}\s][^{}]*\}\s*$|^\{#[^{}]*\}$"),  # heading attributes {#sec-x}
    re.compile(r"\bhttps?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]"),  # bare URLs
    re.compile(r"\\[\\`*_{}\[\]()#+\-.!|<>$@~^&:=\"'%,;/?]"),  # backslash escapes
    re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"),  # HTML entities &auml;
    # characters no translation may hold (control characters, line breaks other than \n, direction
    # overrides: text_problem): where the source has one, it stays where it is, as a placeholder
    re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+"),
    # text a reply's checks read as a placeholder (``〈2〉``, ``< 3 >``): sent as one, it comes back as it was
    LOOK_ALIKE,
]
#: LaTeX commands whose one argument is prose: ``\textbf{`` and ``}`` are protected, the words are not
_TEX_TEXT_COMMANDS = frozenset(
    {"textbf", "textit", "emph", "underline", "uline", "textsl", "textsc", "textsf", "textrm", "textup", "textmd"}
)
_TEX_COMMAND = re.compile(r"\\([A-Za-z@]+)\*?")
_TEX_ARGUMENT = re.compile(r"[ \t]*(\[[^\[\]{}\n]*\]|\{(?:[^{}\n]|\{[^{}\n]*\})*\})")
#: inline tokens protected whole
_PROTECTED_TOKENS = {
    "code_inline",
    "math_inline",
    "math_inline_double",
    "html_inline",
    "image",
    "autolink",
    "footnote_ref",
    "myst_role",
}


@dataclass
class Segment:
    """One unit of prose: where it is, its text, and the spans inside it to protect."""

    id: int
    kind: str
    start: int
    end: int
    text: str
    line: int
    protected: list[tuple[int, int]] = field(default_factory=list)
    #: written before every line after the first when the segment is written back
    continuation: str = ""
    #: how the text is stored: "markdown", "yaml" (a double-quoted scalar) or "attr" (a "…" value)
    encoding: str = "markdown"

    def protected_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.protected]

    def masked(self) -> tuple[str, list[str]]:
        """The text with every protected span replaced by ``⟨n⟩`` (1-based), and the spans."""
        out: list[str] = []
        pos = 0
        for n, (a, b) in enumerate(self.protected, 1):
            out.append(self.text[pos:a])
            out.append(placeholder(n))
            pos = b
        out.append(self.text[pos:])
        return "".join(out), self.protected_texts()

    def unmask(self, translated: str) -> str | None:
        """Put the protected spans back into a translation of :meth:`masked`.

        Returns ``None`` when the placeholders that came back are not exactly the ones sent
        (each once), so the caller can retry or keep the original.
        """
        spans = self.protected_texts()
        found = [int(m.group(1)) for m in PLACEHOLDER.finditer(translated)]
        if sorted(found) != list(range(1, len(spans) + 1)):
            return None
        return PLACEHOLDER.sub(lambda m: spans[int(m.group(1)) - 1], translated)

    @property
    def has_prose(self) -> bool:
        """Is there anything but protected spans, punctuation and numbers to translate?"""
        masked, _ = self.masked()
        return bool(re.search(r"[^\W\d_]{2,}", PLACEHOLDER.sub(" ", masked)))


def tex_spans(content: str) -> list[tuple[int, int]]:
    """Raw TeX commands in prose, which pandoc passes to LaTeX: never sent, never changed.

    ``\\hspace{1cm}`` is one span; ``\\textbf{Fett}`` is two (``\\textbf{`` and ``}``), so the
    word inside is still translated.

    >>> t = r"a \\newpage b \\textbf{Fett} c \\hspace{1cm}"
    >>> [t[a:b] for a, b in tex_spans(t)]
    ['\\\\newpage', '\\\\textbf{', '}', '\\\\hspace{1cm}']
    """
    spans: list[tuple[int, int]] = []
    for match in _TEX_COMMAND.finditer(content):
        if match.start() and content[match.start() - 1] == "\\":
            continue  # ``\\\\`` is an escaped backslash, not a command
        end = match.end()
        arguments = []
        while (argument := _TEX_ARGUMENT.match(content, end)) is not None:
            arguments.append(argument.span(1))
            end = argument.end()
        if match.group(1) in _TEX_TEXT_COMMANDS and len(arguments) == 1 and content[arguments[0][0]] == "{":
            a, b = arguments[0]
            spans += [(match.start(), a + 1), (b - 1, b)]
        else:
            spans.append((match.start(), end))
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def protected_spans(inline: Token) -> list[tuple[int, int]]:
    """Spans of an inline token's content that must not be translated."""
    content = inline.content
    spans: list[tuple[int, int]] = []
    for child in inline.children or []:
        span = (child.meta or {}).get("span")
        if span is None:
            continue
        if child.type in _PROTECTED_TOKENS:
            spans.append(span)
        elif child.type == "link_open":
            label_end = link_label_end(content, span[0])
            if label_end is None or link_destination(content, span) is None:
                # an autolink, or a reference link [key] / [key][]: its text is the key
                spans.append(span)
            else:
                spans.append((span[0], span[0] + 1))  # "["
                spans.append((label_end, span[1]))  # "](target)"
    spans = _merge(spans)
    found = [m.span() for pattern in _PROTECT_PATTERNS for m in pattern.finditer(content)] + tex_spans(content)
    extra: list[tuple[int, int]] = []
    for a, b in found:
        if a == b or any(x <= a < y or x < b <= y for x, y in spans):
            continue
        extra.append((a, b))
    # an attribute block right after a protected image/link belongs to it
    merged = _merge([s for s in spans + extra if s[0] < s[1]])
    glued: list[tuple[int, int]] = []
    for a, b in merged:
        if glued and content[glued[-1][1] : a] == "":
            glued[-1] = (glued[-1][0], b)
        else:
            glued.append((a, b))
    return glued


def inline_protected(text: str) -> list[tuple[int, int]]:
    """:func:`protected_spans` of ``text`` read on its own as one line of inline Markdown.

    For prose that lives outside the Markdown body (the YAML ``title``, ``fig-alt`` values):
    pandoc reads a title as Markdown, so its code, math, links and HTML are protected too.

    >>> t = "Faltung mit `conv2d` und $x$"
    >>> [t[a:b] for a, b in inline_protected(t)]
    ['`conv2d`', '$x$']
    """
    from .parser import shared_parser

    tokens = shared_parser().parseInline(text.replace("\n", " "))
    return protected_spans(tokens[0]) if tokens else []


def pipe_row_cells(row: str) -> list[tuple[int, int]]:
    """Spans of the (stripped, non-empty) cells of a pipe-table row, as pandoc reads them:
    ``\\|`` and a ``|`` inside a code span do not end a cell.

    >>> row = "| a | `x|y` b | c \\\\| d |"
    >>> [row[a:b] for a, b in pipe_row_cells(row)]
    ['a', '`x|y` b', 'c \\\\| d']
    """
    i = len(row) - len(row.lstrip(" \t>"))  # indentation and block-quote markers
    bounds = [i - 1]
    while i < len(row):
        ch = row[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            run = re.match(r"`+", row[i:])
            assert run is not None
            close = re.compile(r"(?<!`)" + run.group() + r"(?!`)").search(row, i + len(run.group()))
            if close is not None:
                i = close.end()
                continue
            i += len(run.group())
            continue
        if ch == "|":
            bounds.append(i)
        i += 1
    bounds.append(len(row))
    cells = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        text = row[a + 1 : b]
        if text.strip():
            lead = len(text) - len(text.lstrip())
            cells.append((a + 1 + lead, a + 1 + len(text.rstrip())))
    return cells


def _structural_edges(kind: str, content: str) -> tuple[int, int]:
    """Characters at the start and end of a segment that are structure, not prose.

    A heading's ``{#sec-x}``, a table caption's ``: `` and ``{#tbl-x}``, a callout title's
    ``**``, a task list item's ``[ ]``: they stay outside the segment, so no engine can move them.
    """
    lead = trail = 0
    if kind in ("heading", "table-caption", "callout-title"):
        match = re.search(r"\s*\{[^{}]*\}\s*$", content)
        if match and match.start() > 0:
            trail = len(content) - match.start()
    if kind == "table-caption":
        match = re.match(r":\s*", content)
        lead = match.end() if match else 0
    if kind == "list-item":
        match = _TASK_BOX.match(content)
        lead = match.end() if match else 0
    if kind == "callout-title" and content.startswith("**") and content.endswith("**") and len(content) > 4:
        lead, trail = 2, 2
    return lead, trail


#: the checkbox of a task list item: ``- [ ] Aufgabe``, ``- [x] Erledigt``
_TASK_BOX = re.compile(r"\[[ xX]\][ \t]+(?=\S)")

#: one ``key="value"`` in a code fence's attribute block
_ATTRIBUTE = re.compile(r'(?<![\w-])([\w-]+)="((?:[^"\\]|\\.)*)"')
#: a file name in a caption (``beispiel.py``, ``daten/werte.csv``, ``a.R``), never an abbreviation
#: (``z.B.``, ``d.h.``): never translated
_FILE_NAME = re.compile(r"(?<![\w./-])[\w./-]*(?:\w\w\.[A-Za-z]\w{0,5}|\w\.[A-Za-z]\w{1,5})(?![\w/-])")

#: an executable cell whose ``#`` comments can be translated: ``{python}``, ``{r, echo=FALSE}``
_CELL_INFO = re.compile(r"^\{(" + "|".join(sorted(HASH_COMMENT_LANGUAGES)) + r")\b[^}]*\}$")


def python_comments(code: str) -> list[tuple[int, int, str]]:
    """``(line, column, text)`` of every ``#`` comment in Python ``code`` (never in strings).

    >>> python_comments("x = '# no'  # yes\\n#| echo: false\\n")
    [(0, 12, '# yes')]
    """
    import io
    import tokenize

    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT and not tok.string.startswith(("#|", "#!")):
                found.append((tok.start[0] - 1, tok.start[1], tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found
    return found


def hash_comments(code: str) -> list[tuple[int, int, str]]:
    """``#`` comments of R, Julia or shell code: a ``#`` outside quotes to the end of the line."""
    found = []
    for n, line in enumerate(code.split("\n")):
        quote = ""
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"`":
                quote = ch
            elif ch == "#":
                if not line[i:].startswith(("#|", "#!")):
                    found.append((n, i, line[i:]))
                break
            i += 1
    return found


class _Extractor:
    def __init__(self, text: str, code_comments: bool = False):
        self.code_comments = code_comments
        self.text = text
        self.segments: list[Segment] = []

    def add(
        self,
        kind: str,
        start: int,
        end: int,
        text: str,
        line: int,
        protected: list[tuple[int, int]],
        continuation: str = "",
        encoding: str = "markdown",
    ) -> None:
        if not text.strip():
            return
        self.segments.append(
            Segment(len(self.segments) + 1, kind, start, end, text, line, protected, continuation, encoding)
        )

    def inline_segment(self, inline: Token, locator: InlineLocator, view: View, kind: str) -> None:
        if not locator.ok or inline.map is None:
            return
        content = inline.content
        if not content.strip():
            return
        protected = protected_spans(inline)
        continuation = ""
        if "\n" in content:
            second = inline.map[0] + 1
            src = view.line(second)
            cline = content.split("\n")[1]
            col = len(src) - len(cline) if src.endswith(cline) else 0
            continuation = src[:col]
        lead, trail = _structural_edges(kind, content)
        if lead or trail:
            inner = content[lead : len(content) - trail]
            protected = [(a - lead, b - lead) for a, b in protected if a >= lead and b <= len(content) - trail]
            start = locator.abs(lead)
            end = locator.abs(len(content) - trail)
            content = inner
        else:
            start = locator.abs(0)
            end = locator.abs(len(content))
        self.prose(kind, start, end, content, view.lineno(inline.map[0]), protected, continuation)

    def prose(
        self, kind: str, start: int, end: int, content: str, line: int, protected: list[tuple[int, int]], cont: str = ""
    ) -> None:
        """A segment, or (an image alone in its paragraph or cell) the image's alt texts."""
        if Segment(0, kind, start, end, content, line, protected).has_prose or "fig-alt=" not in content:
            self.add(kind, start, end, content, line, protected, cont)
        else:
            self.image_alts(content, start, line)

    def table_cells(self, tokens: list[Token], index: int, view: View) -> None:
        """The cells of the table opening at ``tokens[index]``, split as pandoc splits them.

        markdown-it (GFM) splits a row at every unescaped ``|``, also inside a code span;
        pandoc keeps `` `code|pipe` `` whole, and so do we.
        """
        for token in tokens[index:]:
            if token.type == "table_close":
                break
            if token.type != "tr_open" or token.map is None:
                continue
            row = token.map[0]
            src = view.line(row)
            for a, b in pipe_row_cells(src):
                content = src[a:b]
                start = view.abs(row, a)
                self.prose(
                    "table-cell", start, start + len(content), content, view.lineno(row), inline_protected(content)
                )

    def image_alts(self, content: str, start: int, line: int) -> None:
        """``fig-alt="…"`` values are prose of their own."""
        for match in re.finditer(r'fig-alt="((?:[^"\\]|\\.)*)"', content):
            a, b = match.span(1)
            value = re.sub(r"\\(.)", r"\1", match.group(1))
            self.add("alt", start + a, start + b, value, line, inline_protected(value), encoding="attr")

    def walk(self, parsed: Parsed, divs: list[str]) -> None:
        view = parsed.view
        tokens = parsed.tokens
        in_table = 0
        context: list[str] = []
        div_kind = divs[-1] if divs else ""
        paragraphs_in_div = [i for i, t in enumerate(tokens) if t.type == "paragraph_open" and t.level == 0]
        for index, token in enumerate(tokens):
            ttype = token.type
            if ttype.endswith("_open") and ttype not in ("paragraph_open",):
                context.append(ttype)
            elif ttype.endswith("_close") and context and ttype != "paragraph_close":
                context.pop()
            if ttype == "table_open":
                in_table += 1
                self.table_cells(tokens, index, view)
            elif ttype == "table_close":
                in_table -= 1
            elif ttype == "inline" and not in_table and token.map is not None:
                kind = self.kind_of(tokens, index, context, div_kind, paragraphs_in_div)
                self.inline_segment(token, InlineLocator(token.content, view, token.map[0]), view, kind)
            elif ttype == "fence":
                self.attribute_segments(token, view)
                if self.code_comments and _CELL_INFO.match(token.info.strip()):
                    self.comment_segments(token, view)
            elif ttype == "colon_fence" and index in parsed.bodies:
                ident = re.match(r"\{#([\w-]+)", token.info.strip())
                classes = re.findall(r"\.([\w-]+)", token.info)
                kind = (
                    "figure"
                    if ident and ident.group(1).startswith("fig-")
                    else ("callout" if any(c.startswith("callout-") for c in classes) else "div")
                )
                self.walk(parsed.bodies[index], divs + [kind])

    def attribute_segments(self, token: Token, view: View) -> None:
        """Prose a directive's spec writes into a code fence's attributes (``prose_attributes``:
        a listing's ``lst-cap``, a caption as ``filename``): a segment each, a file name in it protected."""
        from .constructs.registry import PROSE_ATTRIBUTES

        if token.map is None or "=" not in token.info:
            return
        row = token.map[0]
        line = view.line(row)
        block = line.find("{", line.find(token.markup) + len(token.markup))
        for match in _ATTRIBUTE.finditer(line, block) if block >= 0 else ():
            if match.group(1) not in PROSE_ATTRIBUTES:
                continue
            a, b = match.span(2)
            value = re.sub(r"\\(.)", r"\1", match.group(2))
            protected = _merge(inline_protected(value) + [m.span() for m in _FILE_NAME.finditer(value)])
            if Segment(0, "code-caption", 0, 0, value, 0, protected).has_prose:
                start, end = view.abs(row, a), view.abs(row, b)
                self.add("code-caption", start, end, value, view.lineno(row), protected, encoding="attr")

    def comment_segments(self, token: Token, view: View) -> None:
        """``# a comment`` in an executable cell: its words, after ``# ``, are a segment."""
        assert token.map is not None
        language = _CELL_INFO.match(token.info.strip())
        code = token.content
        comments = python_comments(code) if language and language.group(1) == "python" else hash_comments(code)
        first = token.map[0] + 1
        for line, col, text in comments:
            body = text.lstrip("#").lstrip()
            if not body.strip():
                continue
            offset = col + len(text) - len(body)
            src = view.line(first + line)
            code_line = code.split("\n")[line]
            shift = len(src) - len(code_line) if src.endswith(code_line) else 0
            start = view.abs(first + line, shift + offset)
            protected = [m.span() for m in re.finditer(r"`[^`]*`|https?://\S+", body)]
            self.add("code-comment", start, start + len(body), body, view.lineno(first + line), protected)

    @staticmethod
    def kind_of(tokens: list[Token], index: int, context: list[str], div_kind: str, paragraphs: list[int]) -> str:
        parent = tokens[index - 1].type if index else ""
        if parent == "heading_open":
            # a heading that opens a callout is its title (Quarto shows it in the callout's header)
            return "callout-title" if div_kind == "callout" and index == 1 else "heading"
        if "list_item_open" in context:
            return "list-item"
        if parent == "dt_open":
            return "term"
        if "dd_open" in context:
            return "definition"
        content = tokens[index].content
        if div_kind == "figure" and paragraphs and index - 1 == paragraphs[-1]:
            return "caption"
        if (
            div_kind == "callout"
            and paragraphs
            and index - 1 == paragraphs[0]
            and re.fullmatch(r"\*\*[^*].*\*\*", content.strip())
        ):
            return "callout-title"
        if content.startswith(": "):
            return "table-caption"
        return "paragraph"

    def front_matter_title(self, tokens: list[Token], view: View) -> None:
        if not tokens or tokens[0].type != "front_matter" or tokens[0].map is None:
            return
        for i in range(tokens[0].map[0] + 1, tokens[0].map[1] - 1):
            line = view.line(i)
            match = re.match(r'^title:\s*"((?:[^"\\]|\\.)*)"\s*$', line)
            encoding = "yaml"
            if not match:
                match = re.match(r"^title:\s*([^\"'|>\s].*?)\s*$", line)
                encoding = "markdown"
            if match:
                a, b = match.span(1)
                value = match.group(1)
                if encoding == "yaml":
                    value = value.replace('\\"', '"').replace("\\\\", "\\")
                protected = inline_protected(value)
                self.add("title", view.abs(i, a), view.abs(i, b), value, view.lineno(i), protected, encoding=encoding)
                return


def extract_segments(qmd: str, code_comments: bool = False, parsed: Parsed | None = None) -> list[Segment]:
    """The translatable segments of a Quarto document, in document order.

    ``code_comments``: also the ``#`` comments of executable cells (never strings or code).
    A file with ``\r\n`` line ends is read as the parser reads it (``\n``); the segments'
    offsets are the file's own, their texts have ``\n``. ``parsed``: the document's parse
    (:func:`.structure.parse_document` of its text read as the parser reads it), when the caller has it.
    """
    source = Normalized(qmd)
    extractor = _Extractor(source.text, code_comments)
    if parsed is None:
        parsed = parse_document(source.text)
    assert parsed.view.source == source.text, "a parse of another text"
    root = parsed.view
    extractor.front_matter_title(parsed.tokens, root)
    extractor.walk(parsed, [])
    extractor.segments.sort(key=lambda s: s.start)
    for n, segment in enumerate(extractor.segments, 1):
        segment.id = n
        if source.changed:
            segment.start, segment.end = source.to_original(segment.start), source.to_original(segment.end)
    return extractor.segments


def _encode(segment: Segment, text: str) -> str:
    if segment.encoding == "yaml":
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    if segment.kind == "title":
        # a plain YAML scalar: a translation with ": " or " #" would change the YAML, so quote it
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
    if segment.encoding == "attr":
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    if segment.kind in ("heading", "table-cell", "term", "title", "table-caption", "code-comment", "callout-title"):
        text = text.replace("\n", " ")
    if segment.kind == "table-cell":
        # a new "|" would end the cell (one inside a code span is the cell's own, see pipe_row_cells)
        text = re.sub(r"(`+).*?(?<!`)\1(?!`)|(?<!\\)\|", lambda m: m.group() if m.group(1) else "\\|", text)
    return text.replace("\n", "\n" + segment.continuation)


def replace_segments(qmd: str, texts: dict[int, str], segments: list[Segment] | None = None) -> str:
    """Write new texts for segments (by id) back into the document; others stay byte-identical."""
    segments = segments if segments is not None else extract_segments(qmd)
    newline = Normalized(qmd).newline if "\r" in qmd else "\n"
    edits = [
        Edit(s.start, s.end, _encode(s, texts[s.id]).replace("\n", newline), f"segment {s.kind}")
        for s in segments
        if s.id in texts and texts[s.id] != s.text
    ]
    return apply_edits(qmd, edits)
