"""Report structure: paragraphs, headings with their hierarchy, and sentences, all as offsets into the text.

Nothing here edits the text. Web-page furniture (索引号 lines, "扫一扫在手机打开当前页", `[bookmark: _GoBack]`)
is recognised and stepped over, so it never becomes a passage and never shifts an offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "一二三四五六七八九十"

# (level, pattern). Levels follow the usual order of Chinese official documents.
HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN_NUM}]+[、，,．.]")),
    (1, re.compile(r"^第[一二三四五六七八九十]+[部章]分?")),
    (2, re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    (3, re.compile(rf"^[{_CN_NUM}]+是")),
    (3, re.compile(r"^(?:首先|其次|再次|最后)[，,]")),
    (4, re.compile(r"^\d{1,2}[、．.](?!\d)")),
    (5, re.compile(r"^[（(]\d{1,2}[）)]")),
    (5, re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]")),
)

# Lines that are page chrome, not report text.
FURNITURE_LINE = re.compile(
    r"^\s*(?:"
    r"索\s*引\s*号|发布机构|发文机关|成文日期|发布日期|公开方式|公开范围|信息来源|主题分类|主\s*题\s*词|文\s*号|"
    r"来\s*源[:：]|扫一扫在手机打开当前页|【?\s*字体[:：]?\s*[大中小]|打印本页|关闭窗口|分享到|浏览次数|访问量|"
    r"\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:来源|$)"
    r")"
)
# A portal's links to other pages: 上一篇: X镇2024年法治政府建设情况报告, 当前位置: 首页 > …, 相关文章 (with the
# titles listed under it). Another township's report title there is not this report's title, year or town.
LINK_LINE = re.compile(
    r"\s*(?:上一篇|下一篇|上一条|下一条|相关文章|相关阅读|相关链接|相关推荐|推荐阅读|当前位置|您当前的位置|您现在的位置)"
)
INLINE_FURNITURE = re.compile(r"\[(?:bookmark|image|pagebreak|footnote)[^\]\n]{0,80}\]", re.IGNORECASE)

INLINE_ITEM = re.compile(rf"[{_CN_NUM}]+是")
SENTENCE_END = "。！？；!?;"
CLOSERS = "”’」』）)】》\"'"
_SPACE = " \t\u3000\xa0\ufeff"
LONG_SENTENCE = 160
SOFT_BREAKS = "，,：:"


@dataclass(frozen=True)
class Heading:
    level: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    section: tuple[str, ...]
    is_heading: bool


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int


@dataclass(frozen=True)
class Structure:
    paragraphs: tuple[Paragraph, ...]
    headings: tuple[Heading, ...]
    sentences: tuple[Sentence, ...]
    furniture: tuple[tuple[int, int], ...]


def heading_level(line: str) -> int | None:
    """The heading level a line's opening marks, or None for body text."""
    for level, pat in HEADING_PATTERNS:
        if pat.match(line):
            return level
    return None


def is_furniture_line(line: str) -> bool:
    """True for web-page chrome such as 索引号/发布机构 lines, "扫一扫在手机打开当前页" or 上一篇/相关文章 links (the
    titles listed under a 相关文章 header need the lines around them: `link_lines`)."""
    return bool(FURNITURE_LINE.match(line) or LINK_LINE.match(line))


def _is_bare_link_header(line: str) -> bool:
    """相关文章: / 相关链接 alone on its line: the lines under it are links too."""
    m = LINK_LINE.match(line)
    return m is not None and not line[m.end() :].strip(" :：")


def link_lines(text: str) -> set[tuple[int, int]]:
    """The (stripped) spans of the lines that link to other pages: 上一篇/下一篇/当前位置 lines, and the short lines
    (titles) under a bare 相关文章 header, at most five."""
    out: set[tuple[int, int]] = set()
    below = 0
    pos = 0
    for raw_line in text.split("\n"):
        a, b = _strip(text, pos, pos + len(raw_line))
        pos += len(raw_line) + 1
        if a >= b:
            continue
        if LINK_LINE.match(text, a) or (below and b - a <= 60 and text[b - 1] not in SENTENCE_END):
            out.add((a, b))
            below = 5 if _is_bare_link_header(text[a:b]) else max(0, below - 1)
        else:
            below = 0
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _SPACE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _SPACE):
        end -= 1
    return start, end


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end]: split after 。！？； (and half-width forms), closers kept."""
    spans: list[tuple[int, int]] = []
    s = start
    i = start
    while i < end:
        # "…存在一些问题：一是…" — an enumeration opening after a colon starts a new sentence.
        if text[i] in SENTENCE_END or (text[i] in "：:" and INLINE_ITEM.match(text, i + 1, min(end, i + 4))):
            j = i + 1
            while j < end and text[j] in CLOSERS:
                j += 1
            spans.append((s, j))
            s = i = j
            continue
        i += 1
    if s < end:
        spans.append((s, end))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        a, b = _strip(text, a, b)
        if b > a:
            out.extend(_split_long(text, a, b))
    return out


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a run-on sentence at commas into pieces of about LONG_SENTENCE characters or fewer."""
    if end - start <= LONG_SENTENCE:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    s = start
    last_break = -1
    for i in range(start, end):
        if text[i] in SOFT_BREAKS:
            last_break = i + 1
        if i + 1 - s >= LONG_SENTENCE and last_break > s + 20:
            out.append((s, last_break))
            s = last_break
            last_break = -1
    if s < end:
        if out and end - s < 15:
            out[-1] = (out[-1][0], end)
        else:
            out.append((s, end))
    return [_strip(text, a, b) for a, b in out if b > a]


def _heading_span(text: str, start: int, end: int) -> tuple[int, int, bool]:
    """The heading part of a line that opens with a marker, and whether the line is all heading."""
    line = text[start:end]
    m = re.search(r"[。！？；!?;]", line)
    if m is None:
        if len(line) <= 60:
            return start, end, True
        marker = next((pat.match(line) for _, pat in HEADING_PATTERNS if pat.match(line)), None)
        after = marker.end() if marker else 0
        comma = re.search(r"[，,：:]", line[after:])
        cut = after + comma.start() if comma and comma.start() <= 40 else min(len(line), 40)
        if cut <= after:
            cut = min(len(line), 40)
        return start, start + cut, False
    if m.end() >= len(line.rstrip()):
        return start, end, len(line) <= 60
    if m.start() <= 60:
        return start, start + m.end(), False
    return start, start + min(len(line), 40), False


def parse_structure(text: str) -> Structure:
    """Split a report into paragraphs (non-empty lines), headings and sentences with section paths."""
    paragraphs: list[Paragraph] = []
    headings: list[Heading] = []
    sentences: list[Sentence] = []
    furniture: list[tuple[int, int]] = []
    stack: list[Heading] = []
    pos = 0
    links = link_lines(text)
    for raw_line in text.split("\n"):
        line_start, line_end = pos, pos + len(raw_line)
        pos = line_end + 1
        a, b = _strip(text, line_start, line_end)
        if a >= b:
            continue
        if is_furniture_line(text[a:b]) or (a, b) in links:
            furniture.append((a, b))
            continue
        # Inline furniture: step over it at the start, and split around it elsewhere.
        pieces: list[tuple[int, int]] = []
        cur = a
        for m in INLINE_FURNITURE.finditer(text, a, b):
            furniture.append((m.start(), m.end()))
            if m.start() > cur:
                pieces.append((cur, m.start()))
            cur = m.end()
        if cur < b:
            pieces.append((cur, b))
        pieces = [p for p in (_strip(text, x, y) for x, y in pieces) if p[1] > p[0]]
        if not pieces:
            continue
        para_index = len(paragraphs)
        paragraphs.append(Paragraph(pieces[0][0], pieces[-1][1]))
        first_a, first_b = pieces[0]
        level = heading_level(text[first_a:first_b])
        body_pieces = pieces
        if level is not None:
            h_start, h_end, whole = _heading_span(text, first_a, first_b)
            head = Heading(level, h_start, h_end, text[h_start:h_end].rstrip("。；;，,：:"))
            headings.append(head)
            while stack and stack[-1].level >= level:
                stack.pop()
            stack.append(head)
            path = tuple(h.text for h in stack)
            sentences.append(Sentence(h_start, h_end, para_index, path, True))
            rest = (h_end, first_b)
            body_pieces = ([rest] if not whole and rest[1] > rest[0] else []) + pieces[1:]
        for x, y in body_pieces:
            for s, e in split_sentences(text, x, y):
                # Inline enumerations (…；二是…；三是…) are sibling items of a 一是 heading.
                if INLINE_ITEM.match(text, s) and stack and stack[-1].level == 3:
                    head = Heading(3, s, e, text[s:e].rstrip("。；;，,：:"))
                    headings.append(head)
                    stack.pop()
                    stack.append(head)
                    sentences.append(Sentence(s, e, para_index, tuple(h.text for h in stack), True))
                    continue
                sentences.append(Sentence(s, e, para_index, tuple(h.text for h in stack), False))
    return Structure(tuple(paragraphs), tuple(headings), tuple(sentences), tuple(furniture))
