"""Standard indicators: a fixed, documented set of figures per report, drawn from its numeric claims (qa/claims.py).

Each indicator names what is counted (patterns over the claim's subject and the words after its number, tried in
order: the first pattern that matches any claim decides the candidates; 学法次数 and 普法宣传活动次数 then try a
generic activity word, 学习/宣传…, in a sentence about law) and the units it is counted in. A report's figure is the value, unit
and citation of the matching claim; it is empty when the report does not say; a figure the report states twice
with different values is flagged (`conflicts`), never averaged. A subtotal (其中…) is not the figure; when
several statements match and exactly one value is stated as a total (全年/累计/共计…), that total is the figure.

| key | 中文 | counted in |
|---|---|---|
| penalty_cases | 行政处罚案件数 | 件 起 宗 |
| enforcement_inspections | 行政执法检查次数 | 次 场次 轮 批次 |
| disputes_resolved | 矛盾纠纷调解/化解数 | 件 起 宗 |
| legal_advisers | 法律顾问人数 | 名 人 位 |
| publicity_events | 普法宣传活动次数 | 次 场 场次 期 |
| publicity_materials | 普法宣传资料份数 | 份 册 本 张 |
| law_study_sessions | 学法次数 | 次 场 场次 期 |
| reconsideration_cases | 行政复议案件数 | 件 起 宗 |
| litigation_cases | 行政诉讼案件数 | 件 起 宗 次 |
| petitions | 信访件数 | 件 起 批 批次 |
| legality_reviews | 合法性审查件数 | 件 份 项 次 |
| legal_consultations | 法律咨询人次 | 人次 次 件 |
| legal_aid_cases | 法律援助案件数 | 件 起 宗 |
| law_literate_persons | 法律明白人人数 | 名 人 |
| enforcement_officers | 持行政执法证人数 | 名 人 |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from qa.types import Citation, Claim, Document, IndicatorRow, IndicatorValue


@dataclass(frozen=True)
class Indicator:
    """One standard figure: its key, labels, display unit, the units it is counted in, and subject patterns."""

    key: str
    label_zh: str
    label_en: str
    unit: str
    units: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    activity: re.Pattern[str] | None = None  # last tier: a generic activity word in the subject …
    context: re.Pattern[str] | None = None  # … in a sentence about the indicator's field


def _ind(key: str, zh: str, en: str, units: str, *patterns: str, activity: str = "", context: str = "") -> Indicator:
    us = tuple(units.split())
    return Indicator(key, zh, en, us[0], us, tuple(re.compile(p) for p in patterns),
                     re.compile(activity) if activity else None, re.compile(context) if context else None)


_LAW = r"学法|法治|法律|法制|宪法|民法典"


CASES = "件 起 宗"
TIMES = "次 场 场次 期"
PEOPLE = "名 人 位"

INDICATORS: tuple[Indicator, ...] = (
    _ind("penalty_cases", "行政处罚案件数", "administrative penalty cases", CASES,
         r"行政处罚|处罚案件", r"查处[^，、]{0,10}(?:案件|违法行为)"),
    _ind("enforcement_inspections", "行政执法检查次数", "law-enforcement inspections", "次 场次 轮 批次",
         r"执法检查|联合执法|执法行动|执法巡查", r"(?:专项|安全|联合)?检查(?!考核)"),
    _ind("disputes_resolved", "矛盾纠纷调解/化解数", "disputes mediated or resolved", CASES,
         r"矛盾纠纷|纠纷", r"(?<!协)调解"),
    _ind("legal_advisers", "法律顾问人数", "legal advisers", PEOPLE, r"法律顾问"),
    _ind("publicity_events", "普法宣传活动次数", "legal publicity events", TIMES,
         r"普法[^，、资料]{0,8}活动|法治宣传[^，、资料]{0,6}活动|宣传活动|送法",
         r"普法|法治宣传|法治宣讲|宣讲", activity=r"宣传|宣讲|活动", context=r"普法|法治宣传|法律|宪法|民法典"),
    _ind("publicity_materials", "普法宣传资料份数", "legal publicity materials handed out", "份 册 本 张",
         r"宣传资料|宣传材料|宣传册|宣传单|普法资料|法治资料", r"资料|手册"),
    _ind("law_study_sessions", "学法次数", "law study sessions", TIMES,
         r"学法", r"学习[^，、]{0,10}法|法治(?:专题)?(?:学习|讲座|培训)",
         activity=r"学习|讲座|培训|研讨", context=_LAW),
    _ind("reconsideration_cases", "行政复议案件数", "administrative reconsideration cases", CASES, r"行政复议"),
    _ind("litigation_cases", "行政诉讼案件数", "administrative litigation cases", CASES + " 次",
         r"行政诉讼|行政应诉|出庭应诉"),
    _ind("petitions", "信访件数", "petitions (信访) handled", "件 起 批 批次", r"信访"),
    _ind("legality_reviews", "合法性审查件数", "legality reviews", "件 份 项 次",
         r"合法性审[查核]", r"合同(?:及协议)?审查|审查[^，、]{0,6}合同"),
    _ind("legal_consultations", "法律咨询人次", "legal consultations", "人次 次 件", r"法律咨询"),
    _ind("legal_aid_cases", "法律援助案件数", "legal aid cases", CASES, r"法律援助"),
    _ind("law_literate_persons", "法律明白人人数", "'legal understanding persons' (法律明白人) trained", "名 人",
         r"法律明白人"),
    _ind("enforcement_officers", "持行政执法证人数", "officers holding law-enforcement certificates", "名 人",
         r"执法证"),
)
BY_KEY = {i.key: i for i in INDICATORS}
_SUBTOTAL = re.compile(r"^(?:其中|含|包括)")
_TOTAL = re.compile(r"全年|累计|共计|总计|合计|共")
_BREAK = re.compile(r"[，,；;：:。！？!?（(）)\n、]")


def claim_citation(doc: Document, c: Claim) -> Citation:
    """The claim's span and what it counts (…8起信访积案) as a citation (quote == text[start:end])."""
    m = doc.metadata
    tail = doc.text[c.end : c.end + 8]
    cut = _BREAK.search(tail)
    end = c.end + (cut.start() if cut else 0)
    return Citation(1, doc.doc_id, doc.source, m.town, m.year, m.title, None, doc.text[c.start : end], c.start, end,
                    None, m.county, m.province, m.town_code)


def counted_thing(text: str, c: Claim) -> str:
    """What a claim counts: its subject and the few words after the number (解决…8起信访积案 counts 信访积案)."""
    tail = text[c.end : c.end + 8]
    cut = _BREAK.search(tail)
    return c.subject + "|" + (tail[: cut.start()] if cut else tail)


def sentence_of(text: str, c: Claim) -> str:
    """The sentence a claim stands in."""
    a = max(text.rfind(ch, 0, c.start) for ch in "。！？\n") + 1
    ends = [i for i in (text.find(ch, c.end) for ch in "。！？\n") if i >= 0]
    return text[a : min(ends) if ends else len(text)]


def matching_claims(indicator: Indicator, claims: list[Claim], text: str = "") -> list[Claim]:
    """The claims that state the indicator, by tiers: each subject pattern in turn, then (when the indicator has
    one) a generic activity word in the subject of a sentence about the field (学习…16次 in a sentence on 学法).
    The first tier that matches decides. A subtotal (其中…) counts only when nothing else in its tier does."""
    counted = [c for c in claims if c.unit in indicator.units]

    def names(pattern: re.Pattern[str]) -> Callable[[Claim], bool]:
        return lambda c: bool(pattern.search(counted_thing(text, c) if text else c.subject))

    def in_field(act: re.Pattern[str], ctx: re.Pattern[str]) -> Callable[[Claim], bool]:
        return lambda c: bool(act.search(c.subject)) and bool(ctx.search(sentence_of(text, c)))

    tiers = [names(p) for p in indicator.patterns]
    if indicator.activity is not None and indicator.context is not None and text:
        tiers.append(in_field(indicator.activity, indicator.context))
    for holds in tiers:
        found = [c for c in counted if holds(c)]
        whole = [c for c in found if not _SUBTOTAL.match(c.subject)]
        if found:
            return whole or found
    return []


def indicator_value(indicator: Indicator, doc: Document, claims: list[Claim]) -> IndicatorValue | None:
    """The report's figure for one indicator; None when it does not say; value None and conflicts when it says
    two different things."""
    found = matching_claims(indicator, claims, doc.text)
    if not found:
        return None
    totals = [c for c in found if _TOTAL.search(c.subject)]
    if totals and len({(c.value, c.unit) for c in totals}) == 1:
        # Items and their stated total (全年/累计/共…): the total is the figure.
        found = totals
    first = found[0]
    distinct: dict[tuple[float, str], Claim] = {}
    for c in found:
        distinct.setdefault((c.value, c.unit), c)
    if len(distinct) == 1:
        return IndicatorValue(first.value, first.unit, claim_citation(doc, first), qualifier=first.qualifier)
    conflicts = tuple((c.value, c.unit, claim_citation(doc, c)) for c in distinct.values())
    return IndicatorValue(None, first.unit, None, conflicts)


def report_indicators(doc: Document, claims: list[Claim]) -> dict[str, IndicatorValue]:
    """Every indicator the report states, by key."""
    out: dict[str, IndicatorValue] = {}
    for ind in INDICATORS:
        v = indicator_value(ind, doc, claims)
        if v is not None:
            out[ind.key] = v
    return out


def indicator_rows(documents: list[Document], claims_by_doc: dict[str, list[Claim]]) -> list[IndicatorRow]:
    """One row per report, by town and year."""
    docs = sorted(documents, key=lambda d: (d.metadata.town or "", d.metadata.year or 0, d.doc_id))
    return [
        IndicatorRow(d.doc_id, d.metadata.town, d.metadata.county, d.metadata.year,
                     report_indicators(d, claims_by_doc.get(d.doc_id, [])))
        for d in docs
    ]


def trends(rows: list[IndicatorRow]) -> list[dict[str, Any]]:
    """Year over year: for each town with reports of several years, each indicator stated in two or more of them,
    its figures by year and the change from the first to the last."""
    by_town: dict[str, list[IndicatorRow]] = {}
    for r in rows:
        if r.town and r.year:
            by_town.setdefault(r.town, []).append(r)
    out: list[dict[str, Any]] = []
    for town, town_rows in sorted(by_town.items()):
        if len({r.year for r in town_rows}) < 2:
            continue
        for ind in INDICATORS:
            points = [(r, r.values[ind.key]) for r in sorted(town_rows, key=lambda r: r.year or 0)
                      if ind.key in r.values and r.values[ind.key].value is not None]
            if len(points) < 2:
                continue
            first, last = points[0][1].value or 0.0, points[-1][1].value or 0.0
            out.append({
                "town": town, "key": ind.key, "label_zh": ind.label_zh, "label_en": ind.label_en,
                "points": [{"year": r.year, "doc_id": r.doc_id, "value": v.value, "unit": v.unit,
                            "citation": v.citation} for r, v in points],
                "change": last - first,
            })
    return out


def _value_json(v: IndicatorValue) -> dict[str, Any]:
    out: dict[str, Any] = {"value": v.value, "unit": v.unit, "qualifier": v.qualifier,
                           "citation": asdict(v.citation) if v.citation else None}
    if v.conflicts:
        out["conflicts"] = [{"value": x, "unit": u, "citation": asdict(c)} for x, u, c in v.conflicts]
    return out


def indicators_json(rows: list[IndicatorRow]) -> dict[str, Any]:
    """GET /indicators: the indicator definitions, one row per report, and the year-over-year trends."""
    tr = trends(rows)
    for t in tr:
        for p in t["points"]:
            p["citation"] = asdict(p["citation"]) if p["citation"] else None
    return {
        "indicators": [{"key": i.key, "label_zh": i.label_zh, "label_en": i.label_en, "unit": i.unit} for i in INDICATORS],
        "rows": [
            {"doc_id": r.doc_id, "town": r.town, "county": r.county, "year": r.year,
             "values": {k: _value_json(v) for k, v in r.values.items()}}
            for r in rows
        ],
        "trends": tr,
    }
