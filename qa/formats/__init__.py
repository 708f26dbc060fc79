"""Report files of every supported format to plain text, ready for `qa.documents.parse_text`.

The extracted text is the document: citation offsets index it and `/documents/{id}` serves it, so each
extractor keeps paragraph text as the file has it and only decides where paragraphs start and end.
"""

from __future__ import annotations

from pathlib import Path

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, iso_date, join_paragraphs, trim

TEXT_SUFFIXES = (".txt", ".md", ".text")
WORD_SUFFIXES = (".docx",)
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm", ".shtml")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + WORD_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES
MAX_BYTES = 50_000_000

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "UnreadableDocument",
    "convert_hint",
    "extract",
    "iso_date",
    "join_paragraphs",
    "trim",
]


def convert_hint(path: Path) -> str:
    """How to turn an unsupported office file into one reportqa reads."""
    return f"convert it first: libreoffice --headless --convert-to docx '{path.name}' (or save it as UTF-8 .txt)"


def extract(path: Path, max_bytes: int = MAX_BYTES) -> Extracted:
    """Plain text and metadata of one report file, chosen by its suffix; UnreadableDocument says why not."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"{suffix} files" if suffix else "files without a suffix"
        raise UnreadableDocument(f"{path.name}: {kind} are not supported; {convert_hint(path)}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnreadableDocument(f"{path.name}: cannot be read ({e.strerror or e})") from e
    if size > max_bytes:
        raise UnreadableDocument(f"{path.name}: {size} bytes is over the {max_bytes}-byte limit; split the file")
    if suffix in TEXT_SUFFIXES:
        from qa.reading import read_text_file

        decoded = read_text_file(path, max_bytes=max_bytes)
        return Extracted(decoded.text, decoded.encoding)
    if suffix in WORD_SUFFIXES:
        from qa.formats.word import extract_docx

        return extract_docx(path)
    if suffix in PDF_SUFFIXES:
        from qa.formats.pdf import extract_pdf

        return extract_pdf(path)
    from qa.formats.web_page import extract_html

    return extract_html(path)
