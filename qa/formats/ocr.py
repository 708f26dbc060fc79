"""Scanned pages and photos: RapidOCR (PP-OCRv6 models inside the `rapidocr` wheel, onnxruntime, offline).

OCR returns boxed lines with a confidence each. Boxes on one visual line are merged, then the lines become
`PdfLine`s (y flipped so "higher" is larger, as in PDF points), and the PDF reader's own geometry rules
(indent, right margin, line pitch, page furniture) rejoin them into paragraphs and headings, so a scan reads
like the text PDF it was printed from.

Results are cached per file content hash: a rebuild never OCRs an unchanged file again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median
from typing import Any

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, ReadOptions, file_hash, trim
from qa.formats.pdf import PdfLine

OCR_VERSION = "rapidocr-3/PP-OCRv6-small/1"
"""Part of every cache key: a different engine or model must not reuse old results."""
RENDER_DPI = 150
MISSING_OCR = "OCR needs the rapidocr and onnxruntime packages: pip install 'rapidocr>=3.10' 'onnxruntime>=1.18'"

PageProgress = Callable[[str, int, int], None]
"""Called as (file name, page done, pages to do) after each OCR'd page."""

_ENGINE: Any = None
_ENGINE_LOCK = threading.Lock()


@dataclass(frozen=True)
class OcrBox:
    """One recognised text box: its text, its axis-aligned extent in pixels (y downwards) and its score."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float


def engine() -> Any:
    """The RapidOCR engine, loaded once (models from the wheel, angle classifier off: scans are upright)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            try:
                from rapidocr import RapidOCR
            except ImportError as e:
                raise UnreadableDocument(MISSING_OCR) from e
            _ENGINE = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        return _ENGINE


def recognise(image: Any) -> list[OcrBox]:
    """OCR boxes of one page image (a numpy RGB/gray array or a PIL image)."""
    import numpy as np

    array = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else image
    result = engine()(array)
    if result.boxes is None or result.txts is None:
        return []
    out = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        if not trim(text):
            continue
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        out.append(OcrBox(trim(text), min(xs), min(ys), max(xs), max(ys), float(score)))
    return out


def page_lines(boxes: list[OcrBox], page: int) -> list[PdfLine]:
    """Boxes merged into visual lines (vertical overlap), top to bottom, each read left to right."""
    rows: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        if rows:
            last = rows[-1]
            top, bottom = min(b.y0 for b in last), max(b.y1 for b in last)
            overlap = min(bottom, box.y1) - max(top, box.y0)
            if overlap > 0.5 * min(bottom - top, box.y1 - box.y0):
                last.append(box)
                continue
        rows.append([box])
    heights = [median(b.y1 - b.y0 for b in row) for row in rows]
    body = median(heights) if heights else 0.0
    lines = []
    for row, height in zip(rows, heights, strict=True):
        row.sort(key=lambda b: b.x0)
        # Box heights wobble with the glyphs (（）“” reach lower) and the detector pads short boxes: body-sized
        # lines share one size, so the PDF rules (same size, pitch in ems) see one font, as in a text layer.
        short = row[-1].x1 - row[0].x0 < 5 * body
        size = body if abs(height - body) < (0.6 if short else 0.2) * body else height
        text = row[0].text
        for prev, box in zip(row, row[1:], strict=False):
            text += (" " if box.x0 - prev.x1 > size else "") + box.text
        middle = median((b.y0 + b.y1) / 2 for b in row)
        lines.append(PdfLine(text, row[0].x0, row[-1].x1, -middle, size, page))
    return lines


def mean_score(pages: Iterable[list[OcrBox]]) -> float | None:
    """Mean recognition score over every box, weighted by characters; None when nothing was read."""
    weighted = [(b.score, len(b.text)) for boxes in pages for b in boxes]
    total = sum(n for _, n in weighted)
    return round(sum(s * n for s, n in weighted) / total, 4) if total else None


class OcrCache:
    """OCR boxes per page of one file, in `<cache_dir>/ocr/<sha256>.json`; none when cache_dir is None."""

    def __init__(self, cache_dir: Path | None, path: Path) -> None:
        self.file: Path | None = None
        if cache_dir is not None:
            key = hashlib.sha256((file_hash(path) + OCR_VERSION).encode()).hexdigest()
            self.file = cache_dir / "ocr" / f"{key}.json"
        self.pages: dict[int, list[OcrBox]] = {}
        if self.file is not None and self.file.exists():
            try:
                rows = json.loads(self.file.read_text(encoding="utf-8"))
                self.pages = {int(k): [OcrBox(*b) for b in v] for k, v in rows.items()}
            except (OSError, ValueError, TypeError):
                self.pages = {}

    def save(self) -> None:
        """Write the boxes (atomically: a killed build leaves no half file)."""
        if self.file is None:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            rows = {str(k): [[b.text, b.x0, b.y0, b.x1, b.y1, b.score] for b in v] for k, v in self.pages.items()}
            tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.file)
        except OSError:
            pass  # a cache that cannot be written only costs time on the next build


def check_page_cap(name: str, to_ocr: int, max_pages: int) -> None:
    """Refuse a scan with more pages to OCR than the cap, before spending minutes on it."""
    if to_ocr > max_pages:
        raise UnreadableDocument(
            f"{name}: {to_ocr} scanned pages to OCR is over the cap of {max_pages} (REPORTQA_OCR_MAX_PAGES; "
            f"about 4.6 s a page); raise REPORTQA_OCR_MAX_PAGES or split the file"
        )


def no_text_found(name: str, pages: int) -> UnreadableDocument:
    """The error for a scan in which OCR read nothing."""
    return UnreadableDocument(
        f"{name}: OCR found no text on its {pages} page{'s' if pages != 1 else ''} (blank, a photo without "
        "text, or too blurred); rescan it at 150-300 dpi or ask for the Word original"
    )


def _unreadable_image(path: Path, e: BaseException) -> UnreadableDocument:
    return UnreadableDocument(
        f"{path.name}: not a readable image (damaged or cut short: {e}); export the photo or scan again"
    )


def image_frame_count(path: Path) -> int:
    """Frames in an image file (a multi-page TIFF has several); the first is decoded to check the file."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            return int(getattr(im, "n_frames", 1))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as e:
        raise _unreadable_image(path, e) from e


def image_frame(path: Path, page: int) -> Any:
    """Frame `page` (1-based) of an image file as an RGB PIL image; frames are decoded one at a time."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.seek(page - 1)
            return im.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError, EOFError) as e:
        raise _unreadable_image(path, e) from e


def ocr_pages(
    name: str,
    pages: list[int],
    render: Callable[[int], Any],
    cache: OcrCache,
    progress: PageProgress | None,
) -> dict[int, list[OcrBox]]:
    """OCR boxes of the given pages (1-based), from the cache where it has them; progress after each OCR'd page."""
    todo = [page for page in pages if page not in cache.pages]
    for done, page in enumerate(todo, 1):
        image = render(page)
        try:
            cache.pages[page] = recognise(image)
        except UnreadableDocument:
            raise
        except Exception as e:  # onnxruntime and OpenCV raise their own error types
            raise UnreadableDocument(
                f"{name}: OCR failed on page {page} ({type(e).__name__}: {e}); rescan it or ask for the Word original"
            ) from e
        if progress:
            progress(name, done, len(todo))
    if todo:
        cache.save()
    return {page: cache.pages[page] for page in pages}


def extract_image(path: Path, options: ReadOptions) -> Extracted:
    """Text of a photographed or scanned page (.png .jpg .tif; each TIFF frame is a page)."""
    from qa.formats.pdf import lines_to_text

    cache = OcrCache(options.cache_dir, path)
    count = len(cache.pages) if cache.pages else image_frame_count(path)
    check_page_cap(path.name, count, options.ocr_max_pages)
    boxes = ocr_pages(path.name, list(range(1, count + 1)), lambda n: image_frame(path, n), cache, options.on_page)
    score = mean_score(boxes.values())
    if score is None:
        raise no_text_found(path.name, count)
    extracted = lines_to_text([page_lines(boxes[n], n) for n in range(1, count + 1)])
    return replace(extracted, encoding="ocr", ocr_pages=count, ocr_confidence=score)
