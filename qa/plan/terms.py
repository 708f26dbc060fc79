"""A question's topic: term groups (interchangeable forms, with weights) and BM25 tokens, once town names,
years, numbers, conditions and question scaffolding are taken out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from qa.lexical import Tokenizer, glossary_weight, stopwords, translate_english
from qa.metadata import TOWN_SUFFIXES, town_aliases
from qa.plan.intent import DOC_NUMBER_Q
from qa.plan.lang import _CJK, EN_HYPHEN, EN_WORD
from qa.plan.measure import _CONSTRAINT, _COUNT_CONSTRAINT, _EN_COUNT_CONSTRAINT
from qa.plan.places import TownMatcher
from qa.plan.types import Constraint, TermGroup
from qa.plan.years import _YEAR_WORD

_QUOTED = re.compile(r"[“\"「『‘'《]([^”\"」』’'《》]{2,30})[”\"」』’'》]")
_QUANTITY_WORD = re.compile(
    r"(?:几|多少|若干)(?:个|件|次|名|人次|人|份|场次|场|条|起|项|批次|批|户|家|位|所|座|天|期|万元|元)?"
)
_ONLY_FUNCTION = re.compile(r"^[\W\d_]*$")
_PAREN = re.compile(r"[（(]([^（()）]{2,80})[)）]")
_NUMBER_NAME = re.compile(
    r"(?<![\d.,])(\d{4,6})(?![\d.,%％])(?!\s*(?:年|个|件|次|名|人|份|场|条|起|项|批|户|家|位|所|元|万|余|多|以上|"
    r"cases?|people|persons|times|sessions|copies|yuan|or more|more|plus|\+))", re.IGNORECASE)
_RESTATED = re.compile(r"[,，、]?\s*(?:也就是说|也就是|也即|亦即|即是)\s*([^,，。;；?？!！（()）]{2,60})")
_EXAMPLE_LIST = re.compile(r"[、，,/]|或|等$")


def _is_example_list(bracketed: str) -> bool:
    """"A率、B率等" lists examples; a single bracketed term is a gloss."""
    return bool(_EXAMPLE_LIST.search(bracketed.strip()))


_QUOTE_MARKS = re.compile(r"[“”\"「」『』‘’'《》]")
# Question scaffolding that names no topic: "哪几个镇", "哪些地方", "谁…多一些", "一共", "结果怎么样".
_UNITS = "乡镇街道|乡镇|镇街|街镇|街道|镇|乡"  # the kinds of place a question ranges over
_FILLER = re.compile(
    rf"(?:有|是)?哪(?:些|几个|几|个|一个)?(?:{_UNITS}|地方|单位|地区|村)?|谁|"
    # every town: "各街镇", "每个乡镇", "所有街道"
    rf"(?:各|每个|每一个|所有|全部)(?:{_UNITS})|"
    # the collection itself: "这批材料里", "这些文件中"
    r"(?:这|那)(?:批|些)(?:材料|文件|资料|报告)?(?:里面|当中|之中|里|中)|(?:这|那)批(?:材料|文件|资料|报告)?|"
    rf"(?:这|那)(?:两|三|四|五|六|几|些)个?(?:{_UNITS}|地方)?(?:里面|当中|之中|中|里)?|"
    rf"(?:两|几)个(?:{_UNITS}|地方)?(?:里面|当中|之中)|"
    # "三个里谁最多?": the towns compared, counted
    r"(?:两|三|四|五|几)个(?:里面|当中|之中|里|中)(?=\s*(?:谁|哪|[,，?？]|$))|"
    # "那再加上礼贤镇呢?": a town added to the towns compared (the town itself is scope, taken out before)
    r"(?:再)?(?:加上|算上|加进|加入)(?=\s*(?:呢|[,，?？]|$))|"
    r"(?:更|最|较|比较)?(?:多|少|高|低|大|小)(?:一些|一点|些|得多)|"
    r"(?:相比|相较|比较)(?:而言|来看|之下)?|(?:结果|情况|效果)?(?:怎么样|怎样|如何)|"
    r"一共|总共|总计|共计|合计|累计|到底|究竟|大概|大约|具体|各有|各自|分别有|有没有|是否|没有(?=\s*[?？]|\s*$)|"
    r"次数|数量|数目|人数|件数|场次数|总数|总额|总量|指标|(?:更|最|较)(?:高|低|多|少|大|小)|"
    # what the report discloses, not what the town did: "报告里提供/给出/写明了…的数据"
    r"(?:提供|给出|写明|写出|列出|披露|公布|载明|列明)了?(?=[^?？]*(?:数据|数字|数值|数量|次数|人数|件数|多少|几))|"
    r"(?<=的)(?:具体)?(?:数据|数字|数值)|"
    r"(?:在)?报告(?:中|里|内)(?:说|称|写|讲|表示)(?:到|了)?(?:自己|本镇|本乡|本街道)?|"
    # a time span is the question's scope, not its topic ("一年审查的合同", "全年共办理")
    r"(?<![上下])(?:一|两|半|全|每|整)(?:年度|年|季度|个月)(?:以来|来|内|里|中|间)?"
)


_EN_GROUP = re.compile(r"\b(?:the|these|those|all) (?:two|three|four|five)\b(?=\s*(?:[?,.]|$|(?:of|has|have|had|is|was|did|does|"
                       r"do|held|towns?|townships?|subdistricts?|places?|reports?)\b))", re.I)
_ONE_CHAR_MEASURE = re.compile(r"的([\u4e00-\u9fff])(?:更|最|较|比较)?(?:多|少)(?:一些|一点|些)?\s*[?？]?\s*$")
# A verb–object word split by a count (学一次法, 开了几次会, 办过多少件案): the word, once the count is taken out.
_SEPARATED = re.compile(r"((?![这那哪每各其])[\u4e00-\u9fff])[了过]?(?:一|几|两|多少|若干)(?:次|回|下|场|件|个)([\u4e00-\u9fff])")


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth")
_FIVE_YEAR = re.compile(rf"\b({'|'.join(_ORDINALS)}|\d{{1,2}}(?:st|nd|rd|th))\s+five\s+years?\b", re.IGNORECASE)


def _ordinal_zh(word: str) -> str:
    """'eighth' / '8th' → 八, '14th' → 十四: the ordinal in Chinese numerals."""
    w = word.lower()
    n = _ORDINALS.index(w) + 1 if w in _ORDINALS else int(re.sub(r"\D", "", w))
    digits = "零一二三四五六七八九"
    return digits[n] if n < 10 else ("十" if n < 20 else digits[n // 10] + "十") + (digits[n % 10] if n % 10 else "")


def _join_separated(m: re.Match[str]) -> str:
    from qa.lexical import default_dictionary

    word = m.group(1) + m.group(2)
    return word if default_dictionary()[0].get(word, 0) > 0 else m.group(0)


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """term → its interchangeable forms, from qa/data/synonyms.txt."""
    text = resources.files("qa.data").joinpath("synonyms.txt").read_text(encoding="utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        forms = tuple(line.split())
        for f in forms:
            out[f] = tuple(dict.fromkeys(out.get(f, ()) + forms))
    return out


def key_terms(
    q: str,
    lang: str,
    towns: Sequence[str],
    unknown: Sequence[str],
    tokenizer: Tokenizer,
    pinyin: dict[str, str] | None = None,
    region_words: Sequence[str] = (),
    constraint: Constraint | None = None,
    matcher: TownMatcher | None = None,
) -> tuple[tuple[TermGroup, ...], list[str]]:
    """The question's topic terms (town names, years, numbers and question words removed) and BM25 tokens."""
    syn = synonym_groups()
    groups: list[TermGroup] = []
    lexical: list[str] = []
    stop = stopwords()
    pinyin = pinyin or {}
    cleaned = q
    for t in list(towns) + list(unknown):
        for a in sorted(town_aliases(t), key=len, reverse=True):
            cleaned = cleaned.replace(a, " ")
    for w in sorted(region_words, key=len, reverse=True):
        cleaned = re.sub(re.escape(w), " ", cleaned, flags=re.IGNORECASE)
    # A quoted name is taken as written: scaffolding words inside it (谁 in “谁执法谁普法”, 几 in “几个一”) stay.
    quoted = [m.group(0) for m in _QUOTED.finditer(cleaned) if _CJK.search(m.group(1))]
    if lang == "en":
        # Chinese written into an English question (法律六进) is a name as written: no number in it is a count.
        quoted += [run for run in dict.fromkeys(re.findall(r"[\u4e00-\u9fff]{2,}", _QUOTED.sub(" ", cleaned)))]
    for i, qt in enumerate(quoted):
        cleaned = cleaned.replace(qt, f"\x00{i}\x00", 1)
    cleaned = _CONSTRAINT.sub(" ", cleaned)
    if constraint is not None and constraint.unit != "%":
        cleaned = _COUNT_CONSTRAINT.sub(" ", cleaned)
        cleaned = _EN_COUNT_CONSTRAINT.sub(" ", cleaned)
    # "哪个镇下面的村多?": a one-character noun compared by 多/少 is what is counted (longer words are kept anyway).
    measured = [m.group(1) for m in _ONE_CHAR_MEASURE.finditer(cleaned)] if lang == "zh" else []
    cleaned = _SEPARATED.sub(_join_separated, cleaned)
    cleaned = _FILLER.sub(" ", cleaned)
    cleaned = _QUANTITY_WORD.sub(" ", cleaned)
    cleaned = _YEAR_WORD.sub(" ", cleaned)  # "2022年开了" leaves 开了, not 年开
    for i, qt in enumerate(quoted):
        cleaned = cleaned.replace(f"\x00{i}\x00", qt, 1)
    # "“八五”普法,也就是第八个五年法治宣传教育规划": a restatement after 也就是/也即/亦即 is a gloss, read as if
    # it were bracketed.
    if lang == "zh":
        cleaned = _RESTATED.sub(lambda m: f"({m.group(1)})", cleaned)

    # "(A率、B率、“C”落实率等)": examples, any one of which will do.
    examples: list[str] = []
    # "(法律明白人)": a single term in brackets is a gloss, and required like any other; so is an English question's
    # "(sanzhong yida, 三重一大)": the pinyin and the Chinese of the words before it.
    def lists_examples(bracketed: str) -> bool:
        # In an English question, brackets holding Chinese or pinyin gloss the words before them (第一议题,
        # "法律六进 / 法律八进"): names, not a list of examples.
        return _is_example_list(bracketed) and not (lang == "en" and re.search(r"[A-Za-z\u4e00-\u9fff]", bracketed))

    for m in _PAREN.finditer(cleaned):
        if not lists_examples(m.group(1)):
            continue
        for w in tokenizer.words(_QUOTE_MARKS.sub("", m.group(1))):
            if w not in stop and len(w) > 1 and not _ONLY_FUNCTION.match(w) and w != "等":
                examples.append(w)
                lexical += tokenizer.tokens(w)
    if examples:
        cleaned = _PAREN.sub(lambda m: " " if lists_examples(m.group(1)) else m.group(0), cleaned)
    # "发放(印发)", "“八五”普法(第八个五年法治宣传教育规划)": a single bracketed term restates what comes before it.
    # It is another way to say the same thing, not one more condition: one word joins the word before it as an
    # alternative; a longer restatement only helps retrieval.
    alias_of: dict[str, list[str]] = {}
    if lang == "zh":

        def gloss(m: re.Match[str]) -> str:
            nonlocal lexical
            inner = _QUOTE_MARKS.sub("", m.group(1))
            if inner.rstrip().endswith("的"):
                return m.group(0)  # "(持证的)" narrows what comes before it: a condition, kept
            words = [w for w in tokenizer.words(inner) if w not in stop and len(w) > 1 and not _ONLY_FUNCTION.match(w)]
            before = [w for w in tokenizer.words(_QUOTE_MARKS.sub("", cleaned[: m.start()]))
                      if w not in stop and len(w) > 1 and not _ONLY_FUNCTION.match(w)]
            lexical += tokenizer.tokens(inner)
            quoted_before = next((q.group(1).strip() for q in _QUOTED.finditer(cleaned[: m.start()])
                                  if q.end() == len(cleaned[: m.start()].rstrip())), None)
            if len(words) == 1 and quoted_before:
                # “《保守国家秘密法》(保密法)”: the gloss is another name of the quoted title
                alias_of.setdefault(quoted_before, []).append(words[0])
            elif len(words) == 1 and before:
                alias_of.setdefault(before[-1], []).append(words[0])
            return " "

        cleaned = _PAREN.sub(gloss, cleaned)
    for m in _QUOTED.finditer(cleaned):
        phrase = m.group(1).strip()
        if phrase and _CJK.search(phrase):
            groups.append(TermGroup(syn.get(phrase, (phrase,)), 1.0, quoted=True))
            lexical += tokenizer.tokens(phrase)
    for m in _QUOTED.finditer(cleaned):
        phrase = m.group(1).strip()
        if re.fullmatch(r"[\dA-Z+＋·.\-]*\d[\dA-Z+＋·.\-]*", phrase):
            # A quoted number ("1310", “12·4”, “1+1+9”, “1+3+N”) is a name, looked for as written (with either plus
            # sign: reports write both).
            plus = {phrase, phrase.replace("＋", "+"), phrase.replace("+", "＋")}
            groups.append(TermGroup(tuple(sorted(plus, key=lambda f: f != phrase)), 1.0, quoted=True))
            lexical.append(phrase)
    # "文号是多少?" / "what is the document number": the answer is a document number (政府报〔2024〕9号), which the
    # report writes with its year in brackets, never with the word 文号.
    if DOC_NUMBER_Q.search(cleaned):
        cleaned = DOC_NUMBER_Q.sub(" ", cleaned)
        groups.append(TermGroup(("〔20", "［20", "[20"), 1.0))
    # A number of four or more digits that is no year and counts nothing (the 12345 hotline, 12348) is a name.
    for m in _NUMBER_NAME.finditer(cleaned):
        if not re.fullmatch(r"(?:19|20)\d\d", m.group(1)) and not any(m.group(1) in g.forms for g in groups):
            groups.append(TermGroup((m.group(1),), 1.0))
            lexical.append(m.group(1))
    # A quoted English phrase ("Fengqiao experience") is read by the glossary like the rest, and what it translates
    # to is a quoted name as a Chinese one would be (the reports must say it).
    en_quoted = [m.group(1).strip().lower() for m in _QUOTED.finditer(cleaned) if not _CJK.search(m.group(1))]
    cleaned = _QUOTED.sub(lambda m: " " if _CJK.search(m.group(1)) else f" {m.group(1)} ", cleaned)
    if lang == "en":
        # "rule-of-law", "law-study": hyphenated English words are read word by word.
        cleaned = EN_HYPHEN.sub(" ", cleaned)
        # "the Eighth Five-Year (legal publicity) plan", "14th five-year plan": the plan's Chinese name (八五, 十四五).
        def five_year(m: re.Match[str]) -> str:
            zh = _ordinal_zh(m.group(1)) + "五"
            groups.append(TermGroup(syn.get(zh, (zh,)), 1.0, quoted=True))
            lexical.append(zh)
            return " "

        cleaned = _FIVE_YEAR.sub(five_year, cleaned)
        # Chinese written into an English question ("first agenda item" (第一议题)) names the topic exactly:
        # each run is one phrase, and the English words around it are its gloss, not extra conditions.
        glosses = [run for run in re.findall(r"[\u4e00-\u9fff]{2,}", cleaned) if run not in stop]
        # "(法律六进 / 法律八进)": Chinese names joined by / or "or" are alternatives, one any-of group.
        for a, b in re.findall(r"([\u4e00-\u9fff]{2,})\s*(?:/|、|\bor\b)\s*([\u4e00-\u9fff]{2,})", cleaned):
            if a in glosses and b in glosses:
                glosses.remove(b)
                syn = {**syn, a: tuple(dict.fromkeys([*syn.get(a, (a,)), *syn.get(b, (b,))]))}
        for run in glosses:
            # "the 12345 / 接诉即办 hotline": a number written as the other name of the same thing is an alternative.
            other = [m.group(1) or m.group(2) for m in re.finditer(
                rf"(\d{{3,}})\s*(?:/|\bor\b)\s*{re.escape(run)}|{re.escape(run)}\s*(?:/|\bor\b)\s*(\d{{3,}})", cleaned)]
            groups = [g for g in groups if g.forms not in {(o,) for o in other}]  # the number is this name's other form
            groups.append(TermGroup(tuple(dict.fromkeys([*syn.get(run, (run,)), *other])), 1.0, quoted=True))
            lexical += tokenizer.tokens(run) + other
        if glosses:
            return _merge(groups), lexical
        # "which of these three", "all four of them": a pointer to earlier turns' towns, not a number on topic
        cleaned = _EN_GROUP.sub(" ", cleaned)
        matched = translate_english(cleaned)
        covered = {w for phrase, _ in matched for w in phrase.split()}
        english = EN_WORD.findall(cleaned.lower())
        covered |= {w for w in english if any(w.startswith(c) for c in covered)}
        for word in english:
            # An English content word the glossary cannot translate still counts against coverage,
            # lightly: a question made only of unknown words is not answered from a guess.
            if word not in covered and word not in stop and len(word) > 2 and not (
                matcher.pinyin_part(word.replace("'", "")) if matcher else any(word.replace("'", "") in py for py in pinyin.values())
            ):
                groups.append(TermGroup((word,), UNKNOWN_ENGLISH_WEIGHT))
        for phrase, zh in matched:
            zh_terms = tuple(z for z in zh if z not in stop)
            if not zh_terms:
                continue
            forms = tuple(dict.fromkeys(f for z in zh_terms for f in (z, *syn.get(z, ()))))
            in_quotes = any(re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", qp) for qp in en_quoted)
            groups.append(TermGroup(forms, 1.0 if in_quotes else glossary_weight(phrase), quoted=in_quotes))
            for z in zh_terms:
                lexical += tokenizer.tokens(z)
        cjk_part = "".join(_CJK.findall(cleaned))
        if cjk_part:
            cleaned = cjk_part
        else:
            return _merge(groups), lexical
    alternatives = re.split(r"或者|或是|或|以及|还是|/|、", cleaned) if re.search(r"或|还是|/|、", cleaned) else [cleaned]
    alt_groups: list[list[str]] = []
    for part in alternatives:
        words = [w for w in tokenizer.words(part) if w not in stop and not _ONLY_FUNCTION.match(w) and len(w) > 1]
        words = [w for w in words if not any(w.endswith(s) and len(w) <= len(s) for s in TOWN_SUFFIXES)]
        alt_groups.append(words)
        lexical += [t for t in tokenizer.tokens(part) if t not in stop]
    # A part with no topic word ("有哪些乡镇、街道…": the 、 between unit kinds) is no alternative.
    alt_groups = [g for g in alt_groups if g] or alt_groups
    if len(alt_groups) > 1 and all(alt_groups):
        # "发生过行政复议或行政诉讼案件": the words on either side of 或/、 are the alternatives (行政复议 | 行政诉讼);
        # the words further out (发生, 案件) and words every part shares stay required.
        shared = set(alt_groups[0]).intersection(*map(set, alt_groups[1:]))
        required = list(shared)
        heads: list[str] = []
        last = len(alt_groups) - 1
        for i, g in enumerate(alt_groups):
            own = [w for w in g if w not in shared]
            if not own:
                continue
            if i == 0:
                heads.append(own[-1])
                required += own[:-1]
            elif i == last:
                heads.append(own[0])
                required += own[1:]
            else:
                heads += own
        for w in dict.fromkeys(required):
            groups.append(TermGroup(syn.get(w, (w,))))
        if heads:
            forms = tuple(dict.fromkeys(f for h in heads for f in (h, *syn.get(h, ()))))
            groups.append(TermGroup(forms))
    else:
        for g in alt_groups:
            for w in g:
                groups.append(TermGroup(syn.get(w, (w,))))
    for ch in measured:
        groups.append(TermGroup(syn.get(ch, (ch,))))
    if alias_of:
        groups = [TermGroup(tuple(dict.fromkeys([*g.forms] + [a for f in g.forms for a in alias_of.get(f, ())])),
                            g.weight, quoted=g.quoted) if any(f in alias_of for f in g.forms) else g for g in groups]
    groups = _named_alternatives(groups, q)
    if examples:
        # The examples' own words (案卷, 落实率 …), not those the question already requires (执法).
        taken = {f for g in groups for f in g.forms}
        forms = tuple(dict.fromkeys(f for w in examples if w not in taken for f in (w, *syn.get(w, ())) if f not in taken))
        if forms:
            groups.append(TermGroup(forms))
    return _merge(groups), lexical


UNKNOWN_ENGLISH_WEIGHT = 0.15


def _named_alternatives(groups: list[TermGroup], q: str) -> list[TermGroup]:
    """Two names joined by 或 (“12345热线或“接诉即办”处理的诉求”: a quoted name or a number that names something)
    are one any-of group: either one will do, not both."""
    def is_name(g: TermGroup) -> bool:
        return g.quoted or g.forms[0].isdigit()

    out = list(groups)
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            if a not in out or b not in out or not (is_name(a) and is_name(b)):
                continue
            for x, y in ((a, b), (b, a)):
                if re.search(re.escape(x.forms[0]) + r"[^，,。;；?？]{0,8}?(?:或者|或是|或|还是|/)[^，,。;；?？]{0,8}?"
                             + re.escape(y.forms[0]), q):
                    out[out.index(a)] = TermGroup(tuple(dict.fromkeys(x.forms + y.forms)), 1.0, quoted=a.quoted and b.quoted)
                    out.remove(b)
                    break
    return out


def _merge(groups: list[TermGroup]) -> tuple[TermGroup, ...]:
    out: list[TermGroup] = []
    for g in groups:
        if any(set(g.forms) & set(o.forms) for o in out):
            continue
        out.append(g)
    return tuple(out)
