"""FAISS nearest-neighbour search over unit vectors (inner product = cosine), with save and load."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

IndexKind = Literal["auto", "flat", "hnsw"]
HNSW_ABOVE = 200_000  # rows; below this exact search is fast enough and exact


def _faiss() -> Any:
    import faiss

    return faiss


class VectorIndex:
    """Row i of the added vectors has id i. Search returns (scores, ids), best first, -1 for no hit."""

    def __init__(self, index: Any, kind: str) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, kind: IndexKind = "auto", *, hnsw_m: int = 32) -> VectorIndex:
        """Index unit rows; 'auto' is exact below HNSW_ABOVE rows and HNSW above."""
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        chosen = kind if kind != "auto" else ("hnsw" if len(vectors) > HNSW_ABOVE else "flat")
        if chosen == "hnsw":
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        return cls(index, chosen)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product; `allowed` (sorted int64 ids) restricts the candidates."""
        faiss = _faiss()
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        k = max(1, min(k, self.size)) if self.size else 1
        if self.size == 0:
            return np.full((len(q), 1), -np.inf, dtype=np.float32), np.full((len(q), 1), -1, dtype=np.int64)
        if allowed is None:
            scores, ids = self._index.search(q, k)
            return scores, ids
        ids = np.ascontiguousarray(allowed, dtype=np.int64)
        if len(ids) == 0:
            return np.full((len(q), 1), -np.inf, dtype=np.float32), np.full((len(q), 1), -1, dtype=np.int64)
        selector = faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids))
        params = faiss.SearchParametersHNSW(sel=selector) if self.kind == "hnsw" else faiss.SearchParameters(sel=selector)
        k = min(k, len(ids))
        scores, ids = self._index.search(q, k, params=params)
        return scores, ids

    def reconstruct(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of the given ids."""
        return np.vstack([self._index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def reconstruct_all(self) -> np.ndarray:
        """All stored vectors (exact indexes only), e.g. to reuse them in an incremental build."""
        return np.asarray(self._index.reconstruct_n(0, self.size), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write the FAISS file."""
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read a FAISS file written by `save`."""
        faiss = _faiss()
        index = faiss.read_index(str(path))
        kind = "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "flat"
        if kind == "hnsw":
            index.hnsw.efSearch = 128
        return cls(index, kind)
