"""Pydantic models at the HTTP edge. The domain stays in `qa.types`; these only parse and document JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.types import Filters


class FiltersIn(BaseModel):
    """Restrict the answer to one town and/or one report year."""

    model_config = ConfigDict(extra="forbid")

    town: str | None = Field(None, max_length=50, description="Town as written in the reports, e.g. 和谦镇.")
    year: int | None = Field(None, ge=1900, le=2200, description="The year reported on, e.g. 2021.")

    def to_domain(self) -> Filters | None:
        """The domain `Filters`, or None when nothing is set."""
        town = (self.town or "").strip() or None
        if town is None and self.year is None:
            return None
        return Filters(town=town, year=self.year)


class ChatRequest(BaseModel):
    """A question, optionally inside an earlier conversation. Unknown fields are refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(
        ...,
        description="The question, in Chinese or English; empty or whitespace-only is refused (422 bad_question).",
        examples=["哪些镇的行政执法合规率达到100%?"],
        # Checked by the route, so that the refusal keeps its own error code; stated here for clients.
        json_schema_extra={"minLength": 1, "pattern": r"\S"},
    )
    conversation_id: str | None = Field(
        None, max_length=200, description="Continue this conversation; an unknown id starts a new one."
    )
    filters: FiltersIn | None = None


class CitationOut(BaseModel):
    n: int
    doc_id: str
    source: str
    town: str | None
    year: int | None
    title: str | None
    section: str | None
    quote: str = Field(..., description="Exactly the document's text[start:end].")
    start: int
    end: int
    score: float | None = Field(None, description="The relevance probability (0–1) the answer's decision used.")
    county: str | None = Field(None, description="The town's county or district.")
    province: str | None = Field(None, description="The town's province.")
    code: str | None = Field(None, description="The town's MCA division code, when the town is listed.")
    page: int | None = Field(None, description="The PDF page or image frame the quote starts on (1-based).")
    source_url: str | None = Field(None, description="The portal address the report was downloaded from, if any.")


class ValueOut(BaseModel):
    town: str
    value: float
    unit: str


class ChatResponse(BaseModel):
    """The answer contract, the same as `reportqa ask --json`."""

    question: str
    answer: str = Field(..., description="Short answer text with [n] citation markers.")
    kind: Literal["fact", "aggregate", "compare", "table", "not_found", "clarify"]
    towns: list[str]
    citations: list[CitationOut]
    conversation_id: str
    related: list[CitationOut] = []
    values: list[ValueOut] = []
    resolved_question: str | None = None


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every error response."""

    error: ErrorDetail


class TurnOut(BaseModel):
    question: str
    answer: ChatResponse


class ConversationOut(BaseModel):
    conversation_id: str
    turns: list[TurnOut]


class DocumentSummary(BaseModel):
    model_config = ConfigDict(extra="allow")

    doc_id: str
    source: str
    town: str | None = None
    county: str | None = None
    city: str | None = None
    province: str | None = None
    year: int | None = None
    date: str | None = None
    title: str | None = None
    source_url: str | None = None


class DocumentList(BaseModel):
    count: int
    documents: list[DocumentSummary]


class DocumentOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    doc_id: str
    source: str
    encoding: str
    metadata: dict[str, Any]
    text: str


class ParagraphOut(BaseModel):
    start: int
    end: int
    text: str


class PassageOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    doc_id: str
    start: int
    end: int
    quote: str
    section: str | None = None
    town: str | None = None
    year: int | None = None
    title: str | None = None
    paragraph: ParagraphOut


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    model_config = ConfigDict(extra="allow")

    ready: bool
    status: Literal["ready", "loading", "failed"]
    error: ErrorDetail | None = None


class OpenAIMessage(BaseModel):
    """One chat message; `content` is a string or a list of content parts as front ends send them."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text, joining text parts and ignoring images and the like."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(
            str(p.get("text", "")) for p in self.content if p.get("type") in ("text", "input_text")
        )


class OpenAIChatRequest(BaseModel):
    """`POST /v1/chat/completions`; sampling options are accepted and ignored (answers are extractive)."""

    model_config = ConfigDict(extra="allow")

    model: str = "reportqa"
    messages: list[OpenAIMessage] = Field(..., min_length=1)
    stream: bool = False
    filters: FiltersIn | None = Field(None, description="reportqa extension: restrict to a town and/or year.")


class PartOut(BaseModel):
    """One required part of a report: present with the heading or passage that shows it, or missing with why."""

    part: Literal["measures", "shortcomings", "leader_duty", "plan", "other"]
    present: bool
    citation: CitationOut | None = Field(None, description="The heading or passage; quote == text[start:end].")
    via: str | None = Field(None, description="heading, structure or passage: how the part was found.")
    reason: str | None = Field(None, description="Why a missing part is missing.")


class ReviewOut(BaseModel):
    """One report checked against the five contents of the annual report and the publication deadline."""

    doc_id: str
    source: str
    town: str | None
    county: str | None
    year: int | None
    date: str | None = Field(None, description="The published date read from the report (metadata).")
    deadline: str | None = Field(None, description="The deadline: REPORTQA_REVIEW_DEADLINE of the following year.")
    on_time: bool | None = Field(None, description="date <= deadline; null when the date or year is unknown.")
    timeliness: Literal["on_time", "late", "no_date", "no_year"]
    parts: dict[str, PartOut] = Field(..., description="measures, shortcomings, leader_duty, plan, other.")


class ReviewList(BaseModel):
    parts: list[str]
    count: int
    reviews: list[ReviewOut]


class IndicatorDef(BaseModel):
    key: str
    label_zh: str
    label_en: str
    unit: str = Field(..., description="The usual unit; a report's figure carries its own.")


class StatedValue(BaseModel):
    value: float
    unit: str
    citation: CitationOut


class IndicatorValueOut(BaseModel):
    """A report's figure: null value with `conflicts` when the report states it twice with different values."""

    value: float | None
    unit: str
    qualifier: str | None = Field(None, description="余, 多, 近, 超过 … as the report words it.")
    citation: CitationOut | None
    conflicts: list[StatedValue] = []


class IndicatorRowOut(BaseModel):
    doc_id: str
    town: str | None
    county: str | None
    year: int | None
    values: dict[str, IndicatorValueOut] = Field(..., description="By indicator key; absent when not said.")


class TrendPoint(BaseModel):
    year: int
    doc_id: str
    value: float
    unit: str
    citation: CitationOut


class TrendOut(BaseModel):
    """One indicator of one town across the years it has reports for."""

    town: str
    key: str
    label_zh: str
    label_en: str
    points: list[TrendPoint]
    change: float = Field(..., description="Last year's value minus the first year's.")


class IndicatorTable(BaseModel):
    indicators: list[IndicatorDef]
    rows: list[IndicatorRowOut]
    trends: list[TrendOut]
