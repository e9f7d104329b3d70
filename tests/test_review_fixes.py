"""The pipeline under load: repeated texts, a busy server, a sentence too long for the local model."""

from __future__ import annotations

import threading
from typing import Any

from myst2qmd import convert_text
from myst2qmd.translate import Translator
from myst2qmd.translate.engines.base import RateLimitedError, Reply, RetryPolicy, Unit
from myst2qmd.translate.engines.pseudo import PseudoEngine


class Counting(PseudoEngine):
    """Upper-cases like ``pseudo`` and remembers every unit it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def translate(self, units: list[Unit], request: Any) -> dict[str, Reply]:
        with self.lock:
            self.sent += [u.text for u in units]
        return super().translate(units, request)


def test_a_text_that_stands_many_times_is_sent_once() -> None:
    """Sixty rows of four texts cost what one row of each costs."""

    def sent(n_rows: int) -> tuple[list[str], str]:
        rows = "\n".join(
            f"| {'Ja' if n % 2 else 'Nein'} | {'Lösung' if n % 3 else 'Siehe oben.'} |" for n in range(n_rows)
        )
        qmd = convert_text(f"| Antwort | Hinweis |\n|---|---|\n{rows}\n").text
        engine = Counting()
        translated, _, _ = Translator(engine).translate_document(qmd)
        return sorted(engine.sent), translated

    once, _ = sent(6)
    many, translated = sent(60)
    assert many == once
    assert translated.count("JA") == 30 and translated.count("SIEHE OBEN") == 20


def test_a_busy_server_does_not_stop_the_run() -> None:
    """HTTP 429 on twelve calls in a row, no request failing all its attempts: the circuit
    breaker (8 failures in a row) must not count attempts that a retry then settles."""

    class Busy(Counting):
        retry = RetryPolicy(attempts=5, backoff=0.001)

        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def translate(self, units: list[Unit], request: Any) -> dict[str, Reply]:
            with self.lock:
                self.calls += 1
                busy = 2 <= self.calls <= 13
            if busy:
                raise RateLimitedError("HTTP 429: slow down")
            return super().translate(units, request)

    text = "\n\n".join(f"Absatz {n}: ein Filter gleitet über das Bild und {'sehr ' * n}weiter." for n in range(10))
    qmd = convert_text(text + "\n").text
    engine = Busy()
    engine.max_batch_units = 1
    translated, report, warnings = Translator(engine, jobs=4).translate_document(qmd)
    assert not report.stopped, report.stopped
    assert not report.kept, report.kept
    assert translated.count("FILTER") == 10
