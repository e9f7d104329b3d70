"""A Jupyter Book's site settings (``_config.yml``) as ``_quarto.yml`` options, and what cannot be.

=========================================  ==============================================================
Jupyter Book ``_config.yml``               Quarto ``_quarto.yml``
=========================================  ==============================================================
``logo``                                   ``book: sidebar: logo``
``html: favicon``                          ``book: favicon``
``copyright``                              ``book: page-footer: left: "© Copyright …"`` (with the author)
``html: extra_footer``                     ``book: page-footer: center`` (Quarto reads it as Markdown,
                                           where HTML passes through)
``repository: url / branch / path_to_book``  ``book: repo-url / repo-branch / repo-subdir``
``html: use_edit_page_button`` /           ``book: repo-actions: [edit, issue]``
``use_issues_button``
``html: baseurl``                          ``book: site-url``
``html: google_analytics_id``              ``book: google-analytics``
``html: comments: hypothesis``             ``book: comments: hypothesis: true``
``launch_buttons: binderhub_url``          ``format: html: code-links: [binder]`` (``quarto use binder``
                                           writes the Binder set-up)
=========================================  ==============================================================

What has no place in Quarto (Colab, JupyterHub and Thebe launch buttons, ``extra_navbar``,
``announcement``, ``latex``) is reported as ``option-unsupported`` at its line of
``_config.yml``: never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .codes import Code
from .context import Warning_

#: ``launch_buttons`` keys Quarto has no place for (Binder has one: ``code-links``)
LAUNCH_ELSEWHERE = {
    "colab_url": "Colab",
    "jupyterhub_url": "JupyterHub",
    "thebe": "Thebe (live code)",
    "deepnote_url": "Deepnote",
}
#: ``html`` keys with no Quarto equivalent: reported
HTML_UNSUPPORTED = ("extra_navbar", "announcement", "navbar_number_sections", "home_page_in_navbar")

#: ``--execute`` → the ``execute:`` of ``_quarto.yml`` (``auto``: as the book's ``execute_notebooks`` says)
EXECUTE: dict[str, dict[str, Any]] = {"freeze": {"freeze": "auto"}, "off": {"enabled": False}, "on": {"enabled": True}}


def _line(item: Any) -> int:
    return int(getattr(item, "line", 1))


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (a setting left empty, or of the wrong kind)."""
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return str(value).strip() if value not in (None, "", False) else ""


def execute_option(mode: str, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``execute:`` mapping: ``--execute freeze|off|on``, else as ``execute_notebooks`` says
    (``off`` → not run, ``cache`` → frozen), else none (Quarto's default: run ``.qmd`` cells)."""
    if mode in EXECUTE:
        return dict(EXECUTE[mode])
    execute = config.get("execute")
    setting = execute.get("execute_notebooks") if isinstance(execute, Mapping) else None
    if setting in ("off", False, "false"):
        return {"enabled": False}
    if setting == "cache":
        return {"freeze": "auto"}
    return None


def site_options(
    config: Mapping[str, Any], warnings: list[Warning_], where: str = "_config.yml"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``book:`` options of ``config``'s logo, footer, repository and analytics, and the
    ``format: html:`` ones (Binder); what has no Quarto place is added to ``warnings``."""
    html = _mapping(config.get("html"))
    book: dict[str, Any] = {}
    html_format: dict[str, Any] = {}
    if _text(config.get("logo")):
        book["sidebar"] = {"logo": _text(config["logo"])}
    if _text(html.get("favicon")):
        book["favicon"] = _text(html["favicon"])
    if _text(html.get("baseurl")):
        book["site-url"] = _text(html["baseurl"])
    book.update(_repository(config, html))
    footer = _footer(config, html)
    if footer:
        book["page-footer"] = footer
    analytics = _text(html.get("google_analytics_id")) or _text(
        (config.get("analytics") or {}).get("google_analytics_id")
    )
    if analytics:
        book["google-analytics"] = analytics
    comments = html.get("comments")
    if isinstance(comments, Mapping) and comments.get("hypothesis"):
        book["comments"] = {"hypothesis": True}
    if isinstance(comments, Mapping) and comments.get("utterances"):
        book.setdefault("comments", {})["utterances"] = comments["utterances"]
    for key in HTML_UNSUPPORTED:
        if html.get(key):
            warnings.append(_unsupported(where, _line(html), f"html: {key}"))
    launch = config.get("launch_buttons")
    if isinstance(launch, Mapping):
        if _text(launch.get("binderhub_url")):
            html_format["code-links"] = ["binder"]
        for key, name in LAUNCH_ELSEWHERE.items():
            if launch.get(key):
                warnings.append(_unsupported(where, _line(launch), f"launch_buttons: {key} ({name} launch button)"))
    if isinstance(config.get("latex"), Mapping) and config["latex"]:
        warnings.append(_unsupported(where, _line(config["latex"]), "latex (set format: pdf: options in _quarto.yml)"))
    return book, html_format


def _repository(config: Mapping[str, Any], html: Mapping[str, Any]) -> dict[str, Any]:
    repository = _mapping(config.get("repository"))
    url = _text(repository.get("url"))
    if not url:
        return {}
    out: dict[str, Any] = {"repo-url": url}
    if _text(repository.get("branch")):
        out["repo-branch"] = _text(repository["branch"])
    subdir = _text(repository.get("path_to_book")).strip("/")
    if subdir and subdir != ".":
        out["repo-subdir"] = subdir
    actions = [
        action
        for action, key in (
            ("edit", "use_edit_page_button"),
            ("issue", "use_issues_button"),
            ("source", "use_repository_button"),
        )
        if html.get(key)
    ]
    if actions:
        out["repo-actions"] = actions
    return out


def _footer(config: Mapping[str, Any], html: Mapping[str, Any]) -> dict[str, str]:
    """``page-footer``: the copyright line Jupyter Book writes (``By AUTHOR © Copyright YEAR.``) on the
    left, the book's ``extra_footer`` (its licence notice, often) in the centre."""
    footer: dict[str, str] = {}
    copyright_ = _text(config.get("copyright"))
    if copyright_:
        author = _text(config.get("author"))
        footer["left"] = (f"By {author} " if author else "") + f"© Copyright {copyright_}."
    extra = _text(html.get("extra_footer"))
    if extra:
        footer["center"] = extra
    return footer


def _unsupported(where: str, line: int, what: str) -> Warning_:
    return Warning_(where, line, f"{what} has no Quarto equivalent: not carried over", Code.OPTION_UNSUPPORTED)
