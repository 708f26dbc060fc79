"""Immutable segments: an index version is a base segment and at most one small delta segment.

A full build (and a compaction) writes the base segment at the top of its version directory, as it always has:
documents/passages/claims.jsonl, vectors.faiss, bm25/ and `segment.json`, the base's table of documents (doc
id, source, town, year, passage and claim counts, byte lengths of its rows), from which the rows of any
document are found without reading the others.

An update (`qa.index_update`) makes a new version directory that hard-links every base file (copies when links
fail, e.g. across devices) and writes only:

    delta/documents.jsonl passages.jsonl claims.jsonl segment.json   the added reports' rows and table
    delta/vectors.npy                                                their vectors, float32, one row a passage
    delta/postings.npz vocab.json                                    their BM25 input: (passage, term, count)
    delta/tombstones.json                                            base documents removed or replaced
    catalogue.jsonl  tokenizer_words.json  manifest.json

The delta holds everything added since the base was written (each update rewrites it: the previous delta's rows
minus what is dropped, then the new reports), so a version is always one base and one delta. At load the two
are merged into what a rewrite of the whole index would hold: the base rows that are not tombstoned, in order,
then the delta rows; the FAISS base with the tombstoned rows removed and the delta vectors added (a flat index
drops rows where they lie, an ivf-sq8 index keeps its trained cells); BM25 recomputed from the base postings
and the delta's with the combined statistics (document frequencies, average length).

Compaction: an update writes a new base instead (the whole merge) when the delta would grow past a share of
the base, counting the delta's passages and the base's tombstoned ones. The share is `REPORTQA_INDEX_DELTA_SHARE`
when set, else sqrt(2m/N) for a change of m passages to a base of N: the rule that minimises the amortised cost
of rewriting the delta (≈ its size per update) plus a full merge (≈ N) every so many updates.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CATALOGUE = "catalogue.jsonl"
DELTA = "delta"
TABLE = "segment.json"
TOMBSTONES = "tombstones.json"
DELTA_VECTORS = "vectors.npy"
DELTA_POSTINGS = "postings.npz"
DELTA_VOCAB = "vocab.json"
ROWS = ("documents.jsonl", "passages.jsonl", "claims.jsonl")
DELTA_SHARE_ENV = "REPORTQA_INDEX_DELTA_SHARE"
_DOC_ID = re.compile(rb'"doc_id": "([^"]+)"')


@dataclass
class SegmentTable:
    """One row per document of a segment, in the order of its rows files."""

    doc_ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    towns: list[str | None] = field(default_factory=list)
    years: list[int | None] = field(default_factory=list)
    passages: list[int] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)
    doc_bytes: list[int] = field(default_factory=list)
    passage_bytes: list[int] = field(default_factory=list)

    def add(self, doc_id: str, source: str, town: str | None, year: int | None, passages: int, claims: int,
            doc_bytes: int, passage_bytes: int) -> None:
        """Append a document."""
        self.doc_ids.append(doc_id)
        self.sources.append(source)
        self.towns.append(town)
        self.years.append(year)
        self.passages.append(passages)
        self.claims.append(claims)
        self.doc_bytes.append(doc_bytes)
        self.passage_bytes.append(passage_bytes)

    def copy_row(self, other: SegmentTable, i: int) -> None:
        """Append document `i` of another table (its rows copied as they are)."""
        self.add(other.doc_ids[i], other.sources[i], other.towns[i], other.years[i], other.passages[i],
                 other.claims[i], other.doc_bytes[i], other.passage_bytes[i])

    def __len__(self) -> int:
        return len(self.doc_ids)

    @property
    def n_passages(self) -> int:
        return int(sum(self.passages))

    @property
    def n_claims(self) -> int:
        return int(sum(self.claims))

    def doc_offsets(self) -> np.ndarray:
        """Byte offset of each document's row in documents.jsonl."""
        return np.concatenate([[0], np.cumsum(self.doc_bytes, dtype=np.int64)[:-1]]).astype(np.int64)

    def passage_offsets(self) -> np.ndarray:
        """Byte offset of each document's first passage row in passages.jsonl."""
        return np.concatenate([[0], np.cumsum(self.passage_bytes, dtype=np.int64)[:-1]]).astype(np.int64)

    def row_masks(self, dead: set[str] | frozenset[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which document, passage and claim rows are live when the documents `dead` are dropped."""
        live = np.fromiter((d not in dead for d in self.doc_ids), dtype=bool, count=len(self.doc_ids))
        return (
            live,
            np.repeat(live, np.asarray(self.passages, dtype=np.int64)),
            np.repeat(live, np.asarray(self.claims, dtype=np.int64)),
        )

    def save(self, path: Path) -> None:
        """One JSON object of columns."""
        cols = {k: getattr(self, k) for k in self.__dataclass_fields__}
        path.write_text(json.dumps(cols, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SegmentTable:
        """Read what `save` wrote."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def scan(cls, segment: Path) -> SegmentTable:
        """The table of a segment written without one (an index built before segments): read its rows once."""
        out = cls()
        per_doc: dict[str, list[int]] = {}
        with open(segment / "passages.jsonl", "rb") as fh:
            for line in fh:
                if line.strip():
                    entry = per_doc.setdefault(_row_id(line), [0, 0, 0])
                    entry[0] += 1
                    entry[1] += len(line)
        with open(segment / "claims.jsonl", "rb") as fh:
            for line in fh:
                if line.strip():
                    per_doc.setdefault(_row_id(line), [0, 0, 0])[2] += 1
        with open(segment / "documents.jsonl", "rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                meta = row.get("metadata") or {}
                n_passages, n_bytes, n_claims = per_doc.get(row["doc_id"], [0, 0, 0])
                out.add(row["doc_id"], row["source"], meta.get("town"), meta.get("year"), n_passages, n_claims,
                        len(line), n_bytes)
        return out


def _row_id(line: bytes) -> str:
    m = _DOC_ID.search(line)
    if m is None:
        raise ValueError(f"an index row without a doc_id: {line[:80]!r}")
    return m.group(1).decode("utf-8")


def line_bytes(line: str) -> int:
    """The size of a row as written (UTF-8)."""
    return len(line.encode("utf-8"))


@dataclass
class Segments:
    """The segments of one version directory: the base at its top, the delta (if any) below it."""

    root: Path
    delta: Path | None
    tombstones: frozenset[str]
    _base_table: SegmentTable | None = None
    _delta_table: SegmentTable | None = None

    @classmethod
    def open(cls, root: Path) -> Segments:
        """The segments the catalogue names (a version without a catalogue is one base segment)."""
        delta = None
        tombstones: frozenset[str] = frozenset()
        cat = root / CATALOGUE
        if cat.is_file():
            for line in cat.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                entry = json.loads(line)
                if entry.get("segment") == "delta":
                    delta = root / entry["path"]
                    tombstones = frozenset(json.loads((delta / TOMBSTONES).read_text(encoding="utf-8")))
        return cls(root, delta, tombstones)

    @property
    def base_table(self) -> SegmentTable:
        """The base's table, read (or, for an index built before segments, made) once."""
        if self._base_table is None:
            path = self.root / TABLE
            self._base_table = SegmentTable.load(path) if path.is_file() else SegmentTable.scan(self.root)
        return self._base_table

    @property
    def delta_table(self) -> SegmentTable:
        """The delta's table (empty without a delta)."""
        if self._delta_table is None:
            self._delta_table = SegmentTable.load(self.delta / TABLE) if self.delta is not None else SegmentTable()
        return self._delta_table

    def base_masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Live document, passage and claim rows of the base; None when nothing is tombstoned."""
        if not self.tombstones:
            return None
        return self.base_table.row_masks(self.tombstones)

    def live_lines(self, name: str, masks: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> Iterator[str]:
        """The rows of `name` (documents/passages/claims.jsonl) that are live: the base's, then the delta's."""
        mask = None if masks is None else masks[ROWS.index(name)]
        with open(self.root / name, encoding="utf-8") as fh:
            i = 0
            for line in fh:
                if not line.strip():
                    continue
                if mask is None or mask[i]:
                    yield line
                i += 1
        if self.delta is not None:
            with open(self.delta / name, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield line

    def live_documents(self) -> Iterator[str]:
        """The live documents.jsonl rows: the base's not tombstoned, then the delta's."""
        return self.live_lines("documents.jsonl", self.base_masks())

    def delta_vectors(self, dim: int) -> np.ndarray:
        """The delta's vectors (an empty matrix without a delta)."""
        if self.delta is None:
            return np.zeros((0, dim), dtype=np.float32)
        return np.load(self.delta / DELTA_VECTORS)

    def merged_vectors(self, passage_mask: np.ndarray | None) -> Any:
        """The base FAISS index without its tombstoned rows, then the delta's vectors: what a rewrite would hold."""
        from embeddings.vector_index import VectorIndex

        base = VectorIndex.load(self.root / "vectors.faiss")
        if self.delta is None:
            return base
        keep = passage_mask if passage_mask is not None else np.ones(base.size, dtype=bool)
        return base.edited(keep, self.delta_vectors(base.dim))

    def merged_lexical(self, passage_mask: np.ndarray | None) -> Any:
        """A BM25 builder holding the base postings without the tombstoned passages, then the delta's."""
        from qa.lexical import POSTINGS, BM25Builder, Postings

        vocab = json.loads((self.root / "bm25" / "vocab.index.json").read_text(encoding="utf-8"))
        lexical = BM25Builder.from_postings(vocab, Postings.load(self.root / "bm25" / POSTINGS))
        if passage_mask is not None:
            lexical.keep(passage_mask)
        if self.delta is not None:
            lexical.add_postings(self.delta_vocab(), Postings.load(self.delta / DELTA_POSTINGS))
        return lexical

    def delta_vocab(self) -> list[str]:
        """The delta's terms, by term id of its postings."""
        if self.delta is None:
            return []
        return list(json.loads((self.delta / DELTA_VOCAB).read_text(encoding="utf-8")))

    def base_files(self) -> list[str]:
        """The base segment's files, relative to the version directory (the ones an update hard-links)."""
        names = [*ROWS, "vectors.faiss"]
        if (self.root / TABLE).is_file():
            names.append(TABLE)
        names += sorted(f.relative_to(self.root).as_posix() for f in (self.root / "bm25").rglob("*") if f.is_file())
        return names


def link_or_copy(src: Path, dst: Path) -> bool:
    """Hard-link `src` to `dst` (True); copy it when links are not possible (another device, a file system
    without them): False, and the copy still has to be synced."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
        return True
    except OSError:
        shutil.copy2(src, dst)
        return False


def delta_share(changed_passages: int, base_passages: int) -> float:
    """The share of the base the delta may reach before an update compacts (see the module docstring)."""
    setting = os.environ.get(DELTA_SHARE_ENV, "").strip()
    if setting:
        with contextlib.suppress(ValueError):
            return max(0.0, float(setting))
    return math.sqrt(2 * max(1, changed_passages) / max(1, base_passages))


def write_catalogue(root: Path, base: dict[str, int], delta: dict[str, int] | None) -> None:
    """Name the version's segments and what each holds."""
    lines = [json.dumps({"segment": "base", "path": ".", **base}, ensure_ascii=False)]
    if delta is not None:
        lines.append(json.dumps({"segment": "delta", "path": DELTA, **delta}, ensure_ascii=False))
    (root / CATALOGUE).write_text("\n".join(lines) + "\n", encoding="utf-8")
