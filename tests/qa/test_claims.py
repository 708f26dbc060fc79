from hypothesis import given
from hypothesis import strategies as st

from qa.claims import find_claims, parse_number


def _triples(text: str) -> list[tuple[str, float, str, str | None]]:
    return [(c.subject, c.value, c.unit, c.qualifier) for c in find_claims(text)]


def test_counts_with_units_and_qualifiers() -> None:
    assert _triples("办理行政处罚案件151件，全年开展行政检查107次") == [
        ("办理行政处罚案件", 151.0, "件", None),
        ("全年开展行政检查", 107.0, "次", None),
    ]
    assert _triples("发放法治宣传资料400余份") == [("发放法治宣传资料", 400.0, "份", "余")]
    assert _triples("新修订村规民约知晓率达90%以上") == [("新修订村规民约知晓率", 90.0, "%", "以上")]
    assert _triples("接待、办理群众来信来访498批次900余人次") == [
        ("接待、办理群众来信来访", 498.0, "批次", None),
        ("接待、办理群众来信来访", 900.0, "人次", "余"),
    ]


def test_rate_lists_become_one_claim_per_rate() -> None:
    text = "行政检查规范率、案件合格率、群众满意率均达100%"
    claims = find_claims(text)
    assert [(c.subject, c.value, c.unit) for c in claims] == [
        ("行政检查规范率", 100.0, "%"),
        ("案件合格率", 100.0, "%"),
        ("群众满意率", 100.0, "%"),
    ]
    assert all(text[c.start : c.end].endswith("100%") for c in claims)


def test_chinese_numerals_and_wan() -> None:
    assert _triples("培养乡村法治骨干十八名") == [("培养乡村法治骨干", 18.0, "名", None)]
    assert _triples("发放资料1.5万份") == [("发放资料", 15000.0, "份", None)]
    assert parse_number("两") == 2.0
    assert parse_number("一百零五") == 105.0


def test_dates_and_ordinals_are_not_claims() -> None:
    assert find_claims("2025年12月9日") == []
    assert find_claims("党的二十大及二十届三中全会") == []
    assert find_claims("一村一法律顾问") == []


@given(st.text(alphabet="0123456789零一二三十百千万余多以上%件次人份，、。率达均案检查", max_size=80))
def test_claims_never_raise_and_spans_are_inside(text: str) -> None:
    for c in find_claims(text):
        assert 0 <= c.start <= c.end <= len(text)
        assert c.value >= 0


def test_numbers_in_quotation_marks_are_not_claims() -> None:
    assert find_claims("坚持以“九个零发生”为目标，直接回答“所有镇的合规率都达到100%”") == []
    assert [c.value for c in find_claims("开展“三项制度”督查2次")] == [2.0]


def test_non_finite_numbers_are_refused() -> None:
    assert parse_number("1E309") is None


def test_a_score_is_counted_in_fen_and_other_fen_words_are_not() -> None:
    c = find_claims("组织干部参加学法考试,考试平均成绩92.3分,来信6封,会议30分钟。")
    assert [(x.value, x.unit) for x in c] == [(92.3, "分"), (6.0, "封"), (30.0, "分钟")]
    assert not find_claims("三分之一的村、百分之九十的干部和2分局的民警参加了培训。")
