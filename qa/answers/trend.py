"""Year-over-year answers: 和谦镇行政处罚案件逐年变化 / How did Heqian's administrative penalty cases change over the years?

A question is a trend question when it asks for change across years (逐年, 历年, 变化, 趋势, 同比, over the years,
trend …), names one or more towns, and names one standard indicator (qa/indicators.py). The answer lists the
town's figure in each year it has a report for, each cited, and the change from the first to the last year. A
year whose report does not state the figure, or states it with different values, says so; nothing is averaged.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from qa.indicators import INDICATORS, Indicator
from qa.types import Answer, AnswerKind, Citation, IndicatorRow

if TYPE_CHECKING:
    from qa.plan import ParsedQuestion

TREND_Q = re.compile(
    r"逐年|历年|历次|各年|每年|年度?变化|变化情况|变化趋势|趋势|增减|同比|较上年|比上年|比去年|较去年|几年来|这几年|多年来"
    r"|\b(?:over the years|year over year|year-over-year|each year|by year|trend|change[ds]?|grew|grow|fell)\b",
    re.IGNORECASE,
)


# "比上年多还是少?": the change from the year before, which a report often states itself (比上年度减少11%).
_PRIOR_YEAR = re.compile(r"比上一?年|较上一?年|比去年|较去年|同比|\bthan (?:the )?(?:year before|previous year|last year)\b",
                         re.IGNORECASE)


def asked_indicator(question: str) -> Indicator | None:
    """The one standard indicator a question names (by its subject words or English label), or None."""
    low = question.lower()
    ranked: dict[int, list[Indicator]] = {}
    for ind in INDICATORS:
        if ind.label_en.split(" (")[0].lower() in low:
            ranked.setdefault(0, []).append(ind)
            continue
        rank = next((i for i, p in enumerate(ind.patterns) if p.search(question)), None)
        if rank is not None:
            ranked.setdefault(rank, []).append(ind)
    # The most specific match decides: 普法宣传资料 names the materials, not the events (普法 alone).
    best = ranked[min(ranked)] if ranked else []
    return best[0] if len(best) == 1 else None


def _n(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


def trend_answer(pq: ParsedQuestion, rows: list[IndicatorRow]) -> Answer | None:
    """The year-over-year answer, or None when the question is not a trend question about a named indicator."""
    if not pq.towns or not TREND_Q.search(pq.text):
        return None
    ind = asked_indicator(pq.text)
    if ind is None:
        return None
    if _PRIOR_YEAR.search(pq.text) and all(
            sum(1 for r in rows if r.town == town and r.year) < 2 for town in pq.towns):
        return None  # one report per town: what it says of the year before answers (the fact path)
    zh = pq.lang == "zh"
    cites: list[Citation] = []
    values: list[tuple[str, float, str]] = []
    parts: list[str] = []
    for town in pq.towns:
        town_rows = sorted((r for r in rows if r.town == town and r.year), key=lambda r: r.year or 0)
        steps: list[str] = []
        stated: list[tuple[int, float]] = []
        for r in town_rows:
            v = r.values.get(ind.key)
            year = r.year or 0
            if v is None:
                steps.append(f"{year}年报告未提及" if zh else f"{year}: not stated")
            elif v.value is None or v.citation is None:
                marks = []
                for x, u, c in v.conflicts:
                    cites.append(replace(c, n=len(cites) + 1))
                    marks.append(f"{_n(x)}{u}[{len(cites)}]")
                steps.append(f"{year}年报告给出不同数字：{'、'.join(marks)}" if zh
                             else f"{year}: the report gives different figures, {', '.join(marks)}")
            else:
                cites.append(replace(v.citation, n=len(cites) + 1))
                steps.append(f"{year}年{_n(v.value)}{v.unit}[{len(cites)}]" if zh
                             else f"{year}: {_n(v.value)} {v.unit} [{len(cites)}]")
                stated.append((year, v.value))
                values.append((f"{town} {year}", v.value, v.unit))
        label = ind.label_zh if zh else ind.label_en
        if len(town_rows) < 2:
            only = f"（索引中{town}只有{town_rows[0].year}年一份报告，无法逐年比较）" if zh and town_rows else ""
            only = only or ("" if zh else f" (the index holds one report of {town}; no comparison across years)")
            parts.append(f"{town}{label}：{'；'.join(steps) or '无报告'}{only}" if zh
                         else f"{town} {label}: {'; '.join(steps) or 'no report'}{only}")
            continue
        change = ""
        if len(stated) >= 2:
            (y0, a), (y1, b) = stated[0], stated[-1]
            delta = b - a
            pct = f"（{delta / a:+.1%}）" if a else ""
            if zh:
                word = "增加" if delta > 0 else "减少"
                change = f"。{y0}年至{y1}年{word}{_n(abs(delta))}{ind.unit}{pct}" if delta else f"。{y0}年至{y1}年持平"
            else:
                change = f". From {y0} to {y1}: {delta:+g} {ind.unit}" + (f" ({delta / a:+.1%})" if a else "")
        arrow = " → " if zh else "; "
        parts.append(f"{town}{label}逐年变化：{arrow.join(steps)}{change}" if zh
                     else f"{town} {label} by year: {arrow.join(steps)}{change}")
    text = "\n".join(parts) + ("。" if zh and not parts[-1].endswith(("。", "）")) else "")
    kind: AnswerKind = "compare" if cites else "not_found"
    return Answer(pq.text, text, kind, pq.towns, tuple(cites), values=tuple(values))
