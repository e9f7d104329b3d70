"""The run's use of the translation memory (:mod:`.cache`): what it holds is used if it still
passes the reply check, what the engine translates is stored at once (a killed run resumes from
there), and what the engine could not translate is remembered so a re-run does not ask again
(``--retry-kept`` asks again).
"""

from __future__ import annotations

from dataclasses import dataclass

from .acceptance import ReplyCheck
from .cache import TranslationCache, cache_key
from .engines.base import Engine, Reply, Request
from .glossary import Glossary
from .planning import Job
from .report import TRANSIENT_FAILURES
from .sentences import split_in_half


@dataclass
class Memory:
    """The translation memory as one engine, request and glossary see it."""

    cache: TranslationCache
    engine: Engine
    request: Request
    glossary: Glossary
    check: ReplyCheck
    #: send again what the memory remembers the engine could not translate (``--retry-kept``)
    retry_kept: bool = False

    def key(self, text: str) -> str:
        """The memory's key of ``text``: engine, model and server (a test server's answers under a
        model's name are never served to a run against the real one), languages, glossary."""
        r, engine = self.request, self.engine
        server = getattr(engine, "base_url", "") or getattr(engine, "server_url", "")
        target = r.target_tag or r.target_lang
        return cache_key(engine.name, engine.model, server, r.source_lang, target, self.glossary.digest, text)

    def cached(self, text: str) -> str | None:
        """A translation from the memory, if it still passes the reply check (an older version,
        or another tool, may have stored what this one would reject): else it is forgotten."""
        hit = self.cache.get(self.key(text))
        if hit is None:
            return None
        accepted, _ = self.check.accept(text, Reply(hit, "stop"))
        if accepted is None:
            self.cache.delete(self.key(text))
        return accepted

    def remember(self, text: str, translation: str) -> None:
        """Store a validated translation at once (a killed run resumes from here)."""
        r = self.request
        self.cache.put(
            self.key(text), self.engine.name, self.engine.model, r.source_lang, r.target_lang, text, translation
        )

    def remember_kept(self, text: str, written: str, failures: list[str]) -> None:
        """Remember that the engine could not translate ``text`` (``written`` was used), unless a failure
        was the transport's (a timeout, a server that stopped answering): that is asked again."""
        reasons = list(dict.fromkeys(failures))
        if not reasons or any(why.startswith(TRANSIENT_FAILURES) for why in reasons):
            return
        self.cache.keep(self.key(text), self.engine.name, self.engine.model, text, written, "; ".join(reasons))

    def remembered_kept(self, text: str) -> tuple[str, str] | None:
        """``(text to write, why)`` if the memory remembers the engine could not translate ``text``."""
        return None if self.retry_kept else self.cache.kept(self.key(text))

    def forget(self, texts: list[str], depth: int = 0) -> None:
        """Drop cached translations (and those of their halves) that broke the document."""
        for text in texts:
            self.cache.delete(self.key(text))
            halves = split_in_half(text) if depth < 2 else None
            if halves is not None:
                self.forget([halves[0], halves[2]], depth + 1)

    def settle_kept(self, job: Job, text: str, index: int | None = None) -> bool:
        """A job (``index`` None) or one of its pieces the memory remembers the engine could not
        translate: its remembered text is used, its warning given again, nothing sent."""
        if job.reviewed:
            return False
        remembered = self.remembered_kept(text)
        if remembered is None:
            return False
        written, why = remembered
        if index is None:
            job.pieces, job.results, job.gaps = [job.masked], [written], [""]
            job.from_cache = 1
        else:
            job.results[index] = written
            job.from_cache += 1
        job.failures.append(f"{why} (as in an earlier run: --retry-kept sends it again)")
        job.remembered = True
        return True
