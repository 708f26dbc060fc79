"""The chat page at `/` and its static files: plain HTML, CSS and JS served by the app, no CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(tags=["web"])


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    """The chat page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


@router.get("/report/{doc_id}", include_in_schema=False)
async def report(doc_id: str) -> FileResponse:
    """The whole report behind a citation, opened at its quote (`?start=&end=`); the page fetches the text itself."""
    return FileResponse(STATIC_DIR / "report.html", media_type="text/html; charset=utf-8")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    """The page's icon (an SVG; browsers accept it at /favicon.ico too)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")
