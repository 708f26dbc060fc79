"""A file becomes a Document, its sentence passages and its numeric claims."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from qa.claims import find_claims
from qa.errors import UnreadableDocument
from qa.formats import Extracted, ReadOptions, extract
from qa.metadata import extract_metadata
from qa.places import to_simplified
from qa.settings import Settings
from qa.structure import Structure, parse_structure
from qa.types import Claim, Document, Passage, content_id


@dataclass(frozen=True)
class ParsedDocument:
    """A document with everything derived from it."""

    document: Document
    structure: Structure
    passages: tuple[Passage, ...]
    claims: tuple[Claim, ...]


def section_label(path: tuple[str, ...]) -> str | None:
    """The section path as one readable string, outermost first."""
    return " > ".join(path) if path else None


@dataclass(frozen=True)
class SplitDocument:
    """A decoded report cut into passages, before its metadata and claims are read (`complete`).

    A build embeds the passages of the first reports while it reads the metadata of the rest (`qa.embed_ahead`).
    """

    text: str
    source: str
    encoding: str
    structure: Structure
    doc_id: str
    passages: tuple[Passage, ...]
    extracted: Extracted | None = None


def split_text(text: str, source: str, encoding: str) -> SplitDocument:
    """Structure and passages of already-decoded text."""
    structure = parse_structure(text)
    doc_id = Document.make_id(text)
    passages = tuple(
        Passage(
            passage_id=content_id(doc_id, str(s.start), str(s.end)),
            doc_id=doc_id,
            start=s.start,
            end=s.end,
            text=text[s.start : s.end],
            section=section_label(s.section),
            paragraph=s.paragraph,
            is_heading=s.is_heading,
        )
        for s in structure.sentences
    )
    return SplitDocument(text, source, encoding, structure, doc_id, passages)


def complete(split: SplitDocument) -> ParsedDocument:
    """Metadata and claims of a split document; a read file's pages, OCR confidence, title and date kept."""
    text, structure, passages = split.text, split.structure, split.passages
    metadata = extract_metadata(text, structure)
    doc = Document(split.doc_id, split.source, text, split.encoding, metadata)
    claims = []
    # Claims are read on the simplified text (條 is 条, 萬 is 万): one character for one, so offsets hold and each
    # claim's quote is the report's own text.
    simple = to_simplified(text)
    for p in passages:
        for c in find_claims(simple, p.start, p.end):
            claims.append(
                Claim(doc.doc_id, p.passage_id, c.subject, c.value, c.unit, c.qualifier, c.start, c.end, text[c.start : c.end])
            )
    parsed = ParsedDocument(doc, structure, passages, tuple(claims))
    extracted = split.extracted
    if extracted is None:
        return parsed
    if extracted.page_starts or extracted.ocr_confidence is not None:
        parsed = replace(
            parsed,
            document=replace(
                parsed.document, page_starts=extracted.page_starts, ocr_confidence=extracted.ocr_confidence
            ),
        )
    m = parsed.document.metadata
    # The page's own title and date (HTML meta, Word properties) fill what the text did not say.
    if (extracted.title and not m.title) or (extracted.date and not m.date):
        meta = replace(m, title=m.title or extracted.title, date=m.date or extracted.date)
        parsed = replace(parsed, document=replace(parsed.document, metadata=meta))
    return parsed


def parse_text(text: str, source: str, encoding: str) -> ParsedDocument:
    """Structure, metadata, passages and claims of already-decoded text."""
    return complete(split_text(text, source, encoding))


def read_options(
    settings: Settings, *, max_bytes: int | None = None, on_page: Callable[[str, int, int], None] | None = None
) -> ReadOptions:
    """How to read files under these settings: OCR page cap, LibreOffice timeout, the cache beside the index."""
    return ReadOptions(
        max_bytes=settings.index.max_file_bytes if max_bytes is None else max_bytes,
        cache_dir=settings.cache_dir(),
        ocr_max_pages=settings.reading.ocr_max_pages,
        soffice_timeout_s=settings.reading.soffice_timeout_s,
        on_page=on_page,
    )


def read_split(
    path: Path, source: str, max_bytes: int = 50_000_000, options: ReadOptions | None = None
) -> SplitDocument:
    """Read one report file and cut it into passages (`complete` does the rest); UnreadableDocument says why not."""
    extracted = extract(path, max_bytes=max_bytes, options=options)
    split = split_text(extracted.text, source, extracted.encoding)
    if not split.passages:
        raise UnreadableDocument(f"{source}: no report text found (only page furniture or blank lines)")
    return replace(split, extracted=extracted)


def read_document(
    path: Path, source: str, max_bytes: int = 50_000_000, options: ReadOptions | None = None
) -> ParsedDocument:
    """Read one report file (.txt .md .docx .doc .wps .pdf .html, scans and photos); UnreadableDocument says why not."""
    return complete(read_split(path, source, max_bytes, options))


def iter_report_files(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, source) for every file under the given paths; source is relative to the folder given."""
    for root in paths:
        if root.is_file():
            yield root, root.name
            continue
        for f in sorted(root.rglob("*")):
            if f.is_file() and not any(part.startswith(".") for part in f.relative_to(root).parts):
                yield f, f.relative_to(root).as_posix()
