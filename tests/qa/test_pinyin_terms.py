"""An English question may spell a Chinese term in pinyin ('quanze qingdan'): it is read as the reports' own word."""

from __future__ import annotations

from qa.bilingual import pinyin_forms, split_pinyin

TEXTS = (
    "我镇全面推行权责清单制度，公布权责清单事项126项。",
    "开展“八五”普法宣传活动12场，发放资料3000份。",
    "全镇权责清单动态调整2次。",
)


def test_pinyin_is_split_into_syllables() -> None:
    assert split_pinyin("quanze") == ["quan", "ze"]
    assert split_pinyin("qingdan") == ["qing", "dan"]
    assert split_pinyin("xyzzy") is None


def test_pinyin_words_become_the_reports_term() -> None:
    assert pinyin_forms(["quanze", "qingdan"], TEXTS)[0] == "权责清单"
    assert pinyin_forms(["ba", "wu"], TEXTS)[0] == "八五"


def test_english_words_and_single_syllables_are_not_pinyin() -> None:
    assert pinyin_forms(["inspection", "records"], TEXTS) == ()
    assert pinyin_forms(["fa"], TEXTS) == ()  # one syllable is too little to read as a term
    assert pinyin_forms(["mao", "yi"], TEXTS) == ()  # syllables whose characters no report holds
