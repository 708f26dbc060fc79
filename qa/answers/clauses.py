"""Reading one clause of a passage: whether it denies what it names, states a goal rather than a result, which
figure a question asks for, and which measure a number belongs to.
"""

from __future__ import annotations

import re

from qa.plan import PLAN_SECTION, ParsedQuestion
from qa.plan.intent import RATE_Q
from qa.types import Claim, Passage

COUNT_UNITS = {"件", "起", "次", "个", "人次", "批次", "份", "条", "场", "场次", "人", "名", "户", "家", "项", "批"}
TRAINING = re.compile(r"考试|参训|培训|学法|参学|考核|测试")
# A clause that denies what it names: 未发生行政诉讼案件, 没有…, 败诉0件.
_NEGATION = re.compile(r"(?<![尚])未(?!成年|来|满|达)|尚未|没有|并无|无一|不存在|零(?:发生|起|件|次)")
_ZERO_COUNT = re.compile(r"(?<![\d.])0\s*(?:件|起|次|人|名|个|宗|例)")
# A figure that is a goal, not a result: 力争…达到100%, 确保…, a 下一步/工作计划 section.
# 计划 as a verb (计划于/将/在…) only: 按照学法计划…学法23次 is a result counted against a plan, not a goal.
_TARGET = re.compile(r"力争|争取|确保|目标|预计|计划(?:于|将|在|到|年内)|拟(?:于|将|在|定)?(?=[\u4e00-\u9fff])|将要|努力实现|不少于|不低于")
MENTION_Q = re.compile(r"提到|提及|涉及|谈到|写到|\bmention|\brefer", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"[^，,；;。！？!?：:\n]+[，,；;。！？!?：:\n]?")
_UNIT_FAMILIES = ({"件", "起", "宗"}, {"次", "场", "场次", "期", "轮"}, {"人", "名", "人次", "位"}, {"份", "册", "本", "张"})


def negated(clause: str) -> bool:
    """未发生行政诉讼案件, 败诉0件: the clause denies what it names."""
    return bool(_NEGATION.search(clause) or _ZERO_COUNT.search(clause))


# A figure stated as a change (下降22件, 同比增加5次, 较去年减少3起): how much a count moved, not the count.
_CHANGE = re.compile(r"(?:下降|降低|减少|增长|增加|提高|提升|上升|下滑|回落)了?\s*[\d.,，]+[^\d]*$")


def is_change(c: Claim) -> bool:
    """Whether a figure is a change of a count rather than the count (行政处罚下降22件)."""
    return bool(_CHANGE.search(c.text))


def figure_negated(p: Passage, c: Claim) -> bool:
    """未发生…, 败诉0件: the figure's own clause denies what it names, or the clause before does and states no
    figure of its own (a list item 行政强制0件 before 其中144件 does not deny the 144)."""
    own = clause_around(p, c)
    if negated(own):
        return True
    window = clause_window(p, c)
    before = window[: len(window) - len(own)]
    return negated(before) and not re.search(r"\d", before)


def affirmed_text(text: str) -> str:
    """The passage with its negated clauses blanked, so 未发生X does not count as X."""
    if not (_NEGATION.search(text) or _ZERO_COUNT.search(text)):
        return text
    return "".join(" " * len(c) if negated(c) else c for c in _CLAUSE_SPLIT.findall(text))


def is_target(p: Passage, clause: str) -> bool:
    """A goal or a plan (力争…, a 下一步 section), not a result."""
    return bool(_TARGET.search(clause) or (p.section and PLAN_SECTION.search(p.section)))


def same_measure(a: str, b: str) -> bool:
    """Units that count the same kind of thing (件 and 起 both count cases)."""
    return a == b or any(a in f and b in f for f in _UNIT_FAMILIES)


def clause_window(p: Passage, c: Claim) -> str:
    """The claim's clause with the clause before it (the measure is often named just before its number)."""
    a = c.start - p.start
    breaks = 0
    while a > 0:
        if p.text[a - 1] in "；;。":
            break
        if p.text[a - 1] in "，,":
            breaks += 1
            if breaks == 2:
                break
        a -= 1
    return p.text[a : c.end - p.start]


def clause_around(p: Passage, c: Claim) -> str:
    """The clause of a passage holding a claim: from the clause break before it to the claim's end."""
    a = c.start - p.start
    while a > 0 and p.text[a - 1] not in "，,；;。":
        a -= 1
    return p.text[a : c.end - p.start]


def counted_noun(p: Passage, c: Claim, limit: int = 6) -> str:
    """The words right after a figure, up to the next break or figure: what "45个行政村" counts."""
    b = e = c.end - p.start
    while e < len(p.text) and e - b < limit and p.text[e] not in "，,；;。、（(：:" and not p.text[e].isdigit():
        e += 1
    return p.text[b:e]


def fmt_claim(c: Claim) -> str:
    """A claim as the answer shows it: its own words quoted, or value and unit."""
    v = int(c.value) if c.value == int(c.value) else c.value
    return f"“{c.text}”" if c.text else f"{v}{c.qualifier or ''}{c.unit}"


_PERCENT = re.compile(r"\d\s*[%％]")


def asked_figure(pq: ParsedQuestion) -> re.Pattern[str] | None:
    """A pattern for the figure a how-many/what-rate question asks for, or None."""
    if not pq.numeric:
        return None
    if RATE_Q.search(pq.wording):
        return _PERCENT
    units = [u for u in pq.asked_units if u]
    if units:
        return re.compile(r"\d\s*(?:余|多)?\s*(?:" + "|".join(map(re.escape, units)) + ")")
    return re.compile(r"\d")


_CLAUSE_BREAK = re.compile(r"[，,；;。\n]")


def rate_forms(pq: ParsedQuestion) -> tuple[str, ...]:
    """The question's words that name the rate it asks for: in Chinese the last two topic words written just
    before 率 (负责人出庭应诉率 → 出庭, 应诉), in English any of its topic words (English word order does not say
    which name the rate); () when it asks for no rate."""
    if not RATE_Q.search(pq.wording):
        return ()
    if pq.lang == "en":
        return tuple(f for g in pq.terms for f in g.forms if not f.isascii())
    words = sorted({w for w in pq.lexical_query if len(w) >= 2}, key=len, reverse=True)
    out: list[str] = []
    for m in re.finditer("率", pq.wording):
        end = m.start()
        for _ in range(2):
            w = next((w for w in words if pq.wording.endswith(w, 0, end)), None)
            if w is None:
                break
            out.append(w)
            end -= len(w)
    return tuple(dict.fromkeys(out))


def _pieces(form: str) -> tuple[str, ...]:
    """A rate word's own parts: 出庭应诉 is also written 出庭 or 应诉; 结案率 is 结案."""
    form = form[:-1] if form.endswith("率") and len(form) > 2 else form
    if len(form) >= 4:
        return (form, form[: len(form) // 2], form[len(form) // 2 :])
    return (form,)


def states_the_rate(text: str, forms: tuple[str, ...], window: int = 1) -> bool:
    """Whether a clause of the text gives a percentage beside a word of the asked rate's name (学法参考率100% does
    not state an 出庭应诉率), that word in the same clause or in the `window - 1` clauses before it. True when the
    question names no rate."""
    if not forms:
        return True
    pieces = {p for f in forms for p in _pieces(f)}
    clauses = _CLAUSE_BREAK.split(text)
    return any(_PERCENT.search(cl) and any(p in c for c in clauses[max(0, i - window + 1) : i + 1] for p in pieces)
               for i, cl in enumerate(clauses))


# "是哪家律师事务所的?", "Which law firm …": the question asks for an organisation's name, and a passage that only
# says a firm was engaged (与律师事务所签订合同, 聘请专业律所律师) does not answer it.
_ORG = r"律师事务所|律所|事务所"
NAME_Q = re.compile(rf"哪(?:一)?家(?:{_ORG})|(?:{_ORG})(?:的)?(?:名称|名字|叫什么)|\bwhich (?:law )?firm\b|\bwhat (?:law )?firm\b|"
                    r"\bname of the (?:law )?firm\b|\bnames?\b(?: of)?(?: the| their| a)? (?:law )?firms?\b", re.IGNORECASE)
_ORG_IN_TEXT = re.compile(rf"(?:{_ORG})")
_NAME_FUNCTION = set("的了是在和与及到向为由对把被让将于以其之等从跟请并")


def names_organisation(text: str) -> bool:
    """Whether the text names a firm: the words right before 律师事务所 (or 律所) are a name — one that opens with a
    place of the division list (重庆森林, 重庆市武隆区星空), words no dictionary holds (天津云樯), or a short name right
    after 与/和/同 (与聚焦律师事务所) — and not just a verb or a modifier (聘请律师事务所, 专业律所)."""
    from qa.lexical import ordinary_words
    from qa.places import gazetteer, matching_text

    g = gazetteer()
    simple = matching_text(text)  # simplified, without a mirror's pinyin glosses
    for m in _ORG_IN_TEXT.finditer(simple):
        run = re.search(r"[\u4e00-\u9fff]*$", simple[max(0, m.start() - 12) : m.start()])
        before = run.group(0) if run else ""
        for size in range(2, min(10, len(before)) + 1):
            name = before[-size:]
            if name[0] in _NAME_FUNCTION or name[-1] in _NAME_FUNCTION:
                break
            preceded = before[-size - 1] if size < len(before) else ""
            if (not ordinary_words(name) or any(h.start == 0 and h.end < size for h in g.scan_regions(name))
                    or (preceded in "与和同跟" and preceded and size <= 4)):
                return True
    return False


# "组长叫什么名字?", "What is the name of the lawyer …?": the question asks for a person's name, and a passage that
# names only the role (由镇党委书记任组长, 聘请1名专职律师) does not answer it. "由谁担任" and "who" are answered by a
# role, and a firm's name is NAME_Q's.
PERSON_Q = re.compile(r"叫什么(?:名字)?|姓名|名字是|\bname of the (?!(?:law )?firm)\w+|\bwhat is (?:his|her|their) name\b",
                      re.IGNORECASE)


def names_person(text: str) -> bool:
    """Whether the text names a person: a word jieba's tagger reads as a person's name (nr) that is no word of its
    dictionary (洪建良, not 法律顾问, which the dictionary happens to tag nr)."""
    import jieba.posseg

    from qa.lexical import default_dictionary
    from qa.places import matching_text

    known = default_dictionary()[0]
    return any(flag == "nr" and 2 <= len(w) <= 4 and not known.get(w)
               for w, flag in jieba.posseg.cut(matching_text(text)))
