"""Domain types: small frozen dataclasses shared by every layer above `embeddings/`.

Ids derive from content, so rebuilding the same corpus yields the same ids.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

AnswerKind = Literal["fact", "aggregate", "compare", "table", "not_found", "clarify"]


def content_id(*parts: str, length: int = 16) -> str:
    """A stable hex id for the given strings."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:length]


@dataclass(frozen=True)
class Span:
    """A labelled [start, end) range of a document's text, e.g. where the town or year was read."""

    start: int
    end: int


@dataclass(frozen=True)
class Metadata:
    """What a report says about itself; each field may be unknown."""

    town: str | None = None
    county: str | None = None
    city: str | None = None
    province: str | None = None
    year: int | None = None
    date: str | None = None
    title: str | None = None
    town_span: Span | None = None
    year_span: Span | None = None
    region_span: Span | None = None
    town_code: str | None = None  # the MCA division code when the town is a listed one
    town_confidence: float | None = None  # the town model's share for the winning candidate (0–1)
    place_source: str | None = None  # "list": county/city/province from the division list; "text": read from the text
    source_url: str | None = None  # the portal address a downloaded report came from (`reportqa index add URL`)


@dataclass(frozen=True)
class Document:
    """One report: the decoded original text (newlines as \\n) and its metadata."""

    doc_id: str
    source: str
    text: str
    encoding: str
    metadata: Metadata
    page_starts: tuple[int, ...] = ()
    """Offset where each page (1, 2, ...) starts, for PDFs and images; empty for formats without pages."""
    ocr_confidence: float | None = None
    """Mean OCR recognition score (0-1) when some of the text was OCR'd."""

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding offset, or None for a document without pages."""
        return bisect_right(self.page_starts, offset) if self.page_starts else None

    @staticmethod
    def make_id(text: str) -> str:
        """Documents with the same text share an id, so a duplicate is indexed once."""
        return content_id(text)


@dataclass(frozen=True)
class Passage:
    """A sentence-sized unit of a document: the retrieval unit and the citation unit."""

    passage_id: str
    doc_id: str
    start: int
    end: int
    text: str
    section: str | None
    paragraph: int
    is_heading: bool = False


@dataclass(frozen=True)
class Claim:
    """One number a sentence states: what is counted, the value, the unit and qualifiers."""

    doc_id: str
    passage_id: str
    subject: str
    value: float
    unit: str
    qualifier: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Citation:
    """A verbatim quote with where it comes from; `quote == document.text[start:end]`."""

    n: int
    doc_id: str
    source: str
    town: str | None
    year: int | None
    title: str | None
    section: str | None
    quote: str
    start: int
    end: int
    score: float | None = None  # the relevance probability the decision used (qa/relevance.py)
    county: str | None = None  # the town's place, from the division list where it is listed
    province: str | None = None
    code: str | None = None  # the MCA division code of the town, when listed
    page: int | None = None  # the PDF page or image frame the quote starts on
    source_url: str | None = None  # where the report was downloaded from, when it came from a portal


@dataclass(frozen=True)
class Filters:
    """Restrictions a caller puts on an answer, on top of those read from the question."""

    town: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Turn:
    """One question and the answer given to it, as a conversation remembers them."""

    question: str
    answer: Answer


@dataclass(frozen=True)
class Answer:
    """What every interface returns: short text with [n] markers, the towns named, and citations."""

    question: str
    answer: str
    kind: AnswerKind
    towns: tuple[str, ...]
    citations: tuple[Citation, ...]
    conversation_id: str = ""
    related: tuple[Citation, ...] = ()
    values: tuple[tuple[str, float, str], ...] = field(default=())
    resolved_question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The answer contract as plain JSON-able data."""
        d = asdict(self)
        d["towns"] = list(self.towns)
        d["citations"] = [asdict(c) for c in self.citations]
        d["related"] = [asdict(c) for c in self.related]
        d["values"] = [{"town": t, "value": v, "unit": u} for t, v, u in self.values]
        return d


ReportPart = Literal["measures", "shortcomings", "leader_duty", "plan", "other"]
REPORT_PARTS: tuple[ReportPart, ...] = ("measures", "shortcomings", "leader_duty", "plan", "other")


@dataclass(frozen=True)
class PartFinding:
    """Whether a report has one of the five required parts, and the heading or passage that shows it.

    `via` is "heading" (a heading's cue words), "structure" (an untitled top-level section before the
    shortcomings, i.e. the year's work), or "passage" (a sentence dedicated to the part); `reason` says why a
    missing part is missing.
    """

    part: ReportPart
    present: bool
    citation: Citation | None = None
    via: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Review:
    """One report checked against the five contents of the annual report and the publication deadline."""

    doc_id: str
    source: str
    town: str | None
    county: str | None
    year: int | None
    date: str | None
    deadline: str | None
    on_time: bool | None
    timeliness: str
    parts: tuple[PartFinding, ...]

    def to_dict(self) -> dict[str, Any]:
        """The review as plain JSON-able data (parts keyed by part name)."""
        d = asdict(self)
        d["parts"] = {f.part: asdict(f) for f in self.parts}
        return d


@dataclass(frozen=True)
class IndicatorValue:
    """One standard figure of one report: the value, its unit and the claim that states it.

    `conflicts` holds every differing statement when the report gives the figure twice with different values;
    `value` is then None (the figures are flagged, never averaged).
    """

    value: float | None
    unit: str
    citation: Citation | None
    conflicts: tuple[tuple[float, str, Citation], ...] = ()
    qualifier: str | None = None  # 余, 多, 近, 超过 … as the report words it


@dataclass(frozen=True)
class IndicatorRow:
    """One report's standard figures (qa/indicators.py), keyed by indicator; a key is absent when not said."""

    doc_id: str
    town: str | None
    county: str | None
    year: int | None
    values: dict[str, IndicatorValue]
