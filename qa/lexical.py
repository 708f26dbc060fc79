"""Lexical search: jieba tokens, an English→Chinese domain glossary, and BM25 through bm25s."""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from qa.places import matching_text

POSTINGS = "postings.npz"  # written beside the bm25s files, read by incremental updates
SCORE_CHUNK = 1 << 22  # postings scored together by `BM25Builder.build`
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_EN_WORD = re.compile(r"[a-z][a-z'\-]*")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Question words and function words that carry no topic: qa/data/stopwords.txt and every pronoun of jieba's
    dictionary (那个, 这里, 其中, 什么样: the words it tags r), which point at a topic and never name one."""
    text = resources.files("qa.data").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip()) | pronouns()


@lru_cache(maxsize=1)
def pronouns() -> frozenset[str]:
    """The words jieba's dictionary (its dict.txt: word, frequency, part of speech) tags as pronouns."""
    return tagged("r")


@lru_cache(maxsize=1)
def _dictionary_tags() -> dict[str, str]:
    """Each word of jieba's dictionary (its dict.txt: word, frequency, part of speech) with its tag, read once."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    with path.open(encoding="utf-8") as f:
        return {parts[0]: parts[2] for line in f if len(parts := line.split()) == 3}


@lru_cache(maxsize=8)
def tagged(*prefixes: str) -> frozenset[str]:
    """The words jieba's dictionary tags with a tag starting with one of these prefixes."""
    return frozenset(w for w, tag in _dictionary_tags().items() if tag.startswith(prefixes))


@lru_cache(maxsize=1)
def verb_words() -> frozenset[str]:
    """The words jieba's dictionary tags as plain verbs (v: 聘请, 配备, 召开), not verbal nouns (vn: 审查, 培训)."""
    return frozenset(w for w, tag in _dictionary_tags().items() if tag == "v")


@lru_cache(maxsize=1)
def number_units() -> frozenset[str]:
    """The single characters jieba's dictionary tags as numerals or measure words (年, 月, 个, 次, 名): after a digit
    they finish the number (2023年), so they never open a name there."""
    return frozenset(w for w in tagged("m", "q") if len(w) == 1)


@lru_cache(maxsize=1)
def _glossary_rows() -> dict[str, tuple[tuple[str, ...], float]]:
    out: dict[str, tuple[tuple[str, ...], float]] = {}
    text = resources.files("qa.data").joinpath("glossary.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        weight = float(cols[2]) if len(cols) > 2 and cols[2].strip() else 1.0
        out[cols[0].strip().lower()] = (tuple(cols[1].split()), weight)
    return out


def glossary() -> dict[str, tuple[str, ...]]:
    """English term → Chinese terms, for this domain."""
    return {k: v[0] for k, v in _glossary_rows().items()}


def glossary_weight(term: str) -> float:
    """How much an English term says about a question's topic (generic verbs such as 'held' say little)."""
    row = _glossary_rows().get(term)
    return row[1] if row else 1.0


def translate_english(question: str) -> list[tuple[str, tuple[str, ...]]]:
    """Glossary matches in an English question, longest phrase first, each word used once."""
    words = _EN_WORD.findall(question.lower())
    gl = glossary()
    longest = max((len(k.split()) for k in gl), default=1)
    out: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if phrase in gl:
                out.append((phrase, gl[phrase]))
                i += n
                break
            stem = _fold(phrase, gl)
            if stem is None:
                continue
            out.append((stem, gl[stem]))
            i += n
            break
        else:
            i += 1
    return out


def _fold(phrase: str, gl: dict[str, tuple[str, ...]]) -> str | None:
    """Crude plural and tense folding of the phrase's last word: inspections → inspection, handled → handle."""
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e")):
        if phrase.endswith(suffix) and len(phrase) > len(suffix) + 2:
            cand = phrase[: -len(suffix)] + repl
            if cand in gl:
                return cand
    return None


@lru_cache(maxsize=1)
def chinese_vocabulary() -> frozenset[str]:
    """The Chinese terms of qa/data/synonyms.txt (合规率, 调解 …): domain words jieba should keep whole."""
    text = resources.files("qa.data").joinpath("synonyms.txt").read_text(encoding="utf-8")
    return frozenset(
        w for line in text.splitlines() if line.strip() and not line.startswith("#") for w in line.split() if len(w) > 1
    )


@lru_cache(maxsize=1)
def default_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default prefix dictionary (word frequencies, total), read once a process.

    Every `jieba.Tokenizer` reads it again on its first cut (0.6 s of `marshal.load`); a build used to pay that
    twice (town identity's word frequencies, then BM25's tokenizer) and the engine once more.
    """
    import logging

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    _load_jieba_cache(jieba)
    jieba.initialize()  # a no-op when the cache was read; else jieba builds the dictionary and writes its cache
    return jieba.dt.FREQ, jieba.dt.total


def ordinary_words(s: str) -> bool:
    """Whether the string is ordinary words end to end (严格落实 = 严格 + 落实; 充分发挥), by jieba's dictionary: running
    text, not a name, which holds a part no dictionary has (社管办, 德恒)."""
    freq = default_dictionary()[0]
    ok = [True] + [False] * len(s)
    for i in range(1, len(s) + 1):
        ok[i] = any(ok[j] and freq.get(s[j:i], 0) > 0 for j in range(max(0, i - 6), i - 1))
    return ok[len(s)]


def _load_jieba_cache(jieba: Any) -> None:
    """Read jieba's own cache of its default dictionary as jieba would, but from bytes.

    `jieba.initialize` calls `marshal.load` on the open file, which reads it a few bytes at a time (0.48 s for the
    9 MB cache); `marshal.loads` on the whole file gives the same dictionary in 0.14 s. Anything unexpected
    (another dictionary, a custom cache, no cache yet, an unreadable one) leaves it to `jieba.initialize`.
    """
    import marshal
    import os
    import tempfile

    dt = jieba.dt
    if dt.initialized or dt.cache_file or dt.dictionary != jieba.DEFAULT_DICT:
        return
    cache_file = os.path.join(dt.tmp_dir or tempfile.gettempdir(), "jieba.cache")
    try:
        with open(cache_file, "rb") as fh:
            freq, total = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return
    if not isinstance(freq, dict) or not isinstance(total, int):
        return
    with dt.lock:
        if not dt.initialized:
            dt.FREQ, dt.total, dt.initialized = freq, total, True


class Tokenizer:
    """jieba with the corpus's own place names and the Chinese synonym list's terms added, so 西仓镇 and 合规率
    stay one token.

    The English glossary is not fed to it: the glossary serves English questions only, and a new glossary line must
    never change how a Chinese question or report is cut into words (a test holds the Chinese answers fixed).
    """

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        import jieba

        self._jieba = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._words = sorted(set(extra_words) | chinese_vocabulary())
        self._ready = False

    def _init(self) -> None:
        with self._lock:
            if self._ready:
                return
            import logging

            logging.getLogger("jieba").setLevel(logging.WARNING)
            freq, total = default_dictionary()  # what `initialize` would read, copied: add_word changes it
            self._jieba.FREQ, self._jieba.total, self._jieba.initialized = dict(freq), total, True
            for w in self._words:
                self._jieba.add_word(w, freq=20000)
            self._ready = True

    def add_words(self, words: Iterable[str]) -> None:
        """Teach jieba more words (e.g. town names found at load time)."""
        self._init()
        for w in words:
            self._jieba.add_word(w, freq=20000)

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens (whole words plus their parts), lower case, without punctuation or space; traditional
        characters read as simplified (主動公開 and 主动公开 are the same words)."""
        self._init()
        out = []
        for t in self._jieba.cut_for_search(matching_text(text.lower())):
            t = t.strip()
            if t and not _PUNCT.match(t):
                out.append(t)
        return out

    def words(self, text: str) -> list[str]:
        """Precise-mode words (no sub-parts), for key-term extraction."""
        self._init()
        return [t.strip() for t in self._jieba.cut(matching_text(text.lower())) if t.strip() and not _PUNCT.match(t.strip())]


class BM25Builder:
    """BM25 built shard by shard: token lists become (passage, term, count) triples, kept as small int arrays.

    The scores are those of `bm25s.BM25(k1=1.2, b=0.75)` (Lucene variant) over the same token lists, bit for bit,
    without holding every token list as Python strings: memory is the vocabulary plus 12 bytes a distinct term
    of a passage.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {"": 0}  # "" stands for a passage without tokens, as in bm25s
        self._rows: list[np.ndarray] = []
        self._terms: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self.n_docs = 0

    def add(self, token_lists: Iterable[Sequence[str]]) -> None:
        """Append passages, in order."""
        ids: list[int] = []
        lengths: list[int] = []
        vocab = self.vocab
        for toks in token_lists:
            toks = toks or ("",)
            ids.extend(vocab.setdefault(t, len(vocab)) for t in toks)
            lengths.append(len(toks))
        self.add_ids(np.asarray(ids, dtype=np.int64), np.asarray(lengths, dtype=np.int64))

    def add_ids(self, term_ids: np.ndarray, lengths: np.ndarray) -> None:
        """Append passages given as term ids of `vocab` (concatenated) and their lengths."""
        rows = np.repeat(np.arange(self.n_docs, self.n_docs + len(lengths), dtype=np.int64), lengths)
        keys, counts = np.unique((rows << 32) | term_ids.astype(np.int64), return_counts=True)
        self._rows.append((keys >> 32).astype(np.int32))
        self._terms.append((keys & 0xFFFFFFFF).astype(np.int32))
        self._counts.append(counts.astype(np.int32))
        self._lengths.append(lengths.astype(np.int32))
        self.n_docs += len(lengths)

    @classmethod
    def from_postings(cls, vocab: dict[str, int], postings: Postings, k1: float = 1.2, b: float = 0.75) -> BM25Builder:
        """A builder holding the postings a previous build saved, to drop and append passages without re-tokenising."""
        out = cls(k1, b)
        out.vocab = dict(vocab)
        out.vocab.setdefault("", len(out.vocab))
        out._rows, out._terms, out._counts, out._lengths = [postings.rows], [postings.terms], [postings.counts], [postings.lengths]
        out.n_docs = len(postings.lengths)
        return out

    def add_postings(self, terms: Sequence[str], postings: Postings) -> None:
        """Append passages given as postings over another vocabulary (`terms`, by term id), e.g. a delta segment's.

        Terms new to this builder get ids in the order of `terms`, as adding the passages' tokens would give them.
        """
        vocab = self.vocab
        mapping = np.fromiter((vocab.setdefault(t, len(vocab)) for t in terms), dtype=np.int64, count=len(terms))
        self._rows.append((postings.rows.astype(np.int64) + self.n_docs).astype(np.int32))
        self._terms.append(mapping[postings.terms].astype(np.int32) if len(postings.terms) else postings.terms.astype(np.int32))
        self._counts.append(postings.counts.astype(np.int32))
        self._lengths.append(postings.lengths.astype(np.int32))
        self.n_docs += len(postings.lengths)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the passages where `mask` is true; the rest move up, in order."""
        p = self.postings()
        if len(mask) != len(p.lengths):
            raise ValueError(f"a mask of {len(mask)} passages for {len(p.lengths)}")
        new_row = np.cumsum(mask, dtype=np.int64) - 1
        kept = mask[p.rows]
        self._rows = [new_row[p.rows[kept]].astype(np.int32)]
        self._terms, self._counts = [p.terms[kept]], [p.counts[kept]]
        self._lengths = [p.lengths[mask]]
        self.n_docs = int(mask.sum())

    def postings(self) -> Postings:
        """Every (passage, term, count) triple added so far, and each passage's token count."""
        def cat(parts: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, np.int32)

        p = Postings(cat(self._rows), cat(self._terms), cat(self._counts), cat(self._lengths))
        self._rows, self._terms, self._counts, self._lengths = [p.rows], [p.terms], [p.counts], [p.lengths]
        return p

    def build(self) -> BM25Index:
        """The index over every passage added; it keeps the postings, which `BM25Index.save` writes too."""
        import bm25s

        n_vocab = len(self.vocab)
        p = self.postings()
        rows, terms, counts, lengths = p.rows, p.terms, p.counts, p.lengths
        n = self.n_docs
        df = np.bincount(terms, minlength=n_vocab)
        idf = np.zeros(n_vocab, dtype=np.float32)
        for t in np.flatnonzero(df).tolist():
            idf[t] = math.log(1 + (n - int(df[t]) + 0.5) / (int(df[t]) + 0.5))
        avg_len = lengths.mean() if n else np.float64(0)
        data = np.empty(len(terms), dtype=np.float32)
        for s in range(0, len(terms), SCORE_CHUNK):  # a chunk at a time: the float64 temporaries stay small
            e = s + SCORE_CHUNK
            tf = counts[s:e].astype(np.float32)
            tfc = tf / (tf + self.k1 * (1 - self.b + self.b * lengths[rows[s:e]].astype(np.int64) / avg_len))
            data[s:e] = (idf[terms[s:e]] * tfc).astype(np.float32)
            del tf, tfc
        by_term, term_rows = _term_major(data, rows, terms, n, n_vocab)
        del data
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        r = bm25s.BM25(k1=self.k1, b=self.b)
        r.scores = {"data": by_term, "indices": term_rows, "indptr": indptr, "num_docs": n}
        r.vocab_dict = dict(self.vocab)
        r.unique_token_ids_set = set(r.vocab_dict.values())
        r.nonoccurrence_array = None
        words = list(self.vocab)
        doc_freq = {words[t]: int(df[t]) for t in np.flatnonzero(df).tolist() if words[t]}
        index = BM25Index(r, doc_freq, n)
        index.postings = p
        return index


def _term_major(data: np.ndarray, rows: np.ndarray, terms: np.ndarray, n: int, n_vocab: int) -> tuple[np.ndarray, np.ndarray]:
    """The (passage, term) entries ordered by term, then passage: the score matrix's column order.

    Postings in passage order (as `add`, `keep` and `add_postings` leave them) are transposed by scipy's CSR → CSC
    conversion, one counting pass: at 10,000 reports (20M entries) 1.0 s against 1.6 s for a sort of 64-bit keys,
    and without the two 8-byte-per-entry arrays the sort needs. Any other order is sorted.
    """
    if len(rows) and bool(np.all(rows[1:] >= rows[:-1])):
        from scipy.sparse import csr_matrix

        # int32 offsets when they fit, as the term ids are: scipy would otherwise copy the ids to int64
        row_ptr = np.zeros(n + 1, dtype=np.int32 if len(rows) < 2**31 and terms.dtype == np.int32 else np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=row_ptr[1:])
        csc = csr_matrix((data, terms, row_ptr), shape=(n, n_vocab)).tocsc()
        return csc.data.astype(np.float32, copy=False), csc.indices.astype(rows.dtype, copy=False)
    order = np.argsort((terms.astype(np.int64) << 32) | rows.astype(np.int64))
    return data[order], rows[order]


@dataclass(frozen=True)
class Postings:
    """BM25's input kept as arrays: (passage row, term id, count) triples and each passage's token count."""

    rows: np.ndarray
    terms: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray

    def save(self, path: Path) -> None:
        """One uncompressed .npz file."""
        with open(path, "wb") as fh:
            np.savez(fh, rows=self.rows, terms=self.terms, counts=self.counts, lengths=self.lengths)

    @classmethod
    def load(cls, path: Path) -> Postings:
        """Read what `save` wrote."""
        with np.load(path) as z:
            return cls(z["rows"], z["terms"], z["counts"], z["lengths"])


class BM25Index:
    """BM25 over token lists, with scores for every passage so callers can filter and aggregate."""

    def __init__(self, retriever: Any, doc_freq: dict[str, int], n_docs: int) -> None:
        self.postings: Postings | None = None
        self._r = retriever
        self.doc_freq = doc_freq
        self.n_docs = n_docs
        self._vocab: dict[str, int] = dict(getattr(retriever, "vocab_dict", {}) or {})

    @classmethod
    def build(cls, corpus_tokens: Sequence[Sequence[str]]) -> BM25Index:
        """Index token lists; passage i keeps index i."""
        import bm25s

        r = bm25s.BM25(k1=1.2, b=0.75)
        r.index([list(t) if t else [""] for t in corpus_tokens], show_progress=False)
        df: dict[str, int] = {}
        for toks in corpus_tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        return cls(r, df, len(corpus_tokens))

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; an unseen term gets the highest value."""
        n = self.doc_freq.get(term, 0)
        return float(np.log(1 + (self.n_docs - n + 0.5) / (n + 0.5)))

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no token is known)."""
        known = [t for t in query_tokens if t in self._vocab]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._r.get_scores(known), dtype=np.float32)

    def save(self, directory: Path) -> None:
        """Write the bm25s files and the document frequencies."""
        directory.mkdir(parents=True, exist_ok=True)
        self._r.save(str(directory), show_progress=False)
        (directory / "doc_freq.json").write_text(
            json.dumps({"n_docs": self.n_docs, "df": self.doc_freq}, ensure_ascii=False), encoding="utf-8"
        )
        if self.postings is not None:
            self.postings.save(directory / POSTINGS)

    @property
    def vocab(self) -> dict[str, int]:
        """Term → term id of the score matrix (and of the saved postings)."""
        return self._vocab

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read what `save` wrote."""
        import bm25s

        r = bm25s.BM25.load(str(directory), show_progress=False)
        meta = json.loads((directory / "doc_freq.json").read_text(encoding="utf-8"))
        return cls(r, meta["df"], int(meta["n_docs"]))
