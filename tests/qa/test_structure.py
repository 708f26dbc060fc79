from hypothesis import given
from hypothesis import strategies as st

from qa.structure import heading_level, parse_structure, split_sentences

REPORT = (
    "龙凤场镇2021年度法治政府建设工作情况报告\n\n2022-04-26 07:52 来源: 龙凤场镇人民政府\n\n"
    "一、工作举措\n(一)强化依法决策,提升站位。全年召开会议2次。\n一是坚持党委领导。镇党委高度重视！\n"
    "（二）全面加强领导\n1、加强队伍建设。认真落实制度;开展培训.\n"
    "[bookmark: _GoBack]2. 创新普法形式\n扫一扫在手机打开当前页\n"
)


def test_heading_levels() -> None:
    assert heading_level("一、工作开展情况") == 1
    assert heading_level("(一)深化理论武装") == 2
    assert heading_level("（一）深化理论武装") == 2
    assert heading_level("一是实干担当提效能。") == 3
    assert heading_level("1、法治宣传形式单一。") == 4
    assert heading_level("1.法治宣传") == 4
    assert heading_level("2025年,和谦镇坚持") is None
    assert heading_level("1.5万份资料") is None


def test_sections_sentences_and_furniture() -> None:
    st_ = parse_structure(REPORT)
    texts = [REPORT[s.start : s.end] for s in st_.sentences]
    assert "2022-04-26 07:52 来源: 龙凤场镇人民政府" not in texts
    assert "扫一扫在手机打开当前页" not in texts
    assert "[bookmark: _GoBack]" not in "".join(texts)
    assert "2. 创新普法形式" in texts
    by_text = {REPORT[s.start : s.end]: s for s in st_.sentences}
    assert by_text["全年召开会议2次。"].section == ("一、工作举措", "(一)强化依法决策,提升站位")
    assert by_text["镇党委高度重视！"].section == ("一、工作举措", "(一)强化依法决策,提升站位", "一是坚持党委领导")
    assert by_text["认真落实制度;"].section == ("一、工作举措", "（二）全面加强领导", "1、加强队伍建设")
    assert by_text["开展培训."].is_heading is False
    assert by_text["1、加强队伍建设。"].is_heading is True


def test_split_sentences_keeps_closing_quotes() -> None:
    text = "他说“好。”然后走了；最后？"
    assert [text[a:b] for a, b in split_sentences(text, 0, len(text))] == ["他说“好。”", "然后走了；", "最后？"]


@given(st.text(alphabet="一二三是、（）()。；，,1.2扫一扫在手机打开当前页[bookmark: _GoBack] \n镇年报告甲乙丙", max_size=300))
def test_sentences_always_slice_back_and_never_overlap(text: str) -> None:
    st_ = parse_structure(text)
    last = -1
    for s in st_.sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last
        piece = text[s.start : s.end]
        assert piece == piece.strip()
        assert "[bookmark" not in piece
        last = s.end


def test_long_heading_line_without_sentence_end_keeps_its_label() -> None:
    text = "二，" + "推进依法行政工作，" * 10
    h = parse_structure(text).headings[0]
    assert h.text == "二，推进依法行政工作"
