"""The embedder protocol: text in, L2-normalised float32 rows out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors. `name` and `dim` go into the index manifest."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingError(Exception):
    """An embedder could not be loaded or used; the message says how to fix it."""


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise each row (zero rows stay zero) as contiguous float32."""
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    np.divide(v, norms, out=v, where=norms > 0)
    return v
