"""BM25's tokenizer reads jieba's dictionary once a process and cuts exactly as a freshly initialised jieba."""

from __future__ import annotations

import jieba

from qa.lexical import _PUNCT, Tokenizer, chinese_vocabulary, default_dictionary
from tests.conftest import SEEDS


def test_tokens_equal_a_freshly_initialised_jieba_with_the_same_words() -> None:
    towns = ["和谦镇", "西仓镇", "古龙镇", "龙凤场镇"]
    fresh = jieba.Tokenizer()
    fresh.initialize()
    for w in sorted(set(towns) | chinese_vocabulary()):
        fresh.add_word(w, freq=20000)
    ours = Tokenizer(extra_words=towns)
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    lines = [line for line in text.lower().splitlines() if line.strip()]
    assert len(lines) > 100
    for line in lines:
        expected = [t.strip() for t in fresh.cut_for_search(line) if t.strip() and not _PUNCT.match(t.strip())]
        assert ours.tokens(line) == expected, line


def test_words_added_to_one_tokenizer_do_not_leak_into_the_shared_dictionary() -> None:
    freq, _ = default_dictionary()
    Tokenizer(extra_words=["一个不存在的街道名"]).tokens("一个不存在的街道名")
    assert "一个不存在的街道名" not in freq
    assert "一个不存在的街道名" not in Tokenizer().words("一个不存在的街道名")
