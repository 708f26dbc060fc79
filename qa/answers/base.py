"""What every answer kind shares: the index, the retriever, citations with the score the decision used, town
labels, the clause of a passage to show, and the not-found answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from qa.answers.clauses import asked_figure
from qa.corpus_index import CorpusIndex
from qa.plan import ParsedQuestion
from qa.retrieval import Retriever
from qa.types import Answer, Citation, Claim, Document, Passage, content_id


@lru_cache(maxsize=4096)
def pinyin_name(town: str) -> str:
    """'和谦镇' → 'Heqian'."""
    from pypinyin import lazy_pinyin

    from qa.metadata import town_aliases

    return "".join(lazy_pinyin(town_aliases(town)[-1])).capitalize()


@dataclass(frozen=True)
class Evidence:
    """One passage chosen as evidence, with an optional clause to show in the answer text."""

    passage: Passage
    display: str | None = None
    claim: Claim | None = None


_SCORES: ContextVar[dict[int, float] | None] = ContextVar("relevance_scores", default=None)


class ComposerBase:
    """The index and retriever an answer is composed from, and the pieces every answer kind uses."""

    def __init__(
        self,
        index: CorpusIndex,
        retriever: Retriever,
        *,
        min_coverage: float = 0.6,
        max_citations: int = 8,
        max_listed: int = 200,
    ):
        self.index = index
        self.retriever = retriever
        self.min_coverage = min_coverage
        self.max_citations = max_citations
        self.max_listed = max_listed

    @property
    def scores(self) -> dict[int, float]:
        """Relevance of the passages looked at for the question being composed (per request, thread-safe)."""
        d = _SCORES.get()
        if d is None:
            d = {}
            _SCORES.set(d)
        return d

    def doc(self, doc_id: str) -> Document:
        return self.index.documents[doc_id]

    def passages_of(self, doc_id: str) -> list[Passage]:
        return [self.index.passages[int(r)] for r in self.index.doc_rows.get(doc_id, [])]

    def passage_at(self, doc_id: str, offset: int) -> Passage | None:
        for r in self.index.doc_rows.get(doc_id, []):
            p = self.index.passages[int(r)]
            if p.start <= offset < p.end:
                return p
        return None

    def span(self, doc_id: str, start: int, end: int, section: str | None = None, paragraph: int = 0) -> Passage:
        """A stretch of a report's text as a citable passage (a heading with its first sentence, a header line)."""
        return Passage(content_id(doc_id, str(start), str(end)), doc_id, start, end, self.doc(doc_id).text[start:end],
                       section, paragraph)

    def citation(self, n: int, p: Passage) -> Citation:
        d = self.doc(p.doc_id)
        m = d.metadata
        row = self.index.passage_row.get(p.passage_id)
        score = self.scores.get(row) if row is not None else None
        return Citation(
            n, d.doc_id, d.source, m.town, m.year, m.title, p.section, p.text, p.start, p.end,
            round(score, 3) if score is not None else None, m.county, m.province, m.town_code, d.page_of(p.start), m.source_url,
        )

    def town_label(self, town: str | None, lang: str) -> str:
        if not town:
            return "(unknown town)" if lang == "en" else "(未知乡镇)"
        return f"{pinyin_name(town)} ({town})" if lang == "en" else town

    def not_found(self, pq: ParsedQuestion, reason: str | None, related: Sequence[Passage] = ()) -> Answer:
        if pq.lang == "en":
            text = "The reports do not say." + (f" ({reason})" if reason else "")
            if related:
                text += " Related passages are listed below; they do not answer the question."
        else:
            text = "报告中没有找到相关内容，无法回答。" + (f"（{reason}）" if reason else "")
            if related:
                text += " 下列相关段落仅供参考，并不回答该问题。"
        rel = tuple(self.citation(i + 1, p) for i, p in enumerate(related[:3]))
        return Answer(pq.text, text, "not_found", (), (), related=rel)

    def display_clause(self, pq: ParsedQuestion, p: Passage) -> str:
        """The clause of a passage that best answers the question (the sentence when it is short)."""
        if len(p.text) <= 60:
            return p.text
        clauses = [c for c in re.split(r"(?<=[，,；;：:])", p.text) if c.strip()]
        if not clauses:
            return p.text
        asked = asked_figure(pq)
        best = max(
            range(len(clauses)),
            key=lambda i: (
                # A how-many answer shows the number asked for (a rate question, the rate).
                1 if asked is not None and asked.search(clauses[i]) else 0,
                self.retriever.coverage(pq, -1, clauses[i]),
                1 if (pq.numeric and re.search(r"\d", clauses[i])) else 0,
            ),
        )
        text = clauses[best]
        if len(text.rstrip("，,；;：:")) < 12 and best + 1 < len(clauses):
            text += clauses[best + 1]  # joined as written: the comma between them stays
        return text.rstrip("，,；;：:")


def short(text: str, limit: int = 60) -> str:
    """The text, cut at `limit` characters with … marking the omission."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_per_town(index: CorpusIndex, doc_ids: Sequence[str]) -> list[str]:
    """Each town's newest document."""
    seen: dict[str | None, str] = {}
    for d in doc_ids:
        doc = index.documents[d]
        t = doc.metadata.town
        if t not in seen or (doc.metadata.year or 0) > (index.documents[seen[t]].metadata.year or 0):
            seen[t] = d
    return list(seen.values())
