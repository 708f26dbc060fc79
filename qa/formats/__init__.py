"""Report files of every supported format to plain text, ready for `qa.documents.parse_text`.

The extracted text is the document: citation offsets index it and `/documents/{id}` serves it, so each
extractor keeps paragraph text as the file has it and only decides where paragraphs start and end.
"""

from __future__ import annotations

from pathlib import Path

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, ReadOptions, iso_date, join_paragraphs, trim

TEXT_SUFFIXES = (".txt", ".md", ".text")
WORD_SUFFIXES = (".docx",)
OFFICE_SUFFIXES = (".doc", ".wps")
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm", ".shtml")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + WORD_SUFFIXES + OFFICE_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES + IMAGE_SUFFIXES
MAX_BYTES = 50_000_000

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "ReadOptions",
    "UnreadableDocument",
    "convert_hint",
    "extract",
    "iso_date",
    "join_paragraphs",
    "trim",
]


def convert_hint(path: Path) -> str:
    """How to turn an unsupported office file into one reportqa reads."""
    return (
        f"convert it first: libreoffice --headless --convert-to docx --outdir '{path.parent}' '{path}' "
        "(or save it as UTF-8 .txt)"
    )


def extract(path: Path, max_bytes: int | None = None, options: ReadOptions | None = None) -> Extracted:
    """Plain text and metadata of one report file, chosen by its suffix; UnreadableDocument says why not.

    Scans and photos are OCR'd and .doc/.wps converted by LibreOffice, both cached under options.cache_dir.
    """
    options = options or ReadOptions()
    max_bytes = options.max_bytes if max_bytes is None else max_bytes
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

        return extract_pdf(path, options)
    if suffix in IMAGE_SUFFIXES:
        from qa.formats.ocr import extract_image

        return extract_image(path, options)
    if suffix in OFFICE_SUFFIXES:
        from qa.formats.office import extract_office

        return extract_office(path, options)
    from qa.formats.web_page import extract_html

    return extract_html(path)
