"""The corpus index: documents, passages, claims, dense vectors (FAISS) and BM25, in one directory.

Layout of a version directory (see embeddings/store.py for the atomic swap):
    manifest.json  documents.jsonl  passages.jsonl  claims.jsonl  vectors.faiss  bm25/
"""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Embedder
from embeddings.store import (
    FORMAT_VERSION,
    Manifest,
    damaged_files,
    discard,
    new_version_dir,
    publish,
    read_manifest,
    resolve,
)
from embeddings.vector_index import IndexKind, VectorIndex
from qa.documents import ParsedDocument, iter_report_files, parse_text, read_document
from qa.errors import (
    DocumentNotFound,
    EmptyCorpus,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    IndexWriteError,
    ReportQAError,
)
from qa.formats import ReadOptions
from qa.kept_reports import KeptReports
from qa.lexical import BM25Index, Tokenizer
from qa.metadata import split_label, town_core
from qa.near_duplicates import Duplicate, Item, find_duplicates
from qa.overrides import OVERRIDE_FILES, apply_override, overrides_for, with_metadata
from qa.places import to_simplified
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
        reading: ReadOptions | None = None,
    ) -> BuildReport:
        """Read every report under `paths`, embed only what changed, and publish a new version atomically.

        `index_kind` chooses the vector index (REPORTQA_INDEX_KIND); 'auto' picks by the number of passages.
        `reading` bounds OCR and LibreOffice and says where their results are cached.
        """
        t0 = time.perf_counter()
        store = KeptReports(index_path)
        kept = store.files()
        files = with_kept(report_files(paths), kept)
        report = BuildReport(kept=[s for _, s in kept])
        parsed = cls._collect(files, report, max_file_bytes, warn, overrides_for(paths), store.source_urls(), reading)
        if not parsed:
            raise EmptyCorpus(
                f"no readable reports under {', '.join(map(str, paths))}"
                + (f" ({len(report.skipped)} skipped)" if report.skipped else "")
                + "; add reports (.txt, .md, .docx, .pdf, .html) and run `reportqa index build` again"
            )
        previous = {d.source: d.doc_id for d in cls._previous_documents(index_path)}
        current = {pd.document.source: pd.document.doc_id for pd in parsed}
        report.added = sum(1 for s in current if s not in previous)
        report.updated = sum(1 for s, d in current.items() if s in previous and previous[s] != d)
        report.unchanged = sum(1 for s, d in current.items() if previous.get(s) == d)
        report.removed = sum(1 for s in previous if s not in current)
        cls._write(parsed, index_path, embedder, report, build_fingerprint(paths, index_path), progress, index_kind)
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
        existing = cls._previous_parsed(index_path)
        if existing is None:
            raise IndexNotFound(f"no index at {index_path}; run `reportqa index build` first")
        report = BuildReport()
        files = report_files(paths)
        new = cls._collect(files, report, max_file_bytes, warn, overrides_for(paths), source_urls or {}, reading)
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
            merged, index_path, embedder, report, "incremental:" + content_id(*sorted(current_ids(merged))), progress, index_kind
        )
        store = KeptReports(index_path)
        file_of = {s: f for f, s in files}
        for source in report.kept:
            store.keep(file_of[source], source, (source_urls or {}).get(source))
        report.seconds = time.perf_counter() - t0
        return report

    @classmethod
    def remove(
        cls, selectors: list[str], index_path: Path, embedder: Embedder, *, index_kind: IndexKind = "auto"
    ) -> BuildReport:
        """Remove documents by doc_id or source path; the rest keep their vectors."""
        t0 = time.perf_counter()
        existing = cls._previous_parsed(index_path)
        if existing is None:
            raise IndexNotFound(f"no index at {index_path}; nothing to remove")
        wanted = set(selectors) | {Path(s).name for s in selectors}
        keep = [pd for pd in existing if not ({pd.document.doc_id, pd.document.source, Path(pd.document.source).name} & wanted)]
        report = BuildReport(removed=len(existing) - len(keep), unchanged=len(keep))
        if report.removed == 0:
            raise DocumentNotFound(
                f"no indexed document matches {', '.join(selectors)}; `reportqa index status` or GET /documents lists them"
            )
        if not keep:
            raise EmptyCorpus("that would leave the index empty; build a new one with `reportqa index build FOLDER`")
        removed = {pd.document.source for pd in existing} - {pd.document.source for pd in keep}
        store = KeptReports(index_path)
        report.forgotten = sorted(removed & store.sources())
        report.corpus_removed = sorted(removed - set(report.forgotten))
        cls._write(keep, index_path, embedder, report, "incremental:" + content_id(*sorted(current_ids(keep))), None, index_kind)
        store.forget(set(report.forgotten))
        report.seconds = time.perf_counter() - t0
        return report

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
        parsed: list[ParsedDocument] = []
        for f, source in files:
            try:
                pd = read_document(f, source, max_bytes=max_file_bytes, options=reading)
            except ReportQAError as e:
                report.skipped.append((source, e.message))
                if warn:
                    warn(f"skipped {e.message}")
                continue
            pd = apply_override(pd, overrides)
            if source in source_urls:
                pd = with_metadata(pd, replace(pd.document.metadata, source_url=source_urls[source]))
            report.encodings[source] = pd.document.encoding
            parsed.append(pd)
        return cls._dedupe(parsed, report, warn)

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
        for d in found:
            report.duplicates.append(d)
            if warn:
                warn(f"skipped {d.dropped}: the same report as {d.kept} (similarity {d.similarity:.2f}); kept {d.kept}: {d.reason}")
        return [pd for pd in parsed if pd.document.source not in dropped]

    @classmethod
    def _write(
        cls,
        parsed: list[ParsedDocument],
        index_path: Path,
        embedder: Embedder,
        report: BuildReport,
        fingerprint: str,
        progress: Progress | None,
        index_kind: IndexKind = "auto",
    ) -> None:
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
        vectors = VectorIndex.build(matrix, index_kind)
        tokenizer = Tokenizer(
            extra_words=[pd.document.metadata.town for pd in parsed if pd.document.metadata.town]
        )
        bm25 = BM25Index.build([cls.lexical_tokens(tokenizer, p) for p in passages])
        manifest = Manifest(
            embedder=embedder.name,
            dim=dim,
            fingerprint=fingerprint,
            format_version=FORMAT_VERSION,
            counts={"documents": len(parsed), "passages": len(passages), "claims": len(claims)},
            extra={
                "skipped": report.skipped,
                "duplicates": [d.as_row() for d in report.duplicates],
                "kept": sorted((KeptReports(index_path).sources() | set(report.kept)) - set(report.forgotten)),
                "index_kind": vectors.kind,
            },
        )
        try:
            staging = new_version_dir(index_path)
        except OSError as e:
            raise IndexWriteError(f"cannot create the index at {index_path.parent} ({e.strerror or e}); check the path and permissions") from e
        try:
            cls._write_files(staging, parsed, passages, keys, claims, vectors, bm25)
            final = publish(staging, index_path, manifest)
        except (OSError, RuntimeError) as e:
            discard(staging)
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e).strip().splitlines()[-1]
            if _disk_full(index_path.parent, e):
                reason = "No space left on device"
            raise IndexWriteError(
                f"writing the index to {index_path.parent} failed: {reason}; the previous index is untouched. "
                "Free some space (or choose another --index) and run the build again"
            ) from e
        report.documents, report.passages, report.claims = len(parsed), len(passages), len(claims)
        report.embedded, report.reused = len(todo), len(passages) - len(todo)
        report.index_dir = str(final)

    @staticmethod
    def _write_files(
        staging: Path,
        parsed: list[ParsedDocument],
        passages: list[Passage],
        keys: list[str],
        claims: list[Claim],
        vectors: VectorIndex,
        bm25: BM25Index,
    ) -> None:
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

    @staticmethod
    def _previous_documents(index_path: Path) -> list[Document]:
        """Documents of the current index version (none when there is no readable index)."""
        try:
            if not index_path.exists() or read_manifest(index_path) is None:
                return []
            out = []
            for row in read_jsonl(resolve(index_path) / "documents.jsonl"):
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
            documents, paragraphs = [], {}
            for row in read_jsonl(d / "documents.jsonl"):
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
            for row in iter_jsonl(d / "passages.jsonl"):
                row.pop("key", None)
                row["doc_id"] = shared.setdefault(row["doc_id"], row["doc_id"])
                if row["section"] is not None:
                    row["section"] = shared.setdefault(row["section"], row["section"])
                row["text"] = texts[row["doc_id"]][row["start"] : row["end"]]
                passages.append(Passage(**row))
            shared.update((p.passage_id, p.passage_id) for p in passages)
            claims = []
            for row in iter_jsonl(d / "claims.jsonl"):
                for key in ("doc_id", "passage_id", "unit"):
                    row[key] = shared.setdefault(row[key], row[key])
                claims.append(Claim(**row))
            del shared
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
