"""Answers as chat messages: the short answer first, then numbered sources; split to fit a platform's limit."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import ClassVar

from qa.types import Answer, Citation

QUOTE_CHARS = 80
SECTION_CHARS = 40
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

Measure = Callable[[str], int]


def utf8_bytes(text: str) -> int:
    """The UTF-8 length of `text` (WeCom limits messages in bytes)."""
    return len(text.encode("utf-8"))


def is_chinese(text: str) -> bool:
    """True when `text` contains Chinese characters, so replies to it are framed in Chinese."""
    return _CJK.search(text) is not None


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending with … when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


class Markup:
    """Plain text: what Feishu and WeCom text messages show as is."""

    line_break: ClassVar[str] = "\n"
    paragraph_break: ClassVar[str] = "\n\n"

    def escape(self, text: str) -> str:
        """`text` made safe to embed literally."""
        return text

    def bold(self, escaped: str) -> str:
        """Already-escaped text shown bold."""
        return escaped

    def italic(self, escaped: str) -> str:
        """Already-escaped text shown in italics."""
        return escaped


class TelegramHTML(Markup):
    """Telegram's HTML parse mode: only <, > and & need escaping."""

    def escape(self, text: str) -> str:
        """`text` with <, > and & as entities."""
        return html.escape(text, quote=False)

    def bold(self, escaped: str) -> str:
        """<b>…</b>."""
        return f"<b>{escaped}</b>"

    def italic(self, escaped: str) -> str:
        """<i>…</i>."""
        return f"<i>{escaped}</i>"


class DingTalkMarkdown(Markup):
    """DingTalk's markdown subset; a line break needs two trailing spaces."""

    line_break: ClassVar[str] = "  \n"
    _EMPHASIS = re.compile(r"([`*_])")
    _LINE_START = re.compile(r"^(\s*)([#>])", re.MULTILINE)

    def escape(self, text: str) -> str:
        """`text` with emphasis marks and line-leading heading/quote marks backslash-escaped."""
        return self._LINE_START.sub(r"\1\\\2", self._EMPHASIS.sub(r"\\\1", text))

    def bold(self, escaped: str) -> str:
        """**…**."""
        return f"**{escaped}**"


PLAIN = Markup()


def _source_line(citation: Citation, markup: Markup, chinese: bool) -> str:
    where = [citation.town or citation.title or citation.source]
    if citation.year is not None:
        where.append(f"{citation.year}年" if chinese else str(citation.year))
    if citation.section:
        where.append(shorten(citation.section.split(" > ")[-1], SECTION_CHARS))
    if citation.page:
        where.append(f"第{citation.page}页" if chinese else f"p. {citation.page}")
    header = f"[{citation.n}] " + markup.bold(markup.escape(" · ".join(where)))
    quote = markup.italic(markup.escape(f"“{shorten(citation.quote, QUOTE_CHARS)}”"))
    return header + markup.line_break + quote


def _pieces(text: str, markup: Markup, limit: int, measure: Measure) -> list[str]:
    """`text` escaped, as paragraphs that each fit `limit`; an over-long line is cut between characters."""
    pieces: list[str] = []
    for line in text.split("\n"):
        escaped = markup.escape(line)
        if measure(escaped) <= limit:
            pieces.append(escaped)
            continue
        current, size = "", 0
        for ch in line:
            part = markup.escape(ch)
            cost = measure(part)
            if size + cost > limit and current:
                pieces.append(current)
                current, size = "", 0
            current += part
            size += cost
        if current:
            pieces.append(current)
    return [p for p in pieces if p.strip()]


def format_answer(answer: Answer, markup: Markup, *, limit: int, measure: Measure = len) -> list[str]:
    """Paragraphs of a chat reply: the answer text, then numbered sources (town, year, section, quote)."""
    chinese = is_chinese(answer.question)
    blocks = _pieces(answer.answer, markup, limit, measure)
    for heading, citations in (
        ("来源" if chinese else "Sources", answer.citations),
        ("相关段落" if chinese else "Related passages", () if answer.citations else answer.related),
    ):
        if citations:
            blocks.append(markup.bold(markup.escape(heading)))
            blocks.extend(_source_line(c, markup, chinese) for c in citations)
    return blocks


def split_message(blocks: Iterable[str], limit: int, *, separator: str, measure: Measure = len) -> list[str]:
    """Blocks packed into as few messages as fit `limit`, in order; each block must fit on its own."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{separator}{block}" if current else block
        if current and measure(candidate) > limit:
            messages.append(current)
            candidate = block
        current = candidate
    if current:
        messages.append(current)
    return messages


def help_text() -> str:
    """What the bot does, in both languages (a /start or an empty message has no language to go by)."""
    return (
        "我可以回答关于各乡镇法治政府建设情况报告的问题，回答会引用报告原文并注明出处。\n"
        "例如：哪些镇的行政执法合规率达到100%？\n\n"
        "Ask me about the townships' rule-of-law government reports; answers quote the reports "
        "and name their sources.\n"
        "For example: Which towns report 100% enforcement compliance?"
    )


def rate_limited_text(chinese: bool, per_minute: int, wait_s: float) -> str:
    """A polite note that the user is over the per-minute limit."""
    seconds = max(1, round(wait_s))
    if chinese:
        return f"提问有点频繁了（每分钟最多 {per_minute} 个问题），请 {seconds} 秒后再试。"
    return f"You're asking faster than {per_minute} questions a minute; please try again in {seconds} s."


def too_long_text(chinese: bool, length: int, limit: int) -> str:
    """A polite note that the message is over the length limit."""
    if chinese:
        return f"这条消息有 {length} 个字符，超过了 {limit} 字的上限，请精简后再问。"
    return f"That message is {length:,} characters long; please keep questions under {limit:,} characters."


def unavailable_text(chinese: bool) -> str:
    """A polite note that answering failed on our side."""
    if chinese:
        return "抱歉，暂时无法回答，请稍后再试。"
    return "Sorry, I can't answer right now; please try again in a few minutes."
