"""`GET /documents`, `/documents/{doc_id}` and `/documents/{doc_id}/passage`: the reports behind the answers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import EngineDep, ServicesDep
from api.errors import BadRange
from api.schemas import DocumentList, DocumentOut, ErrorResponse, PassageOut

router = APIRouter(tags=["documents"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}


@router.get("/documents", response_model=DocumentList)
async def list_documents(engine: EngineDep, services: ServicesDep) -> dict[str, Any]:
    """Every indexed report with its metadata (town, county, province, year, title) and counts."""
    docs = await services.run(engine.documents)
    return {"count": len(docs), "documents": docs}


@router.get("/documents/{doc_id}", response_model=DocumentOut, responses=_NOT_FOUND)
async def get_document(doc_id: str, engine: EngineDep, services: ServicesDep) -> dict[str, Any]:
    """One report: its full decoded text and metadata."""
    doc = await services.run(engine.document, doc_id)
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "encoding": doc.encoding,
        "metadata": asdict(doc.metadata),
        "chars": len(doc.text),
        "text": doc.text,
    }


@router.get(
    "/documents/{doc_id}/passage",
    response_model=PassageOut,
    responses={**_NOT_FOUND, 422: {"model": ErrorResponse}},
)
async def get_passage(
    doc_id: str,
    engine: EngineDep,
    services: ServicesDep,
    start: Annotated[int, Query(ge=0, description="Start offset of the cited span.")],
    end: Annotated[int, Query(ge=0, description="End offset (exclusive) of the cited span.")],
) -> dict[str, Any]:
    """A cited span `text[start:end]` with the paragraph around it, so a citation opens in context."""
    if end <= start:
        raise BadRange(f"end ({end}) must be greater than start ({start}).")
    doc = await services.run(engine.document, doc_id)
    if end > len(doc.text):
        raise BadRange(f"end ({end}) is past the end of the document ({len(doc.text)} characters).")
    passage: dict[str, Any] = await services.run(engine.passage, doc_id, start, end)
    return passage
