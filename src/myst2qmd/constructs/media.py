"""Embedded media in raw HTML.

``<iframe src="https://www.youtube.com/embed/ID?start=50" width="560" …></iframe>`` →
``{{< video https://www.youtube.com/embed/ID?start=50 width="560" height="315" >}}``.
Other iframes stay as HTML.
"""

from __future__ import annotations

import re

from ..context import Context
from .figures import html_attrs

_IFRAME = re.compile(r"^\s*<iframe\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>\s*(?:</iframe>)?\s*$", re.IGNORECASE | re.DOTALL)
_VIDEO_HOSTS = re.compile(r"^(?:https?:)?//(?:www\.)?(?:youtube\.com|youtube-nocookie\.com|youtu\.be|player\.vimeo\.com|vimeo\.com|brightcove)", re.IGNORECASE)


def iframe_to_video(block: str, ctx: Context, line: int) -> str | None:
    """A lone YouTube/Vimeo ``<iframe>`` as Quarto's ``video`` shortcode."""
    match = _IFRAME.match(block)
    if not match:
        return None
    attrs = html_attrs(match.group(1))
    src = attrs.get("src", "")
    if not _VIDEO_HOSTS.match(src):
        return None
    ctx.count("video")
    parts = [src]
    for key in ("width", "height", "title"):
        if attrs.get(key):
            value = attrs[key].replace('"', "'")
            parts.append(f'{key}="{value}"')
    return "{{< video " + " ".join(parts) + " >}}"
