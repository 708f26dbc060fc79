"""Any sentence-transformers model, by name or local path (optional extra `reportqa[st]`)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from embeddings.base import EmbeddingError, normalise_rows

ST_EXTRA_HINT = "pip install 'reportqa[st]' (install torch==2.13.0 first for the CPU build)"


class SentenceTransformerEmbedder:
    """Loads the model lazily, once; `dim` is read from the model itself."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self._model_name = model
        self._batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"st:{self._model_name}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as e:
                    raise EmbeddingError(
                        f"embedding model {self._model_name!r} needs sentence-transformers: {ST_EXTRA_HINT}"
                    ) from e
                try:
                    model = SentenceTransformer(self._model_name, device="cpu")
                except Exception as e:
                    raise EmbeddingError(
                        f"could not load sentence-transformers model {self._model_name!r} ({e}); "
                        "give a local model directory or an installed model name in REPORTQA_EMBEDDING_MODEL"
                    ) from e
                get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
                dim = get_dim()
                if dim is None:
                    raise EmbeddingError(f"model {self._model_name!r} does not report its embedding size")
                self._dim = int(dim)
                self._model = model
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; returns unit rows."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = model.encode(list(texts), batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False)
        return normalise_rows(np.asarray(vecs))
