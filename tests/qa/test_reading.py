from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.errors import UnreadableDocument
from qa.reading import decode_bytes, read_text_file

SAMPLE = "2025年,和谦镇坚持以习近平法治思想为指导。\r\n一、工作开展情况\r\n全年办理行政处罚案件151件。"
EXPECTED = SAMPLE.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("encoding", "data", "reported"),
    [
        ("utf-8", SAMPLE.encode("utf-8"), "utf-8"),
        ("utf-8-sig", SAMPLE.encode("utf-8-sig"), "utf-8-bom"),
        ("gb18030", SAMPLE.encode("gb18030"), "gb18030"),
        ("gbk", SAMPLE.encode("gbk"), "gb18030"),
        ("utf-16", SAMPLE.encode("utf-16"), "utf-16-le"),
        ("utf-16-le", SAMPLE.encode("utf-16-le"), "utf-16-le"),
        ("utf-16-be", SAMPLE.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decodes_each_encoding_and_says_which(encoding: str, data: bytes, reported: str) -> None:
    decoded = decode_bytes(data, encoding)
    assert decoded.text == EXPECTED
    assert decoded.encoding == reported


def test_newlines_are_normalised_so_offsets_match_read_text(tmp_path: Path) -> None:
    f = tmp_path / "r.txt"
    f.write_bytes(SAMPLE.encode("utf-8"))
    assert read_text_file(f).text == f.read_text(encoding="utf-8")


@pytest.mark.parametrize("data", [b"", b"   \n\n", bytes(range(256)) * 20, b"\x89PNG\r\n\x1a\n" + bytes(500)])
def test_empty_and_binary_files_are_refused_with_the_name(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="bad.bin"):
        decode_bytes(data, "bad.bin")


@given(st.binary(max_size=400))
def test_decode_never_raises_anything_but_unreadable(data: bytes) -> None:
    try:
        decoded = decode_bytes(data, "x")
    except UnreadableDocument:
        return
    assert "\r" not in decoded.text


@given(st.text(alphabet=st.characters(codec="gb18030", exclude_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_utf8_round_trips(text: str) -> None:
    if not text.strip():
        return
    assert decode_bytes(text.encode("utf-8")).text == text.replace("\r\n", "\n").replace("\r", "\n")
