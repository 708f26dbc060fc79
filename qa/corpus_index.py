"""The corpus index: documents, passages, claims, dense vectors (FAISS) and BM25, in one directory.

Layout of a version directory (see embeddings/store.py for the atomic swap):
    manifest.json  catalogue.jsonl  documents.jsonl  passages.jsonl  claims.jsonl  vectors.faiss  bm25/
    segment.json  tokenizer_words.json  [delta/]
The top level is the base segment; an update adds a delta segment beside hard links to it (qa/segments.py).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import multiprocessing
import pickle
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from embeddings.base import Embedder, EmbeddingError
from embeddings.store import (
    FORMAT_VERSION,
    Manifest,
    damaged_files,
    discard,
    keep_alive,
    new_version_dir,
    publish,
    read_manifest,
    resolve,
)
from embeddings.vector_index import IndexKind, VectorIndex
from qa.documents import ParsedDocument, SplitDocument, complete, iter_report_files, parse_text, read_split
from qa.embed_ahead import EmbedAhead, embedding_process
from qa.errors import (
    DocumentNotFound,
    EmbedderUnavailable,
    EmptyCorpus,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    IndexWriteError,
    ReportQAError,
)
from qa.formats import ReadOptions
from qa.kept_reports import KeptReports
from qa.lexical import BM25Builder, BM25Index, Tokenizer
from qa.metadata import split_label, town_core
from qa.near_duplicates import Duplicate, Item, Signature, Signer, find_duplicates, find_signed, stated_apart
from qa.overrides import OVERRIDE_FILES, apply_override, overrides_for, with_metadata
from qa.places import to_simplified
from qa.segments import TABLE, Segments, SegmentTable, line_bytes, write_catalogue
from qa.types import Claim, Document, Metadata, Passage, Span, content_id

Progress = Callable[[int, int], None]


def current_ids(parsed: list[ParsedDocument]) -> list[str]:
    """The doc ids of parsed documents."""
    return [pd.document.doc_id for pd in parsed]


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


def _disk_full(folder: Path, e: BaseException) -> bool:
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return True
    try:
        return "No space left" in str(e) or shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return False


def report_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, source) of every report under the given paths; the metadata override files are not reports."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise EmptyCorpus(f"{missing[0]}: no such file or folder; give a folder of reports to index")
    return [(f, s) for f, s in iter_report_files(paths) if f.name not in OVERRIDE_FILES]


def corpus_fingerprint(paths: list[Path]) -> str:
    """Changes when any report or override file under the paths changes."""
    return files_fingerprint(list(iter_report_files(paths)))


def build_fingerprint(paths: list[Path], index_path: Path) -> str:
    """The corpus fingerprint with the index's kept (uploaded) reports: changes when either does."""
    kept = KeptReports(index_path).files()
    if not kept:
        return corpus_fingerprint(paths)
    return files_fingerprint(list(iter_report_files(paths)) + [(f, "kept:" + s) for f, s in kept])


def with_kept(files: list[tuple[Path, str]], kept: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Corpus files plus the kept reports; a kept report replaces a corpus file of the same source."""
    sources = {s for _, s in kept}
    return [(f, s) for f, s in files if s not in sources] + kept


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
    duplicates: list[Duplicate] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # uploaded/added reports read from the index's store
    forgotten: list[str] = field(default_factory=list)  # kept reports a removal dropped from the store
    corpus_removed: list[str] = field(default_factory=list)  # removed reports that come from a corpus folder
    encodings: dict[str, str] = field(default_factory=dict)
    index_dir: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


def _claims_by_unit(claims: list[Claim]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """unit → (values, positions in `claims`), positions ascending."""
    positions: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        positions.setdefault(c.unit, []).append(i)
    return {
        unit: (np.asarray([claims[i].value for i in ix], dtype=np.float64), np.asarray(ix, dtype=np.int64))
        for unit, ix in positions.items()
    }


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON-lines file, one at a time."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _metadata_from_dict(d: dict[str, Any]) -> Metadata:
    row = dict(d)
    for k in ("town_span", "year_span", "region_span"):
        row[k] = Span(**row[k]) if row.get(k) else None
    return Metadata(**row)


def place_identity(m: Metadata) -> str:
    """A town's identity: its division code, or county + name when it has none."""
    return m.town_code or f"{m.county or m.city or m.province or ''}/{m.town}"


def label_same_name_towns(documents: list[Document]) -> list[Document]:
    """Two different towns of one name (38 东城街道 are listed) get their county in the label: 东城街道（清城区）.

    Reports whose place is unknown join the single known place of that name, if there is exactly one.
    """
    by_name: dict[str, set[str]] = {}
    for d in documents:
        m = d.metadata
        if m.town and (m.town_code or m.county):
            by_name.setdefault(m.town, set()).add(place_identity(m))
    out = []
    for d in documents:
        m = d.metadata
        if m.town and len(by_name.get(m.town, ())) > 1 and (m.town_code or m.county):
            where = m.county or m.city or m.province
            d = replace(d, metadata=replace(m, town=f"{m.town}（{where}）"))
        out.append(d)
    return out


SHARD_DOCS = 200  # reports parsed, embedded and tokenised together in a build; peak memory grows with it
EMBED_BATCH = 64  # passages per call to a neural embedder: small enough that a small corpus spreads over the embedding
# processes (the seeds' 348 passages are 6 calls, not 2 of which one held 256: warm build median 0.79 → 0.62 s, see
# BENCHMARKS.md); large enough that a call's overhead is lost in its work. An embedder whose calls cost next to nothing
# per text says so with a larger `batch_size` (the hashing embedder: 256, where a call's overhead is what counts).


def embed_batch(embedder: Embedder) -> int:
    """Passages per embedding call for this embedder."""
    return int(getattr(embedder, "batch_size", EMBED_BATCH))


TOKENIZER_WORDS = "tokenizer_words.json"  # the place names jieba was taught for BM25, read by incremental updates


DOC_ID_FIELD = re.compile(r'"doc_id": "([^"]+)"')
SOURCE_FIELD = re.compile(r'"source": ("(?:[^"\\]|\\.)*")')


def row_doc_id(line: str) -> str:
    """The doc id of a documents/passages/claims JSON row, without parsing the row."""
    m = DOC_ID_FIELD.search(line)
    if m is None:
        raise ValueError(f"an index row without a doc_id: {line[:80]}")
    return m.group(1)


def _chunks(parsed: list[ParsedDocument]) -> Iterator[list[ParsedDocument]]:
    for i in range(0, len(parsed), SHARD_DOCS):
        yield parsed[i : i + SHARD_DOCS]


@contextlib.contextmanager
def translate_write_errors(index_path: Path) -> Iterator[None]:
    """A failed write (full disk, permissions) or embedder becomes one error that says the old index still serves."""
    try:
        yield
    except (OSError, RuntimeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e).strip().splitlines()[-1]
        if _disk_full(index_path.parent, e):
            reason = "No space left on device"
        raise IndexWriteError(
            f"writing the index to {index_path.parent} failed: {reason}; the previous index is untouched. "
            "Free some space (or choose another --index) and run the build again"
        ) from e
    except EmbeddingError as e:
        raise EmbedderUnavailable(f"{e}; the previous index is untouched") from e


def shard_duplicates(shards: list[Path], scratch: Path) -> list[Duplicate]:
    """Near-duplicates among the reports of a build's parsed shards, read one shard at a time.

    Per report only its signature (`qa.near_duplicates.Signature`, about 1 KB) stays in memory; its shingle
    hashes go to a file in `scratch`, read back only for the candidate pairs the LSH proposes.
    """
    signer = Signer()
    signatures: list[Signature] = []
    offsets = [0]
    path = scratch / "shingles.i64"
    try:
        with open(path, "wb") as out:
            for shard in shards:
                with open(shard, "rb") as fh:
                    batch, _ = pickle.load(fh)
                for pd in batch:
                    d = pd.document
                    sig, hashes = signer.sign(Item(d.source, d.text, d.encoding, d.metadata.town, d.metadata.year))
                    signatures.append(sig)
                    out.write(hashes.tobytes())
                    offsets.append(offsets[-1] + hashes.nbytes)
                del batch
        with open(path, "rb") as fh:

            def shingle_hashes(i: int) -> np.ndarray:
                fh.seek(offsets[i])
                return np.frombuffer(fh.read(offsets[i + 1] - offsets[i]), dtype=np.int64)

            return find_signed(signatures, shingle_hashes, signer.p)
    finally:
        path.unlink(missing_ok=True)


def near_duplicates_in_shards(shards: list[Path], scratch: Path) -> list[Duplicate]:
    """`shard_duplicates` in a short-lived worker process, so the LSH search's memory goes back to the system
    before pass two instead of staying in the build's heap (+65 MB of peak at 1k reports when run in-process);
    in this process when a worker cannot be started, or for a corpus of one shard, whose search is small and
    for which starting the worker cost more than the search (0.3 s of a 3 s build of 47 reports)."""
    if len(shards) <= 1:
        return shard_duplicates(shards, scratch)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            return pool.submit(shard_duplicates, shards, scratch).result()
    except (OSError, BrokenProcessPool):
        return shard_duplicates(shards, scratch)


@dataclass
class ReadShard:
    """A shard of a build: its reports' passages, read first, and the reports, whose metadata and claims are read as
    `reports` is iterated (so the first passages are embedded while the rest is parsed)."""

    passages: list[tuple[Passage, ...]]
    reports: Iterator[ParsedDocument]


class PreviousVectors:
    """The current index's vectors by content key, when it was made by the same embedder; read row by row."""

    def __init__(self, index_path: Path, embedder: Embedder) -> None:
        self._rows: dict[str, int] = {}
        self._index: VectorIndex | None = None
        self._delta_rows: dict[str, int] = {}
        self._delta: np.ndarray | None = None
        try:
            m = read_manifest(index_path) if index_path.exists() else None
            if m is None or m.embedder != embedder.name or m.dim != embedder.dim:
                return
            d = resolve(index_path)
            index = VectorIndex.load(d / "vectors.faiss")
            rows = {row["key"]: i for i, row in enumerate(iter_jsonl(d / "passages.jsonl"))}
            if len(rows) and max(rows.values()) < index.size:
                self._rows, self._index = rows, index
            segments = Segments.open(d)
            if segments.delta is not None:  # the delta's raw vectors, by key
                delta = segments.delta_vectors(embedder.dim)
                keys = [row["key"] for row in iter_jsonl(segments.delta / "passages.jsonl")]
                if len(keys) == len(delta):
                    self._delta = delta
                    self._delta_rows = {k: i for i, k in enumerate(keys)}
        except Exception:
            self._rows, self._index = {}, None
            self._delta_rows, self._delta = {}, None

    def __contains__(self, key: object) -> bool:
        return key in self._rows or key in self._delta_rows

    def rows_for(self, keys: list[str], dim: int) -> np.ndarray:
        """A (len(keys), dim) matrix holding the previous vector of every known key, zeros elsewhere."""
        out = np.zeros((len(keys), dim), dtype=np.float32)
        hits = [(i, self._rows[k]) for i, k in enumerate(keys) if k in self._rows]
        if hits and self._index is not None:
            out[[i for i, _ in hits]] = self._index.reconstruct([r for _, r in hits])
        if self._delta is not None:
            late = [(i, self._delta_rows[k]) for i, k in enumerate(keys) if k not in self._rows and k in self._delta_rows]
            if late:
                out[[i for i, _ in late]] = self._delta[[r for _, r in late]]
        return out

    def close(self) -> None:
        """Drop the previous index before the new one is built."""
        self._rows, self._index = {}, None
        self._delta_rows, self._delta = {}, None


def index_manifest(embedder: Embedder, fingerprint: str, documents: int, passages: int, claims: int,
                   extra: dict[str, Any]) -> Manifest:
    """The manifest of a built or updated index version."""
    return Manifest(
        embedder=embedder.name,
        dim=embedder.dim,
        fingerprint=fingerprint,
        format_version=FORMAT_VERSION,
        counts={"documents": documents, "passages": passages, "claims": claims},
        extra=extra,
    )


def manifest_extra(index_path: Path, report: BuildReport, kind: str) -> dict[str, Any]:
    """The manifest's account of a build or update: skipped files, near-duplicates, kept uploads, index kind."""
    return {
        "skipped": report.skipped,
        "duplicates": [d.as_row() for d in report.duplicates],
        "kept": sorted((KeptReports(index_path).sources() | set(report.kept)) - set(report.forgotten)),
        "index_kind": kind,
    }


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
        documents = label_same_name_towns(documents)
        self.documents = {d.doc_id: d for d in documents}
        self.documents_by_town: dict[str, list[Document]] = {}
        for d in documents:
            if d.metadata.town:
                self.documents_by_town.setdefault(d.metadata.town, []).append(d)
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
        self._claims_by_unit = _claims_by_unit(claims)
        self._claim_text = "\x00".join(c.text for c in claims)
        self._claim_text_ends = np.cumsum(np.fromiter((len(c.text) + 1 for c in claims), dtype=np.int64, count=len(claims)))
        self.towns = sorted({d.metadata.town for d in documents if d.metadata.town})
        bases = sorted({split_label(t)[0] for t in self.towns})
        self.tokenizer = Tokenizer(extra_words=bases + [town_core(t) for t in bases])

    # ---- the claims index -------------------------------------------------------------------------------

    def claims_meeting(self, unit: str, holds: Callable[[float], bool]) -> dict[str, list[Claim]]:
        """Claims in `unit` whose value satisfies `holds`, by document, each list in the document's order.

        `holds` runs once per distinct value of the unit, not once per claim, and an aggregate such as "which
        towns reach 100%" then looks only at the claims returned, not at every claim of every report.
        """
        entry = self._claims_by_unit.get(unit)
        if entry is None:
            return {}
        values, positions = entry
        distinct = np.unique(values)
        meeting = distinct[np.fromiter((bool(holds(float(v))) for v in distinct), dtype=bool, count=len(distinct))]
        out: dict[str, list[Claim]] = {}
        for i in positions[np.isin(values, meeting)]:
            c = self.claims[int(i)]
            out.setdefault(c.doc_id, []).append(c)
        return out

    def claims_containing(self, forms: Iterable[str]) -> dict[str, list[Claim]]:
        """Claims whose text contains any of the forms, by document, each list in the document's order."""
        starts: list[int] = []
        for form in forms:
            if not form:
                starts = []
                found = np.arange(len(self.claims))
                break
            at = self._claim_text.find(form)
            while at >= 0:
                starts.append(at)
                at = self._claim_text.find(form, at + 1)
        else:
            found = np.unique(np.searchsorted(self._claim_text_ends, np.asarray(starts, dtype=np.int64), side="right"))
        out: dict[str, list[Claim]] = {}
        for i in found.tolist():
            c = self.claims[i]
            out.setdefault(c.doc_id, []).append(c)
        return out

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
        index_kind: IndexKind = "auto",
        shard_docs: int | None = None,
        reading: ReadOptions | None = None,
    ) -> BuildReport:
        """Read every report under `paths`, embed only what changed, and publish a new version atomically.

        `index_kind` chooses the vector index (REPORTQA_INDEX_KIND); 'auto' picks by the number of passages.
        `shard_docs` reports are parsed, embedded and tokenised together (REPORTQA_INDEX_SHARD_DOCS).
        `reading` bounds OCR and LibreOffice and says where their results are cached.
        """
        t0 = time.perf_counter()
        store = KeptReports(index_path)
        kept = store.files()
        files = with_kept(report_files(paths), kept)
        report = BuildReport(kept=[s for _, s in kept])
        previous = cls._previous_sources(index_path)
        current: dict[str, str] = {}
        batches = cls._parse_batches(
            files, report, max_file_bytes, warn, overrides_for(paths), current, shard_docs, store.source_urls(), reading
        )

        def empty() -> ReportQAError:
            return EmptyCorpus(
                f"no readable reports under {', '.join(map(str, paths))}"
                + (f" ({len(report.skipped)} skipped)" if report.skipped else "")
                + "; add reports (.txt, .md, .docx, .pdf, .html) and run `reportqa index build` again"
            )

        fingerprint = build_fingerprint(paths, index_path)
        cls._write(batches, index_path, embedder, report, fingerprint, progress, index_kind, empty, dedupe=True, warn=warn)
        for d in report.duplicates:
            current.pop(d.dropped, None)
        report.added = sum(1 for s in current if s not in previous)
        report.updated = sum(1 for s, d in current.items() if s in previous and previous[s] != d)
        report.unchanged = sum(1 for s, d in current.items() if previous.get(s) == d)
        report.removed = sum(1 for s in previous if s not in current)
        report.seconds = time.perf_counter() - t0
        return report

    @classmethod
    def add(
        cls,
        paths: list[Path],
        index_path: Path,
        embedder: Embedder,
        *,
        max_file_bytes: int = 50_000_000,
        progress: Progress | None = None,
        warn: Callable[[str], None] | None = None,
        index_kind: IndexKind = "auto",
        reading: ReadOptions | None = None,
        source_urls: dict[str, str] | None = None,
    ) -> BuildReport:
        """Add or replace (same source) documents in an existing index; only new text is embedded.

        Each added report's original file is kept in the index's store (`qa.kept_reports`), so later builds
        keep it too; `source_urls` (source → address) records where a downloaded report came from.
        """
        t0 = time.perf_counter()
        if not index_path.exists():
            raise IndexNotFound(f"no index at {index_path}; run `reportqa index build` first")
        report = BuildReport()
        files = report_files(paths)
        new = cls._collect(files, report, max_file_bytes, warn, overrides_for(paths), source_urls or {}, reading)
        from qa.index_update import StoredIndex

        stored = StoredIndex.open(index_path, embedder)
        if stored is not None:
            cls._add_in_place(stored, new, embedder, report, warn, progress, index_kind)
            cls._keep_added(index_path, files, report, source_urls)
            report.seconds = time.perf_counter() - t0
            return report
        existing = cls._previous_parsed(index_path) or []
        by_source = {pd.document.source: pd for pd in existing}
        for pd in new:
            old = by_source.get(pd.document.source)
            if old is None:
                report.added += 1
            elif old.document.doc_id == pd.document.doc_id:
                report.unchanged += 1
            else:
                report.updated += 1
            by_source[pd.document.source] = pd
        merged = cls._dedupe(list(by_source.values()), report, warn)
        indexed = {pd.document.source for pd in merged}
        report.kept = [pd.document.source for pd in new if pd.document.source in indexed]
        cls._write(
            _chunks(merged), index_path, embedder, report, "incremental:" + content_id(*sorted(current_ids(merged))),
            progress, index_kind,
        )
        cls._keep_added(index_path, files, report, source_urls)
        report.seconds = time.perf_counter() - t0
        return report

    @classmethod
    def remove(
        cls, selectors: list[str], index_path: Path, embedder: Embedder, *, index_kind: IndexKind = "auto"
    ) -> BuildReport:
        """Remove documents by doc_id or source path; the rest keep their vectors."""
        t0 = time.perf_counter()
        if not index_path.exists():
            raise IndexNotFound(f"no index at {index_path}; nothing to remove")
        wanted = set(selectors) | {Path(s).name for s in selectors}
        from qa.index_update import StoredIndex

        stored = StoredIndex.open(index_path, embedder)
        if stored is not None:
            drop = {i for i, src in zip(stored.doc_ids, stored.sources, strict=True) if {i, src, Path(src).name} & wanted}
            report = BuildReport(removed=len(drop), unchanged=len(stored.doc_ids) - len(drop))
            cls._check_removal(selectors, report)
            store = cls._forget_removed(
                index_path, {src for i, src in zip(stored.doc_ids, stored.sources, strict=True) if i in drop}, report
            )
            left = sorted(set(stored.doc_ids) - drop)
            with translate_write_errors(index_path):
                stored.rewrite([], drop, embedder, report, "incremental:" + content_id(*left), None, index_kind)
            store.forget(set(report.forgotten))
            report.seconds = time.perf_counter() - t0
            return report
        existing = cls._previous_parsed(index_path) or []
        keep = [pd for pd in existing if not ({pd.document.doc_id, pd.document.source, Path(pd.document.source).name} & wanted)]
        report = BuildReport(removed=len(existing) - len(keep), unchanged=len(keep))
        cls._check_removal(selectors, report)
        store = cls._forget_removed(
            index_path, {pd.document.source for pd in existing} - {pd.document.source for pd in keep}, report
        )
        cls._write(
            _chunks(keep), index_path, embedder, report, "incremental:" + content_id(*sorted(current_ids(keep))), None, index_kind
        )
        store.forget(set(report.forgotten))
        report.seconds = time.perf_counter() - t0
        return report

    @staticmethod
    def _forget_removed(index_path: Path, removed: set[str], report: BuildReport) -> KeptReports:
        """Which removed reports were kept uploads (forgotten from the store after the write) and which come from a
        corpus folder; the store, for the caller to forget them once the new version is published."""
        store = KeptReports(index_path)
        report.forgotten = sorted(removed & store.sources())
        report.corpus_removed = sorted(removed - set(report.forgotten))
        return store

    @staticmethod
    def _check_removal(selectors: list[str], report: BuildReport) -> None:
        if report.removed == 0:
            raise DocumentNotFound(
                f"no indexed document matches {', '.join(selectors)}; `reportqa index status` or GET /documents lists them"
            )
        if report.unchanged == 0:
            raise EmptyCorpus("that would leave the index empty; build a new one with `reportqa index build FOLDER`")

    @classmethod
    def _add_in_place(
        cls,
        stored: Any,
        new: list[ParsedDocument],
        embedder: Embedder,
        report: BuildReport,
        warn: Callable[[str], None] | None,
        progress: Progress | None,
        index_kind: IndexKind,
    ) -> None:
        """Append new reports and drop the versions they replace (same source), from the stored rows.

        Near-duplicates as in a build: the new reports are compared with each other and with the stored reports
        that could be the same report (those not stating another town or year), whose text is read from their
        rows; whichever copy is richest stays, so a stored report may be dropped in favour of a new one.
        """
        by_source = dict(zip(stored.sources, stored.doc_ids, strict=True))
        drop: set[str] = set()
        fresh = []
        for pd in new:
            old = by_source.get(pd.document.source)
            if old is None:
                report.added += 1
            elif old == pd.document.doc_id:
                report.unchanged += 1
                continue
            else:
                report.updated += 1
                drop.add(old)
            fresh.append(pd)
        dropped_sources: set[str] = set()
        if fresh:
            items = [
                Item(pd.document.source, pd.document.text, pd.document.encoding, pd.document.metadata.town, pd.document.metadata.year)
                for pd in fresh
            ]
            doc_id_of: dict[str, str] = {}
            new_items = items[: len(fresh)]

            def could_match(town: str | None, year: int | None) -> bool:
                probe = Item("", "", "", town, year)
                return any(not stated_apart(probe, it) for it in new_items)

            for doc_id, row in stored.rows_where(could_match):
                if doc_id in drop:
                    continue
                meta = row.get("metadata") or {}
                item = Item(row["source"], row["text"], row.get("encoding", ""), meta.get("town"), meta.get("year"))
                items.append(item)
                doc_id_of[item.key] = doc_id
            found = find_duplicates(items)
            cls._record_duplicates(found, report, warn)
            dropped_sources = {d.dropped for d in found}
            drop |= {doc_id_of[s] for s in dropped_sources if s in doc_id_of}
        seen = {i: src for i, src in zip(stored.doc_ids, stored.sources, strict=True) if i not in drop}
        out = []
        for pd in fresh:
            d = pd.document
            if d.source in dropped_sources:
                continue
            if d.doc_id in seen:  # the same text under another source, kept apart only by an override
                cls._record_duplicates([Duplicate(d.source, seen[d.doc_id], 1.0, "the same text")], report, warn)
                dropped_sources.add(d.source)
                continue
            seen[d.doc_id] = d.source
            out.append(pd)
        report.kept = [pd.document.source for pd in new if pd.document.source not in dropped_sources]
        fingerprint = "incremental:" + content_id(*sorted(seen))
        with translate_write_errors(stored.path):
            stored.rewrite(out, drop, embedder, report, fingerprint, progress, index_kind)

    @staticmethod
    def _keep_added(
        index_path: Path, files: list[tuple[Path, str]], report: BuildReport, source_urls: dict[str, str] | None
    ) -> None:
        """Keep the original file of every added report that is indexed in the index's store."""
        store = KeptReports(index_path)
        file_of = {s: f for f, s in files}
        for source in report.kept:
            store.keep(file_of[source], source, (source_urls or {}).get(source))

    @staticmethod
    def _record_duplicates(found: list[Duplicate], report: BuildReport, warn: Callable[[str], None] | None) -> None:
        for d in found:
            report.duplicates.append(d)
            if warn:
                warn(f"skipped {d.dropped}: the same report as {d.kept} (similarity {d.similarity:.2f}); kept {d.kept}: {d.reason}")

    @classmethod
    def _collect(
        cls,
        files: list[tuple[Path, str]],
        report: BuildReport,
        max_file_bytes: int,
        warn: Callable[[str], None] | None,
        overrides: dict[str, dict[str, Any]],
        source_urls: dict[str, str],
        reading: ReadOptions | None = None,
    ) -> list[ParsedDocument]:
        """Every readable report of `files`, near-duplicates dropped (for updates: a few reports, held in memory)."""
        batches = cls._parse_batches(files, report, max_file_bytes, warn, overrides, {}, None, source_urls, reading)
        return cls._dedupe([pd for shard in batches for pd in shard.reports], report, warn)

    @staticmethod
    def _parse_batches(
        files: list[tuple[Path, str]],
        report: BuildReport,
        max_file_bytes: int,
        warn: Callable[[str], None] | None,
        overrides: dict[str, dict[str, Any]],
        sources: dict[str, str],
        shard_docs: int | None = None,
        source_urls: dict[str, str] | None = None,
        reading: ReadOptions | None = None,
    ) -> Iterator[ReadShard]:
        """Readable reports, SHARD_DOCS at a time: each shard's files are read and cut into passages first, and its
        reports' metadata and claims read as the shard is iterated (read one shard to its end before asking for the
        next); `sources` collects source → doc id.

        Near-duplicates are not dropped here: `_write(dedupe=True)` finds them over all reports after its parse pass.
        """
        files_left = iter(files)
        size = shard_docs or SHARD_DOCS
        while True:
            splits: list[SplitDocument] = []
            for f, source in files_left:
                try:
                    splits.append(read_split(f, source, max_file_bytes, reading))
                except ReportQAError as e:
                    report.skipped.append((source, e.message))
                    if warn:
                        warn(f"skipped {e.message}")
                    continue
                if len(splits) >= size:
                    break
            if not splits:
                return
            passages = [split.passages for split in splits]
            yield ReadShard(passages, CorpusIndex._complete_each(splits, report, overrides, sources, source_urls or {}))

    @staticmethod
    def _complete_each(
        splits: list[SplitDocument],
        report: BuildReport,
        overrides: dict[str, dict[str, Any]],
        sources: dict[str, str],
        source_urls: dict[str, str],
    ) -> Iterator[ParsedDocument]:
        splits.reverse()
        while splits:
            pd = apply_override(complete(splits.pop()), overrides)
            source = pd.document.source
            if source in source_urls:
                pd = with_metadata(pd, replace(pd.document.metadata, source_url=source_urls[source]))
            d = pd.document
            report.encodings[source] = d.encoding
            sources[d.source] = d.doc_id
            yield pd

    @staticmethod
    def _dedupe(
        parsed: list[ParsedDocument], report: BuildReport, warn: Callable[[str], None] | None
    ) -> list[ParsedDocument]:
        """One report in several files (two formats, a title line added) is indexed once, in its richest format."""
        items = [
            Item(pd.document.source, pd.document.text, pd.document.encoding, pd.document.metadata.town, pd.document.metadata.year)
            for pd in parsed
        ]
        found = find_duplicates(items)
        dropped = {d.dropped for d in found}
        CorpusIndex._record_duplicates(found, report, warn)
        return [pd for pd in parsed if pd.document.source not in dropped]

    @classmethod
    def _write(
        cls,
        batches: Iterable[ReadShard | list[ParsedDocument]],
        index_path: Path,
        embedder: Embedder,
        report: BuildReport,
        fingerprint: str,
        progress: Progress | None,
        index_kind: IndexKind = "auto",
        empty: Callable[[], ReportQAError] | None = None,
        *,
        dedupe: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        """Stream the documents into a new version directory and publish it.

        Pass one pickles each batch of parsed documents to a shard in the staging directory and counts what
        needs embedding; with `dedupe` it also keeps each report's near-duplicate signature (`qa.near_duplicates`,
        about 1 KB) and writes its shingle hashes to a file, and after the pass finds the near-duplicate reports.
        Pass two reads one shard at a time, skipping the dropped copies: it writes its JSON rows, embeds its new
        passages (reusing the previous version's vectors by content key), stores its vectors as a shard file and
        adds its BM25 postings. Then FAISS is trained on a sample and filled shard by shard. Peak memory is one
        shard plus the final structures; a build killed anywhere leaves only a staging directory behind.
        """
        try:
            staging = new_version_dir(index_path)
        except OSError as e:
            raise IndexWriteError(f"cannot create the index at {index_path.parent} ({e.strerror or e}); check the path and permissions") from e
        try:
            # Pass one's speculative embedder calls (`qa.embed_ahead`) run while this thread parses: in a forked
            # process when that is safe, else in the embedding thread, which then runs pass two's calls, in that order.
            with translate_write_errors(index_path), _embedding_workers(embedder) as (embedding, process):
                final = cls._stream(
                    embedding, process, staging, batches, index_path, embedder, report, fingerprint, progress,
                    index_kind, empty, dedupe, warn,
                )
        except BaseException:
            discard(staging)
            raise
        report.index_dir = str(final)

    @classmethod
    def _stream(
        cls,
        embedding: ThreadPoolExecutor,
        process: ProcessPoolExecutor | None,
        staging: Path,
        batches: Iterable[ReadShard | list[ParsedDocument]],
        index_path: Path,
        embedder: Embedder,
        report: BuildReport,
        fingerprint: str,
        progress: Progress | None,
        index_kind: IndexKind,
        empty: Callable[[], ReportQAError] | None,
        dedupe: bool,
        warn: Callable[[str], None] | None,
    ) -> Path:
        work = staging / ".shards"
        work.mkdir()
        reuse = PreviousVectors(index_path, embedder)
        batch_size = embed_batch(embedder)
        ahead = EmbedAhead(embedder, embedding, work, batch_size, process=process)
        shards: list[Path] = []
        # per report, in order: source, doc id, town, passages, passages to embed, claims
        stats: list[tuple[str, str, str | None, int, int, int]] = []
        for shard_in in batches:
            batch: list[ParsedDocument] = []
            keys: list[list[str]] = []
            if isinstance(shard_in, ReadShard):  # passages known before the reports are parsed: embed them now
                early = [cls._embed_ahead(ahead, reuse, embedder, passages) for passages in shard_in.passages]
                ahead.end_shard()
                reports: Iterable[ParsedDocument] = shard_in.reports
            else:
                early, reports = [], shard_in
            for n, pd in enumerate(reports):
                if n < len(early) and early[n][0] is pd.passages:  # the same report (none skipped)
                    ks, to_embed = early[n][1], early[n][2]
                else:
                    _, ks, to_embed = cls._embed_ahead(ahead, reuse, embedder, pd.passages)
                d = pd.document
                stats.append((d.source, d.doc_id, d.metadata.town, len(ks), to_embed, len(pd.claims)))
                batch.append(pd)
                keys.append(ks)
            if not early:
                ahead.end_shard()
            del early
            shard = work / f"parsed-{len(shards):06d}.pickle"
            with open(shard, "wb") as fh:
                pickle.dump((batch, keys), fh, protocol=pickle.HIGHEST_PROTOCOL)
            shards.append(shard)
            del batch
        dropped: set[str] = set()
        if dedupe and len(stats) > 1:
            found = near_duplicates_in_shards(shards, work)
            cls._record_duplicates(found, report, warn)
            dropped = {d.dropped for d in found}
        first_of: dict[str, str] = {}
        towns: set[str] = set()
        n_docs = n_passages = n_claims = n_todo = 0
        for source, doc_id, town, passages_n, todo_n, claims_n in stats:
            if source in dropped:
                continue
            if doc_id in first_of:  # the same text under another source, kept apart only by an override
                cls._record_duplicates([Duplicate(source, first_of[doc_id], 1.0, "the same text")], report, warn)
                dropped.add(source)
                continue
            first_of[doc_id] = source
            n_docs += 1
            n_passages += passages_n
            n_todo += todo_n
            n_claims += claims_n
            if town:
                towns.add(town)
        del stats, first_of
        if n_docs == 0:
            raise empty() if empty else EmptyCorpus("no documents to index; add reports and run `reportqa index build`")
        dim = embedder.dim
        tokenizer = Tokenizer(extra_words=sorted(towns))
        lexical = BM25Builder()
        table = SegmentTable()
        vector_files: list[Path] = []
        embedded = 0

        def embed_shard(
            shard: int, matrix: np.ndarray, todo: list[int], keys: list[str], passages: list[Passage], done: int
        ) -> np.ndarray:
            for call, b in enumerate(range(0, len(todo), batch_size)):
                ids = todo[b : b + batch_size]
                vectors = ahead.take(shard, call, [keys[i] for i in ids])
                matrix[ids] = vectors if vectors is not None else embedder.embed([embed_text(passages[i]) for i in ids])
                done += len(ids)
                if progress:
                    progress(done, n_todo)
            return matrix

        def store_vectors(pending: Future[np.ndarray]) -> None:
            vector_file = work / f"vectors-{len(vector_files):06d}.f32"
            pending.result().tofile(vector_file)
            vector_files.append(vector_file)

        waiting: Future[np.ndarray] | None = None
        # A shard's passages are embedded (or their speculative vectors read) in the embedding thread while this
        # one tokenises them for BM25.
        with (
            open(staging / "documents.jsonl", "w", encoding="utf-8") as docs_fh,
            open(staging / "passages.jsonl", "w", encoding="utf-8") as passages_fh,
            open(staging / "claims.jsonl", "w", encoding="utf-8") as claims_fh,
        ):
            for shard_no, shard in enumerate(shards):
                keep_alive(staging)
                with open(shard, "rb") as shard_fh:
                    batch, keys = pickle.load(shard_fh)
                shard.unlink()
                if dropped:
                    kept = [(pd, ks) for pd, ks in zip(batch, keys, strict=True) if pd.document.source not in dropped]
                    batch, keys = [pd for pd, _ in kept], [ks for _, ks in kept]
                    del kept
                passages = [p for pd in batch for p in pd.passages]
                flat_keys = [k for ks in keys for k in ks]
                cls._write_rows(batch, flat_keys, docs_fh, passages_fh, claims_fh, table)
                matrix = reuse.rows_for(flat_keys, dim)
                todo = [i for i, k in enumerate(flat_keys) if k not in reuse]
                pending = embedding.submit(embed_shard, shard_no, matrix, todo, flat_keys, passages, embedded)
                del matrix
                lexical.add(cls.lexical_tokens(tokenizer, p) for p in passages)
                if waiting is not None:  # the previous shard's vectors, awaited only now
                    store_vectors(waiting)
                waiting = pending
                embedded += len(todo)
                del batch, passages
        # BM25 needs no vector: it is built while the last shard's vectors are still being embedded.
        bm25 = lexical.build()
        bm25.save(staging / "bm25")
        del bm25, lexical
        if waiting is not None:
            store_vectors(waiting)
        reuse.close()

        def vector_shards() -> Iterator[np.ndarray]:
            for f in vector_files:
                yield np.fromfile(f, dtype=np.float32).reshape(-1, dim)

        vectors = VectorIndex.build_from_shards(vector_shards, n_passages, dim, index_kind)
        vectors.save(staging / "vectors.faiss")
        kind = vectors.kind
        del vectors
        (staging / TOKENIZER_WORDS).write_text(json.dumps(sorted(towns), ensure_ascii=False), encoding="utf-8")
        table.save(staging / TABLE)
        write_catalogue(staging, {"documents": n_docs, "passages": n_passages, "claims": n_claims}, None)
        shutil.rmtree(work)
        manifest = index_manifest(embedder, fingerprint, n_docs, n_passages, n_claims, manifest_extra(index_path, report, kind))
        final = publish(staging, index_path, manifest)
        report.documents, report.passages, report.claims = n_docs, n_passages, n_claims
        report.embedded, report.reused = n_todo, n_passages - n_todo
        return final

    @staticmethod
    def _embed_ahead(
        ahead: EmbedAhead, reuse: PreviousVectors, embedder: Embedder, passages: tuple[Passage, ...]
    ) -> tuple[tuple[Passage, ...], list[str], int]:
        """Queue a report's passages that need embedding; its passages, their content keys and how many to embed."""
        texts = [embed_text(p) for p in passages]
        keys = [content_id(embedder.name, t) for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in reuse]
        ahead.add([keys[i] for i in todo], [texts[i] for i in todo])
        return passages, keys, len(todo)

    @staticmethod
    def _write_rows(
        batch: list[ParsedDocument],
        keys: list[str],
        docs_fh: IO[str],
        passages_fh: IO[str],
        claims_fh: IO[str],
        table: SegmentTable | None = None,
    ) -> None:
        """Append the JSON rows of a batch of documents, their passages (with content keys) and claims.

        `table` gets a row per document: what a segment's table holds (`qa.segments`)."""
        doc_bytes = []
        for pd in batch:
            row = asdict(pd.document)
            row["paragraphs"] = [(p.start, p.end) for p in pd.structure.paragraphs]
            line = json.dumps(row, ensure_ascii=False) + "\n"
            docs_fh.write(line)
            doc_bytes.append(line_bytes(line))
        keys_left = iter(keys)
        for pd, n_doc_bytes in zip(batch, doc_bytes, strict=True):
            n_bytes = 0
            for p in pd.passages:
                row = asdict(p)
                del row["text"]
                row["key"] = next(keys_left)
                line = json.dumps(row, ensure_ascii=False) + "\n"
                passages_fh.write(line)
                n_bytes += line_bytes(line)
            if table is not None:
                m = pd.document.metadata
                table.add(pd.document.doc_id, pd.document.source, m.town, m.year, len(pd.passages), len(pd.claims),
                          n_doc_bytes, n_bytes)
        if next(keys_left, None) is not None:
            raise ValueError("more content keys than passages")
        for pd in batch:
            for c in pd.claims:
                claims_fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")

    @staticmethod
    def _previous_sources(index_path: Path) -> dict[str, str]:
        """source → doc id of the current index version, read line by line without keeping any text."""
        try:
            if not index_path.exists() or read_manifest(index_path) is None:
                return {}
            segments = Segments.open(resolve(index_path))
            out = {}
            for line in segments.live_documents():
                doc_id, source = row_doc_id(line), SOURCE_FIELD.search(line)
                if source is None:
                    return {}
                out[json.loads(source.group(1))] = doc_id
            return out
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _previous_documents(index_path: Path) -> list[Document]:
        """Documents of the current index version (none when there is no readable index)."""
        try:
            if not index_path.exists() or read_manifest(index_path) is None:
                return []
            out = []
            segments = Segments.open(resolve(index_path))
            for row in map(json.loads, segments.live_documents()):
                row.pop("paragraphs", None)
                row["metadata"] = _metadata_from_dict(row["metadata"])
                row["page_starts"] = tuple(row.get("page_starts") or ())
                out.append(Document(**row))
            return out
        except (OSError, ValueError, KeyError, TypeError):
            return []

    @classmethod
    def _previous_parsed(cls, index_path: Path) -> list[ParsedDocument] | None:
        """The current index's documents re-parsed from their stored text, metadata (and overrides) kept."""
        if not index_path.exists():
            return None
        out = []
        for d in cls._previous_documents(index_path):
            pd = parse_text(d.text, d.source, d.encoding)
            pd = replace(pd, document=replace(pd.document, page_starts=d.page_starts, ocr_confidence=d.ocr_confidence))
            out.append(with_metadata(pd, d.metadata))
        return out

    @staticmethod
    def lexical_tokens(tokenizer: Tokenizer, p: Passage) -> list[str]:
        """BM25 tokens of a passage: the sentence and its innermost heading."""
        # Traditional characters are read as simplified (one for one), so 鎮/鄉 reports match 镇/乡 questions.
        toks = tokenizer.tokens(to_simplified(p.text))
        if p.section and not p.is_heading:
            toks += tokenizer.tokens(to_simplified(p.section.rsplit(" > ", 1)[-1]))
        return toks

    @staticmethod
    def is_current(paths: list[Path], index_path: Path, embedder_name: str) -> bool:
        """True when the index exists, was made by this embedder, and the files have not changed."""
        m = read_manifest(index_path) if index_path.exists() else None
        if m is None or m.embedder != embedder_name or m.format_version != FORMAT_VERSION:
            return False
        return m.fingerprint == build_fingerprint(paths, index_path)

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
        bad = damaged_files(d, manifest)
        if bad:
            raise IndexCorrupt(
                f"the index at {index_path} is damaged ({', '.join(bad)} changed or missing since it was built); "
                "rebuild it with `reportqa index build`"
            )
        if embedder is not None and (manifest.embedder != embedder.name or manifest.dim != embedder.dim):
            raise IndexMismatch(
                f"the index at {index_path} was built with embedder {manifest.embedder!r} (dim {manifest.dim}) "
                f"but {embedder.name!r} is configured; run `reportqa index build` to rebuild it, or set "
                f"REPORTQA_EMBEDDING_MODEL={manifest.embedder.removeprefix('st:')}"
            )
        try:
            segments = Segments.open(d)
            masks = segments.base_masks()
            documents, paragraphs = [], {}
            for row in map(json.loads, segments.live_lines("documents.jsonl", masks)):
                paras = row.pop("paragraphs")
                row["metadata"] = _metadata_from_dict(row["metadata"])
                row["page_starts"] = tuple(row.get("page_starts") or ())
                doc = Document(**row)
                documents.append(doc)
                paragraphs[doc.doc_id] = [tuple(p) for p in paras]
            texts = {doc.doc_id: doc.text for doc in documents}
            # Rows are read one at a time, and strings that repeat (document ids, section paths, units,
            # passage ids in claims) are kept once: at 10,000 reports that is ~750k passages.
            shared: dict[str, str] = {doc.doc_id: doc.doc_id for doc in documents}
            passages = []
            for row in map(json.loads, segments.live_lines("passages.jsonl", masks)):
                row.pop("key", None)
                row["doc_id"] = shared.setdefault(row["doc_id"], row["doc_id"])
                if row["section"] is not None:
                    row["section"] = shared.setdefault(row["section"], row["section"])
                row["text"] = texts[row["doc_id"]][row["start"] : row["end"]]
                passages.append(Passage(**row))
            shared.update((p.passage_id, p.passage_id) for p in passages)
            claims = []
            for row in map(json.loads, segments.live_lines("claims.jsonl", masks)):
                for key in ("doc_id", "passage_id", "unit"):
                    row[key] = shared.setdefault(row[key], row[key])
                claims.append(Claim(**row))
            del shared
            if segments.delta is None and masks is None:
                vectors = VectorIndex.load(d / "vectors.faiss")
                bm25 = BM25Index.load(d / "bm25")
            else:  # a base and a delta: merged into what a rewrite of the whole index would hold
                live = masks[1] if masks is not None else None
                vectors = segments.merged_vectors(live)
                bm25 = segments.merged_lexical(live).build()
                bm25.postings = None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, IndexError) as e:
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


@contextlib.contextmanager
def _embedding_workers(embedder: Embedder) -> Iterator[tuple[ThreadPoolExecutor, ProcessPoolExecutor | None]]:
    """The build's embedding thread, and a forked embedding process when that is safe (forked before the thread
    starts: a process is forked only without threads); both shut down when the build ends."""
    process = embedding_process(embedder)
    embedding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reportqa-embed")
    try:
        yield embedding, process
    finally:
        embedding.shutdown(wait=True, cancel_futures=True)
        if process is not None:
            process.shutdown(wait=True, cancel_futures=True)
