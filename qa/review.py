"""Review a report against the five contents the 《法治政府建设与责任落实督察工作规定》 (2019) sets for the annual
report, and check that it was published by the deadline.

    measures      the year's main measures and results        一、主要举措及成效 / 工作开展情况
    shortcomings  the shortcomings and their causes           二、存在的问题和不足 / "但也存在一些问题：一是…"
    leader_duty   how the principal leaders did their duty    党政主要负责人履行推进法治建设第一责任人职责情况
    plan          the main arrangements for next year         三、下步工作计划 / 2025年工作思路
    other         other matters to report                     其他需要说明的情况

A part is found, in this order, by
1. a heading (level 1 or 2) whose words cue it; a combined heading (存在的问题及2025年工作思路) counts for every
   part it cues;
2. structure: the year's work is what an untitled top-level section before the shortcomings and the plan holds
   (reports organised by theme: 一、强化组织领导 …), or, in a report without such headings, its enumerated work
   items (一是深入学习贯彻…) outside the shortcomings and the plan;
3. a passage dedicated to it (a report without headings): "但也存在…问题", "下一步，我镇将…".
Each present part cites the heading or sentence verbatim: quote == text[start:end].
The cues are the regulation's own words and their common paraphrases, not phrases collected per report.
"""

from __future__ import annotations

import datetime as dt
import re

from qa.structure import Heading, Structure, parse_structure
from qa.types import REPORT_PARTS, Citation, Document, PartFinding, ReportPart, Review

# Heading cues. A heading names a part with one of these; the regulation's wording and its usual paraphrases.
HEADING_CUES: dict[ReportPart, re.Pattern[str]] = {
    "shortcomings": re.compile(
        r"存在(?:的)?(?:主要|突出|一些)?(?:问题|不足|短板|困难|差距)|(?:问题|困难)(?:和|与|及|、)(?:不足|短板|差距|原因|困难|问题)"
        r"|不足(?:之处)?(?:和|与|及|、)?(?:原因|问题)|(?<![补齐])短板|薄弱环节|工作中(?:的|存在的)?问题|不足$"
    ),
    "plan": re.compile(
        r"下一?步|下阶段|下一年|明年|来年|今后|新的一年|(?<!委)(?<!上级)(?:工作|主要)(?:计划|打算|思路|安排|设想|展望)|努力方向|展望"
        r"|(?P<year>(?:19|20)\d\d)\s*年(?:度)?(?:的)?(?:法治政府建设)?(?:工作)?(?:计划|打算|思路|安排|目标|重点|设想)"
    ),
    "leader_duty": re.compile(r"第一责任人|第一责任|主要负责人|主要领导|党政(?:主要)?负责|一把手"),
    "other": re.compile(r"其他|其它|需要(?:说明|报告)的"),
    "measures": re.compile(
        r"举措|措施|成效|成绩|做法|成果|进展|亮点|主要工作|工作回顾|取得|工作(?:开展|推进|落实|完成)?情况|(?:开展|推进|落实|完成|建设)情况"
    ),
}

# Passage cues: a sentence dedicated to a part, for reports whose headings do not name it.
PASSAGE_CUES: dict[ReportPart, re.Pattern[str]] = {
    "shortcomings": re.compile(
        r"(?:但|但是|同时|然而|当然|不过|仍然|还|也)[^。；]{0,30}(?:存在|有|面临)[^。；]{0,25}(?:问题|不足|短板|差距|困难|薄弱)"
        r"|(?:问题|不足)[^。；]{0,6}(?:主要)?(?:表现|体现)(?:在|为)|存在(?:的)?(?:问题|不足)(?:主要)?(?:有|是|表现)"
        r"|原因(?:主要)?(?:是|在于)|仍有短板|存在短板|有待(?:进一步)?(?:提升|提高|加强|增强|完善|强化)"
    ),
    "plan": re.compile(
        r"^(?:下一步|下步|下阶段|今后|接下来|明年|新的一年|来年)|(?:下一步|下步|下阶段)[，,]?(?:我镇|我乡|我街道|我们|将|要|工作中)"
        r"|^[^。；]{0,12}(?:将|要)(?:继续|持续|进一步|着力|重点)"
    ),
    "leader_duty": re.compile(
        r"第一责任人|第一责任|亲自部署|亲自过问|亲自协调|亲自督办|四个亲自"
        r"|(?:党政|党委|党工委|政府)?主要负责人[^。；]{0,10}(?:履行|带头|切实|认真)"
    ),
    "other": re.compile(r"其他需要(?:说明|报告)"),
    "measures": re.compile(r"(?:取得|收到)[^。；]{0,12}(?:成效|成绩|进展|成果)|主要(?:举措|做法)"),
}

_PART_ZH = {"measures": "主要举措和成效", "shortcomings": "存在的不足和原因", "leader_duty": "党政主要负责人履行第一责任人职责情况",
            "plan": "下一年度主要安排", "other": "其他需要报告的情况"}


def heading_parts(text: str, report_year: int | None = None) -> set[ReportPart]:
    """The parts a heading's words cue; measures only when it cues no other part (…及2025年工作思路目标举措)."""
    found: set[ReportPart] = set()
    for part in ("shortcomings", "leader_duty", "other"):
        if HEADING_CUES[part].search(text):
            found.add(part)
    for m in HEADING_CUES["plan"].finditer(text):
        year = m.group("year")
        # "2024年工作重点" in the 2024 report is that year's work, not the next year's plan.
        if year is None or report_year is None or int(year) > report_year:
            found.add("plan")
            break
    if not found and HEADING_CUES["measures"].search(text):
        found.add("measures")
    return found


def _top_level(headings: list[Heading]) -> int | None:
    levels = [h.level for h in headings if h.level <= 2]
    return min(levels) if levels else None


def _cite(doc: Document, start: int, end: int, section: str | None) -> Citation:
    m = doc.metadata
    return Citation(1, doc.doc_id, doc.source, m.town, m.year, m.title, section, doc.text[start:end], start, end,
                    None, m.county, m.province, m.town_code)


def find_parts(doc: Document, structure: Structure | None = None) -> dict[ReportPart, PartFinding]:
    """Each of the five parts, present with its citation or missing with a reason."""
    st = structure or parse_structure(doc.text)
    year = doc.metadata.year
    heads = [h for h in st.headings if h.level <= 2]
    found: dict[ReportPart, PartFinding] = {}
    tagged: list[tuple[Heading, set[ReportPart]]] = [(h, heading_parts(h.text, year)) for h in heads]
    for h, parts in tagged:
        for part in sorted(parts, key=REPORT_PARTS.index):
            if part not in found:
                found[part] = PartFinding(part, True, _cite(doc, h.start, h.end, h.text), "heading")
    top = _top_level(heads)
    if "measures" not in found and top is not None:
        for h, parts in tagged:
            if parts & {"shortcomings", "plan", "other"}:
                break
            if h.level == top and not parts:
                found["measures"] = PartFinding("measures", True, _cite(doc, h.start, h.end, h.text), "structure")
                break
    if "measures" not in found:
        items = [h for h in st.headings if h.level == 3]
        for h in items:
            sentence = doc.text[h.start : h.end]
            if not (PASSAGE_CUES["shortcomings"].search(sentence) or PASSAGE_CUES["plan"].search(sentence)):
                found["measures"] = PartFinding("measures", True, _cite(doc, h.start, h.end, h.text), "structure")
                break
    for part in REPORT_PARTS:
        if part in found:
            continue
        for s in st.sentences:
            if s.is_heading and heading_level_of(st, s.start) <= 2:
                continue
            sentence = doc.text[s.start : s.end]
            if PASSAGE_CUES[part].search(sentence):
                section = " > ".join(s.section) if s.section else None
                found[part] = PartFinding(part, True, _cite(doc, s.start, s.end, section), "passage")
                break
        else:
            where = (f"none of its {len(heads)} headings names it" if heads else "the report has no headings")
            found[part] = PartFinding(
                part, False, reason=f"{where}, and no passage is dedicated to {_PART_ZH[part]} ({part})"
            )
    return {p: found[p] for p in REPORT_PARTS}


def heading_level_of(st: Structure, start: int) -> int:
    """The level of the heading that starts at `start` (99 when none does)."""
    return next((h.level for h in st.headings if h.start == start), 99)


def deadline_for(year: int | None, month_day: str) -> str | None:
    """The publication deadline of a report of `year`: month_day ("04-01") of the following year."""
    return f"{year + 1}-{month_day}" if year else None


def check_timeliness(date: str | None, year: int | None, month_day: str) -> tuple[str | None, bool | None, str]:
    """(deadline, on_time, verdict) with verdict one of on_time, late, no_date, no_year."""
    deadline = deadline_for(year, month_day)
    if deadline is None:
        return None, None, "no_year"
    if not date:
        return deadline, None, "no_date"
    try:
        published = dt.date.fromisoformat(date[:10])
    except ValueError:
        return deadline, None, "no_date"
    on_time = published <= dt.date.fromisoformat(deadline)
    return deadline, on_time, "on_time" if on_time else "late"


def review_document(doc: Document, deadline: str = "04-01", structure: Structure | None = None) -> Review:
    """The five parts of one report and whether its published date meets the deadline."""
    m = doc.metadata
    due, on_time, verdict = check_timeliness(m.date, m.year, deadline)
    parts = find_parts(doc, structure)
    return Review(doc.doc_id, doc.source, m.town, m.county, m.year, m.date, due, on_time, verdict, tuple(parts.values()))
