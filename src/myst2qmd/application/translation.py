"""The translation of a run, for a single file and a book alike: the engine and the PO files set
up once (:func:`set_up_translation`), the progress bar, the PO files staged and committed around
the output, and the lines that say how the translation went."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..codes import Code, suppressed
from ..config import Settings
from ..files import interrupts_deferred
from ..languages import LanguageError
from .common import RunFailed, UsageError, read_glossary

if TYPE_CHECKING:
    from ..translate.engines.base import Engine
    from ..translate.glossary import Glossary
    from ..translate.pipeline import TranslationReport, Translator
    from ..translate.po import Review
    from ..translate.po_write import Staged

T = TypeVar("T")


def set_up_translation(
    settings: Settings, glossary: Glossary | None, engine: str, single: Path | None = None
) -> tuple[Translator | None, Review | None]:
    """The run's translator and its PO review (``--po DIR``), each ``None`` if the run has none.

    The engine is opened first (exit 1 if it cannot be used), then the PO files are read (a book's
    all now, a ``single`` file's own; exit 2 if one cannot be), and the translator is built with
    that review; with ``--engine none`` and PO files, it is one that sends nothing. ``glossary``:
    the ``--glossary`` file's, read already; without one, the built-in glossary, read only here,
    by a run that translates (a run with ``--engine none`` and no PO files needs none)."""
    if engine == "none" and not settings.po_dir:
        return None, None
    glossary = glossary if glossary is not None else read_glossary(settings)
    opened = open_engine(engine, settings, glossary) if engine != "none" else None
    review = None
    if settings.po_dir:
        from ..translate.po import Review

        folder = po_folder(settings.po_dir)
        project = single.stem if single is not None else settings.src.resolve().name
        options = review_settings(settings, engine, project)
        review = read_po(
            lambda: Review.for_file(folder, single, **options) if single else Review.for_book(folder, **options)
        )
    if opened is None:
        return (reviewed_only(settings, glossary, review) if review is not None else None), review
    return translator_for(opened, settings, glossary, review), review


def open_engine(engine_name: str, settings: Settings, glossary: Glossary) -> Engine:
    """The run's engine (closed by :func:`progress_run`): exit 1 if it cannot be used, 2 for a language
    it does not know."""
    from ..translate.engines import EngineSettings, make_engine
    from ..translate.engines.base import FatalEngineError

    engine_settings = EngineSettings(
        base_url=settings.base_url,
        model=settings.model,
        timeout=settings.timeout,
        deepl_target=settings.deepl_target,
        # DeepL enforces a glossary's terms: only the user's; the built-in and mined ones are hints for the others
        glossary=glossary.entries or None,
        target_lang=settings.target_lang,
        jobs=settings.jobs,
    )
    try:
        engine = make_engine(engine_name, engine_settings)
    except FatalEngineError as exc:
        raise RunFailed(f"{exc}; nothing was written") from None
    except LanguageError as exc:
        raise UsageError(str(exc)) from None
    assert engine is not None
    return engine


def translator_for(engine: Engine, settings: Settings, glossary: Glossary, review: Review | None) -> Translator:
    """The translator of ``engine``, with the run's translation memory (opened now) and ``review``."""
    from ..translate.cache import TranslationCache
    from ..translate.engines.base import Request
    from ..translate.pipeline import Translator
    from ..translate.reviewing import NoReview

    cache = TranslationCache(None) if settings.no_cache else TranslationCache.default(memory_warning(settings))
    request = Request.for_languages(settings.source_lang, settings.target_lang, settings.timeout)
    return Translator(
        engine,
        request=request,
        cache=cache,
        glossary=glossary,
        jobs=settings.jobs,
        rpm=settings.rpm,
        code_comments=settings.translate_code_comments,
        retry_kept=settings.retry_kept,
        review=review if review is not None else NoReview(),
    )


def reviewed_only(settings: Settings, glossary: Glossary, review: Review) -> Translator:
    """``--engine none --po DIR``: a translator that sends nothing and writes the reviewed translations."""
    from ..translate.cache import TranslationCache
    from ..translate.engines.base import Request
    from ..translate.pipeline import Translator
    from ..translate.po import NoEngine

    request = Request.for_languages(settings.source_lang, settings.target_lang)
    return Translator(NoEngine(), request=request, cache=TranslationCache(None), glossary=glossary, review=review)


def po_folder(value: str) -> Path:
    """``--po DIR``: a folder (made if missing), never a file."""
    folder = Path(value)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--po {value} is a file; give a folder for the PO files")
    return folder


def read_po(load: Callable[[], T]) -> T:
    """The PO files of ``--po DIR`` read; one that cannot be read is a usage error (exit 2)."""
    from ..translate.po_files import PoError

    try:
        return load()
    except PoError as exc:
        raise UsageError(str(exc)) from exc


def review_settings(settings: Settings, engine: str, project: str) -> dict[str, str]:
    return {
        "source_lang": settings.source_lang,
        "target_lang": settings.target_lang,
        "engine": engine,
        "project": project,
    }


def stage_po(review: Review) -> list[Staged]:
    """The run's changed PO files staged beside them, before the output is written: one that cannot be
    (a read-only folder, a full disk, a folder of its name) stops the run with exit 1 and nothing written;
    one a reviewer saved meanwhile into a broken file, with exit 2 (:func:`read_po`)."""
    try:
        return read_po(review.files.stage)
    except OSError as exc:
        raise RunFailed(
            f"cannot write {exc.filename or 'a PO file'}: {exc.strerror or exc}; nothing was written"
        ) from None


def commit_po(review: Review, staged: list[Staged], quiet: bool, after: str) -> None:
    """Put the staged PO files in place (after the output, ``after``): merged again with any a reviewer
    saved meanwhile, never written over it. Exit 2 if such a file cannot be read now (left as it is)."""
    from ..translate.po_files import PoError

    try:
        with interrupts_deferred():
            written = review.files.commit(staged)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted after {after} was written; the PO files were not") from None
    except (OSError, PoError) as exc:
        review.files.discard(staged)
        why = f"cannot write {exc.filename}: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        raise UsageError(f"{why} ({after} was written; the PO files not written were left as they were)") from None
    for path in review.files.merged_again:
        print(f"myst2qmd: note: {path} changed while this run went on: merged again, the changes kept", file=sys.stderr)
    if not quiet:
        print(f"{len(written)} PO files written", file=sys.stderr)


def drop_staged(review: Review | None, staged: list[Staged]) -> None:
    """The staged PO files will not be written: remove them."""
    if review is not None:
        review.files.discard(staged)


def memory_warning(settings: Settings) -> Callable[[str], None]:
    """How a translation memory that cannot be used is said: one warning (the run goes on)."""
    code = Code.MEMORY_UNUSABLE

    def warn(message: str) -> None:
        if not suppressed(code, settings.suppress_warnings):
            print(f"myst2qmd: warning [{code}]: {message}", file=sys.stderr)

    return warn


def progress_run(translator: Translator, label: str, quiet: bool, work: Callable[[], T]) -> T:
    """Run ``work`` with a progress bar of translated segments on a terminal; close the engine after.
    An engine that cannot be used stops the run (:class:`RunFailed`)."""
    from ..translate.engines.base import FatalEngineError

    try:
        if quiet or not sys.stderr.isatty():
            return work()
        from ..progress import progress_bar

        with progress_bar(label) as (translator.on_total, translator.on_progress):
            return work()
    except FatalEngineError as exc:
        raise RunFailed(f"{exc}; nothing was written") from None
    finally:
        translator.engine.close()
        translator.cache.close()


def translation_summary(report: TranslationReport) -> str:
    """One line: what was sent (the progress bar's count) and how it came back, then what was not sent."""
    sent = [
        f"{report.translated} translated",
        *([f"{report.unchanged} unchanged"] if report.unchanged else []),
        f"{report.kept_sent} kept in the original language",
    ]
    other = [
        f"{report.cached} from the translation memory",
        *(
            [f"{report.kept_remembered} kept as in an earlier run (--retry-kept sends them again)"]
            if report.kept_remembered
            else []
        ),
        *([f"{report.reviewed} reviewed (PO)"] if report.reviewed else []),
        f"{report.already_in_target} already in the target language",
    ]
    requests = [
        f"{report.engine_calls} requests answered",
        f"{report.requests_failed} failed",
        f"{report.characters_sent:,} characters delivered",
        *(
            [f"{report.overhead_share:.0%} of what was sent beyond the units (instructions, examples, glossary)"]
            if report.overhead_characters
            else []
        ),
    ]
    line = (
        f"engine {report.engine} ({report.model}): {report.sent} segments sent: {', '.join(sent)}; "
        f"{', '.join(other)}; {', '.join(requests)}"
    )
    if report.stopped:
        line += f"\nstopped sending: {report.stopped}; the segments not sent kept their original text"
    if report.engine == "local":
        line += (
            "\nnote: the local model (Gemma 3 270M) gives a draft; DeepL or a larger model behind "
            "--engine openai gives publication quality"
        )
    return line


def print_notes(report: TranslationReport | None, suppress: frozenset[str] = frozenset()) -> None:
    """Run-wide warnings of a translation (a ``Retry-After`` cut short), also with ``-q``."""
    code = Code.ENGINE_RETRY_AFTER
    for note in report.notes if report is not None and not suppressed(code, suppress) else []:
        print(f"myst2qmd: warning [{code}]: {note}", file=sys.stderr)
