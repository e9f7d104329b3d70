"""The structure a MyST text holds, read from markdown-it's tokens and directive names (never
with the converter's code, nor with the project's parser factory: :func:`myst_parser` is
markdown-it-py's CommonMark parser with the upstream MyST plugins), named as
:func:`quarto_ast.block_counts` names what pandoc reads in Quarto: figures, callouts, code
blocks, executable cells, display math, tables, lists, block quotes and links.

Where a MyST construct legitimately becomes something else in Quarto (a removed directive,
an unknown one, an include without its folder), :data:`DIRECTIVES` says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.field_list import fieldlist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

Options = dict[str, str]
#: what one directive becomes in Quarto besides what its body holds, from its options and argument
Blocks = Callable[[Options, str], dict[str, int]]


def _blocks(**kinds: int) -> Blocks:
    return lambda options, argument: kinds


def _solution(options: Options, argument: str) -> dict[str, int]:
    # titled with a cross-reference to its exercise; a dropdown is a folded callout
    return {"callout": int("dropdown" in options.get("class", "").split()), "link": int(bool(argument))}


def _folds(options: Options, argument: str) -> dict[str, int]:
    # a dropdown theorem or exercise stands in a folded callout
    return {"callout": int("dropdown" in str(options.get("class", "")).split())}


def _card(options: Options, argument: str) -> dict[str, int]:
    return {"link": 1} if argument and options.get("link") else {}


def _iframe(options: Options, argument: str) -> dict[str, int]:
    # a figure when labelled or in the margin (a div), else the video shortcode or raw HTML
    return {"figure": int(bool(options.get("label") or options.get("name") or "margin" in options.get("class", "")))}


_SUBFIGURE_LINE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")


def _subfigures(body: str) -> int:
    """A figure without a source: each Markdown image sharing its paragraph with another image a
    subfigure (the lines before the caption)."""
    lines = body.split("\n")
    found = 0
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        if not _SUBFIGURE_LINE.match(line) and not line.lstrip().startswith(":"):
            break
        near = [lines[i] for i in (n - 1, n + 1) if 0 <= i < len(lines)]
        found += bool(_SUBFIGURE_LINE.match(line)) and any(_SUBFIGURE_LINE.match(x) for x in near)
    return found


def _selecting_include(options: Options, argument: str) -> dict[str, int]:
    # a fixture has no folder: an include that must read its file leaves a visible callout
    selects = set(options) & {"start-after", "end-before", "start-line", "end-line", "lines", "start-at", "end-at"}
    return {"callout": 1} if selects else {}


def _csv_table(options: Options, argument: str) -> dict[str, int]:
    # a fixture has no folder: a csv-table reading its :file: leaves a visible callout
    return {"callout": 1} if "file" in options else {"table": 1}


def _glue_figure(options: Options, argument: str) -> dict[str, int]:
    # a named glue figure is a figure div around the embedded output
    return {"figure": 1} if options.get("name") else {}


ADMONITIONS = [
    *("note", "tip", "warning", "caution", "important", "hint", "seealso", "attention", "danger", "error"),
    *("admonition", "dropdown", "topic", "deprecated", "versionadded", "versionchanged", "toggle"),
]
#: MyST directive → (Quarto blocks it becomes, is its body MyST, is its argument text)
DIRECTIVES: dict[str, tuple[Blocks, bool, bool]] = {
    **{name: (_blocks(callout=1), True, True) for name in ADMONITIONS},
    "figure": (_blocks(figure=1), True, False),
    "figure-md": (_blocks(figure=1), True, False),
    "iframe": (_iframe, True, False),
    # mystmd's :label: on an image makes it a figure (MyST-Parser's :name: an image with an id)
    "image": (lambda options, argument: {"figure": int(bool(options.get("label")))}, False, False),
    # a fixture has no notebooks: an embed's label is not found, the directive is kept as written
    "embed": (_blocks(), False, False),
    "code-cell": (_blocks(cell=1), False, False),
    "graphviz": (_blocks(cell=1), False, False),
    **{name: (_blocks(code=1), False, False) for name in ("code-block", "code", "sourcecode", "parsed-literal")},
    # a fixture has no folder: literalinclude cannot read its file and says so in a callout
    "literalinclude": (_blocks(callout=1), False, False),
    "include": (_selecting_include, False, False),
    "math": (_blocks(display_math=1), False, False),
    "glue:figure": (_glue_figure, True, False),
    **{name: (_blocks(), False, False) for name in ("glue", "glue:any", "glue:md", "glue:math")},
    "list-table": (_blocks(table=1), True, True),
    "csv-table": (_csv_table, False, True),
    "table": (_blocks(), True, True),
    "epigraph": (_blocks(blockquote=1), True, False),
    "pull-quote": (_blocks(blockquote=1), True, False),
    "highlights": (_blocks(blockquote=1), True, False),
    "solution": (_solution, True, False),
    "exercise": (_folds, True, True),
    **{
        f"prf:{kind}": (_folds, True, False)
        for kind in (
            *("theorem", "lemma", "definition", "corollary", "proposition", "conjecture", "example", "remark"),
            *("algorithm", "proof", "axiom", "assumption", "notation", "criterion", "property", "observation"),
        )
    },
    "solution-start": (_solution, True, False),
    "card": (_card, True, True),
    # a link styled as a button (its body is the link's text)
    **{name: (_blocks(link=1), False, False) for name in ("button-link", "button-ref")},
    **{
        name: (_blocks(), False, False)
        for name in ("toctree", "tableofcontents", "contents", "bibliography", "footbibliography")
    },
    **{name: (_blocks(), False, False) for name in ("youtube", "video", "raw", "glossary", "eval-rst")},
    **{name: (_blocks(), True, True) for name in ("exercise-start", "tab-item", "tabbed", "grid-item-card")},
    # a div shown in some formats only (or hidden, a todo); the body as it is
    **{name: (_blocks(), True, False) for name in ("only", "todo")},
    "index": (_blocks(), False, False),
}
#: any other directive becomes a div around its converted body; its argument an attribute
UNKNOWN: tuple[Blocks, bool, bool] = (_blocks(), True, False)
#: what makes MyST not well-formed (counted by :func:`myst_counts`, never compared)
MALFORMED = (
    "unclosed fence",
    "braces naming no directive",
    "options that are not YAML",
    "front matter that is no mapping",
)
#: roles that become a link or a cross-reference
#: a ``{numref}`` text showing the number and the name: two links in Quarto
_NUMBER_AND_NAME = re.compile(r"^(?=.*\{name\})(?=.*(?:%s|\{number\})).*<", re.DOTALL)
LINK_ROLES = {"ref", "numref", "eq", "doc", "download", "term", "prf:ref", "any", "button"}
#: roles by prefix that become a link (sphinx-design's link and reference badges)
LINK_ROLE_PREFIXES = ("bdg-link-", "bdg-ref-")
DIRECTIVE_INFO = re.compile(r"^\{([A-Za-z0-9][\w\-+:.]*)\}\s*(.*)$")
_OPTION = re.compile(r"^:([\w\-]+):\s*(.*?)\s*$")
_QUARTO_REF = r"-?@(?:fig|tbl|eq|sec|lst|exr|thm|lem|def|cor|prp|cnj|exm|rem|alg)-[\w\-.:]*\w"
_QUARTO_EQUATION = re.compile(r"(?ms)^\$\$[ \t]*\n(?:(?!^\$\$).)*?^\$\$[ \t]*\{#[^{}\n]*\}[ \t]*$")
_QUARTO_REF_GROUP = re.compile(rf"\[[^\[\]]*{_QUARTO_REF}[^\[\]]*\]|(?<![\w@.\-]){_QUARTO_REF}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_AT_KEY = re.compile(r"(?<![\w\\@])-?@(\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*)")
_JB2_LABEL = re.compile(r"^\(([^()\s]+)\)=\s*$|^:(?:label|name):\s*(\S+)\s*$|^\$\$.*\(([^()\s]+)\)\s*$", re.MULTILINE)


def myst_parser(fieldlist: bool = False) -> MarkdownIt:
    """MyST as MyST-Parser reads it, from markdown-it-py's CommonMark parser and the upstream
    mdit-py-plugins, configured here (never the project's parser factory, whose own fence and
    role rules would otherwise read both sides of every comparison); ``fieldlist``: with MyST-Parser's
    ``fieldlist`` extension on."""
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .use(front_matter_plugin)
        .use(myst_block_plugin)
        .use(myst_role_plugin)
        .use(colon_fence_plugin)
        .use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=True, double_inline=True)
        .use(amsmath_plugin)
        .use(deflist_plugin)
        .use(footnote_plugin)
        .use(attrs_block_plugin)
    )
    md.options["maxNesting"] = 100
    return md.use(fieldlist_plugin) if fieldlist else md


def directive_parts(content: str) -> tuple[Options | None, str]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block) and its body."""
    lines = content.split("\n")
    options: Options = {}
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if blank < len(lines) and lines[blank].strip() == "---":
        lines = lines[blank:]  # blank lines may stand before an option block
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            loaded = _yaml("\n".join(lines[1:end])) or {}
            if not isinstance(loaded, dict):
                return None, "\n".join(lines[end + 1 :])
            return {str(k): str(v) for k, v in loaded.items()}, "\n".join(lines[end + 1 :])
    used = 0
    while used < len(lines) and (match := _OPTION.match(lines[used])):
        options[match.group(1)] = match.group(2)
        used += 1
    return options, "\n".join(lines[used:])


def _yaml(text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return "not YAML"


def _cell_language(name: str) -> bool:
    return name.lower() in {"python", "r", "julia", "ojs", "bash", "mermaid", "dot", "sql", "sh"}


def _list_table_lists(body: str) -> tuple[bool, int]:
    """Whether a list-table body has rows (a bullet list at its top), and how many lists those
    rows and their cells make (a list inside a cell is a list of its own, kept in a grid table); other
    lists in the body are text kept beside the table."""
    tokens = myst_parser().parse(body)
    for index, token in enumerate(tokens):
        if token.type == "bullet_list_open" and token.level == 0:
            depth, lists = 0, 0
            for inner in tokens[index:]:
                lists += inner.type == "bullet_list_open" and depth < 2
                depth += inner.nesting if inner.type in ("bullet_list_open", "bullet_list_close") else 0
                if depth == 0:
                    break
            return True, lists
    return False, 0


#: an HTML admonition's opening tag (``<div class="admonition tip">``)
_HTML_ADMONITION = re.compile(r"""\s*<div\s[^>]*\bclass\s*=\s*["']?(?:[^"'>]*\s)?admonition[\s"'>]""", re.IGNORECASE)
#: a GitHub alert's marker, alone on its quote's first line, of a kind GitHub knows
_ALERT = re.compile(r"\[!(?i:note|tip|important|warning|caution)\][ \t]*(?:\n|$)")


def jb2_labels(src: str) -> frozenset[str]:
    """The labels a Jupyter Book 2 text defines, which its ``@label`` references name (targets,
    ``:label:``/``:name:`` options, equation labels)."""
    return frozenset(m.group(1) or m.group(2) or m.group(3) for m in _JB2_LABEL.finditer(src))


def _text_links(text: str, labels: frozenset[str] | None) -> int:
    """Cross-references in a text: Quarto's own already in the source, one per citation group; in
    Jupyter Book 2 (``labels`` given) also ``@label`` naming a label of the document."""
    if labels is None:
        return len(_QUARTO_REF_GROUP.findall(text))

    def is_reference(key: str) -> bool:
        return key in labels or re.fullmatch(_QUARTO_REF, "@" + key) is not None

    groups = _BRACKETS.findall(text)
    bare = _BRACKETS.sub(" ", text)
    found = sum(any(is_reference(key) for key in _AT_KEY.findall(group)) for group in groups)
    return found + sum(is_reference(key) for key in _AT_KEY.findall(bare))


def myst_counts(
    src: str, dialect: str = "jb1", labels: frozenset[str] | None = None, fieldlist: bool = False
) -> Counter[str]:
    """The kinds of blocks (as :func:`quarto_ast.block_counts` names them) a MyST text holds,
    read from markdown-it's tokens; directive bodies are read the same way. In Jupyter Book 2
    ``@label`` is a reference (``labels``: the document's, found here when not given); ``fieldlist``:
    field lists are read (MyST-Parser's extension on)."""
    if dialect == "jb2" and labels is None:
        labels = jb2_labels(src)
    counts: Counter[str] = Counter()
    # Quarto's labelled equations already in the source (``$$ … $$ {#eq-x}``), which MyST's
    # dollarmath reads past to the next ``$$``: counted here and left out of the parse
    counts["display_math"] += len(_QUARTO_EQUATION.findall(src))
    src = _QUARTO_EQUATION.sub(lambda m: "\n" * m.group(0).count("\n"), src)
    lines = src.split("\n")
    tokens = myst_parser(fieldlist).parse(src)
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "front_matter":
            counts["front matter that is no mapping"] += not isinstance(_yaml(token.content) or {}, dict)
        if kind in ("fence", "colon_fence"):
            info = token.info.strip()
            directive = DIRECTIVE_INFO.match(info)
            # a directive never closed ends with the text (as in MyST); a code fence has no end
            counts["unclosed fence"] += not directive and not _closed(token, lines)
            counts["braces naming no directive"] += info.startswith("{") and not directive and info[1:2] not in ".#="
            if directive and not _cell_language(directive.group(1)):
                name, argument = directive.group(1).lower(), directive.group(2)
                blocks, body_is_myst, argument_is_text = DIRECTIVES.get(name, UNKNOWN)
                options, body = directive_parts(token.content)
                counts["options that are not YAML"] += options is None
                options = options or {}
                counts.update(blocks(options, argument))
                if argument_is_text and argument:
                    counts.update(myst_counts(argument, dialect, labels, fieldlist))
                if body_is_myst:
                    inner = myst_counts(body, dialect, labels, fieldlist)
                    if name == "list-table":
                        rows, cells = _list_table_lists(body)
                        inner["list"] -= cells  # its first list holds the table's rows and cells
                        counts["table"] -= not rows  # no rows, no table: only the text is kept
                    if name == "figure" and not argument.strip():
                        inner["figure"] += _subfigures(body)
                    counts.update(inner)
            elif directive:
                counts["cell"] += 1
            elif kind == "colon_fence":
                # a Pandoc div written in the MyST source
                counts["figure"] += bool(re.search(r"#fig-", info))
                counts["callout"] += bool(re.search(r"\.callout-", info))
                counts.update(myst_counts(token.content, dialect, labels, fieldlist))
            elif not info.startswith("{="):
                counts["code"] += 1
        elif kind == "code_block":
            counts["code"] += 1
        elif kind in ("math_block", "math_block_label", "amsmath"):
            counts["display_math"] += 1
        elif kind == "table_open":
            counts["table"] += 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            counts["list"] += 1
        elif kind == "html_block" and _HTML_ADMONITION.match(token.content):
            counts["callout"] += 1  # MyST-Parser's html_admonition
        elif kind == "blockquote_open":
            # a GitHub alert (``> [!NOTE]`` alone on the quote's first line) is a callout
            alert = tokens[index + 1].type == "paragraph_open" and _ALERT.match(tokens[index + 2].content)
            counts["callout" if alert else "blockquote"] += 1
        elif kind == "inline":
            in_link = False  # linkify links no text inside a link
            for child in token.children or []:
                if child.type == "html_inline" and re.match(r"</?a[\s>]", child.content, re.IGNORECASE):
                    in_link = not child.content.startswith("</")
                elif child.type in ("link_open", "link_close"):
                    in_link = child.type == "link_open"
                elif child.type == "text" and not in_link:
                    # linkify (on in Jupyter Book 1's default config and in mystmd) links bare URLs
                    counts["link"] += len(_BARE_URL.findall(child.content))
                if child.type == "link_open":
                    counts["link"] += 1
                elif child.type == "math_inline_double":
                    counts["display_math"] += 1
                elif child.type == "myst_role" and (
                    child.meta.get("name") in LINK_ROLES or str(child.meta.get("name")).startswith(LINK_ROLE_PREFIXES)
                ):
                    counts["link"] += 1
                    if child.meta.get("name") == "numref" and _NUMBER_AND_NAME.search(child.content):
                        counts["link"] += 1  # the number is Quarto's reference, the name a link
                elif child.type == "text":
                    counts["link"] += _text_links(child.content, labels)
    return counts


#: a bare URL as linkify finds it in text (the start is enough to count it)
_BARE_URL = re.compile(r"(?<![\w/.@])(?:https?://|www\.)[^\s<>]")


def nonzero(counts: Counter[str]) -> dict[str, int]:
    return {kind: n for kind, n in sorted(counts.items()) if n and kind not in MALFORMED}


def _closed(token: Token, src_lines: list[str]) -> bool:
    """Does the fence end with a closing fence (markdown-it runs an open one to the end)?"""
    assert token.map is not None
    first, end = token.map
    last = src_lines[end - 1].strip(" \t>") if end - 1 < len(src_lines) else ""
    marker = token.markup
    return end - 1 > first and last.startswith(marker) and not last.strip(marker[0]).strip()


#: a word worth following through a conversion: four letters or more (shorter ones are often
#: markup read as text, like a role's or an option's name)
_WORD = re.compile(r"[^\W\d_]{4,}")
#: what is no word of the text: a substitution's key, a role's name in a body read as text, an
#: ``@name`` (a reference in Jupyter Book 2, whose target's id the output spells its own way)
_NOT_TEXT = re.compile(r"\{\{[^{}]*\}\}|\{[\w:+-]+\}|(?<![\w\\@])-?@[\w:.#$%&\-+?<>~/]+")
#: roles whose link text Quarto writes itself ("Abbildung {numref}`x`" → "@fig-x": the word goes)
_PREFIXED_ROLES = frozenset({"numref", "ref", "eq", "prf:ref"})
#: directives whose body lists files, not text a reader sees
_FILE_LISTS = frozenset({"toctree"})


def _words(text: str) -> set[str]:
    return set(_WORD.findall(_NOT_TEXT.sub(" ", text)))


_CELL_OPTION_KEY = re.compile(r"(?m)^(#\||//\|)\s*[\w-]+\s*:")


def myst_words_and_labels(src: str, fieldlist: bool = False) -> tuple[set[str], set[str]]:
    """The words a MyST text shows a reader (text, inline code, code blocks, directive titles and
    bodies) and the labels it defines (``(x)=``, ``:name:``, ``:label:``), read from markdown-it's
    tokens as :func:`myst_counts` reads them (``fieldlist``: with field lists read): what a conversion
    must keep or warn about.

    >>> src = "(sec-a)=\\n# Titel\\n\\n```{note} Hinweis\\n:name: n-1\\nText hier\\n```\\n"
    >>> sorted(map(sorted, myst_words_and_labels(src)))
    [['Hinweis', 'Text', 'Titel', 'hier'], ['n-1', 'sec-a']]
    """
    words: set[str] = set()
    labels: set[str] = set()
    for token in myst_parser(fieldlist).parse(src):
        if token.type == "myst_target":
            labels.add(token.content.strip())
        elif token.type in ("fence", "colon_fence"):
            directive = DIRECTIVE_INFO.match(token.info.strip())
            if directive and not _cell_language(directive.group(1)):
                blocks, body_is_myst, argument_is_text = DIRECTIVES.get(directive.group(1).lower(), UNKNOWN)
                options, body = directive_parts(token.content)
                labels.update(str(v).strip() for k, v in (options or {}).items() if k in ("name", "label") and v)
                parts = [directive.group(2)] if argument_is_text and directive.group(2) else []
                if directive.group(1).lower() in _FILE_LISTS:
                    continue
                if directive.group(1).lower() == "code-cell":
                    # a cell option's key is no word a reader sees (Quarto shows no "#|" line)
                    body = _CELL_OPTION_KEY.sub(r"\1", body)
                for part in [*parts, body]:
                    myst = body_is_myst or part != body
                    more_words, more_labels = myst_words_and_labels(part, fieldlist) if myst else (_words(part), set())
                    words |= more_words
                    labels |= more_labels
            elif token.type == "colon_fence" and not directive:
                more_words, more_labels = myst_words_and_labels(token.content, fieldlist)
                words |= more_words
                labels |= more_labels
            else:
                words.update(_WORD.findall(token.content))
        elif token.type == "code_block":
            words.update(_WORD.findall(token.content))
        elif token.type == "inline":
            children = token.children or []
            alert = _ALERT.match(token.content)
            if alert is not None:  # a GitHub alert's marker: the callout's kind, no word a reader sees
                children = [c for c in children if not (c.type == "text" and c.content == alert.group().strip())]
            for n, child in enumerate(children):
                if child.type == "code_inline":
                    words.update(_WORD.findall(child.content))
                elif child.type == "text" and not (n and children[n - 1].markup == "autolink"):
                    found = _WORD.findall(_NOT_TEXT.sub(" ", child.content))
                    after = children[n + 1] if n + 1 < len(children) else None
                    role = after.meta.get("name") if after is not None and after.type == "myst_role" else None
                    prefixed = role in _PREFIXED_ROLES
                    if found and prefixed and child.content.rstrip().endswith(found[-1]):
                        found.pop()
                    words.update(found)
    return words, labels
