"""`POST /chat` (JSON, or SSE when asked for) and `POST /chat/stream`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.deps import EngineDep, ServicesDep
from api.questions import checked_question
from api.schemas import ChatRequest, ChatResponse, ErrorResponse
from api.sse import SSE_HEADERS, answer_events
from qa.conversations import ask_in_conversation
from qa.types import Answer

router = APIRouter(tags=["chat"])

_ERRORS: dict[int | str, dict[str, object]] = {s: {"model": ErrorResponse} for s in (400, 401, 413, 422, 503)}


async def _answer(body: ChatRequest, request: Request, engine: EngineDep, services: ServicesDep) -> Answer:
    question = checked_question(body.message, services.settings)
    log = request.scope.get("state", {}).get("log")
    if log is not None:
        log["question"] = question
    filters = body.filters.to_domain() if body.filters else None
    answer = await services.run(
        ask_in_conversation, engine, services.store, question, body.conversation_id, filters
    )
    if log is not None:
        log.update(kind=answer.kind, conversation_id=answer.conversation_id)
    return answer


def _stream(answer: Answer) -> StreamingResponse:
    return StreamingResponse(answer_events(answer), media_type="text/event-stream", headers=SSE_HEADERS)


@router.post(
    "/chat",
    response_model=None,
    responses={
        200: {
            "model": ChatResponse,
            "content": {"text/event-stream": {}},
            "description": "The answer; SSE events (delta, citation, done) with Accept: text/event-stream.",
        },
        **_ERRORS,
    },
)
async def chat(body: ChatRequest, request: Request, engine: EngineDep, services: ServicesDep) -> Response:
    """Answer a question with quoted, cited evidence from the reports."""
    answer = await _answer(body, request, engine, services)
    if "text/event-stream" in request.headers.get("accept", ""):
        return _stream(answer)
    return JSONResponse(answer.to_dict())


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
)
async def chat_stream(
    body: ChatRequest, request: Request, engine: EngineDep, services: ServicesDep
) -> StreamingResponse:
    """The same answer as Server-Sent Events: `delta` text pieces, one `citation` per citation, then `done`."""
    return _stream(await _answer(body, request, engine, services))
