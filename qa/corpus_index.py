"""The corpus index: documents, passages, claims, dense vectors (FAISS) and BM25, in one directory.

Layout of a version directory (see embeddings/store.py for the atomic swap):
    manifest.json  documents.jsonl  passages.jsonl  claims.jsonl  vectors.faiss  bm25/
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Embedder
from embeddings.store import FORMAT_VERSION, Manifest, new_version_dir, publish, read_manifest, resolve
from embeddings.vector_index import VectorIndex
from qa.documents import ParsedDocument, iter_report_files, read_document
from qa.errors import EmptyCorpus, IndexCorrupt, IndexMismatch, IndexNotFound, ReportQAError
from qa.lexical import BM25Index, Tokenizer
from qa.metadata import town_core
from qa.types import Claim, Document, Metadata, Passage, Span, content_id

Progress = Callable[[int, int], None]


def embed_text(p: Passage) -> str:
    """What the dense side sees for a passage: its innermost heading, then the sentence."""
    if p.is_heading or not p.section:
        return p.text
    return p.section.rsplit(" > ", 1)[-1] + "：" + p.text


def files_fingerprint(files: list[tuple[Path, str]]) -> str:
    """A hash over (source, bytes) of the corpus files: cheap to recompute, changes when any file does."""
    h = hashlib.sha256()
    for f, source in sorted(files, key=lambda x: x[1]):
        h.update(source.encode("utf-8"))
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:24]


@dataclass
class BuildReport:
    """What `build` did, for the CLI summary and the API."""

    documents: int = 0
    passages: int = 0
    claims: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    index_dir: str = ""
    up_to_date: bool = False


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _metadata_from_dict(d: dict[str, Any]) -> Metadata:
    row = dict(d)
    for k in ("town_span", "year_span", "region_span"):
        row[k] = Span(**row[k]) if row.get(k) else None
    return Metadata(**row)


class CorpusIndex:
    """Everything retrieval needs, loaded in memory; built once, read by many threads."""

    def __init__(
        self,
        documents: list[Document],
        paragraphs: dict[str, list[tuple[int, int]]],
        passages: list[Passage],
        claims: list[Claim],
        vectors: VectorIndex,
        bm25: BM25Index,
        manifest: Manifest,
        path: Path | None = None,
    ) -> None:
        self.documents = {d.doc_id: d for d in documents}
        self.paragraphs = paragraphs
        self.passages = passages
        self.claims = claims
        self.vectors = vectors
        self.bm25 = bm25
        self.manifest = manifest
        self.path = path
        self.passage_row = {p.passage_id: i for i, p in enumerate(passages)}
        rows: dict[str, list[int]] = {}
        for i, p in enumerate(passages):
            rows.setdefault(p.doc_id, []).append(i)
        self.doc_rows = {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}
        self.claims_by_doc: dict[str, list[Claim]] = {}
        for c in claims:
            self.claims_by_doc.setdefault(c.doc_id, []).append(c)
        self.towns = sorted({d.metadata.town for d in documents if d.metadata.town})
        self.tokenizer = Tokenizer(extra_words=self.towns + [town_core(t) for t in self.towns])

    # ---- building -------------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        paths: list[Path],
        index_path: Path,
        embedder: Embedder,
        *,
        max_file_bytes: int = 50_000_000,
        progress: Progress | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> BuildReport:
        """Read every report under `paths`, embed what changed, and publish a new index version atomically."""
        t0 = time.perf_counter()
        report = BuildReport()
        files = list(iter_report_files(paths))
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise EmptyCorpus(f"{missing[0]}: no such file or folder; give a folder of reports to index")
        parsed: list[ParsedDocument] = []
        seen: dict[str, str] = {}
        for f, source in files:
            try:
                pd = read_document(f, source, max_bytes=max_file_bytes)
            except ReportQAError as e:
                report.skipped.append((source, e.message))
                if warn:
                    warn(f"skipped {e.message}")
                continue
            if pd.document.doc_id in seen:
                report.duplicates.append((source, seen[pd.document.doc_id]))
                if warn:
                    warn(f"skipped {source}: duplicate of {seen[pd.document.doc_id]}")
                continue
            seen[pd.document.doc_id] = source
            report.encodings[source] = pd.document.encoding
            parsed.append(pd)
        if not parsed:
            raise EmptyCorpus(
                f"no readable reports under {', '.join(map(str, paths))}"
                + (f" ({len(report.skipped)} skipped)" if report.skipped else "")
                + "; add .txt reports (UTF-8, GB18030 or UTF-16) and run `reportqa index build` again"
            )
        passages = [p for pd in parsed for p in pd.passages]
        claims = [c for pd in parsed for c in pd.claims]
        texts = [embed_text(p) for p in passages]
        keys = [content_id(embedder.name, t) for t in texts]
        reuse = cls._previous_vectors(index_path, embedder)
        todo = [i for i, k in enumerate(keys) if k not in reuse]
        dim = embedder.dim
        matrix = np.zeros((len(passages), dim), dtype=np.float32)
        for i, k in enumerate(keys):
            if k in reuse:
                matrix[i] = reuse[k]
        batch = 256
        for b in range(0, len(todo), batch):
            ids = todo[b : b + batch]
            matrix[ids] = embedder.embed([texts[i] for i in ids])
            if progress:
                progress(min(b + batch, len(todo)), len(todo))
        if progress and not todo:
            progress(0, 0)
        vectors = VectorIndex.build(matrix)
        tokenizer = Tokenizer(
            extra_words=[pd.document.metadata.town for pd in parsed if pd.document.metadata.town]
        )
        bm25 = BM25Index.build([cls.lexical_tokens(tokenizer, p) for p in passages])
        fingerprint = files_fingerprint([(f, s) for f, s in files])
        manifest = Manifest(
            embedder=embedder.name,
            dim=dim,
            fingerprint=fingerprint,
            format_version=FORMAT_VERSION,
            counts={"documents": len(parsed), "passages": len(passages), "claims": len(claims)},
            extra={"skipped": report.skipped, "duplicates": report.duplicates, "keys": "passage-embed-text"},
        )
        staging = new_version_dir(index_path)
        with open(staging / "documents.jsonl", "w", encoding="utf-8") as fh:
            for pd in parsed:
                row = asdict(pd.document)
                row["paragraphs"] = [(p.start, p.end) for p in pd.structure.paragraphs]
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        with open(staging / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p, k in zip(passages, keys, strict=True):
                row = asdict(p)
                del row["text"]
                row["key"] = k
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        with open(staging / "claims.jsonl", "w", encoding="utf-8") as fh:
            for c in claims:
                fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
        vectors.save(staging / "vectors.faiss")
        bm25.save(staging / "bm25")
        final = publish(staging, index_path, manifest)
        report.documents, report.passages, report.claims = len(parsed), len(passages), len(claims)
        report.embedded, report.reused = len(todo), len(passages) - len(todo)
        report.seconds = time.perf_counter() - t0
        report.index_dir = str(final)
        return report

    @staticmethod
    def lexical_tokens(tokenizer: Tokenizer, p: Passage) -> list[str]:
        """BM25 tokens of a passage: the sentence and its innermost heading."""
        toks = tokenizer.tokens(p.text)
        if p.section and not p.is_heading:
            toks += tokenizer.tokens(p.section.rsplit(" > ", 1)[-1])
        return toks

    @staticmethod
    def _previous_vectors(index_path: Path, embedder: Embedder) -> dict[str, np.ndarray]:
        """Vectors of the current index keyed by embedded text, when it was made by the same embedder."""
        try:
            m = read_manifest(index_path) if index_path.exists() else None
            if m is None or m.embedder != embedder.name or m.dim != embedder.dim:
                return {}
            d = resolve(index_path)
            keys = [row["key"] for row in read_jsonl(d / "passages.jsonl")]
            vecs = VectorIndex.load(d / "vectors.faiss").reconstruct_all()
            return dict(zip(keys, vecs, strict=True))
        except Exception:
            return {}

    @staticmethod
    def is_current(paths: list[Path], index_path: Path, embedder_name: str) -> bool:
        """True when the index exists, was made by this embedder, and the files have not changed."""
        m = read_manifest(index_path) if index_path.exists() else None
        if m is None or m.embedder != embedder_name or m.format_version != FORMAT_VERSION:
            return False
        return m.fingerprint == files_fingerprint(list(iter_report_files(paths)))

    # ---- loading --------------------------------------------------------------------------------------

    @classmethod
    def load(cls, index_path: Path, embedder: Embedder | None = None) -> CorpusIndex:
        """Load an index; refuse one made by another embedder or format, with the command that fixes it."""
        if not index_path.exists():
            raise IndexNotFound(f"no index at {index_path}; run `reportqa index build [FOLDER] --index {index_path}`")
        d = resolve(index_path)
        try:
            manifest = read_manifest(d)
        except (ValueError, TypeError) as e:
            raise IndexCorrupt(f"{d}/manifest.json is unreadable ({e}); rebuild with `reportqa index build`") from e
        if manifest is None:
            raise IndexNotFound(f"{index_path} has no manifest.json; run `reportqa index build --index {index_path}`")
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"index format {manifest.format_version} at {index_path}, this reportqa reads {FORMAT_VERSION}; "
                "run `reportqa index build` to rebuild it"
            )
        if embedder is not None and (manifest.embedder != embedder.name or manifest.dim != embedder.dim):
            raise IndexMismatch(
                f"the index at {index_path} was built with embedder {manifest.embedder!r} (dim {manifest.dim}) "
                f"but {embedder.name!r} is configured; run `reportqa index build` to rebuild it, or set "
                f"REPORTQA_EMBEDDING_MODEL={manifest.embedder.removeprefix('st:')}"
            )
        try:
            documents, paragraphs = [], {}
            for row in read_jsonl(d / "documents.jsonl"):
                paras = row.pop("paragraphs")
                row["metadata"] = _metadata_from_dict(row["metadata"])
                doc = Document(**row)
                documents.append(doc)
                paragraphs[doc.doc_id] = [tuple(p) for p in paras]
            texts = {doc.doc_id: doc.text for doc in documents}
            passages = []
            for row in read_jsonl(d / "passages.jsonl"):
                row.pop("key", None)
                row["text"] = texts[row["doc_id"]][row["start"] : row["end"]]
                passages.append(Passage(**row))
            claims = [Claim(**row) for row in read_jsonl(d / "claims.jsonl")]
            vectors = VectorIndex.load(d / "vectors.faiss")
            bm25 = BM25Index.load(d / "bm25")
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
            raise IndexCorrupt(
                f"the index at {index_path} is damaged ({type(e).__name__}: {e}); rebuild it with `reportqa index build`"
            ) from e
        expected = manifest.counts
        if (
            len(documents) != expected.get("documents")
            or len(passages) != expected.get("passages")
            or vectors.size != len(passages)
            or bm25.n_docs != len(passages)
        ):
            raise IndexCorrupt(
                f"the index at {index_path} does not match its manifest (truncated?); rebuild it with `reportqa index build`"
            )
        return cls(documents, paragraphs, passages, claims, vectors, bm25, manifest, d)
