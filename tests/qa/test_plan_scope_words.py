"""Words of a question that set its scope or point back to the conversation, not its topic; each test names one
mechanism, on text written here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qa.engine import QAEngine
from qa.lexical import Tokenizer
from qa.plan import parse_question
from qa.types import Turn
from tests.conftest import engine_over

TOK = Tokenizer()


def _plan(q: str, towns: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return parse_question(q, list(towns), {}, TOK, today=date(2026, 12, 3))


def _forms(q: str) -> list[tuple[str, ...]]:
    return [g.forms for g in _plan(q).terms]


def test_a_time_span_is_scope_not_topic() -> None:
    # 一年 / 全年 say over what time the count runs; the report need not contain them.
    flat = {f for g in _forms("哪个街道一年审查的合同数量最多?") for f in g}
    assert "一年" not in flat and "合同" in flat
    assert not any("全年" in g for g in _forms("全年共办理了多少件行政复议案件?"))
    # 上半年 is a period the report may name, left alone.
    assert any("上半年" in "".join(g) or "半年" in "".join(g) for g in _forms("上半年开展了几次执法检查?"))


def test_among_these_is_a_pointer_back_not_a_topic() -> None:
    pq = _plan("这几个里面哪个镇开得最多?")
    assert pq.elliptical
    assert not any("里面" in f or "这里" in f for g in pq.terms for f in g.forms)


def test_this_exam_points_back_to_the_previous_turn() -> None:
    assert _plan("一共有多少名干部参加了这次考试?").elliptical
    assert not _plan("一共有多少名干部参加了普法考试?").elliptical


def test_the_date_of_an_event_is_not_the_date_of_the_report() -> None:
    town = ("华新镇",)
    assert _plan("华新镇的报告是哪天发布的?", town).intent == "year"
    assert _plan("华新镇是哪一年的?", town).intent == "year"
    assert _plan("华新镇的党政主要负责人专题述法会是哪天开的?", town).intent != "year"
    assert _plan("When was Huaxin town's report published?").intent == "year"


def test_an_english_word_does_not_keep_a_trailing_apostrophe_or_hyphen() -> None:
    forms = {f for g in _forms("Which towns' reports cover COVID-19 control?") for f in g}
    assert "towns'" not in forms and "covid-" not in forms


def test_an_english_word_cedict_glosses_only_with_a_noun_after_it() -> None:
    from qa.bilingual import translate_words

    # CC-CEDICT glosses 疫情 as "epidemic situation", never "epidemic" alone.
    got = translate_words(["epidemic"], lambda w: w == "疫情")
    assert got == [((0,), ("疫情",))]
    assert translate_words(["epidemic"], lambda w: False) == []


def test_a_noun_made_from_a_verb_reads_as_the_verb() -> None:
    from qa.bilingual import phrase_forms, translate_words

    # CC-CEDICT glosses 防控 "to prevent and control", 实施 "to implement".
    assert phrase_forms(["prevention", "and", "control"], lambda w: w == "防控") == ("防控",)
    assert translate_words(["implementation"], lambda w: w == "实施") == [((0,), ("实施",))]


REPORTS = {
    "东溪镇.txt": "东溪镇2025年法治政府建设情况报告\n"
    "一、主要成效\n"
    "组织5名干部参加行政执法资格认证培训,新增持证执法人员3人,现有持证执法人员达7人。\n"
    "司法所联合法律顾问办理法律咨询90次,合同审查1715份,出具法律意见书6份。\n"
    "党委理论学习中心组集体学法12次。\n",
    "西岭街道.txt": "西岭街道2025年法治政府建设情况报告\n"
    "一、主要成效\n"
    "全年審查各類合同232件、一般性文件26個。\n"
    "组织干部参加普法考试,参考率100%。\n",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return engine_over(tmp_path_factory.mktemp("scope-words"), REPORTS)


def test_this_year_in_a_follow_up_is_the_report_year(engine: QAEngine) -> None:
    first = engine.ask("How many law-enforcement officers with certificates does Dongxi town have?")
    assert first.kind == "fact"
    second = engine.ask("How many of them were newly certified this year?",
                        [Turn("How many law-enforcement officers with certificates does Dongxi town have?", first)])
    assert second.kind == "fact" and any("新增持证执法人员3人" in c.quote for c in second.citations)


def test_a_count_in_another_unit_of_the_same_kind_is_ranked(engine: QAEngine) -> None:
    # 合同审查1715份 and 審查各類合同232件 count the same thing in 份 and 件: both are ranked.
    ans = engine.ask("哪个街道一年审查的合同数量最多?")
    assert ans.kind == "compare"
    assert ans.towns[:2] == ("东溪镇", "西岭街道")


def test_an_english_comparison_counts_in_the_unit_of_its_noun() -> None:
    from qa.plan.measure import asked_units

    # "more lawyers" counts people (名, 人), not the 3份 of documents the same lawyers reviewed.
    assert "名" in asked_units("Who has more lawyers acting as legal advisers: Junbu town or Guang'anmennei?")
    assert "人" in asked_units("Which town got more officials to sit a law exam?")
    assert "次" in asked_units("How many activities did the people's congress presidium hold?")


def test_an_apostrophe_in_a_pinyin_town_name_is_not_a_topic_word() -> None:
    pq = parse_question("Who has more lawyers: Junbu town or Guang'anmennei subdistrict?", ["军埠镇", "广安门内街道"],
                        {"军埠镇": "junbu", "广安门内街道": "guanganmennei"}, TOK)
    assert not any("guang" in f for g in pq.terms for f in g.forms)


def test_a_title_in_book_marks_is_a_quoted_name_and_its_gloss_another_name() -> None:
    pq = _plan("哪些镇街组织学习了《保守国家秘密法》(保密法)?")
    title = [g for g in pq.terms if "保守国家秘密法" in g.forms]
    assert title and title[0].quoted and "保密法" in title[0].forms
    # the words of the title are not separate conditions
    assert not any(g.forms == ("纲要",) for g in _plan("哪些地方组织学习了《习近平法治思想学习纲要》?").terms)


def test_two_of_them_and_this_batch_are_scaffolding() -> None:
    pq = _plan("两个里面哪个发得更多?")
    assert pq.elliptical and not pq.terms
    assert not _plan("这批材料里哪些是2025年度的报告?").terms
    assert not any("材料" in g.forms for g in _plan("这些材料里哪些提到了宪法?").terms)


def test_every_counting_word_after_ji_asks_for_a_number() -> None:
    from qa.plan.intent import is_numeric

    assert is_numeric("竹源乡有几位班子成员在述职时述了法?", "fact")
    assert is_numeric("聘请了几家律师事务所?", "fact")


def test_an_ordinal_five_year_plan_is_its_chinese_name() -> None:
    assert ("八五",) in _forms("Which towns link their work to the Eighth Five-Year legal publicity plan?")
    assert ("十四五",) in _forms("Which towns mention the 14th five-year plan?")


def test_a_report_whose_town_was_not_read_still_answers_a_question_naming_it(tmp_path: Path) -> None:
    # A mid-report excerpt: its town is written once, in passing, so no town is read for it.
    engine = engine_over(tmp_path, {
        "excerpt.txt": "二是完善制度体系,将法治建设纳入年度重点工作,结合街道实际推进。\n"
        "完成沙中街道“三张清单”梳理,形成履职事项清单共计86项,全面规范权力运行。\n"
        "三是深化普法宣传,组织干部参加学法考试,参考率100%。\n",
        "other.txt": REPORTS["东溪镇.txt"],
    })
    assert "沙中街道" not in engine.index.towns
    ans = engine.ask("沙中街道梳理出的履职清单一共多少项?")
    assert ans.kind == "fact" and any("86项" in c.quote for c in ans.citations)
    assert engine.ask("沙头街道梳理出的履职清单一共多少项?").kind == "not_found"  # a listed township with no report


def test_a_number_written_as_the_other_name_of_a_chinese_gloss_is_an_alternative() -> None:
    forms = _forms("Which towns give a count of complaints handled through the 12345 / 接诉即办 hotline?")
    assert ("接诉即办", "12345") in forms


def test_english_words_before_a_bracketed_pinyin_are_its_gloss(engine: QAEngine) -> None:
    pq = engine.plan("Which town held more theory study group (zhongxinzu) sessions?")
    forms = [g.forms for g in pq.terms]
    assert any("中心组" in f for f in forms)
    assert not any(f[0] in ("小组", "理论", "group", "theory") for f in forms)


def test_a_restatement_after_yejiushi_is_a_gloss() -> None:
    forms = _forms("哪些镇的报告里讲到了“八五”普法,也就是第八个五年法治宣传教育规划?")
    assert ("八五",) in forms and not any("规划" in f or "就是" in f for g in forms for f in g)


def test_a_long_number_that_counts_nothing_is_a_name() -> None:
    assert ("12345",) in _forms("How many 12345 hotline tickets did the subdistrict close?")
    assert ("12345",) in _forms("办结了多少件12345热线工单?")
    assert not any(f[0].isdigit() for f in _forms("哪些镇办理案件超过1000件?"))
    assert not any(f[0].isdigit() for f in _forms("2024年办理了多少件行政处罚案件?"))


def test_a_small_word_before_an_unknown_english_word_can_start_its_phrase(engine: QAEngine) -> None:
    # "on-time" is "on time" (按时), not "time" (时间) on its own.
    eng_forms = [g.forms for g in engine.plan("What was the on-time completion rate of the hotline?").terms]
    assert not any("时间" in f or "时代" in f for f in eng_forms)


def test_what_the_report_discloses_is_scaffolding() -> None:
    flat = {f for g in _forms("哪几个镇街的报告提供了政务服务网上办理率的数据?") for f in g}
    assert "提供" not in flat and "数据" not in flat and "网上" in flat
    # 提供 as the town's own action stays a topic word.
    assert any("提供" in g for g in _forms("哪些镇为企业提供了法律服务?"))


def test_the_kinds_of_unit_asked_about_are_no_alternatives() -> None:
    # "乡镇、街道" lists the kinds of unit; the alternatives are 荣誉 | 第一.
    forms = _forms("有哪些乡镇、街道在报告中说自己拿到了荣誉或者排名第一?")
    assert any({"荣誉", "第一"} <= set(g) for g in forms), forms  # one any-of group (荣誉 with its synonyms)
    assert not any("中说" in f or "自己" in f for g in forms for f in g)
    from qa.plan.intent import superlative_of

    assert superlative_of("有哪些乡镇在报告中说自己排名第一?") is None


def test_two_names_joined_by_huo_are_alternatives() -> None:
    forms = _forms("哪些乡镇给出了通过12345热线或“接诉即办”处理的群众诉求数量?")
    assert ("12345", "接诉即办") in forms
    assert not any(f == ("接诉即办",) or f == ("12345",) for f in forms)


def test_a_total_is_the_measure_not_the_topic() -> None:
    # 总额/总数 say the figure is a total, as 次数/人数 say what it counts; the report writes 共计, or nothing.
    flat = {f for g in _forms("哪些报告写明了全年罚款总额?") for f in g}
    assert "罚款" in flat and "总额" not in flat
    assert "总数" not in {f for g in _forms("哪个街道的案件总数最多?") for f in g}


def test_a_verb_and_its_object_match_either_way_round(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {
        "a.txt": "天津市宝坻区大口屯镇2023年法治政府建设情况报告\n2023年，大口屯镇查处露天焚烧秸秆案件13起。",
        "b.txt": "天津市宝坻区大唐庄镇2023年法治政府建设情况报告\n2023年，大唐庄镇在秸秆焚烧多发期加强巡查，查处违规案件2起。",
        "c.txt": "天津市宝坻区林亭口镇2023年法治政府建设情况报告\n2023年，林亭口镇查处违法建设案件5起。",
        "d.txt": "天津市宝坻区八门城镇2023年法治政府建设情况报告\n2023年，八门城镇宣传禁止焚烧秸秆，秸秆综合利用率达到90%。",
        "e.txt": "天津市宝坻区黄庄镇2023年法治政府建设情况报告\n2023年，黄庄镇开展秸秆还田，宣传焚烧危害。",
    })
    # 焚烧秸秆 is one phrase here (焚烧 and 秸秆 are mostly written together); 大唐庄镇 writes it the other way round.
    pq = engine.plan("哪些镇查处过焚烧秸秆?")
    assert ("焚烧秸秆", "秸秆焚烧") in [g.forms for g in pq.terms]
    assert engine.retriever.coverage(pq, -1, "大唐庄镇在秸秆焚烧多发期加强巡查，查处违规案件2起。") == 1.0
    assert "大唐庄镇" in engine.ask("哪些镇查处过焚烧秸秆?").towns


def test_a_percentage_in_brackets_is_still_a_condition() -> None:
    from qa.plan.measure import _constraint

    # Names in brackets count things (三项制度: …); they hold no rates.
    c = _constraint("Which towns say all their staff passed the annual law exam (a 100% pass rate)?", True)
    assert c is not None and c.value == 100.0 and c.unit == "%"
    assert _constraint("哪些镇落实了执法制度(三项制度: 公示、记录、审核)?", True) is None
    assert _constraint("哪些镇提到了“100%全覆盖”这个说法?", True) is None  # quoted: a slogan, not a condition


def test_a_word_with_an_affix_no_report_uses_is_read_without_it(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {
        "a.txt": "洞口县岩山镇2024年法治政府建设情况报告\n2024年，岩山镇创新“法治+网格”治理模式，将全镇划分为10个网格单元。",
        "b.txt": "洞口县高沙镇2024年法治政府建设情况报告\n2024年，高沙镇完善基层治理体系，开展普法活动12场，行政诉讼无败诉案件。",
    })
    pq = engine.plan("哪些乡镇在搞网格化治理?")
    assert ("网格", "网格化") in [g.forms for g in pq.terms]
    assert engine.ask("哪些乡镇在搞网格化治理?").towns == ("岩山镇",)
    # A trailing measure character changes what is measured: 败诉率 is not read as 败诉.
    assert ("败诉", "败诉率") not in [g.forms for g in engine.plan("哪些镇的败诉率最低?").terms]


def test_each_towns_number_asks_for_a_table() -> None:
    assert _plan("Give each town's number of administrative penalty cases.").intent == "table"
    assert _plan("What is the count of legal-aid cases for each subdistrict?").intent == "table"
    assert _plan("Which town has the largest number of cases?").intent != "table"


def test_a_pronoun_points_at_a_topic_and_is_none() -> None:
    # 那个 / 这里 / 其中 (jieba's dictionary tags them as pronouns) are not topic words; the quoted name is.
    flat = {f for g in _forms("坪山街道搞的那个“无讼园区”在这里的什么地方?", ) for f in g}
    assert "无讼园区" in flat and not flat & {"那个", "这里", "什么"}, flat
    assert not {f for g in _forms("其中哪些镇开展了法治讲座?") for f in g} & {"其中"}


def test_a_numbered_pointer_to_earlier_towns_is_no_topic_and_the_counted_unit_stays() -> None:
    pq = _plan("这三个街道里,完成述法的人数哪个最多?")
    flat = {f for g in pq.terms for f in g.forms}
    assert "述法" in flat and not any("三" in f for f in flat), flat
    assert "人" in pq.asked_units, pq.asked_units


def test_a_region_before_an_english_unit_word_is_the_region_not_a_town() -> None:
    pq = parse_question("List each Shenzhen subdistrict's number of officials who filed a duty report.", [], {}, TOK,
                        {"shenzhen": "深圳市", "深圳": "深圳市", "深圳市": "深圳市"}, today=date(2026, 12, 3))
    assert pq.unknown_towns == () and pq.regions == ("深圳市",) and pq.intent == "table", pq


def test_chinese_names_in_an_english_question_are_names_and_slashes_join_alternatives() -> None:
    forms = _forms('Which reports mention the "law into six / eight places" (法律六进 / 法律八进) outreach campaign?')
    assert ("法律六进", "法律八进") in forms, forms  # no 六/八 read as a count, one any-of group
