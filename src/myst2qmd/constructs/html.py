"""Raw HTML blocks: comments holding LaTeX go, a lone ``<img>`` becomes an image, a video
``<iframe>`` or a lone ``<video>`` Quarto's video shortcode; any other HTML block stays as written.

MyST → Quarto::

    <img src="a.png" width="50%">   →   ![](a.png){width="50%"}
"""

from __future__ import annotations

from markdown_it.token import Token

from ..context import Context
from ..parsed import Fragments
from ..source import View
from . import comments, figures, html_admonitions, media
from .base import TokenSpec, Walk, WalkState
from .blocks import replace_block


def html_block(token: Token, view: View, ctx: Context, fragments: Fragments | None = None) -> str | None:
    """The new text of a raw HTML block, or ``None`` to keep it (the caption text below images converted
    from ``fragments``, its tokens in the document's parse: see :func:`.figures.img_block`)."""
    assert token.map is not None
    line = view.lineno(token.map[0])
    content = token.content.rstrip("\n")
    if content.lstrip().startswith("<!--"):
        return comments.html_comment_block(token, ctx)
    images = figures.img_block(content, ctx, line, fragments)
    if images is not None:
        return images
    video = media.iframe_to_video(content, ctx, line)
    if video is None:
        video = media.video_tag_to_shortcode(content, ctx)
    if video is not None:
        return video
    return html_admonitions.html_admonition(content, ctx, line)


def html_rule(walk: Walk, state: WalkState, index: int) -> None:
    token, view = state.parsed.tokens[index], state.parsed.view
    if html_admonitions.admonition_rule(walk, state, index):
        return
    walk.extend(replace_block(token, view, html_block(token, view, walk.ctx, walk.fragments(token))))


TOKEN_SPECS = (TokenSpec("HTML block", ("html_block",), html_rule),)
