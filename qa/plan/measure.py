"""What a question measures: the unit it counts in (with its unit family) and any numeric condition
(达到100%, 超过100件, more than 50 cases)."""

from __future__ import annotations

import re

from qa.plan.lang import language_of
from qa.plan.types import Constraint

_CONSTRAINT = re.compile(
    r"(?P<op>达到|达|做到|实现|超过|高于|不低于|低于|少于|不足|不到|未达到|未达|没有达到|大于|小于|"
    r"at least|over|above|below|under|less than|lower than|more than|higher than|reach(?:ed|es)?|of)?"
    r"\s*(?:了|均|都|均为|为)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|％|percent)"
    r"(?P<after>以上|以下|及以上)?",
    re.IGNORECASE,
)
_COUNT_UNIT_FAMILIES = (
    ("件", "起", "宗", "个"),
    ("次", "场", "场次", "期", "轮", "回"),
    ("人", "名", "位", "人次"),
    ("份", "册", "本", "张"),
    ("项", "条", "个"),
    ("家", "户", "所", "个"),
)
# "聘了两名法律顾问", "超过100件", "more than 50 cases": a count condition on an aggregate.
_COUNT_CONSTRAINT = re.compile(
    r"(?P<op>超过|多于|高于|大于|不少于|至少|不低于|少于|低于|不足|不到|达到|达)?\s*(?:了)?\s*"
    r"(?P<num>\d+|[一二两三四五六七八九十百千]+)\s*"
    r"(?P<unit>人次|场次|件|起|宗|名|人|位|次|场|期|份|册|项|条|家|户|所)"
    r"(?P<after>以上|以下|及以上|及以下)?(?![\u4e00-\u9fff]*率)"
    r"(?<!(?<![\d一二两三四五六七八九十百千])一起)",  # a lone 一起 is "together" (一起担任双组长), not one case
)
_EN_COUNT_CONSTRAINT = re.compile(
    r"(?P<op>more than|over|at least|fewer than|less than|under|exactly)\s+(?P<num>\d+)\b", re.IGNORECASE
)
_ASKED_UNIT = re.compile(r"(?:几|多少)(人次|场次|批次|件|次|名|人|份|场|条|起|项|批|户|家|位|所|期|宗|封|万元|元|%|分(?![之钟]))|"
                         r"(?:平均|考试|考核|测评)(?:成绩|得分|分数|分)|"
                         r"(人次|场次|次|人|件|份|家|项|条)(?:数|数量)?(?:的?(?:哪个|哪一个|哪家|谁))?(?=最|更|较|多|少|高|低)")
# The noun an English "how many / more / fewer / the most … X" counts, by what it is: cases, people, occasions,
# organisations, printed items. The counted noun nearest the question word decides (see asked_units).
_EN_COUNTED = (
    ("cases|disputes|lawsuits|complaints|petitions|violations", "件"),
    ("people|persons|staff|officers|officials|advisers|advisors|lawyers|members|residents|mediators|cadres|"
     "employees|participants|attendees|personnel|volunteers", "人"),
    ("times|sessions|meetings|lectures|events|activities|trainings|campaigns|exams|inspections", "次"),
    ("firms|enterprises|companies", "家"),
    ("copies|leaflets|materials|brochures|booklets", "份"),
    ("villages|communities|neighbourhoods|neighborhoods", "个"),  # 26个行政村: counted in 个
)
# "what average score / how many points": a score is counted in 分.
_EN_SCORE = re.compile(r"\b(?:average|mean) (?:score|mark|grade)|\bwhat (?:\w+ )?score\b|how many points\b", re.I)
_EN_ASKED_UNIT = tuple(
    (re.compile(rf"(?:how many|\bmore|\bfewer|\bthe most|\bnumber of) (?:[\w'-]+ ){{0,4}}?(?:{nouns})\b", re.I), unit)
    for nouns, unit in _EN_COUNTED
)


# "哪家的读书班时间更长?", "how long": a span of time is asked for (为期8天), not a count.
_DURATION_Q = re.compile(r"(?:时间|时长|期限|周期|天数)(?:更|最|较|比较)?(?:长|短)|多长时间|多久|几天|\bhow long\b|"
                         r"\b(?:longer|longest|shorter|shortest)\b", re.IGNORECASE)
# The units a span of time is stated in (qa.relevance.unit_kind calls them "time", with 分钟).
DURATION_UNITS = ("天", "个工作日", "工作日", "小时", "个小时", "个月", "个星期", "个季度")


def asked_units(q: str) -> tuple[str, ...]:
    """The unit a 几/多少/how many question counts in, with its kin (几名 → 名, 人, 位, 人次); () when open."""
    if _DURATION_Q.search(q):
        return DURATION_UNITS
    m = _ASKED_UNIT.search(q)
    if m:
        unit: str | None = m.group(1) or m.group(2) or "分"
    else:
        # The counted noun nearest to "how many"/"more" decides: "how many activities did the people's congress…"
        # counts activities, not people.
        found = [(hit.end(), u) for pattern, u in _EN_ASKED_UNIT if (hit := pattern.search(q))]
        unit = min(found)[1] if found else ("分" if _EN_SCORE.search(q) else None)
    return unit_family(unit) if unit else ()


def unit_family(unit: str) -> tuple[str, ...]:
    """A count unit with the units that count the same thing: 名 → 人, 名, 位, 人次."""
    return tuple(dict.fromkeys(u for f in _COUNT_UNIT_FAMILIES if unit in f for u in f)) or (unit,)


_BELOW_WORDS = ("低于", "少于", "不足", "不到", "未达到", "未达", "没有达到", "小于", "below", "under", "less than", "lower than", "fewer than")
_ABOVE_WORDS = ("超过", "高于", "大于", "多于", "over", "above", "more than", "higher than")


def _op(op_word: str, after: str, default: str) -> str:
    if after in ("以下", "及以下"):
        return "<=" if after == "及以下" else "<"
    if op_word in _BELOW_WORDS:
        return "<"
    if after == "以上" or op_word in _ABOVE_WORDS:
        return ">" if op_word in _ABOVE_WORDS else ">="
    if after == "及以上" or op_word in ("不少于", "至少", "不低于", "at least"):
        return ">="
    if op_word in ("达到", "达", "做到", "实现", "reach", "reached", "reaches", "of"):
        return ">="
    return default


_QUOTED = r"[“\"「『‘'][^”\"」』’']{1,30}[”\"」』’']"
_NAMED_SPAN = re.compile(rf"{_QUOTED}|[（(][^（()）]{{1,80}}[)）]")
_QUOTED_SPAN = re.compile(_QUOTED)


def _constraint(q: str, aggregate: bool = False) -> Constraint | None:
    # A number inside a quoted or bracketed name (“两个规范”, (三项制度: …)) is part of the name, not a condition;
    # so is one inside Chinese written into an English question.
    # A percentage in brackets is still a condition: names count things (三项制度), they hold no rates
    # ("all their staff passed (a 100% pass rate)").
    english = language_of(q) == "en"
    rates = _QUOTED_SPAN.sub(lambda m: " " * len(m.group(0)), q)
    q = _NAMED_SPAN.sub(lambda m: " " * len(m.group(0)), q)
    if english:
        q, rates = (re.sub(r"[\u4e00-\u9fff\d]+[\u4e00-\u9fff][\u4e00-\u9fff\d]*", lambda m: " " * len(m.group(0)), t)
                    for t in (q, rates))
    m = _CONSTRAINT.search(q) or _CONSTRAINT.search(rates)
    if m:
        return Constraint(_op((m.group("op") or "").lower(), m.group("after") or "", ">="), float(m.group("num")), "%")
    if not aggregate:
        return None
    # Count conditions only make sense when the question asks which towns meet them.
    m = _COUNT_CONSTRAINT.search(q)
    if m:
        from qa.claims import parse_number

        value = parse_number(m.group("num"))
        if value is None:
            return None
        unit = m.group("unit")
        return Constraint(_op(m.group("op") or "", m.group("after") or "", "=="), value, unit, unit_family(unit))
    m = _EN_COUNT_CONSTRAINT.search(q)
    if m:
        units = tuple(dict.fromkeys(u for f in _COUNT_UNIT_FAMILIES for u in f))
        return Constraint(_op(m.group("op").lower(), "", "=="), float(m.group("num")), units[0], units)
    return None
