"""`GET /review` and `GET /review/{doc_id}`: each report's five required parts and its publication deadline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import EngineDep, ServicesDep
from api.schemas import ErrorResponse, ReviewList, ReviewOut
from qa.types import REPORT_PARTS

router = APIRouter(tags=["review"])


@router.get("/review", response_model=ReviewList)
async def list_reviews(engine: EngineDep, services: ServicesDep) -> dict[str, Any]:
    """Every report: measures, shortcomings, leader_duty, plan and other, each present with a citation or missing
    with a reason, and whether the published date meets the deadline."""
    reviews = await services.run(engine.reviews)
    return {"parts": list(REPORT_PARTS), "count": len(reviews), "reviews": [r.to_dict() for r in reviews]}


@router.get("/review/{doc_id}", response_model=ReviewOut, responses={404: {"model": ErrorResponse}})
async def get_review(doc_id: str, engine: EngineDep, services: ServicesDep) -> dict[str, Any]:
    """The review of one report (GET /documents lists the ids)."""
    review = await services.run(engine.review, doc_id)
    return review.to_dict()
