"""Hybrid retrieval: dense (FAISS) plus BM25, fused, with a term-coverage check that keeps answers honest."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from embeddings.base import Embedder
from qa.corpus_index import CorpusIndex
from qa.lexical import verb_words
from qa.places import matching_text, to_simplified
from qa.plan import ParsedQuestion, TermGroup

# Term weights and phrase shares are read from at most about this many passages (an even sample beyond it).
SAMPLE = 50_000


@dataclass(frozen=True)
class Hit:
    """A scored passage row."""

    row: int
    score: float
    dense: float
    lexical: float
    coverage: float


_ALL_CJK = re.compile(r"[\u4e00-\u9fff]+")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


class Swept(list[Hit]):
    """A sweep's hits, and how many passages matched lexically (more than `limit` means some were not looked at)."""

    def __init__(self, hits: Iterable[Hit], matching: int, limit: int) -> None:
        super().__init__(hits)
        self.matching = matching
        self.limit = limit

    @property
    def truncated(self) -> bool:
        return self.matching > self.limit


class Retriever:
    """Scores passages for a parsed question, optionally within some documents."""

    def __init__(
        self, index: CorpusIndex, embedder: Embedder, *, dense_weight: float = 0.5, candidates: int = 60
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.candidates = candidates
        # Lexically matching passages an aggregate or comparison looks at; beyond it the answer says so.
        self.sweep_limit = 20_000
        # The question's embedding, for repeated questions: the last 512 (thread-safe).
        self.vector_cache = lru_cache(maxsize=512)(self._embed_question)
        self._lock = threading.Lock()
        self._idf_cache: dict[str, float] = {}
        self._matching: dict[int, str] | None = None
        self._share_cache: dict[str, float] = {}
        self._units: dict[str, frozenset[str]] | None = None
        self._near_cache: dict[str, bool] = {}
        self._parts_cache: dict[str, tuple[str, ...]] = {}

    def query_vector(self, text: str) -> np.ndarray:
        """The question's embedding, cached for repeated questions."""
        return self.vector_cache(text)

    def _embed_question(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0]

    def term_weight(self, group: TermGroup) -> float:
        """IDF of a term group's own wording (not its synonyms) by substring presence; unseen terms weigh most.

        Coverage is judged by substring, so the weight is too (a token count would call 村 rare
        because it hides inside 村规民约). Large corpora are sampled, which is plenty for a weight.
        """
        key = group.forms[0]
        if key.isascii() and not any(ch.isdigit() for ch in key):
            # An English word no glossary entry translates cannot occur in a Chinese report: it takes no part in
            # coverage. How much such words should hold an answer back is the answer model's `unknown_share`.
            return 0.0
        if key not in self._idf_cache:
            step = self._sample_step()
            sample = self.index.passages[::step]
            n = sum(1 for t in self._texts(step) if key in t)
            if n == 0 and not self._occurs(group.forms):
                # A word no report contains (请问, 统计一下, a place name, a misspelling) cannot decide anything:
                # it is neither mandatory nor dominant. Variant wording is left to the dense side.
                self._idf_cache[key] = 0.0
            else:
                self._idf_cache[key] = float(np.log(1 + (len(sample) - n + 0.5) / (n + 0.5)))
        # A one-character term (率, 村) says little about the topic on its own.
        generic = 0.25 if len(key) == 1 and "\u4e00" <= key <= "\u9fff" else 1.0
        return self._idf_cache[key] * group.weight * generic * (1.5 if group.quoted else 1.0)

    def passage_units(self) -> dict[str, frozenset[str]]:
        """passage id → the units of its claims (computed once)."""
        if self._units is None:
            out: dict[str, set[str]] = {}
            for c in self.index.claims:
                out.setdefault(c.passage_id, set()).add(c.unit)
            self._units = {k: frozenset(v) for k, v in out.items()}
        return self._units

    def absent_terms(self, pq: ParsedQuestion) -> list[TermGroup]:
        """The question's Chinese terms that no report contains (they weigh nothing)."""
        return [
            g for g in pq.terms
            if (_CJK_RE.search(g.forms[0]) or any(ch.isdigit() for ch in g.forms[0])) and self.term_weight(g) == 0.0
        ]

    def near_miss(self, phrase: str) -> bool:
        """Whether some passage holds most of a phrase's character pairs (宪法宣传周 for 宪法宣传活动周)."""
        cached = self._near_cache.get(phrase)
        if cached is not None:
            return cached
        grams = {phrase[i : i + 2] for i in range(len(phrase) - 1)}
        need = 0.75 * len(grams)
        found = len(grams) >= 3 and any(sum(1 for g in grams if g in t) >= need for t in self._texts())
        with self._lock:
            self._near_cache[phrase] = found  # a scan of every passage, done once per phrase
        return found

    def passage_share(self, phrase: str) -> float:
        """The share of (a sample of) passages containing phrase; cached like the term weights."""
        if phrase not in self._share_cache:
            texts = list(self.sample_texts())
            self._share_cache[phrase] = sum(1 for t in texts if phrase in t) / len(texts) if texts else 0.0
        return self._share_cache[phrase]

    def collocate(self, terms: Sequence[TermGroup], question: str) -> tuple[TermGroup, ...]:
        """Adjacent question words the reports write as one phrase are one term (党政+主要+负责人 → 党政主要负责人):
        a word that occurs mostly inside the phrase adds nothing the phrase does not, and three words of one
        subject would otherwise outweigh the one word that names the topic (述法)."""
        out: list[TermGroup] = []
        # The topic word itself (the rarest) stays a term of its own: 领导干部述法 must not hide 述法.
        topic = max(terms, key=self.term_weight) if terms else None
        for g in terms:
            prev = out[-1] if out else None
            if (
                prev is not None and topic is not None and topic.forms[0] not in prev.forms[0] and g is not topic
                and len(prev.forms) == 1 and len(g.forms) == 1 and not prev.quoted and not g.quoted
                and prev.weight == g.weight == 1.0 and _CJK_RE.search(prev.forms[0]) and _CJK_RE.search(g.forms[0])
                and (phrase := prev.forms[0] + g.forms[0]) in question
            ):
                both = self.passage_share(phrase)
                rarer = min(self.passage_share(prev.forms[0]), self.passage_share(g.forms[0]))
                if both > 0 and both >= 0.5 * rarer:
                    # The reports write a verb and its object either way round (焚烧秸秆, 秸秆焚烧多发期).
                    swapped = g.forms[0] + prev.forms[0]
                    out[-1] = TermGroup((phrase, swapped) if self.passage_share(swapped) > 0 else (phrase,))
                    continue
            out.append(g)
        return tuple(out)

    def affix_forms(self, terms: Sequence[TermGroup]) -> tuple[TermGroup, ...]:
        """A Chinese term no report contains that is a word the reports use plus one trailing character (网格化 →
        网格) is read as that word too: the reports write the same thing without the affix. A trailing measure
        character (率, 数, 量, 额) changes what is measured and is kept; a quoted name is kept as written."""
        out: list[TermGroup] = []
        for g in terms:
            key = g.forms[0]
            stem = key[:-1]
            if (g.quoted or len(g.forms) > 1 or len(key) < 3 or not _ALL_CJK.fullmatch(key) or key[-1] in "率数量额"
                    or self.term_weight(g) > 0 or self.term_weight(TermGroup((stem,))) == 0):
                out.append(g)
                continue
            out.append(TermGroup((stem, key), g.weight))
        return tuple(out)

    def sample_texts(self) -> Iterator[str]:
        """Passages' texts as words are matched in them, every one up to SAMPLE passages and an even sample of that
        many beyond: what term weights, phrase shares and fixed-number names are read from (a bounded cost)."""
        return self._texts(self._sample_step())

    def _sample_step(self) -> int:
        return max(1, len(self.index.passages) // SAMPLE)

    def _texts(self, step: int = 1) -> Iterator[str]:
        """Every `step`-th passage's text as words are matched in it (qa.places.matching_text): the few passages in
        traditional script or with a mirror site's pinyin glosses are read once and kept; the rest as they are."""
        if self._matching is None:
            variants: dict[int, str] = {}
            for i, p in enumerate(self.index.passages):
                m = matching_text(p.text)
                if m != p.text:
                    variants[i] = m
            self._matching = variants
        variants = self._matching
        passages = self.index.passages
        for i in range(0, len(passages), step):
            yield variants.get(i, passages[i].text)

    def _occurs(self, forms: tuple[str, ...]) -> bool:
        """Whether any form occurs in any passage (or, for a long term, all of its words do somewhere)."""
        if any(f in t for t in self._texts() for f in forms):
            return True
        parts = self.term_parts(forms[0]) if len(forms[0]) >= 4 else ()
        return len(parts) > 1 and all(any(w in t for t in self._texts()) for w in parts)

    def term_parts(self, term: str) -> tuple[str, ...]:
        """The words (two characters or more) of a long term, segmented once and remembered."""
        parts = self._parts_cache.get(term)
        if parts is None:
            parts = tuple(t for t in self.index.tokenizer.words(term) if len(t) > 1)
            with self._lock:
                if len(self._parts_cache) > 4096:
                    self._parts_cache.clear()
                self._parts_cache[term] = parts
        return parts

    def coverage(self, pq: ParsedQuestion, row: int, text: str | None = None) -> float:
        """IDF-weighted share of the question's term groups that the passage contains.

        Terms found only in the passage's section headings count half: headings are context, not the quote.
        """
        if not pq.terms:
            return 1.0
        if text is None:
            p = self.index.passages[row]
            text = p.text
            path = (p.section or "").split(" > ")
            heading = to_simplified("｜".join(path[:-1] if p.is_heading else path))
        else:
            heading = ""
        text = matching_text(text)  # a report in traditional characters matches a question in simplified ones
        total = got = 0.0
        for g in pq.terms:
            w = self.term_weight(g)
            total += w
            if any(f in text for f in g.forms):
                got += w
            elif heading and any(f in heading for f in g.forms):
                got += 0.5 * w
            elif len(g.forms[0]) >= 4:
                parts = self.term_parts(g.forms[0])
                if len(parts) > 1:
                    got += 0.5 * w * sum(1 for t in parts if t in text) / len(parts)
        return got / total if total else 1.0

    def focal_forms(self, pq: ParsedQuestion) -> tuple[str, ...] | None:
        """The forms of the question's rarest (heaviest) term; None when it has no terms."""
        if not pq.terms:
            return None
        weighted = [g for g in pq.terms if self.term_weight(g) > 0]
        if not weighted:
            return None
        # The thing asked about, not the action on it (聘请或配备法律顾问: 法律顾问, however rare 聘请 is). An English
        # question's verbs are glossary readings of its own verbs (lost → 败诉), which name the topic: kept.
        verbs = verb_words() if pq.lang == "zh" else frozenset()
        things = [g for g in weighted if not all(f in verbs for f in g.forms)]
        return max(things or weighted, key=self.term_weight).forms

    def rows_of(self, doc_ids: Iterable[str] | None) -> np.ndarray | None:
        """Passage rows of the given documents (None = all, also when they are every document)."""
        if doc_ids is None:
            return None
        wanted = doc_ids if isinstance(doc_ids, (set, frozenset)) else set(doc_ids)
        if len(wanted) >= len(self.index.doc_rows) and wanted.issuperset(self.index.doc_rows):
            return None
        parts = [self.index.doc_rows[d] for d in wanted if d in self.index.doc_rows]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def sweep(
        self,
        pq: ParsedQuestion,
        doc_ids: Iterable[str] | None = None,
        limit: int | None = None,
        require_any: Sequence[str] | None = None,
    ) -> Swept:
        """Every passage with a lexical match (up to `limit`, best BM25 first) plus the dense top-k, scored.

        Aggregates use this instead of a global top-k: a town qualifies on its own evidence, however many
        other towns have stronger matches, and only passages sharing a term with the question are examined.
        With `require_any`, passages containing none of those forms are left out before they are scored
        (the aggregate discards them anyway), which keeps an aggregate over 10,000 reports cheap.
        """
        limit = limit or self.sweep_limit
        allowed = self.rows_of(doc_ids)
        if allowed is not None and len(allowed) == 0:
            return Swept([], matching=0, limit=limit)
        rows: dict[int, float] = {}
        matching = 0
        if pq.lexical_query:
            lex_all = self.index.bm25.scores(list(pq.lexical_query))
            pool = lex_all if allowed is None else lex_all[allowed]
            nz = np.flatnonzero(pool > 0)
            matching = len(nz)
            if len(nz) > limit:
                nz = nz[np.argsort(-pool[nz])[:limit]]
            top = float(pool[nz].max()) if len(nz) else 1.0
            for j in nz:
                rows[int(j) if allowed is None else int(allowed[j])] = float(pool[j]) / top
        qv = self.query_vector(pq.query_text or pq.text)
        _, d_ids = self.index.vectors.search(qv, self.candidates * 2, allowed)
        for i in d_ids[0]:
            if i >= 0:
                rows.setdefault(int(i), 0.0)
        hits = []
        passages = self.index.passages
        for r, lex in rows.items():
            if require_any is not None and not any(f in passages[r].text for f in require_any):
                continue
            cov = self.coverage(pq, r)
            hits.append(Hit(r, cov + 0.3 * lex, 0.0, lex, cov))
        hits.sort(key=lambda h: -h.score)
        return Swept(hits, matching=matching, limit=limit)

    def search(self, pq: ParsedQuestion, doc_ids: Iterable[str] | None = None, k: int | None = None) -> list[Hit]:
        """Fused hits, best first, among the given documents' passages."""
        k = k or self.candidates
        allowed = self.rows_of(doc_ids)
        if allowed is not None and len(allowed) == 0:
            return []
        qv = self.query_vector(pq.query_text or pq.text)
        d_scores, d_ids = self.index.vectors.search(qv, k, allowed)
        dense = {int(i): float(s) for i, s in zip(d_ids[0], d_scores[0], strict=True) if i >= 0}
        lex_all = self.index.bm25.scores(list(pq.lexical_query)) if pq.lexical_query else None
        lexical: dict[int, float] = {}
        if lex_all is not None:
            pool = lex_all if allowed is None else lex_all[allowed]
            top = np.argsort(-pool)[: k * 2]
            for j in top:
                if pool[j] <= 0:
                    break
                row = int(j) if allowed is None else int(allowed[j])
                lexical[row] = float(pool[j])
        rows = set(dense) | set(lexical)
        if not rows:
            return []
        missing = [r for r in rows if r not in dense]
        if missing:
            vecs = self.index.vectors.reconstruct(missing)
            for r, v in zip(missing, vecs @ qv, strict=True):
                dense[r] = float(v)
        max_lex = max(lexical.values(), default=0.0) or 1.0
        wd = self.dense_weight
        hits = []
        for r in rows:
            cov = self.coverage(pq, r)
            lex = lexical.get(r, 0.0) / max_lex
            score = wd * dense[r] + (1 - wd) * lex + 0.5 * cov
            hits.append(Hit(r, score, dense[r], lex, cov))
        hits.sort(key=lambda h: -h.score)
        return hits
