""".doc and .wps through LibreOffice headless: converted once (cached by content hash), bounded by a timeout."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from qa.errors import UnreadableDocument
from qa.formats import ReadOptions, extract
from qa.formats import office as office_module
from tests.conftest import SEEDS
from tests.scans import doc_from_text

LIANTANG = SEEDS / "002_43717beec33bc72e.txt"


@pytest.fixture(scope="module")
def liantang_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 莲塘镇 seed as a Word 97 .doc written by LibreOffice."""
    folder = tmp_path_factory.mktemp("doc")
    return doc_from_text(LIANTANG, folder, folder / "profile")


def test_doc_reads_as_its_text_and_is_converted_once(
    liantang_doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = ReadOptions(cache_dir=tmp_path / "cache")
    first = extract(liantang_doc, options=options)
    assert first.text == extract(LIANTANG).text
    assert first.encoding == "doc→docx" and first.warnings == () and first.title is None
    assert len(list((tmp_path / "cache" / "docx").glob("*.docx"))) == 1

    def no_conversion(*args: object) -> Path:
        raise AssertionError("an unchanged .doc was converted again")

    monkeypatch.setattr(office_module, "convert_to_docx", no_conversion)
    assert extract(liantang_doc, options=options) == first


def test_wps_is_converted_too(liantang_doc: Path, tmp_path: Path) -> None:
    wps = tmp_path / "莲塘镇.wps"
    shutil.copyfile(liantang_doc, wps)
    extracted = extract(wps, options=ReadOptions())
    assert extracted.text == extract(LIANTANG).text and extracted.encoding == "wps→docx"


def test_doc_on_which_libreoffice_times_out(liantang_doc: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(UnreadableDocument) as e:
        extract(liantang_doc, options=ReadOptions(cache_dir=tmp_path / "cache", soffice_timeout_s=0.05))
    assert time.monotonic() - started < 30  # the whole process group was killed, not waited for
    assert e.value.message == (
        f"{liantang_doc.name}: LibreOffice did not convert it within 0.05 s (REPORTQA_SOFFICE_TIMEOUT_S); "
        f"raise the timeout, or convert it yourself: soffice --headless --convert-to docx "
        f"--outdir '{liantang_doc.parent}' '{liantang_doc}'"
    )
    assert not (tmp_path / "cache" / "docx").exists() or not any((tmp_path / "cache" / "docx").iterdir())


def test_without_libreoffice_the_file_is_skipped_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office_module.shutil, "which", lambda name: None)
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    with pytest.raises(UnreadableDocument) as e:
        extract(path, options=ReadOptions())
    assert e.value.message == (
        "report.doc: reading .doc files needs LibreOffice; install LibreOffice: "
        "sudo apt-get install libreoffice-writer-nogui"
    )
