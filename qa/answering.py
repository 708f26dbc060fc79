"""Deciding which kind of answer a planned question gets, after the checks that make it not_found outright.

Each kind lives in its own module under qa/answers/ (fact, listing, aggregate, compare, table, metadata, corpus);
this module only routes. Scope comes from qa/scope.py, relevance from the fitted model in qa/relevance.py.
"""

from __future__ import annotations

from qa.answers.aggregate import aggregate_answer, complement_answer, region_towns_answer
from qa.answers.base import _SCORES, ComposerBase
from qa.answers.compare import compare_answer
from qa.answers.corpus import corpus_answer
from qa.answers.fact import fact_answer, per_town_answer
from qa.answers.metadata import region_answer, year_answer
from qa.answers.table import table_answer
from qa.places import matching_text
from qa.plan import ParsedQuestion
from qa.relevance import specific, unknown_share
from qa.scope import scope_documents
from qa.types import Answer, Filters

_NO_TOPIC = ("region", "year")  # intents answered from metadata, not from a topic


class Composer(ComposerBase):
    """Turns a parsed question into an Answer using the index and the retriever."""

    def candidate_docs(self, pq: ParsedQuestion, filters: Filters | None) -> tuple[list[str], str | None]:
        """Documents the question may draw on, or (empty, reason) when the corpus has none."""
        return scope_documents(self.index, pq, filters)

    def compose(self, pq: ParsedQuestion, filters: Filters | None = None) -> Answer:
        """The answer to a parsed question."""
        token = _SCORES.set({})
        try:
            return self._compose(pq, filters)
        finally:
            _SCORES.reset(token)

    def _compose(self, pq: ParsedQuestion, filters: Filters | None) -> Answer:
        if pq.missing_regions and not pq.towns:
            have = sorted({d.metadata.province or "?" for d in self.index.documents.values()})
            return self.not_found(
                pq, f"no report from {'、'.join(pq.missing_regions)} in the index (it has reports from {'、'.join(have)})"
            )
        only: set[str] | None = None
        if pq.unknown_towns and not pq.towns:
            # A report whose own town could not be read (an excerpt that names it once, in passing) may still be
            # the one asked about: those that write the name are searched, never reports of identified towns.
            only = {d for d, doc in self.index.documents.items() if not doc.metadata.town
                    and any(t in matching_text(doc.text) for t in pq.unknown_towns)}
            if not only:
                return self.not_found(pq, f"no report for {'、'.join(pq.unknown_towns)} in the index")
        doc_ids, reason = self.candidate_docs(pq, filters)
        if only is not None:
            doc_ids = [d for d in doc_ids if d in only]
        if not doc_ids:
            return self.not_found(pq, reason)
        if pq.intent == "corpus":
            return corpus_answer(self, pq, pq.towns)
        if pq.intent not in _NO_TOPIC:
            unanswerable = self._unanswerable(pq)
            if unanswerable:
                return self.not_found(pq, unanswerable)
        if pq.intent == "region":
            return region_answer(self, pq, doc_ids)
        if pq.intent == "year":
            return year_answer(self, pq, doc_ids)
        if pq.intent == "compare":
            return compare_answer(self, pq, doc_ids)
        if pq.intent == "table":
            return table_answer(self, pq, doc_ids)
        if pq.intent == "aggregate":
            if pq.complement:
                return complement_answer(self, pq, doc_ids)
            if pq.regions and not pq.terms:
                return region_towns_answer(self, pq, doc_ids)
            return aggregate_answer(self, pq, doc_ids)
        if len(pq.towns) > 1 and pq.intent in ("fact", "list"):
            return per_town_answer(self, pq, doc_ids)
        return fact_answer(self, pq, doc_ids)

    def _unanswerable(self, pq: ParsedQuestion) -> str | None:
        """Why no report can speak of the question's topic, or None when one may."""
        absent = self.retriever.absent_terms(pq)
        named = [g for g in absent if g.quoted and not self.retriever.near_miss(g.forms[0])]
        if named:
            # A quoted name (“枫桥经验”, “一村一法律顾问”) that no report uses: the reports do not speak of it.
            return f"no report mentions {'、'.join(f'“{g.forms[0]}”' for g in named)}"
        if pq.terms and not any(self.retriever.term_weight(g) for g in pq.terms):
            return "none of the question's words occur in the reports"
        if unknown_share(pq) > 0 and not specific(self.retriever, pq):
            # "What is the unemployment rate…": the topic word is unknown and what is left (率) names no topic.
            return "the question's topic words are not in the reports or the glossary"
        if absent and len(absent) == len(pq.terms):
            return f"no report mentions {'、'.join(g.forms[0] for g in absent)}"
        return None
