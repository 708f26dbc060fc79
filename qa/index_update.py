"""Updates in time proportional to the change: a new index version made from the current one's rows.

`reportqa index add/remove` (and POST /documents) change a few reports of a large index. Instead of re-parsing
every stored report and re-tokenising every passage, the new version is assembled from the current one:

- JSON rows (documents, passages, claims) of the documents that stay are copied as lines, never parsed;
- their vectors are copied out of the FAISS index (flat: the raw matrix; ivf-sq8: the trained cells and 8-bit
  codes are kept, dropped rows removed and the ids renumbered, so nothing is re-quantised or re-trained);
- their BM25 input is the postings the previous build saved (bm25/postings.npz: passage, term, count), from
  which the score matrix is recomputed with numpy;
- only the new reports are parsed, embedded (or their vectors reused by content key) and tokenised.

The result is published like a full build: a fresh version directory, then one atomic rename, so readers and
hot reload see either version. A full `reportqa index build` is the compaction: it re-trains the IVF cells on
the current rows and re-tokenises every passage with every place name known (an update teaches jieba the new
reports' place names for their own passages only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Embedder
from embeddings.store import FORMAT_VERSION, Manifest, new_version_dir, publish, read_manifest, resolve
from embeddings.vector_index import EDITABLE_KINDS, IndexKind, VectorIndex, choose_kind
from qa.corpus_index import (
    EMBED_BATCH,
    SOURCE_FIELD,
    TOKENIZER_WORDS,
    BuildReport,
    CorpusIndex,
    Progress,
    embed_text,
    index_manifest,
    manifest_extra,
    row_doc_id,
)
from qa.documents import ParsedDocument
from qa.lexical import POSTINGS, BM25Builder, Postings, Tokenizer
from qa.types import content_id


@dataclass
class StoredIndex:
    """The current version of an index, read only as far as an update needs: one line per document."""

    path: Path
    directory: Path
    manifest: Manifest
    doc_lines: list[str]
    doc_ids: list[str]
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
            lines, ids, sources = [], [], []
            with open(d / "documents.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    ids.append(row_doc_id(line))
                    source = SOURCE_FIELD.search(line)
                    if source is None:
                        return None
                    sources.append(json.loads(source.group(1)))
                    lines.append(line)
            return cls(index_path, d, m, lines, ids, sources)
        except (OSError, ValueError):
            return None

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
        """Publish a version without the documents `drop` (doc ids) and with `new` appended."""
        staging = new_version_dir(self.path)
        try:
            self._rewrite(staging, new, drop, embedder, report, fingerprint, progress, index_kind)
        except BaseException:
            from embeddings.store import discard

            discard(staging)
            raise

    def _rewrite(
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
        d, dim = self.directory, embedder.dim
        new_keys = [content_id(embedder.name, embed_text(p)) for pd in new for p in pd.passages]
        wanted = set(new_keys)
        old_row_of_key: dict[str, int] = {}
        keep_rows: list[bool] = []
        with open(staging / "documents.jsonl", "w", encoding="utf-8") as docs, open(
            staging / "passages.jsonl", "w", encoding="utf-8"
        ) as passages, open(staging / "claims.jsonl", "w", encoding="utf-8") as claims:
            n_docs = 0
            for line, doc_id in zip(self.doc_lines, self.doc_ids, strict=True):
                if doc_id not in drop:
                    docs.write(line)
                    n_docs += 1
            with open(d / "passages.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    kept = row_doc_id(line) not in drop
                    keep_rows.append(kept)
                    if kept:
                        passages.write(line)
                    if wanted:
                        key = line.rsplit('"key": "', 1)[-1].split('"', 1)[0]
                        if key in wanted:
                            old_row_of_key.setdefault(key, len(keep_rows) - 1)
            n_claims = 0
            with open(d / "claims.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    if line.strip() and row_doc_id(line) not in drop:
                        claims.write(line)
                        n_claims += 1
            CorpusIndex._write_rows(new, new_keys, docs, passages, claims)
        mask = np.asarray(keep_rows, dtype=bool)
        old = VectorIndex.load(d / "vectors.faiss")
        if old.size != len(mask):
            raise ValueError(f"{d} holds {old.size} vectors for {len(mask)} passages; rebuild it with `reportqa index build`")
        fresh = np.zeros((len(new_keys), dim), dtype=np.float32)
        hits = [(i, old_row_of_key[k]) for i, k in enumerate(new_keys) if k in old_row_of_key]
        if hits:
            fresh[[i for i, _ in hits]] = old.reconstruct([r for _, r in hits])
        todo = [i for i, k in enumerate(new_keys) if k not in old_row_of_key]
        texts = [embed_text(p) for pd in new for p in pd.passages]
        for b in range(0, len(todo), EMBED_BATCH):
            ids = todo[b : b + EMBED_BATCH]
            fresh[ids] = embedder.embed([texts[i] for i in ids])
            if progress:
                progress(min(b + EMBED_BATCH, len(todo)), len(todo))
        vectors = merge_vectors(old, mask, fresh, index_kind)
        vectors.save(staging / "vectors.faiss")
        kind = vectors.kind
        del vectors, old
        words = set(json.loads((d / TOKENIZER_WORDS).read_text(encoding="utf-8")))
        words |= {pd.document.metadata.town for pd in new if pd.document.metadata.town}
        vocab = json.loads((d / "bm25" / "vocab.index.json").read_text(encoding="utf-8"))
        lexical = BM25Builder.from_postings(vocab, Postings.load(d / "bm25" / POSTINGS))
        lexical.keep(mask)
        tokenizer = Tokenizer(extra_words=sorted(words))
        lexical.add(CorpusIndex.lexical_tokens(tokenizer, p) for pd in new for p in pd.passages)
        lexical.build().save(staging / "bm25")
        (staging / TOKENIZER_WORDS).write_text(json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")
        n_docs += len(new)
        n_passages = int(mask.sum()) + len(new_keys)
        n_claims += sum(len(pd.claims) for pd in new)
        extra: dict[str, Any] = {**self.manifest.extra, **manifest_extra(self.path, report, kind)}
        manifest = index_manifest(embedder, fingerprint, n_docs, n_passages, n_claims, extra)
        final = publish(staging, self.path, manifest)
        report.documents, report.passages, report.claims = n_docs, n_passages, n_claims
        report.embedded, report.reused = len(todo), n_passages - len(todo)
        report.index_dir = str(final)


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
