"""Numeric claims: what a sentence counts or measures, the value, the unit and qualifiers, with spans.

"办理行政处罚案件151件" → Claim(subject="办理行政处罚案件", value=151, unit="件").
"A率、B率、C率均达100%" → one claim per rate. Chinese numerals go through cn2an.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

UNITS = (
    "人次", "批次", "场次", "户次", "件次", "余人次", "万元", "亿元", "千元", "元", "平方米", "公里", "千米", "小时",
    "个", "件", "次", "人", "份", "场", "条", "起", "批", "户", "家", "名", "篇", "期", "项", "天", "所", "座", "宗",
    "册", "本", "套", "台", "处", "支", "类", "部", "本", "间", "块", "幅", "张", "位", "组", "轮", "課", "课", "节",
    "亩", "米", "吨", "辆", "回", "堂", "人员", "余件", "万", "分钟", "分", "封",
    # a span of time, not a count of things: 7个工作日内, 3个月
    "个工作日", "工作日", "个月", "个小时", "个季度", "个星期",
)
_UNIT_ALT = "|".join(sorted({u for u in UNITS if not u.startswith("余")}, key=len, reverse=True))
_CN_DIGITS = "零一二两三四五六七八九十百千万"
_NUM = rf"(?P<num>\d+(?:\.\d+)?|[{_CN_DIGITS}]+)"
_QUAL_BEFORE = r"(?P<qb>近|约|超过|超|逾|共计|累计|共|达到|达)?"
_QUAL_AFTER = r"(?P<qa>余|多|以上|左右)?"
_CLAIM_RE = re.compile(
    _QUAL_BEFORE + _NUM + r"\s*(?P<mult>万|亿)?" + _QUAL_AFTER + rf"\s*(?P<unit>%|％|{_UNIT_ALT})" + r"(?P<qa2>余|多|以上|左右)?"
)
_CLAUSE_BREAK = "，,；;：:。！？!?（(）)\n"
_RATE_VERB = re.compile(r"(?:均|全部|都|分别|已|稳定|始终|保持|持续)*(?:达到|达|为|是|保持在|保持|实现|超过|提升至|提高到|提高至|提升到|至|在)?$")
# After 分, characters that make it part of another word (分之一, 分局, 分类, 分别), not a score's points.
_NOT_A_SCORE = "之局类别队院会所批期管解析工配布散流区组支段项"
_YEAR_LIKE = re.compile(r"^(?:19|20)\d\d$")


@dataclass(frozen=True)
class RawClaim:
    """A number found in text, before it is tied to a document (offsets are absolute)."""

    subject: str
    value: float
    unit: str
    qualifier: str | None
    start: int
    end: int


def parse_number(token: str) -> float | None:
    """'151' → 151.0, '3.5' → 3.5, '十八' → 18.0, '两' → 2.0; None when it is not a number."""
    if not token:
        return None
    if token[0].isdigit():
        try:
            value = float(token)
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    try:
        import cn2an

        return float(cn2an.cn2an(token.replace("两", "二"), "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _clause_start(text: str, lo: int, pos: int) -> int:
    i = pos
    while i > lo and text[i - 1] not in _CLAUSE_BREAK:
        i -= 1
    return i


def _split_rate_list(subject: str) -> list[tuple[str, int]]:
    """'A率、B率、C率均' → [('A率', off), ('B率', off), ...]; a single subject comes back whole."""
    core = _RATE_VERB.sub("", subject)
    if "、" not in core:
        return [(core, 0)]
    items: list[tuple[str, int]] = []
    off = 0
    for part in core.split("、"):
        if part:
            items.append((part, off))
        off += len(part) + 1
    return items


_OPEN_QUOTES = "“「『\""
_CLOSE_QUOTES = {"“": "”", "「": "」", "『": "』", '"': '"'}


def _quoted_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of text inside paired quotation marks within [start, end)."""
    spans = []
    i = start
    while i < end:
        ch = text[i]
        if ch in _OPEN_QUOTES:
            j = text.find(_CLOSE_QUOTES[ch], i + 1, end)
            if j < 0:
                break
            spans.append((i, j + 1))
            i = j + 1
            continue
        i += 1
    return spans


def find_claims(text: str, start: int = 0, end: int | None = None) -> list[RawClaim]:
    """All numeric claims in text[start:end]."""
    end = len(text) if end is None else end
    quoted = _quoted_spans(text, start, end)
    out: list[RawClaim] = []
    prev_end = start
    last_subject = ""
    for m in _CLAIM_RE.finditer(text, start, end):
        num, unit = m.group("num"), m.group("unit")
        if any(a <= m.start() < b for a, b in quoted):
            # Numbers inside quotation marks are names, slogans or someone's words, not the report's figures.
            continue
        if num[0] in _CN_DIGITS and (len(num) == 1 and num in "一两" and unit in ("个", "次", "件", "批")):
            # 一个/一次 are usually articles, not counts.
            continue
        if _YEAR_LIKE.match(num) and unit in ("万", "个"):
            continue
        after = text[m.end() : m.end() + 1]
        if unit == "万" and m.group("mult") is None:
            continue
        if unit in ("人", "名") and after in ("员", "民", "大", "才") and unit + after not in ("人员",):
            continue
        if unit == "分" and (not num[0].isdigit() or (after and after in _NOT_A_SCORE)):
            continue  # 92.3分 is a score; 百分之, 三分之一, 2分局, 分类 are not
        value = parse_number(num)
        if value is None:
            continue
        if m.group("mult") == "万" or unit in ("万", "万元"):
            value *= 10_000 if m.group("mult") == "万" else 1
        if m.group("mult") == "亿":
            value *= 100_000_000
        unit = "%" if unit == "％" else unit
        qualifier = m.group("qb") if m.group("qb") in ("近", "约", "超过", "超", "逾") else None
        qualifier = m.group("qa") or m.group("qa2") or qualifier
        cs = _clause_start(text, start, m.start())
        # Two numbers in one clause (498批次900余人次) share the clause's subject.
        sub_from = max(cs, prev_end) if prev_end > cs else cs
        subject = text[sub_from : m.start()].strip(" 、")
        if not subject and prev_end > cs:
            subject = last_subject
        if len(subject) < 2:
            ce = m.end()
            while ce < end and text[ce] not in _CLAUSE_BREAK:
                ce += 1
            subject = (subject + text[m.end() : ce]).strip(" 、")
        prev_end = m.end()
        if unit == "%":
            for item, _off in _split_rate_list(subject):
                s = text.find(item, sub_from, m.start()) if item else -1
                s = s if s >= 0 else m.start()
                out.append(RawClaim(item, value, unit, qualifier, s, m.end()))
        else:
            out.append(RawClaim(subject, value, unit, qualifier, sub_from, m.end()))
        last_subject = subject
    return out
