"""Hypothesis on hostile text: headings, whole-document parsing, numbers and decoding never raise, and every
offset slices back to exactly the text it names, with control characters, odd spaces and any Unicode."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.claims import parse_number
from qa.documents import parse_text
from qa.errors import UnreadableDocument
from qa.reading import decode_bytes
from qa.structure import heading_level, parse_structure

# Heading markers of every level, report words, numbers and the characters that tend to break parsers:
# control characters, NUL, full-width/ideographic spaces, BOM, zero-width joiners, RTL override, CR alone.
HEADING_BITS = [
    "一、", "二，", "十．", "第三部分", "（一）", "(二)", "三是", "首先，", "1、", "12.", "3.5", "（1）", "(10)", "①", "⑩",
    "工作开展情况", "和谦镇", "2025年", "办理行政处罚案件151件", "合规率达100%", "。", "；", "，", "：", "\n", "\n\n",
    "\r", "\r\n", "\t", "\x00", "\x07", "\x1b[31m", "\u3000", "\xa0", "\ufeff", "\u200b", "\u200d", "\u202e", "\x85",
    "\u2028", "扫一扫在手机打开当前页", "[bookmark: _GoBack]", "索引号：123", "”", "）",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HEADING_BITS), st.text(max_size=8)), max_size=80
).map("".join)
lines_text = st.lists(st.sampled_from(HEADING_BITS), min_size=1, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_headings_slice_back_and_are_headings(text: str) -> None:
    structure = parse_structure(text)
    last_end = -1
    for h in structure.headings:
        assert 0 <= h.start < h.end <= len(text)
        assert h.start >= last_end
        span = text[h.start : h.end]
        # The heading's label is its span less trailing punctuation (二， → 二).
        assert span.startswith(h.text) and h.text and set(span[len(h.text):]) <= set("。；;，,：:")
        line_end = text.find("\n", h.start)
        # The level is read from the line the heading opens.
        assert heading_level(text[h.start : len(text) if line_end < 0 else line_end]) == h.level
        last_end = h.end
    for s in structure.sentences:
        assert 0 <= s.start < s.end <= len(text)
        if s.is_heading:
            assert any(h.start <= s.start and s.end <= h.end for h in structure.headings)
    for p in structure.paragraphs:
        assert 0 <= p.start <= p.end <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(hostile_text, lines_text))
def test_every_offset_of_a_parsed_document_slices_back(text: str) -> None:
    parsed = parse_text(text, "hostile.txt", "utf-8")
    doc = parsed.document
    assert doc.text == text
    for p in parsed.passages:
        assert p.text == text[p.start : p.end] and p.text
    passage_ids = {p.passage_id: p for p in parsed.passages}
    for c in parsed.claims:
        assert c.text == text[c.start : c.end]
        p = passage_ids[c.passage_id]
        assert p.start <= c.start < c.end <= p.end
        assert math.isfinite(c.value)
    meta = doc.metadata
    for span in (meta.town_span, meta.year_span, meta.region_span):
        if span is not None:
            assert 0 <= span.start <= span.end <= len(text)
    if meta.town is not None and meta.town_span is not None:
        assert meta.town in text[meta.town_span.start : meta.town_span.end] or meta.town_span.end > meta.town_span.start


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=20), st.sampled_from(["", "１５１", "一百五十一", "1e309", "nan", "inf", "十万亿亿", "٣", "²"])))
def test_parse_number_never_raises(token: str) -> None:
    value = parse_number(token)
    assert value is None or isinstance(value, float)


@settings(max_examples=300, deadline=None)
@given(hostile_text, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "big5", "latin-1"]))
def test_decoding_hostile_text_never_raises_anything_but_unreadable(text: str, codec: str) -> None:
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        data = text.encode("utf-8", errors="surrogatepass")
    try:
        decoded = decode_bytes(data, "hostile.txt")
    except UnreadableDocument as exc:
        assert "hostile.txt" in exc.message
        return
    assert "\r" not in decoded.text and decoded.encoding
