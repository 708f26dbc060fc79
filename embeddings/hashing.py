"""A tiny deterministic embedder for fast tests: hashed character n-grams, no model at all."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from embeddings.base import normalise_rows


class HashingEmbedder:
    """Character 1-2-gram feature hashing. Similar strings get similar vectors; meaning is ignored."""

    fork_safe = True  # pure numpy: a build may embed in a forked copy of this process
    batch_size = 256  # texts per build call: a call costs little per text, so its fixed overhead is what counts

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _bucket(self, gram: str) -> int:
        return int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "little") % self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, t in enumerate(texts):
            t = t.lower()
            for n in (1, 2):
                for j in range(len(t) - n + 1):
                    out[i, self._bucket(t[j : j + n])] += 1.0
        return normalise_rows(out)
