"""`QAEngine`: the one facade every interface calls (CLI, /chat, /v1/chat/completions, webhooks).

    QAEngine.load(settings, *, embedder=None) -> QAEngine        # IndexNotFound / IndexMismatch / IndexCorrupt
    engine.ask(question, conversation=(), filters=None) -> Answer # BadQuestion / QuestionTooLong
    engine.documents() -> list[dict]
    engine.document(doc_id) -> Document                          # DocumentNotFound
    engine.passage(doc_id, start, end) -> dict
    engine.stats() -> dict
    engine.reviews() -> list[Review]; engine.review(doc_id) -> Review  # the five parts and the deadline (qa/review.py)
    engine.indicators() -> list[IndicatorRow]                          # standard figures per report (qa/indicators.py)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from embeddings.base import Embedder, EmbeddingError
from embeddings.factory import make_embedder
from qa.answering import Composer
from qa.answers.compare import compare_previous, previous_figures
from qa.bilingual import pinyin_forms, reading_index, translate_words
from qa.corpus_index import CorpusIndex
from qa.errors import BadQuestion, DocumentNotFound, EmbedderUnavailable, QuestionTooLong
from qa.metadata import split_label, town_aliases
from qa.plan import (
    UNKNOWN_ENGLISH_WEIGHT,
    ParsedQuestion,
    TermGroup,
    group_size,
    parse_question,
    region_variants,
    resolve_followup,
    split_compound,
    town_matcher,
)
from qa.plan.lang import EN_HYPHEN, EN_WORD
from qa.retrieval import Retriever
from qa.settings import Settings
from qa.types import Answer, Citation, Document, Filters, IndicatorRow, Review, Turn

_CJK = re.compile(r"[\u4e00-\u9fff]")
_DISCUSS = re.compile(r"\bdiscuss|\btalks? about|\btalked about", re.IGNORECASE)
# A word read through the general dictionary, not the domain glossary, counts for half as much.
DICTIONARY_WEIGHT = 0.5
_QUESTION_WORD = re.compile(r"^(?:how|what|which|who|whom|whose|when|where|why|is|are|was|were|do|does|did)$")
# A Chinese term an English question spells in pinyin, quoted or in brackets: ('quanze qingdan'), "ba wu".
# A number, a count unit and the two characters after it, outside quotes: 三项制度, 两名法律(顾问).
_COUNT_PHRASE = re.compile(r"(?<![“\"「『‘'\d零一二两三四五六七八九十百])(?P<num>[一二两三四五六七八九十]|\d{1,2})"
                           r"(?P<unit>项|个|条|张|名|类|大|支|级|室|心)(?P<noun>[\u4e00-\u9fff]{2})")
FIXED_NUMBER_SHARE = 0.8  # of the reports' "<any number>项制度", how many must be "三项制度" for it to be a name
_PINYIN_SPAN = re.compile(r"[\"'‘“(]\s*([A-Za-z][A-Za-z ]{1,40}?)\s*[\"'’”)]")
PINYIN_SAMPLE = 5000  # passages searched for the characters a pinyin term spells (a cost bound)


def embedder_from_settings(settings: Settings) -> Embedder:
    """The configured embedder (constructed, not yet loaded)."""
    e = settings.embedding
    return make_embedder(e.model, batch_size=e.batch_size, threads=e.threads)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder an index build uses: the configured one, run here or on Ray (`embed_with`), already connected.

    EmbedderUnavailable says what to do when Ray is missing or the cluster does not answer.
    """
    local = embedder_from_settings(settings)
    e = settings.embedding
    if e.embed_with != "ray":
        return local
    from embeddings.ray_embed import RayEmbedder

    ray = RayEmbedder(e.model, local, address=e.ray_address, workers=e.ray_workers)
    try:
        ray.start()
    except EmbeddingError as err:
        raise EmbedderUnavailable(str(err)) from err
    return ray


def clean_question(question: str, limit: int) -> str:
    """Strip control characters and surrounding space; reject empty or over-long questions."""
    if not isinstance(question, str):
        raise BadQuestion("the question must be text")
    q = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in question).strip()
    if not q:
        raise BadQuestion("the question is empty; ask something such as 和谦镇办理了多少件行政处罚案件?")
    if len(q) > limit:
        raise QuestionTooLong(f"the question has {len(q)} characters; the limit is {limit}. Shorten it and ask again")
    return q


# The kinds of unit a question about the collection names (which towns, which districts), not a topic.
_TYPE_WORD = re.compile(r"街道|乡镇|镇街|街镇|乡|镇|民族乡|报告|区|县|市|省|reports?|towns?|townships?|subdistricts?|"
                        r"districts?|count(?:y|ies)|cit(?:y|ies)|provinces?", re.IGNORECASE)


def _shift_markers(text: str, offset: int) -> str:
    """[1] → [1 + offset] for every citation marker in an answer's text."""

    def shift(m: re.Match[str]) -> str:
        return f"[{int(m.group(1)) + offset}]"

    return re.sub(r"\[(\d+)\]", shift, text)


def _group_by_base(towns: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for t in towns:
        out.setdefault(split_label(t)[0], []).append(t)
    return out


class QAEngine:
    """Answers questions over one loaded index. Thread-safe for concurrent `ask` calls."""

    def __init__(self, index: CorpusIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._reviews: list[Review] | None = None
        self._indicators: list[IndicatorRow] | None = None
        a = settings.answer
        self.retriever = Retriever(index, embedder, dense_weight=a.dense_weight, candidates=a.candidates)
        self.composer = Composer(
            index, self.retriever, min_coverage=a.min_coverage, max_citations=a.max_citations, max_listed=a.max_listed
        )
        from pypinyin import lazy_pinyin

        self.pinyin = {t: "".join(lazy_pinyin(town_aliases(t)[-1])).lower() for t in index.towns}
        self._pinyin: tuple[list[str], dict[str, set[str]]] | None = None  # _pinyin_sample, made when first asked
        self._number_name_cache: dict[str, bool] = {}  # _fixed_number_names: phrase → a fixed name in the reports
        # parse(): a follow-up re-reads the last turn; the last 256 questions' parses are kept (thread-safe).
        self.parsed_cache = lru_cache(maxsize=256)(self._parse)
        self.regions: dict[str, str] = {}
        self.region_names = {
            n for d in index.documents.values() for n in (d.metadata.province, d.metadata.city, d.metadata.county) if n
        }
        for d in index.documents.values():
            for name in (d.metadata.province, d.metadata.city, d.metadata.county):
                if name:
                    for v in region_variants(name):
                        self.regions.setdefault(v, name)

    @classmethod
    def load(cls, settings: Settings, *, embedder: Embedder | None = None) -> QAEngine:
        """Load the index at settings.index.path with the configured (or given) embedder."""
        embedder = embedder or embedder_from_settings(settings)
        index = CorpusIndex.load(settings.index.path, embedder)
        engine = cls(index, embedder, settings)
        try:
            engine.retriever.query_vector("法治政府建设")
        except EmbeddingError as e:
            raise EmbedderUnavailable(str(e)) from e
        return engine

    def parse(self, question: str) -> ParsedQuestion:
        """The parsed form of a question (no conversation).

        Places are scope, never topic: a province, city or county of the division list that the question names
        but no report comes from is recorded as missing (the answer then says what the index holds).
        """
        return self.parsed_cache(question)

    def _fixed_number_names(self, question: str) -> str:
        """The question with every count-like phrase that the reports use as a fixed name put in quotes: a number,
        its unit and the two characters after it (三项制度) that the reports write with that number nearly always
        (at least FIXED_NUMBER_SHARE of the times they write the unit and those characters with any number)."""
        from qa.claims import parse_number

        out = question
        for m in _COUNT_PHRASE.finditer(question):
            phrase, num, rest = m.group(0), m.group("num"), m.group("unit") + m.group("noun")
            if phrase not in self._number_name_cache:
                counts: dict[float, int] = {}
                pattern = re.compile(rf"([零一二两三四五六七八九十百\d]+){re.escape(rest)}")
                for t in self.retriever.sample_texts():
                    for hit in pattern.finditer(t):
                        v = parse_number(hit.group(1))
                        if v is not None:
                            counts[v] = counts.get(v, 0) + 1
                mine = counts.get(parse_number(num) or -1.0, 0)
                total = sum(counts.values())
                self._number_name_cache[phrase] = mine >= 2 and mine >= FIXED_NUMBER_SHARE * total
            if self._number_name_cache[phrase]:
                out = out.replace(phrase, f"“{phrase}”", 1)
        return out

    def _parse(self, question: str) -> ParsedQuestion:
        extra = self._listed_regions(question)
        regions = self.regions
        missing = [name for name in extra if name not in self.region_names]
        if missing:
            regions = dict(self.regions)
            for name in missing:
                for v in region_variants(name):
                    regions.setdefault(v, name)
        pq = parse_question(question, self.index.towns, self.pinyin, self.index.tokenizer, regions)
        if pq.constraint is not None and pq.constraint.unit != "%" and pq.lang == "zh":
            named = self._fixed_number_names(question)
            if named != question:
                # "落实了行政执法三项制度": 三项制度 is a name the reports always write with that number, not a
                # condition that a town has three of something; read as if quoted.
                pq = replace(parse_question(named, self.index.towns, self.pinyin, self.index.tokenizer, regions),
                             text=pq.text, query_text=pq.query_text)
        if pq.lang == "en":
            pq = self._english_words(pq)
        else:
            pq = replace(pq, terms=self.retriever.collocate(pq.terms, pq.text))
        pq = replace(pq, terms=self.retriever.affix_forms(pq.terms))
        if missing:
            pq = replace(pq, regions=tuple(r for r in pq.regions if r not in missing), missing_regions=tuple(missing))
        return pq

    def _pinyin_sample(self) -> tuple[list[str], dict[str, set[str]]]:
        """A sample of the passages and the characters it holds by reading: made on the first pinyin question."""
        if self._pinyin is None:
            passages = self.index.passages
            texts = [p.text for p in passages[:: max(1, len(passages) // PINYIN_SAMPLE)]]
            self._pinyin = (texts, reading_index(texts))
        return self._pinyin

    def _pinyin_terms(self, pq: ParsedQuestion) -> ParsedQuestion:
        """Quoted pinyin in an English question ('quanze qingdan', "ba wu") becomes the Chinese term of the reports
        it spells (权责清单, 八五), replacing the untranslated words."""
        # Lower case only: a capitalised word in brackets is a place (Sizhuang town (Gaoping)), which is scope.
        found = [m for m in _PINYIN_SPAN.finditer(pq.text) if m.group(1).islower()]
        if not found:
            return pq
        from qa.lexical import translate_english

        texts, by_reading = self._pinyin_sample()
        terms = list(pq.terms)
        lexical = list(pq.lexical_query)
        for m in found:
            words = m.group(1).lower().split()
            forms = pinyin_forms(words, texts, by_reading=by_reading)
            if not forms:
                continue
            glossed = set(words)
            if m.group(0).startswith("("):
                # "theory study group (zhongxinzu)": the English words just before the bracket are its gloss, not
                # more conditions.
                before = EN_WORD.findall(pq.text[: m.start()].lower())[-4:]
                glossed |= {z for _, zh in translate_english(" ".join(before)) for z in zh[:1]} | set(before)
            terms = [g for g in terms if g.forms[0] not in glossed]
            terms.append(TermGroup(forms, 1.0, quoted=True))
            lexical += [t for f in forms for t in self.index.tokenizer.tokens(f)]
        return replace(pq, terms=tuple(terms), lexical_query=tuple(lexical))

    def _english_words(self, pq: ParsedQuestion) -> ParsedQuestion:
        """English words the glossary left untranslated, read through CC-CEDICT (qa/bilingual.py): the Chinese
        words whose gloss they are and that the reports contain. Words still unknown stay as they were."""
        pq = self._pinyin_terms(pq)
        if any(g.weight == UNKNOWN_ENGLISH_WEIGHT for g in pq.terms):
            # Only a question with a word the glossary cannot read consults the dictionary (it costs memory).
            pq = self._dictionary_phrases(pq)
        unknown = [i for i, g in enumerate(pq.terms) if g.weight == UNKNOWN_ENGLISH_WEIGHT and not _CJK.search(g.forms[0])]
        if not unknown:
            return pq
        # Word positions as the plan read them: "on-time" is the two words "on time" (qa.plan.terms).
        sequence = EN_WORD.findall(EN_HYPHEN.sub(" ", pq.text).lower())
        order = {w: i for i, w in enumerate(sequence)}
        from qa.lexical import stopwords

        stop = stopwords()
        # Runs of unknown words in question order; small words between two of them, or just before one ("on" of
        # "on-time"), stay in the run as words without a group, so CC-CEDICT can read "on time" (按时).
        runs: list[list[tuple[str, int | None]]] = []
        last_pos: int | None = None
        for gi in sorted(unknown, key=lambda gi: order.get(pq.terms[gi].forms[0], 10**6)):
            pos = order.get(pq.terms[gi].forms[0])
            between = sequence[last_pos + 1 : pos] if pos is not None and last_pos is not None and pos > last_pos else None
            if runs and between is not None and len(between) <= 2 and all(w in stop for w in between):
                runs[-1] += [(w, None) for w in between]
                runs[-1].append((pq.terms[gi].forms[0], gi))
            else:
                # A small word just before the run may start its phrase ("on" of "on time").
                lead = [(sequence[pos - 1], None)] if pos and sequence[pos - 1] in stop else []
                runs.append([*lead, (pq.terms[gi].forms[0], gi)])
            last_pos = pos
        terms: list[TermGroup | None] = list(pq.terms)
        lexical = list(pq.lexical_query)
        for run in runs:
            words = [w for w, _ in run]
            for covered, forms in translate_words(words, lambda w: self.retriever.term_weight(TermGroup((w,))) > 0):
                groups = [g for g in (run[k][1] for k in covered) if g is not None]
                if not groups:
                    continue  # only small words: they name no topic
                # The commonest sense first, so the group weighs what its least specific reading weighs.
                by_idf = tuple(sorted(forms, key=lambda w: self.retriever.term_weight(TermGroup((w,)))))
                terms[groups[0]] = TermGroup(by_idf, DICTIONARY_WEIGHT)
                for other in groups[1:]:
                    terms[other] = None
                lexical += [t for f in forms for t in self.index.tokenizer.tokens(f)]
        return replace(pq, terms=tuple(g for g in terms if g is not None), lexical_query=tuple(lexical))

    def _dictionary_phrases(self, pq: ParsedQuestion) -> ParsedQuestion:
        """Two or three English words CC-CEDICT glosses as one Chinese word the reports use (party school → 党校,
        teachers and students → 师生) replace the glossary's word-by-word reading (school → 学校). A span the
        glossary already reads as a phrase, or that starts or ends with a function word, is left alone."""
        from qa.bilingual import phrase_forms
        from qa.lexical import stopwords, translate_english

        if _CJK.search(pq.text):
            return pq  # Chinese written into the question names the topic; the English around it is its gloss
        words = EN_WORD.findall(pq.text.lower())
        matched = translate_english(pq.text.lower())
        glossary_phrases = [m for m, _ in matched if " " in m]
        stop = stopwords()
        terms: list[TermGroup] = list(pq.terms)
        lexical = list(pq.lexical_query)
        i = 0
        while i < len(words):
            for n in (3, 2):
                span = words[i : i + n]
                if len(span) < n or span[0] in stop or span[-1] in stop or _QUESTION_WORD.match(span[0]):
                    continue
                phrase = " ".join(span)
                if any(phrase in gp or gp in phrase for gp in glossary_phrases):
                    continue
                forms = phrase_forms(span, lambda w: self.retriever.term_weight(TermGroup((w,))) > 0)
                if not forms:
                    continue
                # The groups the span's words gave: their glossary readings, or the words themselves if unread.
                own = {zh[0] for m, zh in matched if m in span and zh} | set(span)
                terms = [g for g in terms if g.forms[0] not in own]
                terms.append(TermGroup(forms, 1.0))
                lexical += [t for f in forms for t in self.index.tokenizer.tokens(f)]
                i += n - 1
                break
            i += 1
        if len(terms) == len(pq.terms) and all(a is b for a, b in zip(terms, pq.terms, strict=True)):
            return pq
        return replace(pq, terms=tuple(terms), lexical_query=tuple(lexical))

    def plan(self, q: str, conversation: Sequence[Turn] = (), parsed: ParsedQuestion | None = None) -> ParsedQuestion:
        """The question read against the corpus, with a follow-up resolved against the previous turn
        (`parsed`: the question already parsed, so it is not parsed twice)."""
        pq = parsed or self.parse(q)
        if conversation:
            last = conversation[-1]
            prev_text = last.answer.resolved_question or last.question
            previous = self.parse(prev_text)
            towns = list(last.answer.towns)
            if size := group_size(q):
                # "这两个镇哪个多?" after "A镇…?" and "那B镇呢?": the two are the towns of the last turns.
                for turn in reversed(conversation[:-1]):
                    if len(towns) >= size or not turn.answer.towns:
                        break
                    towns += [t for t in turn.answer.towns if t not in towns]
            pq = resolve_followup(pq, previous, towns)
            if pq.intent == "compare" and len(pq.towns) == 1 and towns and pq.towns[0] not in towns:
                # "和观湖街道比,哪个…更多?": the town named now against the town(s) of the last answer.
                pq = replace(pq, towns=(*towns, *pq.towns))
        return pq

    def _listed_regions(self, question: str) -> list[str]:
        """Provinces, cities and counties of the division list named in a question (not inside a town's name)."""
        from qa.places import gazetteer

        g = gazetteer()
        town_spans = town_matcher(self.index.towns, self.pinyin).spans(question)
        out: list[str] = []
        english = [h for h in g.scan_english_regions(question) if not any(
            h.key == py or h.key.startswith(py) for py in self.pinyin.values() if py)]
        for h in g.scan_regions(question) + english:
            if h.key.isascii():
                levels = sorted(g.places[c].level for c in h.codes)
                # An English name resolves to its highest level (Zhejiang the province, not a county).
                top = [c for c in h.codes if g.places[c].level == levels[0]]
                names = {g.places[c].name for c in top}
                if len(names) == 1 and not names & self.region_names:
                    out.append(names.pop())
                continue
            if len(h.key) < 3 and g.places[h.codes[0]].name == h.key:
                continue  # a two-character full name (城区, 郊区) is too often an ordinary word
            if any(s < h.end and h.start < e for s, e in town_spans):
                continue
            names = {g.places[c].name for c in h.codes}
            if names & self.region_names:
                continue
            out.append(sorted(names)[0])
        return list(dict.fromkeys(out))

    def ask(self, question: str, conversation: Sequence[Turn] = (), filters: Filters | None = None) -> Answer:
        """Answer one question; earlier turns resolve follow-ups such as 那西仓镇呢?"""
        q = clean_question(question, self.settings.answer.max_question_chars)
        pq = self.parse(q)
        ambiguous = [g for g in _group_by_base(pq.towns).values() if len(g) > 1]
        if ambiguous:
            return self._clarify_place(q, ambiguous[0])
        if pq.elliptical and not conversation and not pq.terms:
            text = (
                "这像是一个追问，但前面没有问题可以接续。请问完整的问题，例如“西仓镇发放了多少份普法资料？”"
                if pq.lang == "zh"
                else "This looks like a follow-up, but there is no earlier question. Ask the whole question, "
                "e.g. 'How many legal publicity materials did Xicang town hand out?'"
            )
            return Answer(question=q, answer=text, kind="clarify", towns=pq.towns, citations=())
        raw = pq
        if conversation:
            pq = self.plan(q, conversation, parsed=pq)
            prev = conversation[-1].answer
            # The words of the previous question: a follow-up made only of them asks nothing new.
            earlier = self.parse(prev.resolved_question or conversation[-1].question) if raw.terms else raw
            known = {f for g in (*earlier.terms, *(g for g in pq.terms if g not in raw.terms)) for f in g.forms}
            if (pq.intent == "compare" and (raw.elliptical or not raw.terms) and prev.kind in ("table", "compare", "aggregate") and prev.values and not raw.towns
                    and all(f in known for g in raw.terms for f in g.forms[:1])):
                # "哪个镇最多?" after a table: its own figures, ranked.
                ranked = compare_previous(self.composer, pq, prev)
                if ranked is not None:
                    return replace(ranked, question=q, resolved_question=prev.resolved_question or conversation[-1].question)
            if pq.intent == "compare" and raw.elliptical and not raw.towns and len(pq.towns) >= 2:
                # "这两个镇哪个开得多?" after one fact turn per town: the figures those turns cited, ranked.
                table = previous_figures(self.composer, pq, [t.answer for t in conversation])
                ranked = compare_previous(self.composer, pq, table) if table is not None else None
                if ranked is not None:
                    return replace(ranked, question=q, resolved_question=conversation[-1].answer.resolved_question
                                   or conversation[-1].question)
        pq = self._corpus_intent(pq, q, conversation, raw)
        from qa.answers.trend import trend_answer  # year over year of one indicator (issue 15)

        if (trend := trend_answer(pq, self.indicators())) is not None:
            return replace(trend, question=q, resolved_question=pq.query_text if pq.query_text != pq.text else q)
        parts = split_compound(q)
        if len(parts) > 1 and pq.intent in ("fact", "list"):
            return self._ask_parts(q, parts, conversation, filters)
        try:
            answer = self.composer.compose(pq, filters)
        except EmbeddingError as e:
            raise EmbedderUnavailable(str(e)) from e
        resolved = pq.query_text if pq.query_text != pq.text else q
        if pq.elliptical and pq.towns and not any(t in resolved for t in pq.towns):
            resolved = "、".join(pq.towns) + "：" + resolved
        return replace(answer, question=q, resolved_question=resolved)

    def _corpus_intent(self, pq: ParsedQuestion, q: str, conversation: Sequence[Turn], raw: ParsedQuestion) -> ParsedQuestion:
        """Questions about the collection (哪些报告是2024年的?) and follow-ups that narrow the previous answer's towns
        by type or region (其中哪些是街道?) are answered from metadata, not from the reports' text."""
        from qa.answers.clauses import MENTION_Q
        from qa.answers.corpus import CORPUS_Q, NARROW_Q, REPORTS_OF_TYPE, asked_type, year_extreme

        if MENTION_Q.search(q) or _DISCUSS.search(q):
            return pq  # 哪些报告提到了无人机? asks about the reports' text, even when no report has the word

        topic = [
            g for g in pq.terms
            if self.retriever.term_weight(g) > 0 and not _TYPE_WORD.fullmatch(g.forms[0]) and not NARROW_Q.search(g.forms[0])
        ]
        if CORPUS_Q.search(q) and not topic and not pq.towns:
            return replace(pq, intent="corpus")
        # A unit type written after "report(s)" ("Which reports come from townships?") is what the question asks about;
        # before it ("Which towns' reports discuss …") it only names the towns, as nearly every English question does.
        type_scope = asked_type(q) if REPORTS_OF_TYPE.search(q) else None
        own_scope = raw.years or raw.regions or type_scope
        if (CORPUS_Q.search(q) and own_scope and not raw.towns and not [g for g in topic if g.weight >= 1.0]
                and not (conversation and NARROW_Q.search(q))):
            # "Which reports come from Tianjin?" / 那2023年度的报告有哪些?: the question's own years, regions or type are
            # what it asks about; words read only through the general dictionary (come from → 遇到,
            # collection → 采集) name no topic, and a follow-up's earlier towns do not narrow it.
            return replace(raw, intent="corpus")
        if year_extreme(q) and not pq.towns and not pq.years and not [g for g in topic if g.weight >= 1.0]:
            # "Which town's report covers the earliest year?": the collection's first (or last) year, from metadata.
            return replace(pq, intent="corpus")
        if conversation and NARROW_Q.search(q) and (asked_type(q) or pq.regions) and conversation[-1].answer.towns:
            previous = {f for t in self.parse(conversation[-1].question).terms for f in t.forms}
            if not [g for g in topic if g.forms[0] not in previous]:
                return replace(pq, intent="corpus", towns=tuple(conversation[-1].answer.towns), years=())
        return pq

    def _ask_parts(
        self, q: str, parts: list[str], conversation: Sequence[Turn], filters: Filters | None
    ) -> Answer:
        """A compound question (X镇开展了几次执法检查?查处了多少起违法行为?): each part answered, in order.

        A later part that names no town or year takes the first part's; the answers are joined with their
        citations renumbered, and the kind is the first answered part's (not_found only when no part is answered).
        """
        first = self.plan(parts[0], conversation)
        answers: list[Answer] = []
        for i, part in enumerate(parts):
            pq = first if i == 0 else self.plan(part, conversation)
            if i and not pq.towns and first.towns:
                pq = replace(pq, towns=first.towns, years=pq.years or first.years)
            try:
                answers.append(self.composer.compose(pq, filters))
            except EmbeddingError as e:
                raise EmbedderUnavailable(str(e)) from e
        cites: list[Citation] = []
        texts: list[str] = []
        for i, a in enumerate(answers):
            offset = max((c.n for c in cites), default=0)
            # Every citation the part's text refers to is kept, so each “…”[n] has its source.
            marked = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
            kept = [c for c in a.citations if c.n in marked] or list(a.citations[:3])
            cites += [replace(c, n=c.n + offset) for c in kept]
            body = _shift_markers(a.answer, offset)
            texts.append(f"{i + 1}) {body}")
        answered = [a for a in answers if a.kind != "not_found"]
        kind = answered[0].kind if answered else "not_found"
        towns = tuple(dict.fromkeys(t for a in answers for t in a.towns))
        values = tuple(v for a in answers for v in a.values)
        related = () if answered else answers[0].related
        return Answer(q, "\n".join(texts), kind, towns, tuple(cites), related=related, values=values, resolved_question=q)

    def _clarify_place(self, q: str, towns: list[str]) -> Answer:
        """A question naming a town the corpus holds more than once: list them and ask which."""
        base, first_county = split_label(towns[0])
        listed = "、".join(towns)
        text = (
            f"索引中有{len(towns)}个{base}：{listed}。请说明是哪一个，例如“{first_county or ''}{base}”。"
            f" / The index holds {len(towns)} towns named {base}; name the county too."
        )
        return Answer(question=q, answer=text, kind="clarify", towns=tuple(towns), citations=())

    # ---- documents --------------------------------------------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        """Every indexed report with its metadata and counts."""
        passages: dict[str, int] = {k: len(v) for k, v in self.index.doc_rows.items()}
        claims: dict[str, int] = {k: len(v) for k, v in self.index.claims_by_doc.items()}
        out = []
        for d in self.index.documents.values():
            m = d.metadata
            out.append(
                {
                    "doc_id": d.doc_id,
                    "source": d.source,
                    "town": m.town,
                    "county": m.county,
                    "city": m.city,
                    "province": m.province,
                    "code": m.town_code,
                    "town_confidence": m.town_confidence,
                    "place_source": m.place_source,
                    "year": m.year,
                    "date": m.date,
                    "title": m.title,
                    "source_url": m.source_url,
                    "encoding": d.encoding,
                    "chars": len(d.text),
                    "passages": passages.get(d.doc_id, 0),
                    "claims": claims.get(d.doc_id, 0),
                }
            )
        return out

    def document(self, doc_id: str) -> Document:
        """One report by id."""
        try:
            return self.index.documents[doc_id]
        except KeyError:
            raise DocumentNotFound(f"no document {doc_id!r}; GET /documents lists the ids") from None

    def passage(self, doc_id: str, start: int, end: int) -> dict[str, Any]:
        """A cited span with its paragraph, so a citation can be read in context."""
        d = self.document(doc_id)
        if not (0 <= start < end <= len(d.text)):
            raise BadQuestion(f"start and end must satisfy 0 <= start < end <= {len(d.text)}")
        para = next(((a, b) for a, b in self.index.paragraphs.get(doc_id, []) if a <= start < b), None)
        if para is None:
            para = (max(0, start - 100), min(len(d.text), end + 100))
        section = None
        for r in self.index.doc_rows.get(doc_id, []):
            p = self.index.passages[int(r)]
            if p.start <= start < p.end:
                section = p.section
                break
        m = d.metadata
        return {
            "doc_id": doc_id,
            "source": d.source,
            "start": start,
            "end": end,
            "quote": d.text[start:end],
            "section": section,
            "town": m.town,
            "year": m.year,
            "title": m.title,
            "source_url": m.source_url,
            "paragraph": {"start": para[0], "end": para[1], "text": d.text[para[0] : para[1]]},
        }

    # ---- review -----------------------------------------------------------------------------------------

    def reviews(self) -> list[Review]:
        """Every report checked for the five required parts and the publication deadline, by town and year."""
        from qa.review import review_document

        if self._reviews is None:
            deadline = self.settings.review.deadline
            docs = sorted(self.index.documents.values(), key=lambda d: (d.metadata.town or "", d.metadata.year or 0))
            self._reviews = [review_document(d, deadline) for d in docs]
        return list(self._reviews)

    def indicators(self) -> list[IndicatorRow]:
        """Every report's standard figures (qa/indicators.py), by town and year."""
        from qa.indicators import indicator_rows

        if self._indicators is None:
            self._indicators = indicator_rows(list(self.index.documents.values()), self.index.claims_by_doc)
        return list(self._indicators)

    def review(self, doc_id: str) -> Review:
        """The review of one report."""
        self.document(doc_id)
        return next(r for r in self.reviews() if r.doc_id == doc_id)

    def stats(self) -> dict[str, Any]:
        """Counts and provenance of the loaded index."""
        m = self.index.manifest
        return {
            "documents": len(self.index.documents),
            "passages": len(self.index.passages),
            "claims": len(self.index.claims),
            "embedder": m.embedder,
            "dim": m.dim,
            "index_path": str(self.index.path),
            "version": self.index.path.name if self.index.path else None,
            "fingerprint": m.fingerprint,
        }
