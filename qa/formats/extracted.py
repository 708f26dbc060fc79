"""What every format extractor returns, and the small text rules they share."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

_SPACE = " \t\r\n\f\v\u3000\xa0\ufeff\u200b"
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


@dataclass(frozen=True)
class Extracted:
    """Plain text of one report file (paragraphs separated by "\\n") with what the file says about itself."""

    text: str
    encoding: str
    title: str | None = None
    date: str | None = None
    warnings: tuple[str, ...] = ()
    page_starts: tuple[int, ...] = ()
    """Offset in `text` where each page (1, 2, ...) starts; empty for formats without pages."""
    ocr_pages: int = 0
    ocr_confidence: float | None = None
    """Mean recognition score (0-1) of the OCR'd pages, weighted by characters; None when nothing was OCR'd."""


@dataclass(frozen=True)
class ReadOptions:
    """How files are read: size limit, where OCR and conversion results are cached, OCR and LibreOffice bounds."""

    max_bytes: int = 50_000_000
    cache_dir: Path | None = None
    ocr_max_pages: int = 50
    soffice_timeout_s: float = 120.0
    on_page: Callable[[str, int, int], None] | None = None
    """Called as (file name, page done, pages to OCR) after each OCR'd page."""


def trim(text: str) -> str:
    """Text without leading and trailing whitespace, full-width and no-break spaces included."""
    return text.strip(_SPACE)


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Trimmed non-empty paragraphs, one a line; line breaks inside a paragraph stay line breaks."""
    lines = (trim(line) for p in paragraphs for line in p.split("\n"))
    return "\n".join(line for line in lines if line)


def iso_date(text: str) -> str | None:
    """The first plausible date in text (2024-01-15, 2024年1月15日, 2024/1/15) as yyyy-mm-dd."""
    for m in _DATE.finditer(text):
        year, month, day = (int(g) for g in m.groups())
        if 1949 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
