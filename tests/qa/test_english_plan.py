"""English questions read as a plan: town names spelt with either reading of a character, and the counted noun
nearest to "how many"/"more" deciding the unit."""

from __future__ import annotations

from qa.places import pinyin_spellings
from qa.plan.measure import asked_units
from qa.plan.places import match_towns

TOWNS = ["东涌镇", "长滩镇", "五马镇", "东勇镇"]
PINYIN = {"东涌镇": "dongyong", "长滩镇": "zhangtan", "五马镇": "wuma", "东勇镇": "dongyong"}


def test_a_character_with_two_readings_is_spelt_either_way() -> None:
    assert pinyin_spellings("东涌") == ("dongyong", "dongchong")
    assert "changtan" in pinyin_spellings("长滩")


def test_an_english_town_name_resolves_with_the_other_reading() -> None:
    assert match_towns("How many opinions did Dongchong town issue?", TOWNS, PINYIN) == ["东涌镇"]
    assert match_towns("Which handled more: Changtan town's services or Wuma town's?", TOWNS, PINYIN) == ["长滩镇", "五马镇"]
    # The usual spelling still names every town spelt that way.
    assert set(match_towns("Dongyong town", TOWNS, PINYIN)) == {"东涌镇", "东勇镇"}


def test_the_counted_noun_nearest_how_many_decides() -> None:
    assert "次" in asked_units("How many activities did the people's congress deputy groups hold?")
    assert "次" in asked_units("Which organized more law-study sessions in 2025?")
    assert "人" in asked_units("How many lawyers serve as legal advisers?")


def test_a_named_district_is_scope_not_topic() -> None:
    from qa.lexical import Tokenizer
    from qa.plan import parse_question

    pq = parse_question("How many cases did Tieshan town in Dazu district handle?", ["铁山镇"], {"铁山镇": "tieshan"}, Tokenizer())
    assert pq.towns == ("铁山镇",)
    assert not any("区" in g.forms for g in pq.terms)


def test_the_two_leans_on_the_earlier_turns() -> None:
    from qa.plan.intent import is_elliptical

    assert is_elliptical("So which of the two held more?") and is_elliptical("这两者哪个多?")
    assert not is_elliptical("Which towns held two sessions?")


def test_hyphenated_english_words_are_read_word_by_word() -> None:
    from qa.lexical import Tokenizer
    from qa.plan import parse_question

    pq = parse_question("Which towns held rule-of-law lectures?", [], {}, Tokenizer())
    assert any("法治" in g.forms for g in pq.terms)


def test_an_english_phrase_the_dictionary_glosses_whole_is_one_term(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import engine_over

    eng = engine_over(tmp_path, {
        "heqian.txt": "和谦镇2024年法治政府建设情况报告\n依托镇党校开展法治专题培训3期。开展法治进校园活动，覆盖师生800余人。",
        "xicang.txt": "西仓镇2024年法治政府建设情况报告\n组织学校开展普法活动5场。",
    })
    forms = [g.forms for g in eng.plan("Which towns use their Party school for rule-of-law training?").terms]
    assert ("党校",) in forms and not any("学校" in f for f in forms)
    forms = [g.forms for g in eng.plan("How many teachers and students did Heqian town reach?").terms]
    assert ("师生",) in forms
    # A phrase no report uses is not taken (its words keep their glossary reading).
    assert not any("社会主义" in f for g in eng.plan("Which towns hold socialist study?").terms for f in g.forms)


def test_pinyin_and_chinese_in_brackets_gloss_the_words_before_them() -> None:
    from qa.lexical import Tokenizer
    from qa.plan import parse_question

    pq = parse_question("Which towns mention the “three majors and one large” (sanzhong yida, 三重一大) decision system?",
                        [], {}, Tokenizer())
    assert [g.forms for g in pq.terms] == [("三重一大",)]


def test_a_quoted_english_name_no_report_uses_is_not_found(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import engine_over

    eng = engine_over(tmp_path, {
        "a.txt": "甲镇2024年法治政府建设情况报告\n坚持以习近平新时代中国特色社会主义思想为指导，推进矛盾纠纷多元化解。",
        "b.txt": "乙镇2024年法治政府建设情况报告\n以习近平新时代中国特色社会主义思想为指导，开展普法宣传。",
    })
    pq = eng.plan("Which towns mention the “Fengqiao experience” of the new era?")
    assert any(g.quoted and "枫桥经验" in g.forms for g in pq.terms)
    assert eng.ask("Which towns mention the “Fengqiao experience” of the new era?").kind == "not_found"


def test_which_ones_is_not_how_many() -> None:
    from qa.plan.intent import is_numeric

    assert not is_numeric("哪几个镇的报告里讲到了“枫桥经验”?", "aggregate")
    assert is_numeric("开展了几个专项行动?", "fact")


def test_a_question_for_reports_that_give_a_number_asks_for_one() -> None:
    from qa.plan.intent import is_numeric

    assert is_numeric("Which towns give a number for party-committee meetings on rule-of-law work?", "aggregate")
    assert is_numeric("Which reports state a figure for mediated disputes?", "aggregate")
    assert is_numeric("哪些镇给出了调解纠纷的具体数字?", "aggregate")
    assert not is_numeric("Which towns give legal advice to villages?", "aggregate")


def test_running_text_before_xiang_is_not_an_unknown_town() -> None:
    from qa.places import gazetteer
    from qa.plan.places import towns_named

    # 依法治乡委员会 holds 法治乡, which neither the division list has nor is made like a name.
    assert towns_named("有哪些乡镇设立了依法治镇委员会或者依法治乡委员会?", ["和谦镇"], {}) == ([], [])
    # Listed townships the corpus lacks are still unknown towns (the answer says no report holds them).
    assert towns_named("西仓镇和古龙镇呢?", ["和谦镇"], {})[1] == ["西仓镇", "古龙镇"]
    g = gazetteer()
    assert g.name_like("官埠桥镇") == 1.0 and g.name_like("纳入镇") == 0.0


def test_bigger_and_smaller_rank_the_named_towns() -> None:
    from qa.plan.intent import superlative_of

    assert superlative_of("Which reported a bigger amount of money: Wuma town or Cuntan subdistrict?") == "max"
    assert superlative_of("Which of the two had the smaller caseload?") == "min"
    assert superlative_of("Which towns handled fewer than 10 cases?") == "min"  # a condition; the intent decides


def test_a_comparison_word_is_not_a_character_inside_a_word() -> None:
    from qa.plan.intent import superlative_of

    assert superlative_of("启东东海镇的法治建设是围绕哪个发展大局来推进的?") is None
    assert superlative_of("哪个镇的调解成功率高?") == "max"
    assert superlative_of("哪个镇办的案件少一些?") == "min"
    assert superlative_of("Did Guanba town or Tanjia subdistrict review a greater number of contracts?") == "max"


def test_a_town_named_like_its_province_is_told_apart_by_the_word_after_it() -> None:
    # 湖南镇 is a town of Zhejiang; 湖南省 is the province. The word after the name decides, in both languages.
    from qa.lexical import Tokenizer
    from qa.plan import parse_question

    towns, pinyin, regions = ["湖南镇", "灰汤镇"], {"湖南镇": "hunan", "灰汤镇": "huitang"}, {"湖南": "湖南省", "hunan": "湖南省", "湖南省": "湖南省"}
    for q in ("Which of those are in Hunan province?", "其中哪些在湖南省?"):
        pq = parse_question(q, towns, pinyin, Tokenizer(), regions)
        assert pq.towns == () and pq.regions == ("湖南省",), q
    for q in ("How many contracts did Hunan town review?", "湖南镇审查了多少合同?"):
        pq = parse_question(q, towns, pinyin, Tokenizer(), regions)
        assert pq.towns == ("湖南镇",) and pq.regions == (), q
    assert parse_question("Which Hunan towns held lectures?", towns, pinyin, Tokenizer(), regions).regions == ("湖南省",)
