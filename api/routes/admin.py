"""`POST /admin/reload`, `POST /documents` and `DELETE /documents/{doc_id}`: keep a running server's index current.

An uploaded report's original file is kept with the index (`qa.kept_reports`), so it stays through restarts
and rebuilds until it is deleted.

Both sit behind the API key when one is set; without a key they answer loopback clients only.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile

from api.deps import ServicesDep
from api.schemas import ErrorResponse
from qa.errors import ReportQAError, UnreadableDocument

router = APIRouter(tags=["admin"])

UPLOAD_SUFFIXES = (
    ".txt", ".md", ".docx", ".doc", ".wps", ".pdf", ".html", ".htm", ".shtml", ".png", ".jpg", ".jpeg", ".tif", ".tiff"
)
_ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


class Forbidden(ReportQAError):
    code = "forbidden"
    status = 403


def _require_admin(request: Request, services: Any) -> None:
    if services.settings.api.api_key is None:
        host = request.client.host if request.client else ""
        if host not in ("127.0.0.1", "::1", "localhost", "testclient"):
            raise Forbidden("admin endpoints need REPORTQA_API_KEY set on the server, or a request from localhost")


@router.post("/admin/reload", responses=_ERRORS)
async def reload_index(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Load the index version now on disk; requests in flight finish on the old one."""
    _require_admin(request, services)
    stats: dict[str, Any] = await services.reload()
    return {"reloaded": True, **stats}


def _safe_name(name: str) -> str:
    base = Path(name or "upload").name
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base)[:120] or "upload"
    return base


@router.post("/documents", responses=_ERRORS, status_code=201)
async def upload_document(
    request: Request,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="A report: .txt .md .docx .doc .wps .pdf .html, or a scan .png .jpg .tif")],
) -> dict[str, Any]:
    """Ingest an uploaded report: validate size and type, index it, hot-reload, and say what was extracted."""
    _require_admin(request, services)
    name = _safe_name(file.filename or "")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UnreadableDocument(
            f"{name}: {suffix or 'files without an extension'} cannot be indexed; upload one of "
            f"{', '.join(UPLOAD_SUFFIXES)} (or save it as .docx or UTF-8 .txt)"
        )
    limit = services.settings.index.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UnreadableDocument(f"{name} is over the {limit}-byte upload limit")
    with tempfile.TemporaryDirectory(prefix="reportqa-upload-") as folder:
        target = Path(folder) / name
        target.write_bytes(data)
        return await services.ingest(target)


@router.delete("/documents/{doc_id}", responses={**_ERRORS, 404: {"model": ErrorResponse}})
async def delete_document(doc_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Remove a report from the index (and an uploaded one from the files kept with it), then hot-reload."""
    _require_admin(request, services)
    return await services.remove(doc_id)
