"""PDF reports: the text layer, page by page, laid out from character positions.

pypdfium2 (Google's PDFium, the engine in Chrome) rather than pypdf: it gives a box for every glyph, so lines
are rebuilt by position instead of content-stream order (LibreOffice writes “ ” in another font run, and
stream order puts them in the wrong place), it decodes CJK CID fonts reliably, and it is about ten times
faster than pure-Python pypdf. PDFium is not thread-safe, hence one lock around all use of it.

Lines broken by the page width are rejoined: a line that reaches the right margin continues on the next
line unless that line is indented or opens a new heading after a finished sentence. Lines that recur at the
top or bottom of most pages (running headers, footers) and page numbers ("- 3 -", "第 3 页", "3/12") go.
"""

from __future__ import annotations

import ctypes
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median
from typing import Any

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, ReadOptions, trim
from qa.structure import heading_level

_PDFIUM_LOCK = threading.Lock()
OCR_HINT = "run OCR first (e.g. ocrmypdf -l chi_sim in.pdf out.pdf) or ask for the Word original"
PAGE_NUMBER = re.compile(
    r"^(?:[-–—－~]\s*\d{1,4}\s*[-–—－~]|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*[/／]\s*\d{1,4}|\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$"
)
CLAUSE_END = "。！？；：:!?;"
CLOSERS = "”’」』）)】》\"'"
EDGE_LINES = 2
REPEATED_SHARE = 0.6
MAX_TITLE_CHARS = 60


@dataclass(frozen=True)
class PdfChar:
    """One glyph of the text layer with its box (PDF points, y upwards)."""

    char: str
    x0: float
    x1: float
    baseline: float
    size: float


@dataclass(frozen=True)
class PdfLine:
    """One visual line of a page."""

    text: str
    x0: float
    x1: float
    baseline: float
    size: float
    page: int


def page_chars(textpage: Any) -> list[PdfChar]:
    """The page's real glyphs (PDFium's generated spaces and line breaks, and rotated watermarks, left out)."""
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw
    box = pdfium_c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    chars: list[PdfChar] = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in (0, 0xA, 0xD, 0xFFFE) or (code == 0x20 and pdfium_c.FPDFText_IsGenerated(raw, i) == 1):
            continue
        angle = pdfium_c.FPDFText_GetCharAngle(raw, i)
        if angle > 0.05 and abs(angle - 2 * math.pi) > 0.05:
            continue
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, box)
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ox, oy)
        size = pdfium_c.FPDFText_GetFontSize(raw, i)
        if size <= 1.0:
            size = max(box.top - box.bottom, 1.0)
        x0 = box.left if box.right > box.left else ox.value
        chars.append(PdfChar(chr(code), x0, max(box.right, x0), oy.value, size))
    return chars


def _line_text(chars: list[PdfChar]) -> str:
    """Glyphs left to right; a space only where the file has one or a gap of a full em separates them."""
    out: list[str] = []
    prev: PdfChar | None = None
    for ch in chars:
        if prev is not None and not ch.char.isspace() and not prev.char.isspace():
            gap = ch.x0 - prev.x1
            ascii_words = prev.char.isascii() and prev.char.isalnum() and ch.char.isascii() and ch.char.isalnum()
            if gap > ch.size or (ascii_words and gap > 0.25 * ch.size):
                out.append(" ")
        out.append(ch.char)
        prev = ch
    return re.sub(r"[ \t\u3000\xa0]{2,}", " ", "".join(out))


def group_lines(chars: list[PdfChar], page: int) -> list[PdfLine]:
    """Glyphs clustered into lines by baseline (top to bottom), each line read left to right."""
    lines: list[PdfLine] = []
    current: list[PdfChar] = []
    for ch in sorted(chars, key=lambda c: -c.baseline):
        if current and current[0].baseline - ch.baseline > 0.5 * max(ch.size, current[0].size):
            lines.append(_make_line(current, page))
            current = []
        current.append(ch)
    if current:
        lines.append(_make_line(current, page))
    return [line for line in lines if line.text]


def _make_line(chars: list[PdfChar], page: int) -> PdfLine:
    ordered = sorted(chars, key=lambda c: c.x0)
    ink = [c for c in ordered if not c.char.isspace()] or ordered
    return PdfLine(
        text=trim(_line_text(ordered)),
        x0=ink[0].x0,
        x1=max(c.x1 for c in ink),
        baseline=median(c.baseline for c in ink),
        size=median(c.size for c in ink),
        page=page,
    )


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_page_furniture(pages: list[list[PdfLine]]) -> tuple[list[list[PdfLine]], int]:
    """Pages without running headers/footers (recurring at page edges) and page numbers; and how many went."""
    def edges(lines: list[PdfLine]) -> list[PdfLine]:
        return lines[:EDGE_LINES] + lines[max(EDGE_LINES, len(lines) - EDGE_LINES):]

    with_text = [p for p in pages if p]
    seen = Counter(key for lines in with_text for key in {_furniture_key(line.text) for line in edges(lines)})
    threshold = max(2, math.ceil(REPEATED_SHARE * len(with_text)))
    repeated = {key for key, count in seen.items() if count >= threshold}
    kept_pages: list[list[PdfLine]] = []
    dropped = 0
    for lines in pages:
        edge_ids = {id(line) for line in edges(lines)}
        kept = []
        for line in lines:
            if id(line) in edge_ids and (
                _furniture_key(line.text) in repeated or PAGE_NUMBER.match(re.sub(r"\s+", " ", line.text))
            ):
                dropped += 1
                continue
            kept.append(line)
        kept_pages.append(kept)
    return kept_pages, dropped


def _ends_clause(text: str) -> bool:
    stripped = text.rstrip(CLOSERS + " ")
    return bool(stripped) and stripped[-1] in CLAUSE_END


@dataclass(frozen=True)
class PageLayout:
    """Where body text runs on the pages of one document, and its usual distance between lines."""

    left: float
    right: float
    line_pitch: float | None
    """Baseline gap between wrapped lines, in ems of the font size."""

    @classmethod
    def of(cls, lines: list[PdfLine]) -> PageLayout:
        """Margins from the widest lines; pitch = the commonest baseline gap (in ems) between same-size lines."""
        gaps = Counter(
            round((a.baseline - b.baseline) / a.size, 2)
            for a, b in zip(lines, lines[1:], strict=False)
            if a.page == b.page and abs(a.size - b.size) < 0.1 and a.baseline > b.baseline
        )
        return cls(
            left=min(line.x0 for line in lines),
            right=max(line.x1 for line in lines),
            line_pitch=gaps.most_common(1)[0][0] if gaps else None,
        )

    def is_full(self, line: PdfLine, slack: float = 2.0) -> bool:
        """True when the line runs to within slack ems of the right margin."""
        return line.x1 >= self.right - slack * line.size

    def is_indented(self, line: PdfLine) -> bool:
        return line.x0 > self.left + line.size

    def is_centered(self, line: PdfLine) -> bool:
        left_gap, right_gap = line.x0 - self.left, self.right - line.x1
        # Over two ems each side: an indented first line two characters short of the margin is not centered.
        return min(left_gap, right_gap) > 2 * line.size and abs(left_gap - right_gap) < line.size

    def spaced_apart(self, line: PdfLine, nxt: PdfLine) -> bool:
        """True when nxt sits lower than a wrapped line would (paragraph spacing)."""
        if self.line_pitch is None or line.page != nxt.page:
            return False
        return line.baseline - nxt.baseline > (self.line_pitch + 0.3) * nxt.size


def continues(line: PdfLine, nxt: PdfLine, layout: PageLayout) -> bool:
    """True when nxt carries on the paragraph that line was wrapped out of."""
    if abs(line.size - nxt.size) > 0.15 * max(line.size, nxt.size) or layout.spaced_apart(line, nxt):
        return False
    if layout.is_centered(nxt) or layout.is_centered(line):
        return not layout.is_indented(line) and layout.is_full(line, slack=1.0) and layout.is_centered(nxt)
    if layout.is_indented(nxt):
        return False
    next_level = heading_level(nxt.text)
    if layout.is_full(line):
        if next_level is None:
            return True
        starts_fresh = _ends_clause(line.text) or heading_level(line.text) is not None
        return not starts_fresh or next_level >= 3
    return (
        layout.is_full(line, slack=5.0)
        and not _ends_clause(line.text)
        and next_level is None
        and heading_level(line.text) is None
    )


def join_lines(lines: list[PdfLine]) -> list[str]:
    """Visual lines rejoined into paragraphs."""
    if not lines:
        return []
    layout = PageLayout.of(lines)
    paragraphs: list[str] = [lines[0].text]
    for prev, line in zip(lines, lines[1:], strict=False):
        if continues(prev, line, layout):
            tail, head = paragraphs[-1][-1:], line.text[:1]
            latin_words = tail.isascii() and tail.isalnum() and head.isascii() and head.isalnum()
            paragraphs[-1] += (" " if latin_words else "") + line.text
        else:
            paragraphs.append(line.text)
    return paragraphs


def _is_garbled(text: str) -> bool:
    ink = [c for c in text if not c.isspace()]
    bad = sum(1 for c in ink if c == "\ufffd" or "\ue000" <= c <= "\uf8ff" or ord(c) < 0x20)
    return len(ink) > 0 and bad > 0.3 * len(ink)


def _title(meta_title: str, first_page: list[PdfLine], body_size: float) -> str | None:
    """Document-info Title unless it is a file name, else the large lines that open page one."""
    title = trim(re.sub(r"^Microsoft Word\s*-\s*", "", meta_title or ""))
    title = re.sub(r"\.(docx?|wps|pdf)$", "", title, flags=re.IGNORECASE)
    if title:
        return title
    run: list[str] = []
    for line in first_page[:6]:
        if line.size >= 1.15 * body_size and len(line.text) <= MAX_TITLE_CHARS and heading_level(line.text) is None:
            run.append(line.text)
        elif run:
            break
    return "".join(run) or None


def page_starts(text: str, pages: list[list[PdfLine]]) -> tuple[int, ...]:
    """Where each page's first line begins in the joined text (an empty page starts where the next one does).

    Lines keep their text when joined, in order, so each is found after the one before it.
    """
    starts: list[int | None] = []
    pos = 0
    for lines in pages:
        first: int | None = None
        for line in lines:
            at = text.find(line.text, pos)
            if at < 0:
                continue
            first = at if first is None else first
            pos = at + len(line.text)
        starts.append(first)
    out: list[int] = []
    following = len(text)
    for start in reversed(starts):
        following = start if start is not None else following
        out.append(following)
    out.reverse()
    if out:
        out[0] = 0
    return tuple(out)


def _open(pdfium: Any, path: Path) -> Any:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise UnreadableDocument(
                f"{path.name}: the PDF is password-protected; ask for an unprotected copy "
                f"(or, knowing the password: qpdf --decrypt --password=PASSWORD '{path}' unlocked.pdf)"
            ) from e
        raise UnreadableDocument(
            f"{path.name}: not a readable PDF (damaged or cut short: {e}); save or download it again"
        ) from e


def extract_pdf(path: Path, options: ReadOptions | None = None) -> Extracted:
    """Text layer of a PDF with page furniture dropped and wrapped lines rejoined; pages without one are OCR'd."""
    import pypdfium2 as pdfium

    from qa.formats import ocr

    options = options or ReadOptions()
    with _PDFIUM_LOCK:
        pdf = _open(pdfium, path)
        try:
            pages: list[list[PdfLine]] = []
            for index in range(len(pdf)):
                page = pdf[index]
                textpage = page.get_textpage()
                try:
                    pages.append(group_lines(page_chars(textpage), index + 1))
                finally:
                    textpage.close()
                    page.close()
            meta_title = str(pdf.get_metadata_dict().get("Title") or "")
        finally:
            pdf.close()
    empty_pages = [i + 1 for i, lines in enumerate(pages) if not lines]
    score: float | None = None
    if empty_pages:
        ocr.check_page_cap(path.name, len(empty_pages), options.ocr_max_pages)
        boxes = ocr.ocr_pages(
            path.name, empty_pages, lambda n: _render(pdfium, path, n), ocr.OcrCache(options.cache_dir, path),
            options.on_page,
        )
        for n, page_boxes in boxes.items():
            pages[n - 1] = ocr.page_lines(page_boxes, n)
        score = ocr.mean_score(boxes.values())
        if len(empty_pages) == len(pages) and score is None:
            raise ocr.no_text_found(path.name, len(pages))
    extracted = lines_to_text(pages, meta_title)
    if _is_garbled(extracted.text):
        raise UnreadableDocument(f"{path.name}: the text layer is not Unicode (fonts without a ToUnicode map) — {OCR_HINT}")
    warnings = list(extracted.warnings)
    blank = [n for n in empty_pages if not pages[n - 1]]
    if blank and len(blank) < len(pages):
        shown = ", ".join(str(p) for p in blank[:10]) + (" …" if len(blank) > 10 else "")
        warnings.insert(0, f"pages {shown} have neither a text layer nor text OCR could read")
    return replace(
        extracted,
        encoding="pdf+ocr" if empty_pages else "pdf",
        warnings=tuple(warnings),
        ocr_pages=len(empty_pages),
        ocr_confidence=score,
    )


def _render(pdfium: Any, path: Path, page_number: int) -> Any:
    """One page as a PIL image at RENDER_DPI (PDFium under its lock)."""
    from qa.formats.ocr import RENDER_DPI

    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            page = pdf[page_number - 1]
            try:
                return page.render(scale=RENDER_DPI / 72).to_pil()
            finally:
                page.close()
        finally:
            pdf.close()


def lines_to_text(pages: list[list[PdfLine]], meta_title: str = "") -> Extracted:
    """Pages of visual lines (from a text layer or OCR) to text: furniture dropped, paragraphs rejoined."""
    body, dropped = drop_page_furniture(pages)
    lines = [line for page_lines in body for line in page_lines]
    text = "\n".join(p for p in (trim(p) for p in join_lines(lines)) if p)
    warnings: list[str] = []
    if dropped:
        warnings.append(f"{dropped} running header, footer or page-number lines dropped")
    body_size = median(line.size for line in lines) if lines else 0.0
    first_page = next((p for p in body if p), [])
    return Extracted(
        text, "pdf", _title(meta_title, first_page, body_size), None, tuple(warnings), page_starts(text, body)
    )
