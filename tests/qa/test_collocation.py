"""Words the reports write together are one term of the question's plan, so a multi-word subject does not outweigh
the one word that names the topic."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import engine_over

FILLER = "全年开展普法宣传活动12场，发放宣传资料3000余份。"


def _reports() -> dict[str, str]:
    # Every report says 党政主要负责人; only two of them say the leaders gave an account of their duties (述法).
    return {
        "a.txt": "和谦镇2024年法治政府建设情况报告\n和谦镇党政主要负责人履行第一责任人职责，在全镇范围内开展专题述法。" + FILLER,
        "b.txt": "西仓镇2024年法治政府建设情况报告\n西仓镇党政主要负责人年底向区委述法，接受评议。" + FILLER,
        "c.txt": "东溪镇2024年法治政府建设情况报告\n东溪镇制发党政主要负责人履行推进法治建设第一责任人职责清单，开展学习。" + FILLER,
        "d.txt": "南坪镇2024年法治政府建设情况报告\n南坪镇党政主要负责人切实履行第一责任人职责，开展法治培训。" + FILLER,
        **{f"{n}.txt": f"{n}镇2024年法治政府建设情况报告\n{n}镇调解矛盾纠纷45起，办理行政处罚案件{i}件。" + FILLER
           for i, n in enumerate(("龙凤场", "古龙", "石城", "黄水", "金桥", "白云"))},
    }


def test_adjacent_words_the_reports_write_as_one_phrase_are_one_term(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, _reports())
    pq = eng.parse("哪些镇的党政主要负责人开展了述法?")
    forms = [g.forms[0] for g in pq.terms]
    assert "党政主要负责人" in forms and "述法" in forms
    assert "党政" not in forms and "负责人" not in forms


def test_the_topic_word_is_never_swallowed_by_a_phrase(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, _reports())
    # 开展专题述法 is written once; 述法 is the rarest word and stays a term of its own.
    pq = eng.parse("哪些镇开展专题述法?")
    assert "述法" in [g.forms[0] for g in pq.terms]
