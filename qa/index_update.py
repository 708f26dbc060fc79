"""Updates in time proportional to the change: a new index version made of the current base and a small delta.

`reportqa index add/remove` (and POST /documents) change a few reports of a large index. The new version
directory hard-links the current base segment (`qa.segments`: rows, FAISS, BM25, table) and writes only a
delta segment: the rows, vectors and BM25 postings of the reports added since the base was written, and the
tombstones of the base reports removed or replaced. Only the new reports are parsed, embedded (or their vectors
reused by content key from the reports they replace and from the delta) and tokenised; nothing stored is parsed,
and the base is neither rewritten nor checksummed again (its checksums are carried over from the manifest).

When the delta (its passages plus the base's tombstoned ones) would pass a share of the base
(`segments.delta_share`), the update compacts instead: it writes a new base from the merged rows — the JSON rows
copied as lines, the vectors copied out of FAISS (a flat index drops rows where they lie; ivf-sq8 keeps its
trained cells and 8-bit codes), BM25 recomputed with numpy from the saved postings.

Either way the result is published like a full build: a fresh version directory, then one atomic rename, so
readers and hot reload see either version. A full `reportqa index build` also re-trains the IVF cells on the
current rows and re-tokenises every passage with every place name known (an update teaches jieba the new
reports' place names for their own passages only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Embedder
from embeddings.store import (
    FORMAT_VERSION,
    Manifest,
    discard,
    new_version_dir,
    publish,
    read_manifest,
    resolve,
)
from embeddings.vector_index import EDITABLE_KINDS, IndexKind, VectorIndex, choose_kind
from qa.corpus_index import (
    TOKENIZER_WORDS,
    BuildReport,
    CorpusIndex,
    Progress,
    embed_batch,
    embed_text,
    index_manifest,
    manifest_extra,
    row_doc_id,
)
from qa.documents import ParsedDocument
from qa.lexical import POSTINGS, BM25Builder, Postings, Tokenizer
from qa.segments import (
    DELTA,
    DELTA_POSTINGS,
    DELTA_VECTORS,
    DELTA_VOCAB,
    TABLE,
    TOMBSTONES,
    Segments,
    SegmentTable,
    delta_share,
    link_or_copy,
    write_catalogue,
)
from qa.types import content_id


def _key(line: str) -> str:
    """The content key of a passage row, without parsing the row."""
    return line.rsplit('"key": "', 1)[-1].split('"', 1)[0]


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


@dataclass
class StoredIndex:
    """The current version of an index, read only as far as an update needs: its segments' tables."""

    path: Path
    directory: Path
    manifest: Manifest
    segments: Segments
    doc_ids: list[str]  # the live documents: the base's that are not tombstoned, then the delta's
    sources: list[str]

    @classmethod
    def open(cls, index_path: Path, embedder: Embedder) -> StoredIndex | None:
        """The current version, or None when it cannot be updated in place (other embedder, older format)."""
        try:
            m = read_manifest(index_path) if index_path.exists() else None
            d = resolve(index_path)
            if (
                m is None
                or m.embedder != embedder.name
                or m.dim != embedder.dim
                or m.format_version != FORMAT_VERSION
                or not (d / "bm25" / POSTINGS).is_file()
                or not (d / TOKENIZER_WORDS).is_file()
            ):
                return None
            segments = Segments.open(d)
            ids, sources = [], []
            for table, dead in ((segments.base_table, segments.tombstones), (segments.delta_table, frozenset())):
                for doc_id, source in zip(table.doc_ids, table.sources, strict=True):
                    if doc_id not in dead:
                        ids.append(doc_id)
                        sources.append(source)
            return cls(index_path, d, m, segments, ids, sources)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def rows_where(self, wanted: Callable[[str | None, int | None], bool]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(doc id, document row) of the live documents whose stated town and year `wanted` accepts; only their
        rows are read (by byte offset), e.g. the stored reports a new one could duplicate."""
        seg = self.segments
        parts = [(self.directory, seg.base_table, seg.tombstones)]
        if seg.delta is not None:
            parts.append((seg.delta, seg.delta_table, frozenset()))
        for folder, table, dead in parts:
            offsets = table.doc_offsets()
            with open(folder / "documents.jsonl", "rb") as fh:
                for i, doc_id in enumerate(table.doc_ids):
                    if doc_id in dead or not wanted(table.towns[i], table.years[i]):
                        continue
                    fh.seek(int(offsets[i]))
                    yield doc_id, json.loads(fh.read(table.doc_bytes[i]))

    def rewrite(
        self,
        new: list[ParsedDocument],
        drop: set[str],
        embedder: Embedder,
        report: BuildReport,
        fingerprint: str,
        progress: Progress | None,
        index_kind: IndexKind,
    ) -> None:
        """Publish a version without the documents `drop` (doc ids) and with `new` appended: a delta over the
        current base, or a new base when the delta would grow past its share (`compacts`)."""
        staging = new_version_dir(self.path)
        try:
            if self.compacts(new, drop, index_kind):
                self._compact(staging, new, drop, embedder, report, fingerprint, progress, index_kind)
            else:
                self._write_delta(staging, new, drop, embedder, report, fingerprint, progress)
        except BaseException:
            discard(staging)
            raise

    def compacts(self, new: list[ParsedDocument], drop: set[str], index_kind: IndexKind) -> bool:
        """True when this update should write a new base: the delta and the base's tombstoned passages would pass
        `delta_share` of the base, or the index kind the merged size calls for is not the base's."""
        seg = self.segments
        base, delta = seg.base_table, seg.delta_table
        dead = seg.tombstones | drop
        new_passages = sum(len(pd.passages) for pd in new)
        dead_passages = sum(n for i, n in zip(base.doc_ids, base.passages, strict=True) if i in dead)
        delta_passages = sum(n for i, n in zip(delta.doc_ids, delta.passages, strict=True) if i not in drop) + new_passages
        changed = new_passages + sum(
            n for t in (base, delta) for i, n in zip(t.doc_ids, t.passages, strict=True) if i in drop
        )
        kind = self.manifest.extra.get("index_kind")
        rows = base.n_passages - dead_passages + delta_passages
        if kind not in EDITABLE_KINDS or choose_kind(index_kind, rows) != kind:
            return True
        return dead_passages + delta_passages > delta_share(changed, base.n_passages) * base.n_passages

    # ---- a delta over the current base ---------------------------------------------------------------

    def _write_delta(
        self,
        staging: Path,
        new: list[ParsedDocument],
        drop: set[str],
        embedder: Embedder,
        report: BuildReport,
        fingerprint: str,
        progress: Progress | None,
    ) -> None:
        seg, d, dim = self.segments, self.directory, embedder.dim
        base, old = seg.base_table, seg.delta_table
        known: dict[str, str] = {}
        for rel in seg.base_files():  # hard links: nothing of the base is written, read or synced again
            if link_or_copy(d / rel, staging / rel) and rel in self.manifest.files:
                known[rel] = self.manifest.files[rel]
        if not (d / TABLE).is_file():  # an index built before segments: its table, made once, joins the base
            base.save(staging / TABLE)
        tombstones = seg.tombstones | (drop & set(base.doc_ids))
        keep_docs, keep_passages, keep_claims = old.row_masks(drop)
        new_keys = [content_id(embedder.name, embed_text(p)) for pd in new for p in pd.passages]
        wanted = set(new_keys)
        out = staging / DELTA
        out.mkdir()
        table = SegmentTable()
        delta_keys: list[str] = []
        with open(out / "documents.jsonl", "w", encoding="utf-8") as docs, open(
            out / "passages.jsonl", "w", encoding="utf-8"
        ) as passages, open(out / "claims.jsonl", "w", encoding="utf-8") as claims:
            if seg.delta is not None:
                for keep, line in zip(keep_docs, _lines(seg.delta / "documents.jsonl"), strict=True):
                    if keep:
                        docs.write(line)
                for i in np.flatnonzero(keep_docs).tolist():
                    table.copy_row(old, i)
                for keep, line in zip(keep_passages, _lines(seg.delta / "passages.jsonl"), strict=True):
                    delta_keys.append(_key(line))
                    if keep:
                        passages.write(line)
                for keep, line in zip(keep_claims, _lines(seg.delta / "claims.jsonl"), strict=True):
                    if keep:
                        claims.write(line)
            CorpusIndex._write_rows(new, new_keys, docs, passages, claims, table)
        table.save(out / TABLE)

        # vectors: the kept delta rows, then the new passages' (reused by key from the delta and the replaced reports)
        old_vectors = seg.delta_vectors(dim)
        if len(old_vectors) != len(keep_passages):
            raise ValueError(f"{d} holds {len(old_vectors)} delta vectors for {len(keep_passages)} passages; rebuild it")
        fresh = np.zeros((len(new_keys), dim), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        for i, k in enumerate(delta_keys):
            if k in wanted:
                found.setdefault(k, old_vectors[i])
        replaced = [i for i, doc_id in enumerate(base.doc_ids) if doc_id in drop]
        if replaced and wanted - found.keys():
            base_rows: dict[str, int] = {}
            row_starts = np.concatenate([[0], np.cumsum(base.passages, dtype=np.int64)[:-1]])
            offsets = base.passage_offsets()
            with open(d / "passages.jsonl", "rb") as fh:
                for i in replaced:
                    fh.seek(int(offsets[i]))
                    lines = fh.read(base.passage_bytes[i]).decode("utf-8").splitlines()
                    for j, line in enumerate(lines):
                        k = _key(line)
                        if k in wanted and k not in found:
                            base_rows.setdefault(k, int(row_starts[i]) + j)
            if base_rows:
                vectors = VectorIndex.load(d / "vectors.faiss", mapped=True)
                for k, v in zip(base_rows, vectors.reconstruct(list(base_rows.values())), strict=True):
                    found[k] = v
                del vectors
        hits = [i for i, k in enumerate(new_keys) if k in found]
        if hits:
            fresh[hits] = np.stack([found[new_keys[i]] for i in hits])
        embedded = _embed_rest(new, new_keys, fresh, found, embedder, progress)
        np.save(out / DELTA_VECTORS, np.concatenate([old_vectors[keep_passages], fresh]).astype(np.float32))

        # BM25: the kept delta postings, then the new passages' tokens
        if seg.delta is not None:
            vocab = {t: i for i, t in enumerate(seg.delta_vocab())}
            lexical = BM25Builder.from_postings(vocab, Postings.load(seg.delta / DELTA_POSTINGS))
            lexical.keep(keep_passages)
        else:
            lexical = BM25Builder()
        words = _add_tokens(lexical, d, new)
        lexical.postings().save(out / DELTA_POSTINGS)
        (out / DELTA_VOCAB).write_text(json.dumps(list(lexical.vocab), ensure_ascii=False), encoding="utf-8")
        (out / TOMBSTONES).write_text(json.dumps(sorted(tombstones), ensure_ascii=False), encoding="utf-8")
        (staging / TOKENIZER_WORDS).write_text(json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")

        live_docs, live_passages, live_claims = base.row_masks(tombstones)
        n_docs = int(live_docs.sum()) + len(table)
        n_passages = int(live_passages.sum()) + table.n_passages
        n_claims = int(live_claims.sum()) + table.n_claims
        write_catalogue(
            staging,
            {"documents": len(base), "passages": base.n_passages, "claims": base.n_claims,
             "tombstoned_documents": len(base) - int(live_docs.sum()),
             "tombstoned_passages": base.n_passages - int(live_passages.sum())},
            {"documents": len(table), "passages": table.n_passages, "claims": table.n_claims},
        )
        kind = self.manifest.extra.get("index_kind", "flat")
        extra: dict[str, Any] = {**self.manifest.extra, **manifest_extra(self.path, report, kind)}
        manifest = index_manifest(embedder, fingerprint, n_docs, n_passages, n_claims, extra)
        final = publish(staging, self.path, manifest, known)
        report.documents, report.passages, report.claims = n_docs, n_passages, n_claims
        report.embedded, report.reused = embedded, n_passages - embedded
        report.index_dir = str(final)

    # ---- compaction: a new base from the merged segments -------------------------------------------------

    def _compact(
        self,
        staging: Path,
        new: list[ParsedDocument],
        drop: set[str],
        embedder: Embedder,
        report: BuildReport,
        fingerprint: str,
        progress: Progress | None,
        index_kind: IndexKind,
    ) -> None:
        seg, d, dim = self.segments, self.directory, embedder.dim
        masks = seg.base_masks()
        new_keys = [content_id(embedder.name, embed_text(p)) for pd in new for p in pd.passages]
        wanted = set(new_keys)
        old_row_of_key: dict[str, int] = {}
        keep_rows: list[bool] = []
        table = SegmentTable()
        for t, dead in ((seg.base_table, seg.tombstones), (seg.delta_table, frozenset())):
            for i, doc_id in enumerate(t.doc_ids):
                if doc_id not in dead and doc_id not in drop:
                    table.copy_row(t, i)
        with open(staging / "documents.jsonl", "w", encoding="utf-8") as docs, open(
            staging / "passages.jsonl", "w", encoding="utf-8"
        ) as passages, open(staging / "claims.jsonl", "w", encoding="utf-8") as claims:
            n_docs = 0
            for line in seg.live_lines("documents.jsonl", masks):
                if row_doc_id(line) not in drop:
                    docs.write(line)
                    n_docs += 1
            for line in seg.live_lines("passages.jsonl", masks):
                kept = row_doc_id(line) not in drop
                keep_rows.append(kept)
                if kept:
                    passages.write(line)
                if wanted:
                    key = _key(line)
                    if key in wanted:
                        old_row_of_key.setdefault(key, len(keep_rows) - 1)
            n_claims = 0
            for line in seg.live_lines("claims.jsonl", masks):
                if row_doc_id(line) not in drop:
                    claims.write(line)
                    n_claims += 1
            CorpusIndex._write_rows(new, new_keys, docs, passages, claims, table)
        mask = np.asarray(keep_rows, dtype=bool)
        live = masks[1] if masks is not None else None
        old = seg.merged_vectors(live)
        if old.size != len(mask):
            raise ValueError(f"{d} holds {old.size} vectors for {len(mask)} passages; rebuild it with `reportqa index build`")
        fresh = np.zeros((len(new_keys), dim), dtype=np.float32)
        hits = [(i, old_row_of_key[k]) for i, k in enumerate(new_keys) if k in old_row_of_key]
        if hits:
            fresh[[i for i, _ in hits]] = old.reconstruct([r for _, r in hits])
        embedded = _embed_rest(new, new_keys, fresh, old_row_of_key, embedder, progress)
        vectors = merge_vectors(old, mask, fresh, index_kind)
        vectors.save(staging / "vectors.faiss")
        kind = vectors.kind
        del vectors, old
        lexical = seg.merged_lexical(live)
        lexical.keep(mask)
        words = _add_tokens(lexical, d, new)
        lexical.build().save(staging / "bm25")
        (staging / TOKENIZER_WORDS).write_text(json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")
        n_docs += len(new)
        n_passages = int(mask.sum()) + len(new_keys)
        n_claims += sum(len(pd.claims) for pd in new)
        table.save(staging / TABLE)
        write_catalogue(staging, {"documents": n_docs, "passages": n_passages, "claims": n_claims}, None)
        extra: dict[str, Any] = {**self.manifest.extra, **manifest_extra(self.path, report, kind)}
        manifest = index_manifest(embedder, fingerprint, n_docs, n_passages, n_claims, extra)
        final = publish(staging, self.path, manifest)
        report.documents, report.passages, report.claims = n_docs, n_passages, n_claims
        report.embedded, report.reused = embedded, n_passages - embedded
        report.index_dir = str(final)


def _embed_rest(
    new: list[ParsedDocument], keys: list[str], fresh: np.ndarray, have: Container[str], embedder: Embedder,
    progress: Progress | None,
) -> int:
    """Embed, into `fresh`, the new passages whose key is not in `have` (their vectors are already there); the count."""
    todo = [i for i, k in enumerate(keys) if k not in have]
    texts = [embed_text(p) for pd in new for p in pd.passages]
    batch = embed_batch(embedder)
    for b in range(0, len(todo), batch):
        ids = todo[b : b + batch]
        fresh[ids] = embedder.embed([texts[i] for i in ids])
        if progress:
            progress(min(b + batch, len(todo)), len(todo))
    return len(todo)


def _add_tokens(lexical: BM25Builder, directory: Path, new: list[ParsedDocument]) -> set[str]:
    """Add the new passages' BM25 tokens, cut with the stored place names plus the new reports' towns; those words."""
    words = set(json.loads((directory / TOKENIZER_WORDS).read_text(encoding="utf-8")))
    words |= {pd.document.metadata.town for pd in new if pd.document.metadata.town}
    tokenizer = Tokenizer(extra_words=sorted(words))
    lexical.add(CorpusIndex.lexical_tokens(tokenizer, p) for pd in new for p in pd.passages)
    return words


def merge_vectors(old: VectorIndex, keep: np.ndarray, fresh: np.ndarray, kind: IndexKind) -> VectorIndex:
    """The rows of `old` where `keep` is true, in order, then `fresh`: without re-training when the kind stays."""
    rows = int(keep.sum()) + len(fresh)
    wanted = choose_kind(kind, rows)
    if wanted == old.kind and old.kind in EDITABLE_KINDS:
        return old.edited(keep, fresh)
    kept = old.rows_where(keep)

    def shards() -> Iterator[np.ndarray]:
        return iter([kept, fresh])

    return VectorIndex.build_from_shards(shards, rows, old.dim, kind)
