"""Figures and images.

MyST::

    :::{figure-md} fig-cnn-mlp
    <img src="./images/mlp.jpeg" class="bg-primary mb-1" width="600px">

    Source: {cite}`li_cs231n_2022`.
    :::

Quarto::

    ::: {#fig-cnn-mlp}

    ![](./images/mlp.jpeg){width=600}

    Source: [@li_cs231n_2022].
    :::

The ```` ```{figure} ```` and ```` ```{image} ```` directives and bare ``<img>`` tags become the
same Quarto forms; ``width="600px"`` loses its unit, ``alt`` becomes ``fig-alt``, and with
``--images-path P`` a source in the images folder is written
``{{< meta params.images_path >}}name.png``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from markdown_it.token import Token

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import Fragments
from . import embeds, ids, media
from .base import FENCE, DirectiveSpec, Rewrite, attr_value, jb2, own_label, strip_px
from .media import html_attrs

IMG_TAG = re.compile(r"<img\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/?>", re.IGNORECASE)
_SOURCES = re.compile(
    r"""src\s*=\s*["']([^"']+)["']|!\[[^\]]*\]\(([^)\s]+)|^\s*[`:]{3,}\s*\{(?:figure|image)\}\s+(\S+)""",
    re.IGNORECASE | re.MULTILINE,
)
META_IMAGES_PATH = "{{< meta params.images_path >}}"
_URL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//|/|#|\{\{<)", re.IGNORECASE)


_NUMBER = re.compile(r"[\d.]+")


def images_folder(text: str) -> str | None:
    """The first path component most relative image sources of ``text`` share.

    ``None`` once the document reads its images from ``params.images_path`` (converted).
    """
    if META_IMAGES_PATH in text:
        return None
    folders: Counter[str] = Counter()
    for match in _SOURCES.finditer(text):
        src = next(g for g in match.groups() if g)
        if _URL.match(src):
            continue
        parts = [p for p in src.split("/") if p not in ("", ".")]
        if len(parts) > 1:
            folders[parts[0]] += 1
    return folders.most_common(1)[0][0] if folders else None


def image_source(src: str, ctx: Context) -> str:
    """The source as Quarto should see it (``--images-path`` applied)."""
    prefix = ctx.options.images_path
    if prefix is None or _URL.match(src) or ctx.images_folder is None:
        return src
    parts = src.split("/")
    while parts and parts[0] in ("", "."):
        parts.pop(0)
    if len(parts) > 1 and parts[0] == ctx.images_folder:
        ctx.count(Count.IMAGE_PATH)
        return META_IMAGES_PATH + "/".join(parts[1:])
    return src


def markdown_image(
    src: str,
    ctx: Context,
    *,
    alt: str = "",
    width: str = "",
    height: str = "",
    align: str = "",
    ident: str = "",
    extra: list[str] | None = None,
    classes: list[str] | None = None,
) -> str:
    """``![](src){width=600 fig-alt="…"}``."""
    attrs = []
    if ident:
        attrs.append(ids.attribute(ident))
    attrs.extend(f".{c}" for c in classes or [])
    if width:
        attrs.append(f"width={_dimension(width)}")
    if height:
        attrs.append(f"height={_dimension(height)}")
    if alt:
        attrs.append(f"fig-alt={attr_value(alt)}")
    if align in ("left", "center", "right"):
        attrs.append(f"fig-align={attr_value(align)}")
    attrs.extend(extra or [])
    tail = "{" + " ".join(attrs) + "}" if attrs else ""
    return f"![]({_link_target(image_source(src, ctx))}){tail}"


def _dimension(value: str) -> str:
    value = strip_px(value)
    return value if _NUMBER.fullmatch(value) else attr_value(value)


def _link_target(src: str) -> str:
    return f"<{src}>" if " " in src and not src.startswith("{{<") else src


def img_tag_to_markdown(tag: str, ctx: Context, line: int) -> str | None:
    """``<img src="a.png" width="600px">`` → ``![](a.png){width=600}``; ``None`` if no src."""
    match = IMG_TAG.search(tag)
    if not match:
        return None
    attrs = html_attrs(match.group(1))
    src = attrs.get("src")
    if not src:
        ctx.warn(line, "<img> without src kept as HTML", Code.UNCONVERTED)
        return None
    dropped = sorted(set(attrs) - {"src", "width", "height", "alt", "class", "align", "style", "title"})
    if dropped:
        ctx.warn(line, f"<img> attributes not carried over: {', '.join(dropped)}", Code.OPTION_UNKNOWN)
    extra = [f"style={attr_value(attrs['style'])}"] if attrs.get("style") else []
    if attrs.get("title"):
        extra.append(f"title={attr_value(attrs['title'])}")
    ctx.count(Count.IMAGE)
    return markdown_image(
        src,
        ctx,
        alt=attrs.get("alt", ""),
        width=attrs.get("width", ""),
        height=attrs.get("height", ""),
        align=attrs.get("align", ""),
        extra=extra,
    )


_LONE_IMG_LINE = re.compile(r"^\s*(?:<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*/?>\s*(?:</img>)?\s*)+$", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*[\s/>]")


def _img_lines(content: str) -> tuple[list[str], int, str]:
    """An HTML block's lines, how many of the first are lone ``<img>`` lines, and the text after them."""
    lines = content.split("\n")
    n_img = 0
    while n_img < len(lines) and _LONE_IMG_LINE.match(lines[n_img]):
        n_img += 1
    return lines, n_img, "\n".join(lines[n_img:]).strip("\n")


def img_caption(content: str) -> str:
    """The text below the ``<img>`` lines of an HTML block :func:`img_block` converts: MyST of its own,
    tokenized by the parse (``""``: none)."""
    _, n_img, rest = _img_lines(content)
    if n_img == 0 or not rest.strip() or _HTML_TAG.search(IMG_TAG.sub("", rest)):
        return ""
    return rest


def img_block(content: str, ctx: Context, line: int, fragments: Fragments | None = None) -> str | None:
    """An HTML block of ``<img>`` lines, maybe with caption text right below, as Markdown.

    MyST::

        <img src="a.png" width="600px">
        Quelle: {cite}`x`

    Quarto (the text is a paragraph of its own, the caption of an enclosing figure)::

        ![](a.png){width=600}

        Quelle: [@x]

    ``None`` when the block holds other HTML, which stays as it is.
    """
    lines, n_img, rest = _img_lines(content)
    if n_img == 0 or _HTML_TAG.search(IMG_TAG.sub("", rest)):
        return None
    images = []
    for i in range(n_img):

        def one(match: re.Match[str], lineno: int = line + i) -> str:
            return img_tag_to_markdown(match.group(0), ctx, lineno) or match.group(0)

        images.append(IMG_TAG.sub(one, lines[i]).strip().replace("</img>", ""))
    if IMG_TAG.search("\n".join(images)):
        return None
    text = "\n".join(images)
    if rest.strip():
        text += "\n\n" + (fragments.convert(rest, line + n_img) if fragments is not None else rest)
    return text


def _plain_alt(token: Token) -> str:
    """The text of an image's alt (its children), without Markdown."""
    return "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline", "softbreak")).strip()


_MD_IMAGE = re.compile(
    r"^!\[(?P<alt>.*)\]\((?P<pre>\s*)(?P<dest><[^<>\n]*>|\S+?)(?P<rest>(?:\s+[^)]*)?)\)(?:\{(?P<attrs>[^{}\n]*)\})?$",
    re.DOTALL,
)
#: attributes that make an image a Quarto figure already (its alt text placed, or a cross-reference id)
_QUARTO_FIGURE_ATTRS = re.compile(r"(?:^|\s)(?:fig-alt=|#fig-)")
_TRAILING_ATTRS = re.compile(r"\{[^{}\n]*\}[ \t]*$")


def with_attributes(content: str, span: tuple[int, int]) -> tuple[int, int]:
    """An image's span in its paragraph, with the attributes that end the paragraph right after it
    (``![Baum](baum.png){width=50%}``, MyST's ``attrs_inline``) when the image starts it."""
    if span[0] == 0 and _TRAILING_ATTRS.fullmatch(content, span[1]):
        return span[0], len(content.rstrip())
    return span


def markdown_image_token(token: Token, source: str, ctx: Context, alone: bool, line: int = 0) -> str | None:
    """A Markdown image: ``--images-path`` on its source; alt text to ``fig-alt`` when alone.

    Alone in its paragraph, ``![Ein MLP](images/mlp.png){width=50%}`` is a figure captioned "Ein MLP"
    for Quarto but an image with alt text for MyST, so it becomes
    ``![](images/mlp.png){width=50% fig-alt="Ein MLP"}``. ``![](#kurve)`` alone shows a notebook cell's
    output (mystmd): ``{{< embed nb.ipynb#kurve >}}`` (see :mod:`.embeds`). ``None`` leaves the image as written.
    """
    match = _MD_IMAGE.match(source)
    if match is None:
        return None  # a reference image ![x][ref]: kept
    dest = match.group("dest")
    bare = dest[1:-1] if dest.startswith("<") else dest
    if alone and bare.startswith("#") and len(bare) > 1:
        return embeds.embed(bare, ctx, line, "an image")
    new_src = image_source(bare, ctx)
    attrs = (match.group("attrs") or "").strip()
    alt = _plain_alt(token) if alone and not _QUARTO_FIGURE_ATTRS.search(attrs) else ""
    if new_src == bare and not alt:
        return None
    if new_src != bare:
        dest = _link_target(new_src)
    braces = f"{{{attrs}}}" if match.group("attrs") is not None else ""
    if not alt:
        return f"![{match.group('alt')}]({match.group('pre')}{dest}{match.group('rest')}){braces}"
    ctx.count(Count.IMAGE)
    attrs = " ".join(filter(None, [attrs, f"fig-alt={attr_value(alt)}"]))
    return f"![]({match.group('pre')}{dest}{match.group('rest')}){{{attrs}}}"


_FIRST_SOURCE = re.compile(r"""src\s*=\s*["']([^"']+)["']|!\[[^\]]*\]\(<?([^)\s>]+)""", re.IGNORECASE)


def _paragraphs(lines: Sequence[str]) -> int:
    """How many blank-line-separated blocks ``lines`` hold."""
    count, previous_blank = 0, True
    for line in lines:
        blank = not line.strip()
        if not blank and previous_blank:
            count += 1
        previous_blank = blank
    return count


def _legend_start(d: Directive, blocks: int) -> int | None:
    """The body line a legend starts on: the first after the first ``blocks`` blank-line-separated
    blocks (the image lines and the caption), or ``None``: no legend."""
    if any(_FENCE_LINE.match(line) for line in d.body_lines):
        return None  # a block with blank lines inside (a grid of images, code): counting paragraphs would cut it
    count, previous_blank = 0, True
    for n, line in enumerate(d.body_lines):
        blank = not line.strip()
        if not blank and previous_blank:
            count += 1
            if count > blocks:
                return n
        previous_blank = blank
    return None


#: an image in a figure's body: Markdown, HTML or a directive
_BODY_IMAGE = re.compile(r"!\[[^\]]*\]\(|<img\b|\{image\}", re.IGNORECASE)
_FENCE_LINE = re.compile(r"^\s*(?:`{3,}|~{3,}|:{3,})")


def _legend_out(d: Directive, blocks: int) -> list[tuple[int, str]]:
    """A caption followed by a legend: Quarto captions a figure div with its last paragraph, so the
    div closes after the caption (an insert at its last line) and the legend follows the figure."""
    start = _legend_start(d, blocks)
    if start is None:
        return []
    last = max(n for n in range(start) if d.body_lines[n].strip())
    return [(last, "\n" + FENCE)]


def _closed(
    open_: str, d: Directive, ctx: Context, blocks: int, inserts: list[tuple[int, str]] | None = None
) -> Rewrite:
    """A figure div's rewrite: closed at its closing fence, or after its caption when a legend
    follows (``blocks``: how many blocks the image lines and the caption are; see :func:`_legend_out`)."""
    legend = _legend_out(d, blocks)
    if legend:
        ctx.info(
            d.lineno,
            f"{{{d.name}}} has a legend after its caption; Quarto captions a figure with the last paragraph "
            "of its div, so the legend follows the figure",
            Code.QUARTO_DIFFERS,
        )
    return Rewrite(open=open_, close="" if legend else FENCE, inserts=[*(inserts or []), *legend])


def _image_stem(src: str) -> str:
    """``../images/cnn.png`` → ``cnn``."""
    return src.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def figure_md(d: Directive, ctx: Context) -> Rewrite:
    """``:::{figure-md} label`` → ``::: {#fig-label}``; the body's ``<img>`` converts itself."""
    ctx.count(Count.FIGURE)
    source = _FIRST_SOURCE.search(d.body)
    stem = _image_stem(next(g for g in source.groups() if g)) if source else str(d.lineno)
    ident = ids.figure_id(d.argument.split()[0] if d.argument else own_label(d), ctx, stem)
    open_ = f"{FENCE} {ids.braced(ident)}\n"
    if d.body_lines and d.body_lines[0].strip():
        open_ += "\n"
    return _closed(open_, d, ctx, 2)


_CLASS_NAME = re.compile(r"-?[A-Za-z_][\w-]*")


def _classes(d: Directive, ctx: Context, key: str) -> list[str]:
    """The class names of option ``key`` (``:class: a b``); names Pandoc cannot read are warned and left out."""
    raw = d.options.get(key) or ""
    names = [str(c) for c in raw] if isinstance(raw, list) else re.split(r"[\s,]+", str(raw))
    valid = [n for n in names if _CLASS_NAME.fullmatch(n)]
    bad = [n for n in names if n and n not in valid]
    if bad:
        ctx.warn(d.lineno, f"{{{d.name}}} :{key}: {' '.join(bad)} is not a class name; left out", Code.CLASS_INVALID)
    return valid


def _image_options(d: Directive, ctx: Context, in_body: bool = False) -> dict[str, str]:
    """A figure's or an image's options as Quarto image attributes (``in_body``: a figure whose
    images stand in its body, as mystmd allows, needs no path)."""
    if not d.argument.strip() and not in_body:
        ctx.warn(d.lineno, f"{{{d.name}}} has no image path; written with an empty image", Code.LINK_MISSING)
    if d.flag("scale"):
        ctx.warn(d.lineno, f"{{{d.name}}} :scale: has no Quarto equivalent; use :width:", Code.OPTION_UNSUPPORTED)
    align = d.option("align")
    if align and align not in ("left", "center", "right"):
        ctx.warn(
            d.lineno,
            f"{{{d.name}}} :align: {align} has no Quarto equivalent (left, center, right); left out",
            Code.OPTION_INVALID,
        )
    if d.option("figwidth") and d.option("width"):
        ctx.warn(d.lineno, f"{{{d.name}}} :figwidth: left out; the image keeps its :width:", Code.OPTION_UNSUPPORTED)
    return {k: d.option(k) for k in ("width", "height", "alt", "align")}


def _image_extra(d: Directive) -> list[str]:
    """Image attributes beyond size and alt text: ``:loading: lazy`` → ``loading="lazy"``."""
    return [f"loading={attr_value(d.option('loading'))}"] if d.option("loading") else []


def _margin(classes: list[str]) -> tuple[list[str], list[str]]:
    """``(classes, div classes)``: Jupyter Book's ``margin`` class puts a figure in the margin, which
    Quarto's ``.column-margin`` does (on the figure's div, not its image)."""
    kept = [c for c in classes if c != "margin"]
    return kept, (["column-margin"] if len(kept) < len(classes) else [])


def _figure_content(d: Directive, ctx: Context, opts: dict[str, str], classes: list[str]) -> str:
    """The image of a ``{figure}``, or the ``video`` shortcode when its source is a video."""
    width = opts["width"] or d.option("figwidth")
    if d.argument.strip().startswith("#"):
        embedded = embeds.embed(d.argument, ctx, d.lineno, f"{{{d.name}}}")
        if embedded is not None:
            return embedded
    video = media.video_address(d.argument.strip())
    if video is not None:
        ctx.count(Count.VIDEO)
        return media.shortcode(*video, width=width, height=opts["height"], title=opts["alt"])
    image = markdown_image(
        d.argument,
        ctx,
        alt=opts["alt"],
        width=width,
        height=opts["height"],
        align=opts["align"],
        extra=_image_extra(d),
        classes=classes,
    )
    if d.option("target"):
        image = f"[{image}]({d.option('target')})"
    return image


def figure(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{figure} img.png ```` with ``:name:``/``:width:``/``:alt:``/``:align:`` and a caption;
    a video's source becomes Quarto's ``video`` shortcode, images in the body of a figure without
    a source subfigures (:func:`subfigures`)."""
    if not d.argument.strip() and _image_lines(d):
        return subfigures(d, ctx)
    ctx.count(Count.FIGURE)
    opts = _image_options(d, ctx, in_body=_BODY_IMAGE.search("\n".join(d.body_lines)) is not None)
    classes, margin = _margin(_classes(d, ctx, "class"))
    # mystmd: a figure without a source holds its images in its body (a {grid} of them)
    content = (
        _figure_content(d, ctx, opts, classes)
        if d.argument.strip() or not _BODY_IMAGE.search("\n".join(d.body_lines))
        else ""
    )
    ident = ids.figure_id(own_label(d), ctx, _image_stem(d.argument))
    caption = any(line.strip() for line in d.body_lines)
    figclass, figmargin = _margin(_classes(d, ctx, "figclass"))
    div_classes = dict.fromkeys([*margin, *figmargin, *figclass])
    div_attrs = " ".join([ids.attribute(ident), *(f".{c}" for c in div_classes)])
    open_ = f"{FENCE} {{{div_attrs}}}\n\n{content}\n" if content else f"{FENCE} {{{div_attrs}}}\n"
    if caption and d.body_lines[0].strip():
        open_ += "\n"
    return _closed(open_, d, ctx, 1)


_SUBFIGURE = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)(?:\{[^{}]*\})?|<img\b[^>]*>)\s*$", re.IGNORECASE)


def _image_lines(d: Directive) -> list[int]:
    """The body lines of ``d`` that are an image each, before any other text (blank lines between)."""
    found = []
    for n, line in enumerate(d.body_lines):
        if _SUBFIGURE.match(line):
            found.append(n)
        elif line.strip():
            break
    return found


def subfigures(d: Directive, ctx: Context) -> Rewrite:
    """A mystmd figure of several images (its body's first lines), the caption below them::

        :::{figure}                       ::: {#fig-paar layout-ncol=2}
        :label: fig-paar                  ![Links](a.png)
        ![Links](a.png)            →
        ![Rechts](b.png)                  ![Rechts](b.png)

        Zwei Bilder.                      Zwei Bilder.
        :::                               :::

    Each image becomes a paragraph of its own, a subfigure captioned by its alt text.
    """
    ctx.count(Count.FIGURE)
    lines = _image_lines(d)
    source = _FIRST_SOURCE.search(d.body_lines[lines[0]])
    stem = _image_stem(next(g for g in source.groups() if g)) if source else str(d.lineno)
    ident = ids.figure_id(own_label(d), ctx, stem)
    _, margin = _margin(_classes(d, ctx, "class"))
    figclass, figmargin = _margin(_classes(d, ctx, "figclass"))
    layout = [f"layout-ncol={len(lines)}"] if len(lines) > 1 else []
    div_classes = dict.fromkeys([*margin, *figmargin, *figclass])
    div_attrs = " ".join([ids.attribute(ident), *layout, *(f".{c}" for c in div_classes)])
    blocks = 1 + _paragraphs(d.body_lines[: lines[-1] + 1])
    return _closed(f"{FENCE} {{{div_attrs}}}\n\n", d, ctx, blocks, _subfigure_inserts(d, lines, ident))


def _subfigure_inserts(d: Directive, lines: list[int], ident: str) -> list[tuple[int, str]]:
    """Each image of a paragraph of several its id (its alt text is its subcaption, as for MyST) and
    a blank line after it; an image alone in its paragraph is converted as any (its alt is alt text)."""
    body = d.body_lines
    inserts = []
    for n, line in enumerate(lines):
        joined = (n > 0 and lines[n - 1] == line - 1) or (line + 1 < len(body) and body[line + 1].strip())
        bare = body[line].lstrip().startswith("![") and not body[line].rstrip().endswith("}")
        text = ids.braced(ids.subfigure_id(ident, n)) if joined and bare else ""
        if line + 1 < len(body) and body[line + 1].strip():
            text += "\n"
        if text:
            inserts.append((line, text))
    return inserts


def image(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{image} img.png ```` → ``![](img.png){width=…}``; ``:class: margin`` → ``.column-margin``."""
    ctx.count(Count.IMAGE)
    opts = _image_options(d, ctx)
    ident = ids.label_id(ctx, own_label(d), "fig", "none")
    text = markdown_image(
        d.argument,
        ctx,
        alt=opts["alt"],
        width=opts["width"],
        height=opts["height"],
        align=opts["align"],
        ident=ident,
        extra=_image_extra(d),
        classes=[*(c if c != "margin" else "column-margin" for c in _classes(d, ctx, "class"))],
    )
    if d.option("target"):
        text = f"[{text}]({d.option('target')})"
    if any(line.strip() for line in d.body_lines):
        ctx.warn(d.lineno, "{image} has content; it is kept after the image", Code.DIRECTIVE_BODY)
        return Rewrite(open=text + "\n", close="")
    return Rewrite(open=text, close="")


def labelled_image(d: Directive, ctx: Context) -> Rewrite:
    """mystmd's ``{image}`` with a ``:label:`` is a figure one can cross-reference (``@baum``): a figure
    div without a caption, ``::: {#fig-baum}``; unlabelled it is an image as in Jupyter Book 1."""
    if own_label(d) and not any(line.strip() for line in d.body_lines):
        return figure(d, ctx)
    return image(d, ctx)


_IMAGE_OPTIONS = frozenset(
    {"name", "width", "height", "alt", "align", "class", "figwidth", "figclass", "target", "scale", "loading"}
)
#: where an image's ``:alt:`` (prose) is written
_ALT = (("alt", "fig-alt"),)
SPECS = (
    DirectiveSpec(
        ("figure-md",), figure_md, label=("argument", "name", "label"), kind="fig", options=None, prose=("body",)
    ),
    DirectiveSpec(
        ("figure",),
        figure,
        kind="fig",
        title=False,
        path_argument=True,
        options=_IMAGE_OPTIONS,
        prose=("body", "alt"),
        prose_attributes=_ALT,
    ),
    DirectiveSpec(
        ("image",),
        image,
        jb2=jb2(function=labelled_image, kind="fig"),
        title=False,
        path_argument=True,
        options=_IMAGE_OPTIONS,
        prose=("alt",),
        prose_attributes=_ALT,
    ),
)
