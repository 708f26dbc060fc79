"""Answer composition: facts, lists, aggregates over every document, comparisons of parsed numbers,
metadata questions, and a plain "the reports do not say" when the evidence is not there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache

from qa.answers.corpus import corpus_answer
from qa.answers.table import table_answer
from qa.corpus_index import CorpusIndex
from qa.question import PLAN_Q, PLAN_SECTION, ParsedQuestion
from qa.relevance import (
    answer_features,
    relevance_model,
    rescore,
    score_hits,
    specific,
    unknown_share,
    wanted_units,
)
from qa.retrieval import Hit, Retriever
from qa.structure import INLINE_ITEM
from qa.types import Answer, Citation, Claim, Document, Filters, Passage

COUNT_UNITS = {"件", "起", "次", "个", "人次", "批次", "份", "条", "场", "场次", "人", "名", "户", "家", "项", "批"}
_TRAINING = re.compile(r"考试|参训|培训|学法|参学|考核|测试")


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


class Composer:
    """Turns a parsed question into an Answer using the index and the retriever."""

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
    def _scores(self) -> dict[int, float]:
        """Relevance of the passages looked at for the question being composed (per request, thread-safe)."""
        d = _SCORES.get()
        if d is None:
            d = {}
            _SCORES.set(d)
        return d

    # ---- shared pieces ------------------------------------------------------------------------------

    def doc(self, doc_id: str) -> Document:
        return self.index.documents[doc_id]

    def citation(self, n: int, p: Passage) -> Citation:
        d = self.doc(p.doc_id)
        m = d.metadata
        row = self.index.passage_row.get(p.passage_id)
        score = self._scores.get(row) if row is not None else None
        return Citation(
            n, d.doc_id, d.source, m.town, m.year, m.title, p.section, p.text, p.start, p.end,
            round(score, 3) if score is not None else None, m.county, m.province, m.town_code, m.source_url,
        )

    def town_label(self, town: str | None, lang: str) -> str:
        if not town:
            return "(unknown town)" if lang == "en" else "(未知乡镇)"
        return f"{pinyin_name(town)} ({town})" if lang == "en" else town

    def passage_at(self, doc_id: str, offset: int) -> Passage | None:
        for r in self.index.doc_rows.get(doc_id, []):
            p = self.index.passages[int(r)]
            if p.start <= offset < p.end:
                return p
        return None

    def candidate_docs(self, pq: ParsedQuestion, filters: Filters | None) -> tuple[list[str], str | None]:
        """Documents the question may draw on, or (empty, reason) when the corpus has none."""
        docs = list(self.index.documents.values())
        towns = list(pq.towns)
        if filters and filters.town:
            ft = filters.town
            match = [t for t in self.index.towns if t == ft or t.startswith(ft) or ft.startswith(t)]
            if not match:
                return [], f"no report for {ft} in the index"
            towns = [t for t in towns if t in match] or match
        if len(towns) == 1:
            docs = list(self.index.documents_by_town.get(towns[0], ()))
        elif towns:
            docs = [d for d in docs if d.metadata.town in towns]
        if pq.regions and not towns:
            docs = [d for d in docs if {d.metadata.province, d.metadata.city, d.metadata.county} & set(pq.regions)]
        years = list(pq.years)
        if filters and filters.year:
            # A filter is exact: no report of that year means no answer, never another year's report.
            by_year = [d for d in docs if d.metadata.year == filters.year]
            if not by_year:
                have = sorted({(d.metadata.town or "?", d.metadata.year) for d in docs}, key=lambda x: (x[0], x[1] or 0))
                have_txt = "、".join(f"{t} {y}年" for t, y in have)
                return [], f"no {filters.year} report matches the filter (the index has: {have_txt})"
            docs = by_year
            years = []
        if years and docs:
            by_year = [d for d in docs if d.metadata.year in years]
            if not by_year:
                # A report may speak of a later year (2025年工作思路 in a 2024 report).
                by_year = [d for d in docs if any(f"{y}年" in (p.section or "") for y in years for p in self._passages(d.doc_id))]
            if not by_year and PLAN_Q.search(pq.text):
                # "2025年的计划" is in the 2024 report's 下一步 section.
                by_year = [d for d in docs if d.metadata.year is not None and d.metadata.year + 1 in years]
            if not by_year and pq.soft_years:
                by_year = docs
            if not by_year:
                have = sorted({(d.metadata.town or "?", d.metadata.year) for d in docs}, key=lambda x: (x[0], x[1] or 0))
                have_txt = "、".join(f"{t} {y}年" for t, y in have)
                return [], f"the index has no {'/'.join(map(str, years))} report for this question (it has: {have_txt})"
            docs = by_year
        if pq.year_scope == "latest" and docs:
            newest: dict[str | None, Document] = {}
            for d in docs:
                t = d.metadata.town
                if t not in newest or (d.metadata.year or 0) > (newest[t].metadata.year or 0):
                    newest[t] = d
            docs = list(newest.values())
        return [d.doc_id for d in docs], None

    def _passages(self, doc_id: str) -> list[Passage]:
        return [self.index.passages[int(r)] for r in self.index.doc_rows.get(doc_id, [])]

    def not_found(self, pq: ParsedQuestion, reason: str | None, related: Sequence[Passage] = ()) -> Answer:
        if pq.lang == "en":
            text = "The reports do not say." + (f" ({reason})" if reason else "")
            if related:
                text += " Related passages are listed below; they do not answer the question."
        else:
            text = "报告中没有找到相关内容，无法回答。" + (f"（{_zh_reason(reason)}）" if reason else "")
            if related:
                text += " 下列相关段落仅供参考，并不回答该问题。"
        rel = tuple(self.citation(i + 1, p) for i, p in enumerate(related[:3]))
        return Answer(pq.text, text, "not_found", (), (), related=rel)

    # ---- entry point ------------------------------------------------------------------------------------

    def compose(self, pq: ParsedQuestion, filters: Filters | None = None) -> Answer:
        """The answer to a parsed question."""
        token = _SCORES.set({})
        try:
            return self._compose(pq, filters)
        finally:
            _SCORES.reset(token)

    def _compose(self, pq: ParsedQuestion, filters: Filters | None = None) -> Answer:
        if pq.missing_regions and not pq.towns:
            have = sorted({d.metadata.province or "?" for d in self.index.documents.values()})
            return self.not_found(
                pq, f"no report from {'、'.join(pq.missing_regions)} in the index (it has reports from {'、'.join(have)})"
            )
        if pq.unknown_towns and not pq.towns:
            names = "、".join(pq.unknown_towns)
            return self.not_found(pq, f"no report for {names} in the index")
        doc_ids, reason = self.candidate_docs(pq, filters)
        if not doc_ids:
            return self.not_found(pq, reason)
        if pq.intent == "corpus":
            return corpus_answer(self, pq, pq.towns)
        absent = self.retriever.absent_terms(pq)
        named = [g for g in absent if g.quoted and not self.retriever.near_miss(g.forms[0])]
        if named and pq.intent not in ("region", "year"):
            # A quoted name (“枫桥经验”, “一村一法律顾问”) that no report uses: the reports do not speak of it.
            words = "、".join(f"“{g.forms[0]}”" for g in named)
            return self.not_found(pq, f"no report mentions {words}")
        if pq.terms and pq.intent not in ("region", "year") and not any(self.retriever.term_weight(g) for g in pq.terms):
            # Nothing in the question can be looked for: every word is unknown to the reports and the glossary.
            return self.not_found(pq, "none of the question's words occur in the reports")
        if pq.intent not in ("region", "year") and unknown_share(pq) > 0 and not specific(self.retriever, pq):
            # "What is the unemployment rate…": the topic word is unknown and what is left (率) names no topic.
            return self.not_found(pq, "the question's topic words are not in the reports or the glossary")
        if absent and len(absent) == len(pq.terms) and pq.intent not in ("region", "year"):
            # Every topic word is one no report uses: the reports do not speak of it.
            words = "、".join(g.forms[0] for g in absent)
            return self.not_found(pq, f"no report mentions {words}")
        if pq.intent == "region":
            return self.region(pq, doc_ids)
        if pq.intent == "year":
            return self.year(pq, doc_ids)
        if pq.intent == "compare":
            return self.compare(pq, doc_ids)
        if pq.intent == "table":
            return table_answer(self, pq, doc_ids)
        if pq.intent == "aggregate":
            if pq.regions and not pq.terms:
                return self.towns_in_region(pq, doc_ids)
            return self.aggregate(pq, doc_ids)
        if len(pq.towns) > 1 and pq.intent in ("fact", "list"):
            return self.fact_per_town(pq, doc_ids)
        return self.fact(pq, doc_ids)

    def towns_in_region(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        """"Which towns are in 重庆?": the towns whose reports name that region, each cited where they do."""
        cites: list[Citation] = []
        for doc_id in _one_per_town(self.index, doc_ids):
            m = self.doc(doc_id).metadata
            span = m.region_span or m.town_span
            p = self.passage_at(doc_id, span.start) if span else None
            if p is not None:
                cites.append(self.citation(len(cites) + 1, p))
        if not cites:
            return self.not_found(pq, "no report names that region")
        towns = tuple(c.town for c in cites if c.town)
        where = "、".join(pq.regions)
        labels = [f"{self.town_label(c.town, pq.lang)}[{c.n}]" for c in cites]
        text = (
            f"{len(cites)} town(s) in {where}: " + ", ".join(labels) + "."
            if pq.lang == "en"
            else f"{where}共{len(cites)}个：" + "、".join(labels) + "。"
        )
        return Answer(pq.text, text, "aggregate", towns, tuple(cites))

    def fact_per_town(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        """"A和B分别…": each named town answered on its own, and a town without evidence said so."""
        chosen: list[Evidence] = []
        missing: list[str] = []
        for town in pq.towns:
            sub = replace(pq, towns=(town,))
            town_docs = [d for d in doc_ids if self.doc(d).metadata.town == town]
            one = self.fact(sub, town_docs) if town_docs else None
            if one is None or one.kind == "not_found":
                missing.append(town)
                continue
            for c in one.citations[:2]:
                p = self.passage_at(c.doc_id, c.start)
                if p is not None:
                    chosen.append(Evidence(p, self._display_clause(pq, p)))
        if not chosen:
            return self.not_found(pq, None)
        answer = self._fact_answer(pq, chosen)
        if missing:
            names = "、".join(self.town_label(t, pq.lang) for t in missing)
            note = f"\nThe reports of {names} do not say." if pq.lang == "en" else f"\n{names}：报告中没有找到相关内容。"
            answer = replace(answer, answer=answer.answer + note)
        return answer

    # ---- metadata questions -------------------------------------------------------------------------

    def region(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        parts: list[str] = []
        cites: list[Citation] = []
        for doc_id in _one_per_town(self.index, doc_ids):
            m = self.doc(doc_id).metadata
            region = "".join(x for x in (m.province, m.city, m.county) if x)
            if not m.county and not m.city:
                continue
            p = self.passage_at(doc_id, m.region_span.start) if m.region_span else None
            if p is None:
                continue
            cites.append(self.citation(len(cites) + 1, p))
            label = self.town_label(m.town, pq.lang)
            parts.append(
                f"{label} is in {region} [{len(cites)}]" if pq.lang == "en" else f"{label}属于{region}[{len(cites)}]"
            )
        if not cites:
            return self.not_found(pq, "the reports do not name their county or district")
        towns = tuple(c.town for c in cites if c.town)
        return Answer(pq.text, ("; ".join(parts) + ".") if pq.lang == "en" else "；".join(parts) + "。", "fact", towns, tuple(cites))

    def year(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        parts: list[str] = []
        cites: list[Citation] = []
        for doc_id in doc_ids:
            d = self.doc(doc_id)
            m = d.metadata
            if m.year is None or m.year_span is None:
                continue
            p = self.passage_at(doc_id, m.year_span.start)
            if p is None:
                continue
            cites.append(self.citation(len(cites) + 1, p))
            label = self.town_label(m.town, pq.lang)
            dated = (f", dated {m.date}" if pq.lang == "en" else f"，落款/发布日期{m.date}") if m.date else ""
            parts.append(
                f"{label}: the {m.year} report{dated} [{len(cites)}]"
                if pq.lang == "en"
                else f"{label}：{m.year}年的报告{dated}[{len(cites)}]"
            )
        if not cites:
            return self.not_found(pq, "the reports do not state their year")
        towns = tuple(dict.fromkeys(c.town for c in cites if c.town))
        sep = "; " if pq.lang == "en" else "；"
        return Answer(pq.text, sep.join(parts) + ("." if pq.lang == "en" else "。"), "fact", towns, tuple(cites))

    # ---- facts and lists ----------------------------------------------------------------------------

    def fact(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        hits = self.retriever.search(pq, doc_ids)
        # The fitted relevance model decides (qa/relevance.py); its probability orders the evidence.
        model = relevance_model()
        scored = score_hits(self.retriever, pq, hits)
        self._scores.update({h.row: prob for prob, h, _ in scored})
        if not scored or model.answerable(answer_features(self.retriever, pq, scored)) < model.answer_threshold:
            return self.not_found(pq, None, [self.index.passages[h.row] for _, h, _ in scored[:2]])
        good = [h for prob, h, _ in scored if prob >= model.passage_threshold]
        if PLAN_Q.search(pq.text) and pq.towns:
            # A question about a town's plans is answered from its report's plan section when it has one.
            in_plan = [h for _, h, _ in scored if PLAN_SECTION.search(self.index.passages[h.row].section or "")]
            good = in_plan[:6] or good
        if not good:
            return self.not_found(pq, None, [self.index.passages[h.row] for h in hits[:2]])
        if pq.numeric:
            wanted = wanted_units(pq)
            units = self.retriever.passage_units()
            with_numbers = [h for h in good if wanted(units.get(self.index.passages[h.row].passage_id, frozenset()))]
            if not with_numbers:
                return self.not_found(pq, "no figure for this in the reports", [self.index.passages[h.row] for h in good[:2]])
            good = with_numbers + [h for h in good if h not in with_numbers]
        chosen: list[Evidence] = []
        if pq.intent == "list":
            chosen = self.list_items(pq, good)
        if not chosen:
            per_town = 3 if len({self.doc(self.index.passages[h.row].doc_id).metadata.town for h in good[:6]}) == 1 else 2
            chosen = self._diverse(pq, good, per_town, by_year=pq.year_scope == "all")
        return self._fact_answer(pq, chosen)

    def _diverse(self, pq: ParsedQuestion, hits: Sequence[Hit], per_town: int, by_year: bool = False) -> list[Evidence]:
        """The best hits, at most `per_town` per town (per town and year for 历年 questions)."""
        out: list[Evidence] = []
        counts: dict[object, int] = {}
        top = hits[0].score
        for h in hits:
            if h.score < top - 0.35 and len(out) >= 1:
                break
            p = self.index.passages[h.row]
            meta = self.doc(p.doc_id).metadata
            town: object = (meta.town, meta.year) if by_year else meta.town
            if counts.get(town, 0) >= per_town:
                continue
            counts[town] = counts.get(town, 0) + 1
            out.append(Evidence(p, self._display_clause(pq, p)))
            if len(out) >= min(self.max_citations, max(3, per_town * max(1, len(pq.towns)))):
                break
        return out

    def _display_clause(self, pq: ParsedQuestion, p: Passage) -> str:
        """The clause of a passage that best answers the question (the sentence when it is short)."""
        if len(p.text) <= 60:
            return p.text
        clauses = [c for c in re.split(r"(?<=[，,；;：:])", p.text) if c.strip()]
        if not clauses:
            return p.text
        asked = _asked_figure(pq)
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

    def list_items(self, pq: ParsedQuestion, hits: Sequence[Hit]) -> list[Evidence]:
        """For "有哪些问题/思路" questions: the items under the best-matching section heading."""
        best_section: tuple[str, str] | None = None
        for h in hits[:8]:
            p = self.index.passages[h.row]
            heads = [p.text] if p.is_heading else []
            heads += (p.section or "").split(" > ")[::-1]
            for head in heads:
                if head and self.retriever.coverage(pq, -1, head) >= self.min_coverage:
                    best_section = (p.doc_id, head)
                    break
            if best_section:
                break
        if best_section is None:
            return []
        doc_id, head = best_section
        items = [
            p
            for p in self._passages(doc_id)
            if p.is_heading and p.section and head in p.section.split(" > ") and p.text.rstrip("。") != head
            and p.section.split(" > ")[-1] != head
        ]
        if not items:
            # Items written inline (一是…；二是…) are the sentences of the section itself.
            items = [p for p in self._passages(doc_id) if not p.is_heading and p.section and p.section.split(" > ")[-1] == head]
            enumerated = [p for p in items if INLINE_ITEM.match(p.text)]
            items = enumerated or items[:5]
        if not items:
            return []
        return [Evidence(p, p.text.rstrip("。；;")) for p in items[: self.max_citations]]

    def _fact_answer(self, pq: ParsedQuestion, chosen: list[Evidence]) -> Answer:
        cites = [self.citation(i + 1, e.passage) for i, e in enumerate(chosen)]
        towns = tuple(dict.fromkeys(c.town for c in cites if c.town))
        lines: list[str] = []
        by_town: dict[str | None, list[tuple[int, Evidence]]] = {}
        for i, e in enumerate(chosen):
            by_town.setdefault(self.doc(e.passage.doc_id).metadata.town, []).append((i + 1, e))
        for town, items in by_town.items():
            shown = items[:3] if pq.intent == "list" or len(items) > 1 else items[:1]
            body = ("; " if pq.lang == "en" else "；").join(f"“{_short(e.display or e.passage.text)}”[{n}]" for n, e in shown)
            lines.append(f"{self.town_label(town, pq.lang)}: {body}" if pq.lang == "en" else f"{town or ''}：{body}")
        lead = "According to the reports — " if pq.lang == "en" else ""
        return Answer(pq.text, lead + ("\n".join(lines)), "fact", towns, tuple(cites))

    # ---- aggregates -----------------------------------------------------------------------------------

    def aggregate(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        """Every document is checked; each qualifying town is named once with its best quote."""
        found: list[tuple[float, Evidence]] = []
        if pq.constraint is not None:
            # The claims index hands over only the claims in the asked unit that meet the condition.
            meeting: dict[str, list[Claim]] = {}
            for unit in pq.constraint.all_units:
                for doc_id, cl in self.index.claims_meeting(unit, pq.constraint.holds).items():
                    meeting.setdefault(doc_id, []).extend(cl)
            asks_plan = bool(PLAN_Q.search(pq.text))
            for doc_id in doc_ids:
                claims = meeting.get(doc_id)
                ev = self._best_constrained_claim(pq, doc_id, claims, asks_plan) if claims else None
                if ev:
                    found.append(ev)
        else:
            focal = self.retriever.focal_forms(pq)
            # "哪些镇的报告提到X" counts a mention anywhere, plans included; "哪些镇开展了X" does not count a plan.
            asks_plan = bool(PLAN_Q.search(pq.text) or _MENTION_Q.search(pq.text))
            # Large corpora look only at passages holding the focal term; small ones let the model weigh it.
            large = len(self.index.passages) > SWEEP_FOCAL_ABOVE
            hits = self.retriever.sweep(pq, doc_ids, require_any=focal if large else None)
            model = relevance_model()
            best: dict[str, tuple[float, Hit]] = {}
            for prob, h, feats in score_hits(self.retriever, pq, hits):
                p = self.index.passages[h.row]
                if prob < model.aggregate_threshold:
                    continue
                if not asks_plan and not p.is_heading and p.section and PLAN_SECTION.search(p.section):
                    continue  # "下一步将开展X" is not having done X
                affirmed = _affirmed_text(p.text)
                if affirmed is not p.text and (
                    (focal is not None and not any(f in affirmed for f in focal))
                    or rescore(self.retriever, pq, h, feats, affirmed) < model.aggregate_threshold
                ):
                    continue  # 未发生行政诉讼案件 / 败诉0件 do not qualify: a negated mention is not a mention
                self._scores[h.row] = prob
                if p.doc_id not in best or prob > best[p.doc_id][0]:
                    best[p.doc_id] = (prob, h)
            # The quote's clause and number are worked out below, for the cited passages only.
            for score, h in best.values():
                found.append((score, Evidence(self.index.passages[h.row])))
        found = _one_per_town_ev(self.index, found)
        if not found:
            return self.not_found(pq, "no report meets the question's condition" if pq.constraint else None)
        # Qualifying towns are listed in the index's document order (stable and easy to check against a folder),
        # not by an internal score; the score is on each citation.
        found.sort(key=lambda x: (self.doc(x[1].passage.doc_id).source, -x[0]))
        # Every qualifying town is named and counted; only a very long list stops citing at `max_listed`.
        qualifying = [e for _, e in found]
        chosen = qualifying[: self.max_listed]
        if pq.constraint is None:
            chosen = [Evidence(e.passage, self._display_clause(pq, e.passage), self._claim_for(pq, e.passage)) for e in chosen]
        cites = [self.citation(i + 1, e.passage) for i, e in enumerate(chosen)]
        towns = tuple(t for t in (self.doc(e.passage.doc_id).metadata.town for e in qualifying) if t)
        sep = "; " if pq.lang == "en" else "；"
        parts = [f"{self.town_label(c.town, pq.lang)} “{_short(e.display or c.quote)}”[{c.n}]" for c, e in zip(cites, chosen, strict=True)]
        n = len(qualifying)
        if pq.lang == "en":
            text = f"{n} town{'s' if n != 1 else ''}: " + sep.join(parts) + "."
            if n > len(chosen):
                text += f" The first {len(chosen)} are cited; ask about a region or year to narrow the list."
        else:
            text = f"共{n}个：" + sep.join(parts) + "。"
            if n > len(chosen):
                text += f"（以上引用前{len(chosen)}个；可按地区或年份缩小范围。）"
        values = tuple((c.town or "", e.claim.value, e.claim.unit) for c, e in zip(cites, chosen, strict=True) if e.claim)
        return Answer(pq.text, text, "aggregate", towns, tuple(cites), values=values if len(values) >= 2 else ())

    def _claim_for(self, pq: ParsedQuestion, p: Passage) -> Claim | None:
        claims = [c for c in self.index.claims_by_doc.get(p.doc_id, []) if c.passage_id == p.passage_id and c.unit in COUNT_UNITS]
        if not claims or not pq.numeric:
            return None
        return max(claims, key=lambda c: self.retriever.coverage(pq, -1, c.text))

    def _claim_relevance(self, pq: ParsedQuestion, row: int) -> float:
        """The fitted relevance of a passage holding a claim (computed once per passage and question)."""
        cache = self._scores
        key = -1 - row  # kept apart from the scores that citations show
        if key not in cache:
            cov = self.retriever.coverage(pq, row)
            hit = Hit(row, cov, 0.0, 0.0, cov)
            cache[key] = score_hits(self.retriever, pq, [hit])[0][0]
        return cache[key]

    def _best_constrained_claim(
        self, pq: ParsedQuestion, doc_id: str, claims: Sequence[Claim] | None = None, asks_plan: bool = False
    ) -> tuple[float, Evidence] | None:
        """The document's best claim meeting the numeric condition; `claims` narrows the ones looked at."""
        assert pq.constraint is not None
        rate_groups = [g for g in pq.terms if any(f.endswith("率") for f in g.forms)]
        asks_training = any(_TRAINING.search(f) for g in pq.terms for f in g.forms)
        best: tuple[float, Evidence] | None = None
        for c in self.index.claims_by_doc.get(doc_id, []) if claims is None else claims:
            if c.unit not in pq.constraint.all_units or not pq.constraint.holds(c.value):
                continue
            p = self.index.passages[self.index.passage_row[c.passage_id]]
            if rate_groups and not any(f in c.subject for g in rate_groups for f in g.forms):
                continue
            local = p.text[max(0, c.start - p.start - 20) : c.end - p.start]
            if _TRAINING.search(c.subject + local) and not asks_training:
                continue
            if not asks_plan and _is_target(p, _clause_around(p, c)):
                continue
            row = self.index.passage_row[c.passage_id]
            prob = self._claim_relevance(pq, row)
            if prob < relevance_model().aggregate_threshold:
                continue
            self._scores[row] = prob
            score = prob
            if best is None or score > best[0]:
                best = (score, Evidence(p, _clause_around(p, c), c))
        return best

    # ---- comparisons ----------------------------------------------------------------------------------

    def compare(self, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
        """Rank towns by the parsed number that best matches the question's measure.

        The passages come from hybrid retrieval within the towns compared (all towns when none is named) and
        must clear the fitted relevance threshold; in each, the figure whose clause (with the clause before it)
        best covers the question is the town's value. A 其中 breakdown yields to the total it breaks down.
        """
        model = relevance_model()
        hits = {h.row: h for h in self.retriever.search(pq, doc_ids, k=max(30, 4 * len(doc_ids)))}
        for h in self.retriever.sweep(pq, doc_ids)[:2000]:
            hits.setdefault(h.row, h)
        asks_plan = bool(PLAN_Q.search(pq.text))
        claims_of: dict[str, list[Claim]] = {}
        asked = set(pq.asked_units)
        money = re.search(r"元|资金|经费|金额|预算|\bmoney\b|\bfunds?\b|\byuan\b|\bspent\b", pq.text, re.IGNORECASE)

        def fits_unit(unit: str) -> bool:
            if asked:
                return unit in asked
            return money is not None or unit not in ("元", "万元", "亿元")
        best_of: dict[str, tuple[Claim, Passage, float]] = {}
        for prob, h, _ in score_hits(self.retriever, pq, list(hits.values())):
            if prob < model.fact_threshold:
                break
            p = self.index.passages[h.row]
            if p.passage_id not in claims_of:
                claims_of[p.passage_id] = [
                    c for c in self.index.claims_by_doc.get(p.doc_id, []) if c.passage_id == p.passage_id
                ]
            for c in claims_of[p.passage_id]:
                if not fits_unit(c.unit):
                    continue  # 旁听庭审次数 is counted in 次, not in 名; money is not a count
                clause = _clause_window(p, c)
                if not asks_plan and _is_target(p, clause):
                    continue
                if _negated(clause):
                    continue
                rel = prob * (0.5 + 0.5 * self.retriever.coverage(pq, -1, clause))
                if _clause_around(p, c).lstrip().startswith("其中"):
                    rel *= 0.5  # a breakdown of a larger figure, not the figure itself
                cur = best_of.get(p.doc_id)
                if cur is None or rel > cur[2]:
                    best_of[p.doc_id] = (c, p, rel)
                    self._scores[h.row] = prob
        per_doc = list(best_of.values())
        if not per_doc:
            return self.not_found(pq, "no comparable figures in the reports")
        unit_kind = "%" if pq.constraint or any("率" in f for g in pq.terms for f in g.forms) else "count"
        per_doc = [x for x in per_doc if (x[0].unit == "%") == (unit_kind == "%")] or per_doc
        lead_unit = max(per_doc, key=lambda x: x[2])[0].unit
        if not (pq.towns and len(per_doc) <= len(pq.towns)):
            # Across the corpus one measure is ranked; between named towns each town's own figure stands
            # (审查行政合同15份 against 合同审查3件).
            per_doc = [x for x in per_doc if _same_measure(x[0].unit, lead_unit)]
        per_doc = [x for x in _one_per_town_claims(self.index, per_doc)]
        reverse = pq.superlative != "min"
        per_doc.sort(key=lambda x: (x[0].value if reverse else -x[0].value), reverse=True)
        total = len(per_doc)
        if not pq.towns:
            per_doc = per_doc[: self.max_citations]  # the top N are cited; the count says how many reported
        cites = [self.citation(i + 1, p) for i, (_, p, _) in enumerate(per_doc)]
        towns = tuple(c.town for c in cites if c.town)
        ranked = [
            f"{self.town_label(c.town, pq.lang)} {_fmt(cl)}[{c.n}]" for c, (cl, _, _) in zip(cites, per_doc, strict=True)
        ]
        head = self.town_label(towns[0], pq.lang) if towns else ""
        if len(per_doc) == 1:
            text = (
                f"Only {head} reports a figure for this: {ranked[0]}."
                if pq.lang == "en"
                else f"只有{head}报告了相关数字：{ranked[0]}。"
            )
        elif pq.lang == "en":
            word = ("highest" if reverse else "lowest") if lead_unit == "%" else ("most" if reverse else "least")
            text = f"{head} has the {word}: " + "; ".join(ranked) + "."
        else:
            word = ("最高" if reverse else "最低") if lead_unit == "%" else ("最多" if reverse else "最少")
            text = f"{head}{word}：" + "；".join(ranked) + "。"
        if total > len(per_doc):
            text += (
                f" ({total} towns report a figure; the top {len(per_doc)} are shown.)"
                if pq.lang == "en"
                else f"（共{total}个镇报告了相关数字，以上为前{len(per_doc)}个。）"
            )
        values = tuple((c.town or "", cl.value, cl.unit) for c, (cl, _, _) in zip(cites, per_doc, strict=True))
        return Answer(pq.text, text, "compare", towns, tuple(cites), values=values)


_SCORES: ContextVar[dict[int, float] | None] = ContextVar("relevance_scores", default=None)
# Above this many passages an aggregate's sweep keeps only passages with the focal term (a cost bound, not a gate
# that changes answers on the corpora measured: 10k reports have about 700k passages).
SWEEP_FOCAL_ABOVE = 200_000
# A clause that denies what it names: 未发生行政诉讼案件, 没有…, 败诉0件.
_NEGATION = re.compile(r"(?<![尚])未(?!成年|来|满|达)|尚未|没有|并无|无一|不存在|零(?:发生|起|件|次)")
_ZERO_COUNT = re.compile(r"(?<![\d.])0\s*(?:件|起|次|人|名|个|宗|例)")
# A figure that is a goal, not a result: 力争…达到100%, 确保…, a 下一步/工作计划 section.
_TARGET = re.compile(r"力争|争取|确保|目标|预计|计划|拟|将要|努力实现|不少于|不低于")
_MENTION_Q = re.compile(r"提到|提及|涉及|谈到|写到|\bmention|\brefer", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"[^，,；;。！？!?：:\n]+[，,；;。！？!?：:\n]?")


def _negated(clause: str) -> bool:
    return bool(_NEGATION.search(clause) or _ZERO_COUNT.search(clause))


def _affirmed_text(text: str) -> str:
    """The passage with its negated clauses blanked, so 未发生X does not count as X."""
    if not (_NEGATION.search(text) or _ZERO_COUNT.search(text)):
        return text
    return "".join(" " * len(c) if _negated(c) else c for c in _CLAUSE_SPLIT.findall(text))


def _is_target(p: Passage, clause: str) -> bool:
    return bool(_TARGET.search(clause) or (p.section and PLAN_SECTION.search(p.section)))

_UNIT_FAMILIES = ({"件", "起", "宗"}, {"次", "场", "场次", "期", "轮"}, {"人", "名", "人次", "位"}, {"份", "册", "本", "张"})


def _same_measure(a: str, b: str) -> bool:
    """Units that count the same kind of thing (件 and 起 both count cases)."""
    return a == b or any(a in f and b in f for f in _UNIT_FAMILIES)


def _clause_window(p: Passage, c: Claim) -> str:
    """The claim's clause with the clause before it (the measure is often named just before its number)."""
    a = c.start - p.start
    breaks = 0
    while a > 0:
        if p.text[a - 1] in "；;。":
            break
        if p.text[a - 1] in "，,":
            breaks += 1
            if breaks == 2:
                break
        a -= 1
    return p.text[a : c.end - p.start]


def _clause_around(p: Passage, c: Claim) -> str:
    """The clause of a passage holding a claim: from the clause break before it to the claim's end."""
    a = c.start - p.start
    while a > 0 and p.text[a - 1] not in "，,；;。":
        a -= 1
    return p.text[a : c.end - p.start]


def _fmt(c: Claim) -> str:
    v = int(c.value) if c.value == int(c.value) else c.value
    return f"“{c.text}”" if c.text else f"{v}{c.qualifier or ''}{c.unit}"


def _asked_figure(pq: ParsedQuestion) -> re.Pattern[str] | None:
    """A pattern for the figure a how-many/what-rate question asks for, or None."""
    if not pq.numeric:
        return None
    if re.search(r"率|比例|百分|\brate\b|percent|proportion", pq.text, re.IGNORECASE):
        return re.compile(r"\d\s*[%％]")
    units = [u for u in pq.asked_units if u]
    if units:
        return re.compile(r"\d\s*(?:余|多)?\s*(?:" + "|".join(map(re.escape, units)) + ")")
    return re.compile(r"\d")


def _short(text: str, limit: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _zh_reason(reason: str | None) -> str:
    return reason or ""


def _one_per_town(index: CorpusIndex, doc_ids: Sequence[str]) -> list[str]:
    seen: dict[str | None, str] = {}
    for d in doc_ids:
        doc = index.documents[d]
        t = doc.metadata.town
        if t not in seen or (doc.metadata.year or 0) > (index.documents[seen[t]].metadata.year or 0):
            seen[t] = d
    return list(seen.values())


def _one_per_town_ev(index: CorpusIndex, found: list[tuple[float, Evidence]]) -> list[tuple[float, Evidence]]:
    best: dict[str | None, tuple[float, Evidence]] = {}
    for score, e in found:
        t = index.documents[e.passage.doc_id].metadata.town
        if t not in best or score > best[t][0]:
            best[t] = (score, e)
    return list(best.values())


def _one_per_town_claims(
    index: CorpusIndex, items: list[tuple[Claim, Passage, float]]
) -> list[tuple[Claim, Passage, float]]:
    best: dict[str | None, tuple[Claim, Passage, float]] = {}
    for item in items:
        t = index.documents[item[1].doc_id].metadata.town
        if t not in best or item[2] > best[t][2]:
            best[t] = item
    return list(best.values())
