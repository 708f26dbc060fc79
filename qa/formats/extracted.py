"""What every format extractor returns, and the small text rules they share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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
