"""Ingest throughput per format: the seed reports as .txt, .docx, .pdf and saved .shtml pages.

Each format is built from the seeds with the same real tools as tests/qa/test_formats.py (python-docx,
LibreOffice headless for PDF, a portal page template), then extracted ROUNDS times. Printed per format:
chars/s and files/s of `qa.formats.extract`, the same with `qa.documents.parse_text` after it, and pages/s for PDF.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from qa.documents import parse_text
from qa.formats import extract
from tests.qa.test_formats import SEED_FILES, Built, build_html, build_official_docx, convert_to_pdf

ROUNDS = 5


def pdf_pages(paths: list[Path]) -> int:
    """Pages in the PDF files."""
    import pypdfium2 as pdfium

    total = 0
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        total += len(pdf)
        pdf.close()
    return total


def build_samples(work: Path) -> dict[str, list[Path]]:
    """Each seed as .txt, .docx, .pdf (via LibreOffice when installed) and .shtml."""
    samples: dict[str, list[Path]] = {"txt": list(SEED_FILES)}
    word = [Built(s, build_official_docx(s, work)) for s in SEED_FILES]
    samples["docx"] = [b.path for b in word]
    try:
        samples["pdf"] = [b.path for b in convert_to_pdf(word, work, work / "lo-profile")]
    except BaseException as e:  # pytest.skip raises a BaseException when LibreOffice is missing
        print(f"ingest pdf: skipped ({e})")
    samples["html"] = [build_html(s, work, "utf-8", "TRS_Editor", True) for s in SEED_FILES]
    return samples


def measure(paths: list[Path], step: Callable[[Path], int]) -> tuple[float, int]:
    """Seconds for ROUNDS passes over the files, and the characters one pass produced."""
    chars = sum(step(p) for p in paths)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for path in paths:
            step(path)
    return time.perf_counter() - start, chars


def extract_only(path: Path) -> int:
    return len(extract(path).text)


def extract_and_parse(path: Path) -> int:
    extracted = extract(path)
    return len(parse_text(extracted.text, path.name, extracted.encoding).document.text)


def main() -> None:
    """Print ingest throughput per format over the seed reports."""
    with tempfile.TemporaryDirectory(prefix="reportqa-ingest-") as tmp:
        samples = build_samples(Path(tmp))
        for fmt, paths in samples.items():
            seconds, chars = measure(paths, extract_only)
            parsed_seconds, _ = measure(paths, extract_and_parse)
            files = len(paths) * ROUNDS
            line = (
                f"ingest {fmt} ({len(paths)} seed reports x {ROUNDS}): extract {chars * ROUNDS / seconds:,.0f} chars/s, "
                f"{files / seconds:.1f} files/s; extract+parse {chars * ROUNDS / parsed_seconds:,.0f} chars/s"
            )
            if fmt == "pdf":
                line += f"; {pdf_pages(paths) * ROUNDS / seconds:.1f} pages/s"
            print(line)


if __name__ == "__main__":
    main()
