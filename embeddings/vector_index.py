"""FAISS nearest-neighbour search over unit vectors (inner product = cosine), with save and load.

Kinds:
    flat      exact; 4*dim bytes a row. The default below APPROX_ABOVE rows.
    hnsw      HNSW graph over full vectors; about 4*dim + 8*M bytes a row.
    ivf-sq8   inverted lists (k-means cells) over 8-bit scalar-quantised vectors; about dim + 16 bytes a row.
              The default from APPROX_ABOVE rows: a quarter of flat's memory, a few cells scanned a query.
    hnsw-sq8  HNSW graph over 8-bit vectors; about dim + 8*M bytes a row.

Searches restricted to a few rows (`allowed`, e.g. one town's passages) are exact on every kind: an
approximate index would miss rows that sit outside the cells or graph neighbourhood it visits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

IndexKind = Literal["auto", "flat", "hnsw", "ivf-sq8", "hnsw-sq8"]
INDEX_KINDS: tuple[str, ...] = get_args(IndexKind)
APPROX_ABOVE = 100_000  # rows; below this an exact scan is fast enough (measured in BENCHMARKS.md)
EXACT_SUBSET_MAX = 20_000  # restricted searches over at most this many rows score every allowed row
HNSW_EF_SEARCH = 128
IVF_PROBE_SHARE = 1 / 32  # share of the cells an unrestricted IVF search scans
IVF_MIN_PROBES = 8
EDITABLE_KINDS = ("flat", "ivf-sq8")  # kinds `edited` changes in place
TRAIN_ROWS_PER_CELL = 40  # k-means sample size per cell (FAISS warns below 39)


def _faiss() -> Any:
    import faiss

    return faiss


def ivf_cells(rows: int) -> int:
    """Number of IVF cells for a corpus: about the square root of its rows, between 16 and 4096."""
    return int(min(4096, max(16, round(math.sqrt(rows)))))


def ivf_probes(cells: int) -> int:
    """Cells an unrestricted IVF search scans: 1/32 of them, at least 8."""
    return int(min(cells, max(IVF_MIN_PROBES, round(cells * IVF_PROBE_SHARE))))


def choose_kind(kind: IndexKind | str, rows: int) -> str:
    """The concrete kind for a requested one: 'auto' is exact below APPROX_ABOVE rows and ivf-sq8 above."""
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; choose one of {', '.join(INDEX_KINDS)}")
    if kind == "auto":
        return "ivf-sq8" if rows > APPROX_ABOVE else "flat"
    return kind


class VectorIndex:
    """Row i of the added vectors has id i. Search returns (scores, ids), best first, -1 for no hit."""

    def __init__(self, index: Any, kind: str) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def build(
        cls, vectors: np.ndarray, kind: IndexKind | str = "auto", *, hnsw_m: int = 32, seed: int = 0
    ) -> VectorIndex:
        """Index unit rows; see the module docstring for the kinds and what 'auto' picks."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return cls.build_from_shards(lambda: iter([vectors]), len(vectors), vectors.shape[1], kind, hnsw_m=hnsw_m, seed=seed)

    @classmethod
    def build_from_shards(
        cls,
        shards: Callable[[], Iterator[np.ndarray]],
        rows: int,
        dim: int,
        kind: IndexKind | str = "auto",
        *,
        hnsw_m: int = 32,
        seed: int = 0,
    ) -> VectorIndex:
        """Index `rows` unit rows that `shards()` yields in order, a shard at a time (it may be called twice).

        Trained kinds learn from a random sample gathered in one pass, then every shard is added: memory is one
        shard plus the index, and the result equals `build` over the concatenated rows.
        """
        faiss = _faiss()
        chosen = choose_kind(kind, rows)
        if chosen == "ivf-sq8" and rows < TRAIN_ROWS_PER_CELL * ivf_cells(rows):
            chosen = "flat"  # too few rows to train the cells (under ~1,600); exact is better anyway
        if chosen == "hnsw":
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
        elif chosen == "hnsw-sq8":
            index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.train(_gather(shards(), _sample_rows(rows, 100_000, seed), dim))
        elif chosen == "ivf-sq8":
            cells = ivf_cells(rows)
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, cells, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            index.cp.seed = seed
            index.train(_gather(shards(), _sample_rows(rows, cells * TRAIN_ROWS_PER_CELL, seed), dim))
        else:
            index = faiss.IndexFlatIP(dim)
        added = 0
        if rows:
            for shard in shards():
                if len(shard):
                    index.add(np.ascontiguousarray(shard, dtype=np.float32))
                    added += len(shard)
        if added != rows:
            raise ValueError(f"the shards held {added} rows, not the {rows} announced")
        if chosen == "ivf-sq8":
            index.make_direct_map()
        built = cls(index, chosen)
        built._tune()
        return built

    def _tune(self) -> None:
        """Search-time parameters, which FAISS does not keep in the saved file."""
        if self.kind in ("hnsw", "hnsw-sq8"):
            self._index.hnsw.efSearch = HNSW_EF_SEARCH
        elif self.kind == "ivf-sq8":
            self._index.nprobe = ivf_probes(int(self._index.nlist))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product; `allowed` (sorted unique int64 ids) restricts the candidates."""
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        if self.size == 0:
            return _no_hits(len(q))
        k = max(1, min(k, self.size))
        if allowed is not None and len(allowed) == self.size:
            allowed = None  # every row allowed: a plain search, without building a selector over all rows
        with _one_thread_for(len(q)):
            if allowed is None:
                scores, ids = self._index.search(q, k)
                return scores, ids
            ids = np.ascontiguousarray(allowed, dtype=np.int64)
            if len(ids) == 0:
                return _no_hits(len(q))
            k = min(k, len(ids))
            if self.kind != "flat" and len(ids) <= EXACT_SUBSET_MAX:
                return self._search_subset(q, k, ids)
            return self._search_selected(q, k, ids)

    def _search_subset(self, q: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score every allowed row (decoded from the index), best first; ties keep id order."""
        vecs = self._index.reconstruct_batch(ids)
        scores = q @ vecs.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, order, axis=1).astype(np.float32), ids[order]

    def _search_selected(self, q: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Search through a bitmap of allowed rows; approximate kinds look wider the fewer rows are allowed."""
        faiss = _faiss()
        mask = np.zeros(self.size, dtype=bool)
        mask[ids] = True
        bitmap = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(bitmap))
        widen = self.size / len(ids)
        params: Any
        if self.kind in ("hnsw", "hnsw-sq8"):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=int(min(4096, HNSW_EF_SEARCH * widen)))
        elif self.kind == "ivf-sq8":
            nlist = int(self._index.nlist)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=int(min(nlist, math.ceil(self._index.nprobe * widen))))
        else:
            params = faiss.SearchParameters(sel=selector)
        scores, found = self._index.search(q, k, params=params)
        del bitmap  # kept alive until the search is done: the selector only points at it
        return scores, found

    def reconstruct(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of the given ids (decoded, so approximate on the -sq8 kinds)."""
        return np.asarray(self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64)), dtype=np.float32)

    def reconstruct_all(self) -> np.ndarray:
        """All stored vectors, e.g. to reuse them in an incremental build."""
        return np.asarray(self._index.reconstruct_n(0, self.size), dtype=np.float32)

    def rows_where(self, keep: np.ndarray, chunk: int = 65_536) -> np.ndarray:
        """The stored vectors of the rows where `keep` is true, in order (read a chunk at a time)."""
        out = np.empty((int(keep.sum()), self.dim), dtype=np.float32)
        done = 0
        for start in range(0, self.size, chunk):
            part = keep[start : start + chunk]
            n = int(part.sum())
            if n:
                block = self._index.reconstruct_n(start, len(part))
                out[done : done + n] = block[part]
                done += n
        return out

    def edited(self, keep: np.ndarray, fresh: np.ndarray) -> VectorIndex:
        """This index without the rows where `keep` is false, ids renumbered in order, then `fresh` appended.

        flat: rows are removed where they lie. ivf-sq8: the trained cells and the other rows' 8-bit codes are
        kept as they are (nothing is re-trained or re-quantised), dropped rows are removed from their cells and
        the remaining ids renumbered. Either way the cost is a pass over the rows, not a rebuild. Changes this index.
        """
        if self.kind not in EDITABLE_KINDS:
            raise ValueError(f"only {' and '.join(EDITABLE_KINDS)} indexes are edited in place, not {self.kind}")
        faiss = _faiss()
        index = self._index
        if len(keep) != index.ntotal:
            raise ValueError(f"a mask of {len(keep)} rows for an index of {index.ntotal}")
        if self.kind == "flat":
            removed = np.flatnonzero(~keep).astype(np.int64)
            if len(removed):
                index.remove_ids(faiss.IDSelectorBatch(len(removed), faiss.swig_ptr(removed)))
            if len(fresh):
                index.add(np.ascontiguousarray(fresh, dtype=np.float32))
            return self
        index.set_direct_map_type(faiss.DirectMap.NoMap)
        removed = np.flatnonzero(~keep).astype(np.int64)
        if len(removed):
            index.remove_ids(faiss.IDSelectorBatch(len(removed), faiss.swig_ptr(removed)))
            new_id = np.cumsum(keep, dtype=np.int64) - 1
            invlists = index.invlists
            for cell in range(index.nlist):
                n = invlists.list_size(cell)
                if n:
                    ids = faiss.rev_swig_ptr(invlists.get_ids(cell), n)
                    ids[:] = new_id[ids]
        if len(fresh):
            start = index.ntotal
            index.add_with_ids(
                np.ascontiguousarray(fresh, dtype=np.float32), np.arange(start, start + len(fresh), dtype=np.int64)
            )
        index.make_direct_map()
        out = VectorIndex(index, self.kind)
        out._tune()
        return out

    def save(self, path: Path) -> None:
        """Write the FAISS file."""
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, *, mapped: bool = False) -> VectorIndex:
        """Read a FAISS file written by `save`; `mapped` maps its vectors from the file instead of reading them
        (read-only use: an update reconstructing a few rows of a large index)."""
        faiss = _faiss()
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC) if mapped else faiss.read_index(str(path))
        if isinstance(index, faiss.IndexHNSWFlat):
            kind = "hnsw"
        elif isinstance(index, faiss.IndexHNSWSQ):
            kind = "hnsw-sq8"
        elif isinstance(index, faiss.IndexIVFScalarQuantizer):
            kind = "ivf-sq8"
        else:
            kind = "flat"
        loaded = cls(index, kind)
        loaded._tune()
        return loaded


@contextmanager
def _one_thread_for(queries: int) -> Iterator[None]:
    """One OpenMP thread for a single query (this thread only; OpenMP keeps the setting per thread).

    FAISS parallelises over queries, so a second thread has nothing to do for one query, yet the parallel
    region waits for it: on this 2-core machine under load (load average 4) a one-query flat search over
    15k rows took 16 ms with two threads and 1.7 ms with one. Batches and index builds keep every thread.
    """
    if queries != 1:
        yield
        return
    faiss = _faiss()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _sample_rows(rows: int, wanted: int, seed: int) -> np.ndarray:
    """Sorted ids of at most `wanted` rows picked at random (all of them when there are fewer)."""
    if rows <= wanted:
        return np.arange(rows, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(rows, wanted, replace=False))


def _gather(shards: Iterator[np.ndarray], picks: np.ndarray, dim: int) -> np.ndarray:
    """The rows `picks` (sorted ids) of the concatenated shards, read in one pass."""
    out = np.empty((len(picks), dim), dtype=np.float32)
    start = done = 0
    for shard in shards:
        end = start + len(shard)
        upto = int(np.searchsorted(picks, end))
        if upto > done:
            out[done:upto] = shard[picks[done:upto] - start]
            done = upto
        start = end
        if done == len(picks):
            break
    return out


def _no_hits(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, 1), -np.inf, dtype=np.float32), np.full((n, 1), -1, dtype=np.int64)
