"""What a project file (``_config.yml``, ``myst.yml``) and a page's front matter say about the whole
document, as the Quarto options that say the same (quarto-web: ``lang``, ``bibliography``,
``crossref``, ``number-sections``, ``format``); what Quarto has no option for is reported.

=============================================  =================================================
Jupyter Book 1 ``_config.yml``                 Quarto
=============================================  =================================================
``language`` / ``sphinx: config: language``    ``lang``
``bibtex_bibfiles``                            ``bibliography``
``sphinx: config: numfig_format``              ``crossref: fig-title/fig-prefix`` (``tbl-``,
(``figure: "Abb. %s"``)                        ``lst-``, ``sec-prefix``)
``sphinx: config: math_eqref_format``          ``crossref: eq-prefix``
=============================================  =================================================

=============================================  =================================================
Jupyter Book 2 ``myst.yml`` ``project:`` /     Quarto
page front matter
=============================================  =================================================
``language``                                   ``lang``
``bibliography``                               ``bibliography``
``numbering: true|false``                      ``number-sections``
``numbering: headings / heading_N``            ``number-sections`` (``number-depth``)
``numbering: figure: template: "Abb. %s"``     ``crossref: fig-title/fig-prefix``
``exports: [{format: pdf}]``                   ``format: {html: default, pdf: default}``
=============================================  =================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..codes import Code
from ..context import Warning_
from ..dialect import PROJECT_FILES, project_dialect
from ..files import read_bounded
from ..macros import macros_from_config
from ..yamlload import YamlRefused, load_yaml

#: Sphinx ``numfig_format`` keys and mystmd ``numbering`` kinds → Quarto's cross-reference prefix
NUMFIG_KINDS = {"figure": "fig", "table": "tbl", "code-block": "lst", "code": "lst", "equation": "eq", "section": "sec"}
#: mystmd export formats → Quarto formats (quarto-web "output formats")
EXPORT_FORMATS = {"pdf": "pdf", "tex": "latex", "docx": "docx", "typst": "typst", "jats": "jats"}
_NUMBER = re.compile(r"%s|\{number\}")


#: Jupyter Book 1's ``parse: myst_enable_extensions`` when a ``_config.yml`` names none
JB1_DEFAULT_EXTENSIONS = frozenset(
    {
        "amsmath",
        "colon_fence",
        "deflist",
        "dollarmath",
        "html_admonition",
        "html_image",
        "linkify",
        "replacements",
        "smartquotes",
        "substitution",
        "tasklist",
    }
)


def myst_extension(config: Mapping[str, Any], name: str) -> bool:
    """Is MyST-Parser's extension ``name`` on for a project whose ``_config.yml`` is ``config``: named
    in its ``parse: myst_enable_extensions``, or (no list there) in Jupyter Book 1's default list, which
    a project's own list replaces. The one reading of that list (a book's and a single file's).

    >>> own = {"parse": {"myst_enable_extensions": ["fieldlist"]}}
    >>> myst_extension({}, "linkify"), myst_extension(own, "linkify")
    (True, False)
    >>> myst_extension({}, "fieldlist"), myst_extension(own, "fieldlist")
    (False, True)
    """
    extensions = _mapping(config.get("parse")).get("myst_enable_extensions")
    if not isinstance(extensions, list):
        return name in JB1_DEFAULT_EXTENSIONS
    return name in {str(e) for e in extensions}


def _line(item: Any) -> int:
    return int(getattr(item, "line", 1))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class MetaReader:
    """Collects Quarto options and the warnings of what has none (``where``: the file read)."""

    def __init__(self, where: str, warnings: list[Warning_] | None = None) -> None:
        self.where = where
        self.warnings = warnings if warnings is not None else []
        self.meta: dict[str, Any] = {}

    def warn(self, item: Any, message: str, code: Code = Code.OPTION_UNSUPPORTED) -> None:
        self.warnings.append(Warning_(self.where, _line(item), message, code))

    def crossref(self, kind: str, template: Any, item: Any, title: bool = True) -> None:
        """``"Abb. %s"`` as ``crossref: fig-prefix: Abb.`` (and ``fig-title``: the caption's word)."""
        prefix = NUMFIG_KINDS.get(kind)
        text = str(template or "")
        parts = _NUMBER.split(text)
        if prefix is None or len(parts) != 2 or parts[1].strip(" ."):
            self.warn(item, f"number format {kind}: {text!r} has no Quarto equivalent: not carried over")
            return
        word = parts[0].strip()
        crossref = self.meta.setdefault("crossref", {})
        if title and prefix != "sec":
            crossref[f"{prefix}-title"] = word
        crossref[f"{prefix}-prefix"] = word

    def bibliography(self, value: Any) -> None:
        """``bibliography:``: one file as its name, several as a list (Quarto reads both)."""
        files = [str(b) for b in value] if isinstance(value, list) else [str(value)] if value else []
        if files:
            self.meta["bibliography"] = files[0] if len(files) == 1 else files

    # -- Jupyter Book 1 --------------------------------------------------------------------
    def jupyter_book(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The Quarto options of a ``_config.yml``."""
        sphinx = _mapping(_mapping(config.get("sphinx")).get("config"))
        language = config.get("language") or sphinx.get("language")
        if language:
            self.meta["lang"] = str(language)
        self.bibliography(config.get("bibtex_bibfiles"))
        numfig = sphinx.get("numfig_format")
        for kind, template in _mapping(numfig).items():
            self.crossref(str(kind), template, numfig)
        eqref = sphinx.get("math_eqref_format")
        if eqref and str(eqref).strip() not in ("({number})", "{number}"):
            self.crossref("equation", eqref, sphinx, title=False)
        return self.meta

    # -- Jupyter Book 2 --------------------------------------------------------------------
    def myst_project(self, project: Mapping[str, Any]) -> dict[str, Any]:
        """The Quarto options of ``myst.yml``'s ``project:`` (or of a page's front matter)."""
        if project.get("language"):
            self.meta["lang"] = str(project["language"])
        self.bibliography(project.get("bibliography"))
        if "numbering" in project:
            self.numbering(project["numbering"], project)
        if project.get("exports"):
            self.exports(project["exports"])
        return self.meta

    def numbering(self, value: Any, item: Any) -> None:
        """mystmd ``numbering`` (headings are not numbered unless it says so)."""
        if isinstance(value, bool):
            self.meta["number-sections"] = value
            return
        if not isinstance(value, Mapping):
            self.warn(item, f"numbering: {value!r} is not true, false or a mapping: not carried over")
            return
        depth = 0
        for key, setting in value.items():
            enabled = setting.get("enabled", True) if isinstance(setting, Mapping) else bool(setting)
            if key == "headings":
                self.meta["number-sections"] = bool(enabled)
            elif re.fullmatch(r"heading_[1-6]", str(key)):
                depth = max(depth, int(str(key)[-1])) if enabled else depth
            elif key in NUMFIG_KINDS and isinstance(setting, Mapping) and setting.get("template"):
                self.crossref(str(key), setting["template"], value)
            elif key in NUMFIG_KINDS and enabled:
                continue  # numbered in Quarto too
            else:
                self.warn(value, f"numbering: {key} has no Quarto equivalent: not carried over")
        if depth:
            self.meta["number-sections"] = True
            self.meta["number-depth"] = depth

    def exports(self, value: Any) -> None:
        """mystmd ``exports`` → Quarto ``format:`` (the HTML the book is read in stays first)."""
        formats: dict[str, Any] = {"html": "default"}
        for export in value if isinstance(value, list) else [value]:
            spec = _mapping(export)
            name = str(spec.get("format") or spec.get("output", "").rsplit(".", 1)[-1] or "")
            if name not in EXPORT_FORMATS:
                self.warn(export, f"export format {name or '?'} has no Quarto equivalent: not carried over")
                continue
            formats[EXPORT_FORMATS[name]] = "default"
            others = sorted(set(spec) - {"format", "output", "id"})
            if others:
                self.warn(export, f"export options {', '.join(others)} have no Quarto equivalent: not carried over")
        if len(formats) > 1:
            self.meta["format"] = formats


def jupyter_book_meta(
    config: Mapping[str, Any], warnings: list[Warning_], where: str = "_config.yml"
) -> dict[str, Any]:
    """The Quarto options a ``_config.yml`` gives every page (see the module's table)."""
    return MetaReader(where, warnings).jupyter_book(config)


def myst_project_meta(project: Mapping[str, Any], warnings: list[Warning_], where: str = "myst.yml") -> dict[str, Any]:
    """The Quarto options ``myst.yml``'s ``project:`` gives every page (see the module's table)."""
    return MetaReader(where, warnings).myst_project(project)


@dataclass
class Project:
    """The project file a page belongs to, read: its settings for every page and what they become."""

    path: Path | None = None
    #: ``_config.yml`` as it is, or ``myst.yml``'s ``project:`` mapping
    config: Mapping[str, Any] = field(default_factory=dict)
    #: the Quarto options it gives every page (:func:`jupyter_book_meta`, :func:`myst_project_meta`)
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)

    @property
    def is_myst(self) -> bool:
        return self.path is not None and self.path.name == "myst.yml"

    @property
    def macros(self) -> dict[str, tuple[str, int]]:
        return macros_from_config({"math": self.config.get("math")} if self.is_myst else self.config)

    @property
    def substitutions(self) -> dict[str, str]:
        parse = _mapping(self.config.get("parse"))
        return {str(k): str(v) for k, v in _mapping(parse.get("myst_substitutions")).items()}

    @property
    def abbreviations(self) -> dict[str, str]:
        found = self.config.get("abbreviations") if self.is_myst else None
        return {str(k): str(v) for k, v in _mapping(found).items()}

    @property
    def linkify(self) -> bool:
        """As a book reads it: Jupyter Book 1's default list has it; a project's own list replaces that list."""
        return myst_extension(self.config, "linkify")

    @property
    def fieldlist(self) -> bool:
        """Field lists are read only when the project's ``myst_enable_extensions`` names them."""
        return myst_extension(self.config, "fieldlist")


def find_project(start: Path) -> Path | None:
    """The project file of a page in folder ``start``: of the nearest folder that holds one (as
    :func:`..dialect.detect_dialect` finds it), its ``myst.yml`` or ``_config.yml`` (``None``: none, or
    a folder with a ``_toc.yml`` only)."""
    folder = start.resolve()
    for candidate in [folder, *folder.parents]:
        if project_dialect(candidate) is not None:
            found = [candidate / name for name, _ in PROJECT_FILES if (candidate / name).is_file()]
            return next((path for path in found if path.name != "_toc.yml"), None)
    return None


def read_project(path: Path | None) -> Project:
    """The project file at ``path`` read (``None``: no project); one that cannot be read is reported
    (``project-invalid``) and read as none."""
    if path is None:
        return Project()
    warnings: list[Warning_] = []
    try:
        data = load_yaml(read_bounded(path).decode("utf-8"), lines=True) or {}
    except (OSError, UnicodeDecodeError, YamlRefused, yaml.YAMLError) as exc:
        warnings.append(
            Warning_(
                str(path), 1, f"{path.name} not read ({exc}); its settings are not applied", Code.FRONTMATTER_INVALID
            )
        )
        return Project(warnings=warnings)
    if path.name == "myst.yml":
        config = _mapping(_mapping(data).get("project"))
        meta = myst_project_meta(config, warnings, str(path))
    else:
        config = _mapping(data)
        meta = jupyter_book_meta(config, warnings, str(path))
    return Project(path, config, meta, warnings)
