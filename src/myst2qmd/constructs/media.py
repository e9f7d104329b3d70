"""Embedded media in raw HTML.

``<iframe src="https://www.youtube.com/embed/ID?start=50" width="560" …></iframe>`` →
``{{< video https://www.youtube.com/embed/ID start="50" width="560" height="315" >}}``.

Quarto's ``video`` shortcode recognises ``https://www.youtube.com/embed/ID``,
``https://vimeo.com/ID`` and ``https://players.brightcove.net/…``; every other address
would be played as a file, so player addresses are rewritten to those forms. Other
iframes stay as HTML.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from ..codes import Count
from ..context import Context
from .figures import html_attrs

_IFRAME = re.compile(r"^\s*<iframe\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>\s*(?:</iframe>)?\s*$", re.IGNORECASE | re.DOTALL)
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


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
    src, start = found
    parts = [src]
    if start:
        parts.append(f'start="{start}"')
    for key in ("width", "height", "title"):
        if attrs.get(key):
            value = attrs[key].replace('"', "'")
            parts.append(f'{key}="{value}"')
    return "{{< video " + " ".join(parts) + " >}}"
