"""What kind of answer a question asks for: fact, list, aggregate, compare, table, year, region; superlatives,
numeric and elliptical (follow-up) questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from qa.plan.types import Intent

_AGGREGATE = re.compile(
    r"哪些(?:镇|乡|街道|乡镇)|哪几个(?:镇|乡|街道|乡镇)?|有几个(?:镇|乡|街道)|多少个(?:镇|乡|街道)|各(?:镇|乡)|"
    r"(?:列出|所有|全部|哪些)[^?？]{0,20}(?:镇|乡|街道)|"
    r"哪些地方|哪几个地方|哪些单位|哪些报告|"
    r"\b(?:which|what)\s+(?:of\s+the\s+)?(?:\w+\s+){0,2}(?:towns|townships|places|subdistricts|streets|localities|"
    r"units|reports|areas|communities|ones)\b|which of the\b|list (?:the|all) towns|all towns",
    re.IGNORECASE,
)
_WHICH = re.compile(r"哪些|哪几|\bwhich\b|\bwhat\b", re.IGNORECASE)
# Asking for one of several ("哪个镇", "which one", "which of them"): the best of them first.
WHICH_ONE = re.compile(r"哪(?:个|一个|家|位|一)|\bwhich (?:one|of|town|subdistrict|township)\b", re.IGNORECASE)
_COMPARE_WORD = re.compile(
    r"最多|最少|最高|最低|最大|最小|更多|更少|更高|更低|较多|较少|多还是少|最长|最短|更长|更短|"
    r"\b(?:most|more|highest|higher|lowest|lower|least|fewer|fewest|largest|larger|biggest|bigger|smallest|"
    r"smaller|greatest|greater(?!\s+than)|longest|longer|shortest|shorter)\b",
    re.IGNORECASE,
)
# 多/少/高/低/大/小 as the comparison itself, not inside a word (哪个发展大局, 哪个小组).
_AS_COMPARISON = r"(?=[?？,，。!！的些一点得呢吗]|$|\s)"
_WHO_MORE = re.compile(rf"(?:谁|哪个|哪一个)[^?？]{{0,20}}(?:多|少|高|低|大|小){_AS_COMPARISON}")
_WHO_LESS = re.compile(rf"(?:谁|哪个|哪一个)[^?？]{{0,20}}(?:少|低|小){_AS_COMPARISON}")
# 排名第一 / 排名靠前 is something a report says of itself, not a request to rank.
_COMPARE_VERB = re.compile(r"\bcompare\b|\brank\b|对比|比较|排名(?!第|前|靠前|居前|前列)|排序", re.IGNORECASE)
_MIN_WORD = re.compile(r"最少|最低|最小|更少|更低|较少|最短|更短|\b(?:least|lowest|lower|fewer|fewest|smallest|smaller|shortest|shorter)\b",
                       re.IGNORECASE)
# A unit of the collection in English, after an optional place name: "town", "Shenzhen subdistrict".
_EN_UNIT = r"(?:[A-Z][a-z]+ )?(?:town|township|subdistrict|place)"
# "各镇分别发放了多少份普法资料?", "列出各镇…的数量", "How many … did each town …?": one row per town.
_TABLE_Q = re.compile(
    r"(?:各|每个|每一个)(?:镇|乡|街道|乡镇|镇街|街镇|地)[^?？]{0,40}?(?:多少|几)|分别[^?？]{0,30}?(?:多少|几)|"
    r"(?:列出|列一下|汇总|统计)[^?？]{0,30}?(?:数量|数字|数据|多少|几)|"
    rf"\b(?:each|every|per) {_EN_UNIT}\b[^?]{{0,80}}\bhow (?:many|much)\b|"
    rf"\bhow (?:many|much)\b[^?]{{0,80}}\b(?:each|every|per) {_EN_UNIT}\b|\btable\b|"
    # "each town's number of …", "each Shenzhen subdistrict's number of …", "the count of … for every subdistrict"
    rf"\b(?:each|every) {_EN_UNIT}(?:'s)?\b[^?]{{0,60}}\b(?:number|count|figure|total)s?\b|"
    rf"\b(?:number|count|figure|total)s?\b[^?]{{0,60}}\b(?:for|in|of|by) (?:each|every) {_EN_UNIT}\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"哪个|哪一个|哪|谁|\bwhich\b|\bwho\b|\bwhat town\b", re.IGNORECASE)
_YEAR_Q = re.compile(r"哪一?年|什么年份|年份是|哪个年度|什么时候|何时|发布日期|发布时间|哪一?天|几月几[日号]|什么日期|\bwhat date\b|\b(?:which|what) year\b|\bwhen\b", re.IGNORECASE)
_REGION_Q = re.compile(
    r"属于哪|哪个(?:区|县|市|省)|哪(?:个)?地区|位于|在哪里|在哪儿|所在(?:区|县|市|省)|"
    r"\b(?:which|what) (?:county|district|city|province|region)\b|\bwhere is\b|\blocated\b",
    re.IGNORECASE,
)
_LIST_Q = re.compile(
    r"哪些|有什么|有何|哪几|列举|\blist\b|什么(?:问题|不足|困难|短板|措施|举措|做法|经验|计划|打算|安排|思路)|"
    r"\b(?:what|which)\b.*\b(?:problems|measures|plans|steps|issues|shortcomings|weaknesses|priorities|ideas|"
    r"achievements|difficulties|tasks|arrangements)\b",
    re.IGNORECASE,
)
_NUMERIC_Q = re.compile(r"多少|(?<!哪)几(?:次|件|个|名|人|场|份|条|起|项|批|位|家|户|所|期|宗|篇|轮|天)|是多少|how many|how much|what (?:is|was) the .*rate|\brate\b|\bnumber of\b|率|"
                        r"数量|次数|人数|件数|个数|平均(?:分|成绩|得分|值|数)|多高|多大比例|\b(?:a|the) (?:count|figure|total|number) (?:of|for)\b|\b(?:gives?|reports?|states?|provides?) (?:a |any )?(?:numbers?|figures?|counts?)\b|给出(?:了)?[^?？,，。]{0,12}?(?:数字|数据)|"
                        r"\bwhat (?:\w+ ){0,2}?(?:average|score|percentage|share|proportion|total|amount)\b|\baverage (?:score|mark|grade)\b",
                        re.IGNORECASE)
_ELLIPSIS = re.compile(r"^(?:那|那么|还有|and|what about|how about)|呢[?？]?$|它们|他们|其|这些镇|这两个镇|这几个镇|两镇|这两|(?:这|那)(?:几|些)个?|(?:^|[,，])(?:两|几)个(?:里面|当中|之中)|两者|二者|这次|此次|该次|上述|前述|上面提到|刚才|\b(?:mentioned )?above\b|\bthe same\b|\bthey\b|\bthem\b|\btheir\b|\bthose\b|\bit\b|\bits\b|"
    r"\b(?:the|these|those) (?:two|three|four|five)\b|\ball (?:three|four|five)\b|这[三四五]个", re.IGNORECASE)
# A section that states plans and goals (下一步工作打算): what it says was not yet done.
# "Which towns did not …": a which-question whose verb is negated asks for the towns the positive question leaves
# out. Only a report's saying or doing is read so (没写/没提到/未成立, did not say/mention); 没有发生 asks for the
# denial a report states (全年未发生重大安全事故), which is an ordinary question.
_COMPLEMENT_ZH = re.compile(
    r"(?:没有|没|并未|尚未|未)(?=(?:写|提|交代|说|报告|给出|列出|披露|涉及|包含|包括|公布|明确|载明|注明|成立|设立|建立|"
    r"开展|组织|落实|制定|出台|聘请))")
_COMPLEMENT_EN = re.compile(
    r"\b(?:did|does|do)(?:n't|\s+not)\b|\bfail(?:ed|s)?\s+to\b|"
    # "never mention(s)": only a saying; "never had a lawsuit" asks for the denial a report states
    r"\bnever\s+(?=(?:mention|say|state|name|report|refer|discuss|cite|write|talk)(?:s|ed)?\b)", re.IGNORECASE)
_WHICH_Q = re.compile(r"哪些|哪个|哪几|哪一|\bwhich\b|\bwhat (?:towns?|reports?|subdistricts?|places?)\b", re.IGNORECASE)


def complement_of(q: str) -> str | None:
    """The positive question of a "which … did not …" question (天津的街镇里哪个没写罚款总额 → 哪个写罚款总额),
    or None when the question is no such question."""
    if not _WHICH_Q.search(q):
        return None
    if _COMPLEMENT_ZH.search(q):
        return _COMPLEMENT_ZH.sub("", q, count=1)
    m = _COMPLEMENT_EN.search(q)
    if m:
        return q[: m.start()] + q[m.end():]
    return None


# A question that asks for a rate or share (the figure it wants is a percentage).
RATE_Q = re.compile(r"率|占比|比例|百分|权重|\brate\b|percent|proportion|share|\bweight\b", re.IGNORECASE)
PLAN_SECTION = re.compile(r"下一步|下步|计划|打算|思路|展望|安排|目标|工作重点")
PLAN_Q = re.compile(r"计划|打算|下一步|下步|明年|目标|力争|思路|展望|\bplan|\bnext year\b|\btarget|\bgoal|\baim", re.IGNORECASE)


def asks_which(q: str) -> bool:
    """Whether the question asks which towns (or which of anything): a count it states is then a condition."""
    return bool(_AGGREGATE.search(q) or _WHICH.search(q))


def superlative_of(q: str) -> Literal["max", "min"] | None:
    """'max' for 最多/most…, 'min' for 最少/fewest…, None when the question ranks nothing."""
    if _COMPARE_WORD.search(q) or _WHO_MORE.search(q) or _COMPARE_VERB.search(q):
        return "min" if _MIN_WORD.search(q) or _WHO_LESS.search(q) else "max"
    return None


_SMALL_WORDS = "是的了呢吗个在省市县区镇乡请问"


def _left_over(q: str, named: Sequence[str], asked: re.Pattern[str], small: str = _SMALL_WORDS) -> str:
    """The question once the towns it names (with or without their suffix), what `asked` matches and every
    non-Chinese or small character are taken out."""
    rest = q
    for t in sorted(named, key=len, reverse=True):
        rest = rest.replace(t, "").replace(t[:-1], "")
    rest = asked.sub("", rest)
    return re.sub(rf"[^\u4e00-\u9fff]|[{small}]", "", rest)


def _asks_about_more_than_the_place(q: str, named: Sequence[str]) -> bool:
    """"领导小组办公室设在哪里?" asks where something of the town is, not where the town is: more than a few
    characters remain once the town, the region phrase and small words are taken out."""
    return len(_left_over(q, named, _REGION_Q)) > 4


_REPORT_WORD = re.compile(r"报告|報告|发布|發布|印发|成文|落款|\breports?\b|\bpublish|\bissued\b|\bdated\b", re.IGNORECASE)


def _asks_about_the_report(q: str, named: Sequence[str]) -> bool:
    """"报告是哪天发布的?" asks the report's date; "述法会是哪天开的?" asks the date of something the report tells:
    a report word, or next to nothing left once the town, the date words and small words are taken out."""
    if _REPORT_WORD.search(q):
        return True
    if re.search(r"[a-zA-Z]{3}", q):
        rest = _YEAR_Q.sub("", q)
        rest = re.sub(r"\b(?:the|a|an|of|in|for|is|was|did|does|do|it|its|town|township|subdistrict|year|what|which)\b", "", rest, flags=re.I)
        return len(re.findall(r"[a-zA-Z]{3,}", rest)) <= 1
    return len(_left_over(q, named, _YEAR_Q, _SMALL_WORDS + "哪年天")) <= 4


def intent_of(q: str, lang: str, named: Sequence[str], superlative: Literal["max", "min"] | None) -> Intent:
    """The kind of answer the question asks for, given the towns it names and whether it ranks them."""
    if _REGION_Q.search(q) and named and not (lang == "zh" and _asks_about_more_than_the_place(q, named)):
        return "region"
    if _TABLE_Q.search(q) and not named and not superlative:
        return "table"
    if _YEAR_Q.search(q) and not _COMPARE_WORD.search(q) and "多少" not in q and _asks_about_the_report(q, named):
        return "year"
    if superlative and (_WHO.search(q) or len(named) >= 2 or _COMPARE_VERB.search(q)):
        return "compare"
    if _AGGREGATE.search(q) or (not named and _WHICH.search(q) and ("镇" in q or "town" in q.lower() or lang == "zh")):
        return "aggregate"
    if (_LIST_Q.search(q) or PLAN_Q.search(q)) and not _NUMERIC_Q.search(q):
        return "list"
    return "fact"


# A document number (政府报〔2024〕9号) is asked for as 文号是多少 but is a name, not a figure.
DOC_NUMBER_Q = re.compile(r"发文字号|文件编号|文号|文件号|\b(?:document|file|reference|issuance) (?:number|no\.?)s?\b",
                          re.IGNORECASE)


def is_numeric(q: str, intent: Intent) -> bool:
    """Whether the question asks for a number (多少, how many, a rate) or ranks towns by one."""
    if DOC_NUMBER_Q.search(q) and intent != "compare":
        return False
    return bool(_NUMERIC_Q.search(q)) or intent == "compare"


def is_elliptical(q: str) -> bool:
    """Whether the question leans on the previous turn (那…呢?, 它们, they)."""
    return bool(_ELLIPSIS.search(q))


# What only joins a question to the one before (And …?, 那…呢?, 还有…), and the pronouns a which-question's own noun
# takes (Which towns say they …): neither points back at the previous answer's towns.
_JOINING = re.compile(r"^\s*(?:那么|那|还有|(?:and|what about|how about)\b)\s*|呢\s*[?？]?\s*$|\b(?:they|their|it|its)\b",
                      re.IGNORECASE)


def points_back(q: str) -> bool:
    """Whether the question points at the previous answer's towns (其中, 这些, of them, those), beyond joining on."""
    return bool(_ELLIPSIS.search(_JOINING.sub(" ", q)))
