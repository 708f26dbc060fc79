"""`GET /indicators` (JSON), `/indicators.csv` and `/indicators.xlsx`: the standard figures of every report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import EngineDep, ServicesDep
from api.schemas import IndicatorTable
from qa.indicator_files import to_csv, to_xlsx
from qa.indicators import indicators_json

router = APIRouter(tags=["indicators"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/indicators", response_model=IndicatorTable)
async def list_indicators(engine: EngineDep, services: ServicesDep) -> dict[str, Any]:
    """One row per report: each standard figure with its value, unit and citation; `trends` compares a town's
    years."""
    rows = await services.run(engine.indicators)
    return indicators_json(rows)


@router.get("/indicators.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def indicators_csv(engine: EngineDep, services: ServicesDep) -> Response:
    """The indicator table as CSV (UTF-8 with a BOM, so Excel opens it)."""
    body = to_csv(await services.run(engine.indicators))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="indicators.csv"'})


@router.get("/indicators.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
async def indicators_xlsx(engine: EngineDep, services: ServicesDep) -> Response:
    """The indicator table as an Excel workbook; its second sheet holds each cited quote."""
    body = to_xlsx(await services.run(engine.indicators))
    return Response(body, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="indicators.xlsx"'})
