"""Embedded media in raw HTML.

``<iframe src="https://www.youtube.com/embed/ID?start=50" width="560" …></iframe>`` →
``{{< video https://www.youtube.com/embed/ID start="50" width="560" height="315" >}}``.

Quarto's ``video`` shortcode recognises ``https://www.youtube.com/embed/ID``,
``https://vimeo.com/ID`` and ``https://players.brightcove.net/…``; every other address
would be played as a file, so player addresses are rewritten to those forms. Other
iframes stay as HTML.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite, attr_value, own_label, strip_px

_ATTR = re.compile(r"""([A-Za-z_:][\w:.\-]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_IFRAME = re.compile(r"^\s*<iframe\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>\s*(?:</iframe>)?\s*$", re.IGNORECASE | re.DOTALL)
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def html_attrs(tag_inner: str) -> dict[str, str]:
    """Attributes of an HTML tag body.

    >>> html_attrs(' src="a.png" width="600px" alt=\\'x\\'')
    {'src': 'a.png', 'width': '600px', 'alt': 'x'}
    """
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(tag_inner):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[match.group(1).lower()] = html.unescape(value)
    return attrs


def _seconds(value: str) -> str:
    """A YouTube start time in seconds: ``90`` → ``90``, ``1m30s`` → ``90``."""
    match = _DURATION.match(value.strip())
    if not match or not any(match.groups()):
        return ""
    h, m, s = (int(g) if g else 0 for g in match.groups())
    return str(h * 3600 + m * 60 + s)


def video_source(src: str) -> tuple[str, str] | None:
    """``(address Quarto's video shortcode knows, start seconds)``, or ``None`` if no video.

    >>> video_source("//www.youtube-nocookie.com/embed/abc?start=5&rel=0")
    ('https://www.youtube.com/embed/abc', '5')
    >>> video_source("https://player.vimeo.com/video/42"), video_source("https://example.org/x")
    (('https://vimeo.com/42', ''), None)
    """
    parts = urlsplit("https:" + src if src.startswith("//") else src)
    host = parts.netloc.lower().removeprefix("www.")
    query = parse_qs(parts.query)
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        path = parts.path.strip("/")
        if host == "youtu.be":
            video_id = path
        elif path.startswith(("embed/", "shorts/", "live/")):
            video_id = path.split("/", 1)[1]
        else:
            video_id = query.get("v", [""])[0]
        if not re.fullmatch(r"[\w-]+", video_id):
            return None
        start = _seconds((query.get("start") or query.get("t") or [""])[0])
        return f"https://www.youtube.com/embed/{video_id}", start
    if host in ("vimeo.com", "player.vimeo.com"):
        video_id = parts.path.strip("/").removeprefix("video/")
        return (f"https://vimeo.com/{video_id}", "") if re.fullmatch(r"\d+", video_id) else None
    if host == "players.brightcove.net":
        return src, ""
    return None


def iframe_to_video(block: str, ctx: Context, line: int) -> str | None:
    """A lone YouTube/Vimeo/Brightcove ``<iframe>`` as Quarto's ``video`` shortcode."""
    match = _IFRAME.match(block)
    if not match:
        return None
    attrs = html_attrs(match.group(1))
    found = video_source(attrs.get("src", ""))
    if found is None:
        return None
    ctx.count(Count.VIDEO)
    return shortcode(*found, width=attrs.get("width", ""), height=attrs.get("height", ""), title=attrs.get("title", ""))


_VIDEO_TAG = re.compile(
    r"^\s*<video\b(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(?P<inner>.*?)</video>\s*$", re.IGNORECASE | re.DOTALL
)
_SOURCE_TAG = re.compile(r"<source\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/?>", re.IGNORECASE)
#: ``<video>`` attributes Quarto's video shortcode writes the same (it always shows the controls)
_VIDEO_ATTRS = frozenset({"src", "width", "height", "title", "controls"})


def video_tag_to_shortcode(block: str, ctx: Context) -> str | None:
    """A lone ``<video>`` (one source, controls, size, title) as Quarto's ``video`` shortcode; ``None``
    when it says more than the shortcode can (autoplay, loop, several sources, fallback text).

    >>> video_tag_to_shortcode('<video controls width="400"><source src="a.mp4" type="video/mp4"></video>', Context())
    '{{< video a.mp4 width="400" >}}'
    """
    match = _VIDEO_TAG.match(block)
    if not match:
        return None
    attrs = html_attrs(match.group("attrs"))
    sources = [html_attrs(m.group(1)) for m in _SOURCE_TAG.finditer(match.group("inner"))]
    rest = _SOURCE_TAG.sub("", match.group("inner")).strip()
    if rest or set(attrs) - _VIDEO_ATTRS or any(set(s) - {"src", "type"} for s in sources):
        return None
    src = [attrs["src"]] if attrs.get("src") else []
    src += [s["src"] for s in sources if s.get("src")]
    if len(src) != 1 or len(src) != len(sources) + ("src" in attrs):
        return None
    ctx.count(Count.VIDEO)
    return shortcode(src[0], width=attrs.get("width", ""), height=attrs.get("height", ""), title=attrs.get("title", ""))


_VIDEO_FILE = re.compile(r"\.(?:mp4|webm|ogv|ogg|mov|m4v)(?:[?#].*)?$", re.IGNORECASE)


def video_address(src: str) -> tuple[str, str] | None:
    """``(address, start seconds)`` of a video Quarto's ``video`` shortcode plays (a video file or a
    YouTube, Vimeo or Brightcove player), else ``None``.

    >>> video_address("film.mp4"), video_address("bild.png")
    (('film.mp4', ''), None)
    """
    if _VIDEO_FILE.search(src):
        return src, ""
    return video_source(src)


def shortcode(src: str, start: str = "", **attrs: str) -> str:
    """``{{< video src start="…" width="…" >}}``, the attributes given a value only.

    >>> print(shortcode("film.mp4", width="400px", title='Der "Film"'))
    {{< video film.mp4 width="400" title="Der 'Film'" >}}
    """
    parts = [src]
    if start:
        parts.append(f'start="{start}"')
    for key, value in attrs.items():
        if value:
            value = (strip_px(value) if key in ("width", "height") else value).replace('"', "'")
            parts.append(f'{key}="{value}"')
    return "{{< video " + " ".join(parts) + " >}}"


def _iframe_html(d: Directive) -> str:
    """A raw HTML block of the iframe (``width``/``height``/``title`` kept)."""
    attrs = [f"src={attr_value(d.argument.strip())}"]
    for key in ("width", "height", "title"):
        if d.option(key):
            attrs.append(f"{key}={attr_value(d.option(key))}")
    return "```{=html}\n<iframe " + " ".join(attrs) + "></iframe>\n```"


def iframe(d: Directive, ctx: Context) -> Rewrite:
    """mystmd's ```` :::{iframe} URL ````: a video player becomes Quarto's ``video`` shortcode, any
    other page a raw HTML ``<iframe>``; with a label or a caption (its body) a figure div::

        :::{iframe} https://www.youtube.com/embed/xyz        ::: {#fig-vid}
        :label: vid                                    →     {{< video https://www.youtube.com/embed/xyz >}}
        Die Vorlesung.                                       Die Vorlesung.
        :::                                                  :::
    """
    if not d.argument.strip():
        ctx.warn(d.lineno, "{iframe} has no address; kept as an empty frame", Code.LINK_MISSING)
    if d.option("align"):
        ctx.warn(d.lineno, "{iframe} :align: has no Quarto equivalent for a frame; left out", Code.OPTION_UNSUPPORTED)
    found = video_address(d.argument.strip())
    if found is not None:
        ctx.count(Count.VIDEO)
        block = shortcode(*found, width=d.option("width"), height=d.option("height"), title=d.option("title"))
    else:
        ctx.count(Count.IFRAME)
        block = _iframe_html(d)
    label = own_label(d)
    caption = any(line.strip() for line in d.body_lines)
    margin = "margin" in d.option("class").split()
    if not label and not caption and not margin:
        return Rewrite(open=block, close="")
    ident = ids.figure_id(label, ctx, d.argument.strip().rstrip("/").rsplit("/", 1)[-1] or str(d.lineno))
    classes = " .column-margin" if margin else ""
    open_ = f"{FENCE} {{{ids.attribute(ident)}{classes}}}\n\n{block}\n"
    if caption and d.body_lines[0].strip():
        open_ += "\n"
    return Rewrite(open=open_, close=FENCE)


SPECS = (
    DirectiveSpec(
        ("iframe",),
        iframe,
        kind="fig",
        title=False,
        options=frozenset({"width", "height", "title", "class", "align"}),
        prose=("body", "title"),
        prose_attributes=(("title", "title"),),
    ),
)
