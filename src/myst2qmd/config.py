"""Settings from three places, later ones winning: ``myst2qmd.toml`` (or ``[tool.myst2qmd]``
in ``pyproject.toml``), ``MYST2QMD_*`` environment variables, and command-line flags.

``myst2qmd.toml``::

    engine = "none"
    images-path = "/assets/images/cnn/"
    escape-fences = false
    macros = "_config.yml"
    suppress-warnings = ["ref-undefined", "toc"]   # codes, or families (see codes.py)
    dialect = "jb2"        # MyST as Jupyter Book 2 (mystmd) reads it; default: by the project file
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from .codes import Code, unknown_codes
from .context import Options
from .dialect import Dialect, DialectError, detect_dialect, parse_dialect
from .files import read_bounded
from .languages import LanguageError, normalize

#: the values of the ``engine`` setting (the engines themselves are imported only when one runs)
ENGINE_NAMES = ("auto", "none", "pseudo", "openai", "deepl", "local")

#: setting name → type; names are the long flags without ``--``
SETTINGS: dict[str, type] = {
    "engine": str,
    "images-path": str,
    "escape-fences": bool,
    "macros": str,
    "base-url": str,
    "model": str,
    "from": str,
    "to": str,
    "glossary": str,
    "jobs": int,
    "rpm": float,
    "no-cache": bool,
    "translate-code-comments": bool,
    "timeout": float,
    "deepl-target": str,
    "suppress-warnings": list,
    "po": str,
    "retry-kept": bool,
    "execute": str,
    "only": tuple,
    "po-inside-book": bool,
    "dialect": Dialect,
}

#: the values of the ``execute`` setting: what ``_quarto.yml`` says about running code cells
EXECUTE_MODES = ("auto", "freeze", "off", "on")


class ConfigError(ValueError):
    """A config file or variable that cannot be used."""


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = SETTINGS[name]
    if kind is list:
        return _codes(name, value, where)
    if kind is tuple:
        return _strings(name, value, where)
    if kind is Dialect:
        try:
            return parse_dialect(value, where)
        except DialectError as exc:
            raise ConfigError(str(exc)) from None
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where}: {name} must be true or false, not {value!r}")
    if kind in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: {name} must be a number, not {value!r}")
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {name} must be a number, not {value!r}") from None
        if not number > 0 or not math.isfinite(number):  # also NaN and infinity
            raise ConfigError(f"{where}: {name} must be a number greater than 0, not {value!r}")
        return number
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string, not {value!r}")
    return value


def _codes(name: str, value: Any, where: str) -> list[str]:
    """A list of warning codes: a TOML list, or text separated by commas or spaces (a variable, a flag)."""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{where}: {name} must be a list of warning codes, not {value!r}")
    names = [part for item in items for part in re.split(r"[\s,]+", item) if part]
    unknown = unknown_codes(names)
    if unknown:
        known = ", ".join(sorted(code.value for code in Code))
        raise ConfigError(f"{where}: unknown warning code {', '.join(unknown)} in {name} (known: {known})")
    return names


def _strings(name: str, value: Any, where: str) -> tuple[str, ...]:
    """A list of strings: a TOML list, a flag given several times, or text separated by commas."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{where}: {name} must be a list of strings, not {value!r}")
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())


def _toml() -> ModuleType:
    """``tomllib`` (``tomli`` before Python 3.11), imported when a TOML file is read: a run
    without one does not."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def find_config_file(start: Path) -> Path | None:
    """``myst2qmd.toml`` in ``start`` or a parent folder, else a ``pyproject.toml`` with our table."""
    for folder in [start, *start.parents]:
        candidate = folder / "myst2qmd.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            tomllib = _toml()
            try:
                data = tomllib.loads(read_bounded(pyproject).decode("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "myst2qmd" in data.get("tool", {}):
                return pyproject
    return None


def load_file(path: Path) -> dict[str, Any]:
    tomllib = _toml()
    try:
        data = tomllib.loads(read_bounded(path).decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (offset {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("myst2qmd", {})
    settings: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("_", "-")
        if name not in SETTINGS:
            raise ConfigError(f"{path}: unknown setting '{key}' (known: {', '.join(SETTINGS)})")
        settings[name] = _coerce(name, value, str(path))
    for key in ("macros", "glossary", "po"):
        if key in settings and not Path(settings[key]).is_absolute():
            settings[key] = str(path.parent / settings[key])
    return settings


def load_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    settings = {}
    for name in SETTINGS:
        var = "MYST2QMD_" + name.upper().replace("-", "_")
        if var in environ:
            settings[name] = _coerce(name, environ[var], var)
    return settings


def resolve(flags: dict[str, Any], config_path: str | None, cwd: Path) -> dict[str, Any]:
    """Merge file < environment < flags (flags that were not given are ``None``)."""
    path = Path(config_path) if config_path else find_config_file(cwd)
    settings: dict[str, Any] = {}
    if path is not None:
        if config_path and not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        settings.update(load_file(path))
    settings.update(load_env())
    given = {k: v for k, v in flags.items() if v is not None}
    settings.update(
        {k: _coerce(k, v, f"--{k}") if SETTINGS.get(k) in (list, tuple, Dialect) else v for k, v in given.items()}
    )
    return settings


@dataclass(frozen=True)
class Settings:
    """Every setting of a ``convert`` run, resolved (config file < ``MYST2QMD_*`` < flags) and
    checked once: a single file, a notebook and a book all get this one object.

    A new setting is a field here, a line in :meth:`from_mapping`, a name in :data:`SETTINGS`
    and a flag in the command line."""

    #: what to convert (a file or a book folder) and where to (``-o``; ``"-"`` is stdout)
    src: Path = Path(".")
    output: str | None = None
    #: with a book: where to write the JSON report
    report: str | None = None
    quiet: bool = False
    #: ``--force``: a book's chapters all converted, none reused from the output folder's last run
    force: bool = False
    #: the settings file read (``--config``, or the one found from the current folder up)
    config_file: Path | None = None
    engine: str = "auto"
    images_path: str | None = None
    escape_fences: bool = False
    macros_file: str | None = None
    #: the macros of ``macros_file``, once :meth:`with_macros` has read it
    macros: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    source_lang: str = "de"
    target_lang: str = "en"
    base_url: str | None = None
    model: str | None = None
    glossary_file: str | None = None
    jobs: int = 4
    #: ``--rpm``: requests per minute the run stays under (``None``: as fast as ``jobs`` allow)
    rpm: float | None = None
    timeout: float = 120.0
    no_cache: bool = False
    translate_code_comments: bool = False
    deepl_target: str = "EN-US"
    #: warning codes (or families) not printed: counted as suppressed, kept in ``--report``
    suppress_warnings: frozenset[str] = frozenset()
    #: ``--po DIR``: PO files for review (see :mod:`.translate.po`)
    po_dir: str | None = None
    #: send again what the translation memory remembers the engine could not translate
    retry_kept: bool = False
    #: ``auto`` (as the book said), ``freeze``, ``off`` or ``on``: the ``execute:`` of ``_quarto.yml``
    execute: str = "auto"
    #: a book: convert (and translate) only the chapters these paths or patterns name
    only: tuple[str, ...] = ()
    #: ``--po-inside-book``: the PO folder may be inside the book (sphinx-intl's ``locales/`` layout)
    po_inside_book: bool = False
    #: ``--dialect``: the MyST dialect of the input; ``None``: the project's (:func:`.dialect.detect_dialect`)
    dialect: Dialect | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], **run: Any) -> Settings:
        """From :func:`resolve`'s mapping (``images-path`` …) and the run's own fields (``src`` …);
        :class:`ConfigError` if a value is bad."""
        settings = cls(
            **run,
            engine=str(values.get("engine", "auto")),
            images_path=values.get("images-path"),
            escape_fences=bool(values.get("escape-fences", False)),
            macros_file=values.get("macros"),
            source_lang=str(values.get("from", "de")),
            target_lang=str(values.get("to", "en")),
            base_url=values.get("base-url"),
            model=values.get("model"),
            glossary_file=values.get("glossary"),
            jobs=int(values.get("jobs", 4)),
            rpm=None if values.get("rpm") is None else float(values["rpm"]),
            timeout=float(values.get("timeout", 120.0)),
            no_cache=bool(values.get("no-cache", False)),
            translate_code_comments=bool(values.get("translate-code-comments", False)),
            deepl_target=str(values.get("deepl-target", "EN-US")),
            suppress_warnings=frozenset(values.get("suppress-warnings", ())),
            po_dir=values.get("po"),
            retry_kept=bool(values.get("retry-kept", False)),
            execute=str(values.get("execute", "auto")),
            only=tuple(values.get("only", ())),
            po_inside_book=bool(values.get("po-inside-book", False)),
            dialect=values.get("dialect"),
        )
        if settings.execute not in EXECUTE_MODES:
            raise ConfigError(f"unknown execute mode '{settings.execute}' (available: {', '.join(EXECUTE_MODES)})")
        if settings.engine not in ENGINE_NAMES:
            raise ConfigError(f"unknown engine '{settings.engine}' (available: {', '.join(ENGINE_NAMES)})")
        if settings.jobs < 1:
            raise ConfigError("--jobs must be at least 1")
        if settings.rpm is not None and (not settings.rpm > 0 or not math.isfinite(settings.rpm)):
            raise ConfigError(f"--rpm must be a number of requests per minute greater than 0, not {settings.rpm:g}")
        if not settings.timeout > 0 or not math.isfinite(settings.timeout):
            raise ConfigError(f"--timeout must be a number of seconds greater than 0, not {settings.timeout:g}")
        try:
            languages = normalize(settings.source_lang, "--from"), normalize(settings.target_lang, "--to")
        except LanguageError as exc:
            raise ConfigError(str(exc)) from None
        return replace(settings, source_lang=languages[0], target_lang=languages[1])

    @property
    def inputs(self) -> list[Path]:
        """The files the run reads besides its source (macros, glossary, settings): never written."""
        return [Path(p) for p in (self.macros_file, self.glossary_file, self.config_file) if p]

    def with_macros(self) -> Settings:
        """These settings with the macros file read (:class:`~.macros.MacroFileError` if it cannot be)."""
        if not self.macros_file:
            return self
        from .macros import load_macros  # YAML is loaded when a run reads a file, not for --help

        return replace(self, macros=load_macros(self.macros_file))

    @property
    def input_dialect(self) -> Dialect:
        """The dialect the input is read in: the one asked for, else its project's (``myst.yml``: JB2)."""
        return self.dialect if self.dialect is not None else detect_dialect(self.src)

    def options(self) -> Options:
        """The conversion options every document gets (``escape_fences`` is not one: a run escapes
        its outputs after translation, in :mod:`.finish`)."""
        return Options(images_path=self.images_path, macros=dict(self.macros), dialect=self.input_dialect)


def load_settings(flags: dict[str, Any], config: str | None, cwd: Path, **run: Any) -> Settings:
    """The run's :class:`Settings`: ``flags`` (names as in :data:`SETTINGS`, ``None`` when not
    given) over ``MYST2QMD_*`` over the settings file ``config`` (or the one found from ``cwd`` up)."""
    values = resolve(flags, config, cwd)
    config_file = Path(config) if config else find_config_file(cwd)
    return Settings.from_mapping(values, config_file=config_file, **run)
