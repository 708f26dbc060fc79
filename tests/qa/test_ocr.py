"""Scans and photos through RapidOCR: lines rejoined by geometry, pages cited, results cached, bad scans skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.factory import make_embedder
from embeddings.store import resolve
from qa.corpus_index import CorpusIndex
from qa.documents import read_document
from qa.errors import UnreadableDocument
from qa.formats import ReadOptions, extract
from qa.formats import ocr as ocr_module
from qa.formats.ocr import OcrBox, page_lines
from qa.formats.pdf import lines_to_text
from qa.segments import Segments
from tests.conftest import SEEDS
from tests.scans import password_pdf, render_pages, save_pdf

pytest.importorskip("rapidocr", reason="OCR needs rapidocr: pip install rapidocr onnxruntime")

# Two short pages: a heading, a paragraph wrapped over two lines, and on page 2 a second section.
PAGE_1 = "一、基本情况\n全年共发放法治宣传资料3200余份，开展普法讲座12场次，覆盖群众五千余人次，群众满意度明显提升。"
PAGE_2 = "二、存在问题\n部分村干部学法用法意识不强。"
SMALL = {"size": 24, "chars_per_line": 30, "lines_per_page": 6, "width": 900, "height": 420, "margin": 60}


def box(text: str, x0: float, top: float, x1: float, height: float = 26.0, score: float = 0.99) -> OcrBox:
    return OcrBox(text, x0, top, x1, top + height, score)


def test_geometry_rejoins_wrapped_lines_and_keeps_headings() -> None:
    boxes = [
        box("一、基本情况", 110, 100, 300),
        box("全年共发放法治宣传资料3200余份，开展普法", 158, 140, 1020),  # indented first line, runs to the margin
        box("讲座12场次。", 110, 180, 300),
        box("（一）学法情况", 110, 220, 330),
        box("领导干部带头学法，", 158, 260, 500),  # a short paragraph: the next line starts a new one
        box("第3页", 560, 300, 640),
    ]
    lines = page_lines(list(reversed(boxes)), 1)
    assert [line.text for line in lines] == [b.text for b in boxes]
    assert lines_to_text([lines]).text.split("\n") == [
        "一、基本情况",
        "全年共发放法治宣传资料3200余份，开展普法讲座12场次。",
        "（一）学法情况",
        "领导干部带头学法，",
    ]


def test_boxes_on_one_line_are_merged_left_to_right() -> None:
    lines = page_lines([box("合计", 400, 100, 470), box("调解成功", 110, 102, 210, 24)], 1)
    assert [(line.text, line.x0, line.x1) for line in lines] == [("调解成功 合计", 110, 470)]


@pytest.fixture(scope="module")
def scanned_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scan")
    pages = render_pages(PAGE_1, **SMALL) + render_pages(PAGE_2, **SMALL)  # type: ignore[arg-type]
    return save_pdf(pages, folder / "scan.pdf")


def test_scanned_pdf_reads_with_pages_and_is_cached(scanned_pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int, int]] = []
    options = ReadOptions(cache_dir=tmp_path / "cache", on_page=lambda *a: seen.append(a))
    first = extract(scanned_pdf, options=options)
    assert first.text == PAGE_1 + "\n" + PAGE_2
    assert first.page_starts == (0, len(PAGE_1) + 1)
    assert first.encoding == "pdf+ocr" and first.ocr_pages == 2
    assert first.ocr_confidence is not None and first.ocr_confidence > 0.95
    assert seen == [("scan.pdf", 1, 2), ("scan.pdf", 2, 2)]
    assert len(list((tmp_path / "cache" / "ocr").glob("*.json"))) == 1

    def no_ocr(image: object) -> list[OcrBox]:
        raise AssertionError("an unchanged file was OCR'd again")

    monkeypatch.setattr(ocr_module, "recognise", no_ocr)
    seen.clear()
    again = extract(scanned_pdf, options=options)
    assert again == first and seen == []


def test_citation_page_comes_from_the_page_map(scanned_pdf: Path, tmp_path: Path) -> None:
    pd = read_document(scanned_pdf, "scan.pdf", options=ReadOptions(cache_dir=tmp_path / "cache"))
    doc = pd.document
    at = doc.text.index("二、存在问题")
    assert (doc.page_of(0), doc.page_of(at - 1), doc.page_of(at)) == (1, 1, 2)
    assert doc.page_starts == (0, len(PAGE_1) + 1)


def test_photo_png_and_jpeg(tmp_path: Path) -> None:
    page = render_pages(PAGE_1, **SMALL)[0]  # type: ignore[arg-type]
    page.save(tmp_path / "photo.png")
    page.convert("RGB").save(tmp_path / "photo.jpg", quality=90)
    for name in ("photo.png", "photo.jpg"):
        extracted = extract(tmp_path / name, options=ReadOptions(cache_dir=tmp_path / "cache"))
        assert extracted.text == PAGE_1 and extracted.encoding == "ocr" and extracted.page_starts == (0,)


def test_multi_page_tiff_is_one_page_per_frame(tmp_path: Path) -> None:
    pages = render_pages(PAGE_1, **SMALL) + render_pages(PAGE_2, **SMALL)  # type: ignore[arg-type]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    extracted = extract(tmp_path / "scan.tif", options=ReadOptions())
    assert extracted.text == PAGE_1 + "\n" + PAGE_2 and extracted.page_starts == (0, len(PAGE_1) + 1)


# ---------------------------------------------------------------- bad input: skipped with the reason


def test_corrupt_image(tmp_path: Path) -> None:
    page = render_pages(PAGE_1, **SMALL)[0]  # type: ignore[arg-type]
    page.save(tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:200])
    with pytest.raises(UnreadableDocument, match=r"^cut\.png: not a readable image \(damaged or cut short: .*\); "
                                                 r"export the photo or scan again$"):
        extract(tmp_path / "cut.png", options=ReadOptions())


def test_pdf_in_which_ocr_finds_no_text(tmp_path: Path) -> None:
    from PIL import Image

    blank = [Image.new("L", (600, 400), 255) for _ in range(2)]
    path = save_pdf(blank, tmp_path / "blank.pdf")
    with pytest.raises(UnreadableDocument) as e:
        extract(path, options=ReadOptions())
    assert e.value.message == (
        "blank.pdf: OCR found no text on its 2 pages (blank, a photo without text, or too blurred); "
        "rescan it at 150-300 dpi or ask for the Word original"
    )


def test_password_protected_pdf(tmp_path: Path) -> None:
    text = tmp_path / "report.txt"
    text.write_text(PAGE_1, encoding="utf-8")
    path = password_pdf(text, tmp_path / "out", tmp_path / "profile")
    with pytest.raises(UnreadableDocument) as e:
        extract(path)
    assert e.value.message == (
        f"report.pdf: the PDF is password-protected; ask for an unprotected copy "
        f"(or, knowing the password: qpdf --decrypt --password=PASSWORD '{path}' unlocked.pdf)"
    )


def test_long_scan_past_the_page_cap_is_skipped_before_any_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    def no_ocr(image: object) -> list[OcrBox]:
        raise AssertionError("pages were OCR'd although the scan is over the cap")

    monkeypatch.setattr(ocr_module, "recognise", no_ocr)
    path = save_pdf([Image.new("L", (200, 280), 255) for _ in range(12)], tmp_path / "long.pdf")
    with pytest.raises(UnreadableDocument) as e:
        extract(path, options=ReadOptions(ocr_max_pages=10))
    assert e.value.message == (
        "long.pdf: 12 scanned pages to OCR is over the cap of 10 (REPORTQA_OCR_MAX_PAGES; about 4.6 s a page); "
        "raise REPORTQA_OCR_MAX_PAGES or split the file"
    )


def test_build_skips_each_bad_input_with_its_reason_and_goes_on(tmp_path: Path) -> None:
    from PIL import Image

    from tests.scans import doc_from_text

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(50))
    save_pdf([Image.new("L", (300, 200), 255) for _ in range(2)], corpus / "blank.pdf")
    save_pdf([Image.new("L", (200, 280), 255) for _ in range(3)], corpus / "long.pdf")
    text = tmp_path / "locked.txt"
    text.write_text(PAGE_1, encoding="utf-8")
    password_pdf(text, tmp_path / "pdf", tmp_path / "profile").rename(corpus / "locked.pdf")
    doc_from_text(text, tmp_path / "doc", tmp_path / "profile").rename(corpus / "slow.doc")
    report = CorpusIndex.build(
        [corpus], tmp_path / "index", make_embedder("hash"),
        reading=ReadOptions(ocr_max_pages=2, soffice_timeout_s=0.05),
    )
    assert report.documents == 1 and report.encodings == {seed.name: "utf-8"}
    skipped = dict(report.skipped)
    assert sorted(skipped) == ["blank.pdf", "cut.jpg", "locked.pdf", "long.pdf", "slow.doc"]
    assert skipped["cut.jpg"].startswith("cut.jpg: not a readable image (damaged or cut short: ")
    assert skipped["blank.pdf"].startswith("blank.pdf: OCR found no text on its 2 pages (blank, ")
    assert skipped["locked.pdf"].startswith("locked.pdf: the PDF is password-protected; ask for an unprotected copy")
    assert skipped["long.pdf"] == (
        "long.pdf: 3 scanned pages to OCR is over the cap of 2 (REPORTQA_OCR_MAX_PAGES; about 4.6 s a page); "
        "raise REPORTQA_OCR_MAX_PAGES or split the file"
    )
    assert skipped["slow.doc"].startswith("slow.doc: LibreOffice did not convert it within 0.05 s")


def test_index_status_flags_low_recognition_confidence(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from qa.cli import app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    (corpus / seed.name).write_bytes(seed.read_bytes())
    render_pages(PAGE_1, **SMALL)[0].save(corpus / "photo.png")  # type: ignore[arg-type]
    index = tmp_path / "index"
    CorpusIndex.build([corpus], index, make_embedder("hash"), reading=ReadOptions())
    rows = [json.loads(line) for line in (index / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    score = next(r["ocr_confidence"] for r in rows if r["source"] == "photo.png")
    assert [r["page_starts"] for r in rows if r["source"] == "photo.png"] == [[0]]
    assert next(r["ocr_confidence"] for r in rows if r["source"] == seed.name) is None

    strict = CliRunner().invoke(app, ["index", "status", "--index", str(index)], env={"REPORTQA_OCR_MIN_CONFIDENCE": "1.0"})
    assert strict.exit_code == 0, strict.output
    assert f"  LOW {score:.3f} · photo.png" in strict.output.splitlines()
    assert "1 OCR'd report(s) marked LOW: their text may hold misread characters." in strict.output

    lenient = CliRunner().invoke(app, ["index", "status", "--index", str(index)], env={"REPORTQA_OCR_MIN_CONFIDENCE": "0.5"})
    assert f"      {score:.3f} · photo.png" in lenient.output.splitlines()
    assert "OCR'd report(s) marked LOW" not in lenient.output

    # Adding a report re-reads the index's stored documents: their page map and OCR score stay.
    extra = tmp_path / "extra"
    extra.mkdir()
    other = sorted(SEEDS.glob("*.txt"))[1]
    (extra / other.name).write_bytes(other.read_bytes())
    CorpusIndex.add([extra], index, make_embedder("hash"))
    segments = Segments.open(resolve(index))  # the added report is in the delta segment beside the base
    rows = [json.loads(line) for line in segments.live_lines("documents.jsonl", segments.base_masks())]
    assert [(r["page_starts"], r["ocr_confidence"]) for r in rows if r["source"] == "photo.png"] == [([0], score)]
    assert len(rows) == 3


def test_tiff_past_the_page_cap_is_skipped_without_decoding_its_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    def no_decoding(path: Path, page: int) -> object:
        raise AssertionError("a frame was decoded although the scan is over the cap")

    monkeypatch.setattr(ocr_module, "image_frame", no_decoding)
    frames = [Image.new("L", (100, 140), 255) for _ in range(4)]
    frames[0].save(tmp_path / "long.tif", save_all=True, append_images=frames[1:])
    with pytest.raises(UnreadableDocument, match=r"^long\.tif: 4 scanned pages to OCR is over the cap of 3 "):
        extract(tmp_path / "long.tif", options=ReadOptions(ocr_max_pages=3))


def test_page_start_is_found_after_the_previous_page_lines() -> None:
    from qa.formats.pdf import PdfLine, page_starts

    def line(text: str, page: int) -> PdfLine:
        return PdfLine(text, 0, 100, 0, 12, page)

    text = "一、概况\n法治宣传法治建设。"  # page 2 opens mid-paragraph with a word page 1 also has
    pages = [[line("一、概况", 1), line("法治宣传", 1)], [], [line("法治", 3), line("建设。", 3)]]
    assert page_starts(text, pages) == (0, 9, 9)


def test_an_ocr_engine_failure_skips_the_file_with_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    class Broken:
        def __call__(self, image: object) -> object:
            raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : bad allocation")

    monkeypatch.setattr(ocr_module, "engine", Broken)
    Image.new("L", (300, 200), 255).save(tmp_path / "photo.png")
    with pytest.raises(UnreadableDocument) as e:
        extract(tmp_path / "photo.png", options=ReadOptions())
    assert e.value.message == (
        "photo.png: OCR failed on page 1 (RuntimeError: [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : bad allocation); "
        "rescan it or ask for the Word original"
    )
