"""A bracketed restatement in a Chinese question is another way to say the same thing, not one more condition."""

from __future__ import annotations

from qa.lexical import Tokenizer
from qa.plan import parse_question

TOK = Tokenizer()


def _forms(q: str) -> list[tuple[str, ...]]:
    return [g.forms for g in parse_question(q, [], {}, TOK).terms]


def test_a_one_word_gloss_is_an_alternative_of_the_word_before_it() -> None:
    forms = _forms("哪些镇发放(印发)了法治宣传资料?")
    assert any("发放" in f and "印发" in f for f in forms)
    assert not any(f == ("印发",) for f in forms)


def test_a_long_restatement_adds_no_required_terms() -> None:
    forms = _forms("哪些镇街提到了“八五”普法(第八个五年法治宣传教育规划)?")
    flat = {x for f in forms for x in f}
    assert "八五" in flat and "规划" not in flat and "第八个" not in flat


def test_a_bracketed_qualifier_stays_a_condition() -> None:
    flat = {x for f in _forms("各镇分别有多少名行政执法人员(持证的)?") for x in f}
    assert "持证" in flat


def test_asking_for_the_number_of_something_wants_a_figure() -> None:
    from qa.plan.intent import is_numeric

    assert is_numeric("哪些镇街报告了行政复议案件的数量?", "aggregate")
    assert is_numeric("Which towns give a count of their study sessions?", "aggregate")
    assert not is_numeric("哪些镇街开展了宪法宣传?", "aggregate")


def test_a_quoted_name_keeps_the_question_words_inside_it() -> None:
    # 谁 and 几 are question words outside quotes; inside a quoted slogan they are part of the name.
    forms = _forms("哪些镇在报告中提到落实“谁执法谁普法”?")
    assert ("谁执法谁普法",) in forms
    assert ("几上几下",) in _forms("哪些镇推行了“几上几下”工作法?")


def test_a_word_split_by_a_count_is_read_whole() -> None:
    # 学一次法 is 学法 asked about with a count; 开了几次会 is 开会.
    assert any("学法" in f for f in _forms("领导班子多长时间学一次法?"))
    assert any(f[0].startswith("开会") for f in _forms("镇党委开了几次会?"))
    # A count between two words that do not make one (开展了几次执法检查) changes nothing.
    assert ("执法检查",) in _forms("全年开展了几次执法检查?")


def test_a_one_character_noun_compared_by_more_is_the_measure() -> None:
    assert any("村" in f for f in _forms("甲镇和乙镇比,哪个镇下面的村多?"))


def test_where_something_of_the_town_is_is_not_where_the_town_is() -> None:
    from qa.plan.intent import intent_of

    assert intent_of("北坡镇在哪里?", "zh", ["北坡镇"], None) == "region"
    assert intent_of("北坡镇属于哪个县?", "zh", ["北坡镇"], None) == "region"
    assert intent_of("北坡镇法治建设领导小组办公室设在哪里?", "zh", ["北坡镇"], None) != "region"
