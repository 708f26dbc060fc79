"""OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models`, for existing chat front ends."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.deps import EngineDep, ServicesDep
from api.errors import ModelNotFound
from api.questions import checked_question
from api.schemas import ErrorResponse, OpenAIChatRequest
from api.sse import SSE_HEADERS, text_pieces
from qa.conversations import ask_with_history
from qa.errors import BadQuestion
from qa.types import Answer, Citation

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL_ID = "reportqa"
_CREATED = 1_700_000_000


def _model() -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": _CREATED, "owned_by": "reportqa"}


@router.get("/models")
async def list_models() -> dict[str, Any]:
    """The one model this server offers: `reportqa`."""
    return {"object": "list", "data": [_model()]}


@router.get("/models/{model_id}", responses={404: {"model": ErrorResponse}})
async def get_model(model_id: str) -> dict[str, Any]:
    """The `reportqa` model; 404 for any other id."""
    if model_id != MODEL_ID:
        raise ModelNotFound(f"No model {model_id!r}; this server offers {MODEL_ID!r}.")
    return _model()


def _source_line(c: Citation) -> str:
    where = " · ".join(str(x) for x in (c.town, c.year, c.section) if x)
    page = f", p. {c.page}" if c.page else ""
    return f"[{c.n}] {where} — “{c.quote}” ({c.source}{page}, {c.start}–{c.end})"


def content_of(answer: Answer) -> str:
    """The assistant message: the answer text, then a numbered source list."""
    if not answer.citations:
        return answer.answer
    sources = "\n\n".join(_source_line(c) for c in answer.citations)
    return f"{answer.answer}\n\n**Sources**\n\n{sources}"


def _extras(answer: Answer) -> dict[str, Any]:
    full = answer.to_dict()
    return {
        "citations": full["citations"],
        "conversation_id": answer.conversation_id,
        "kind": answer.kind,
        "towns": full["towns"],
    }


def _chunks(answer: Answer, completion_id: str, created: int, model: str) -> Iterator[str]:
    def frame(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield frame({"role": "assistant", "content": ""})
    for piece in text_pieces(content_of(answer)):
        yield frame({"content": piece})
    yield frame({}, "stop", **_extras(answer))
    yield "data: [DONE]\n\n"


@router.post(
    "/chat/completions",
    response_model=None,
    responses={s: {"model": ErrorResponse} for s in (400, 401, 413, 422, 503)},
)
async def chat_completions(
    body: OpenAIChatRequest, request: Request, engine: EngineDep, services: ServicesDep
) -> Response:
    """Answer the last user message; earlier user messages are the conversation. `stream` gives SSE chunks.

    The assistant content carries the answer and a numbered source list; the response's extra
    `citations` field has every citation in full (the `/chat` citation objects).
    """
    if body.messages[-1].role != "user":
        raise BadQuestion("The last message must come from the user.")
    questions = [checked_question(m.text(), services.settings) for m in body.messages if m.role == "user"]
    log = request.scope.get("state", {}).get("log")
    if log is not None:
        log["question"] = questions[-1]
    filters = body.filters.to_domain() if body.filters else None
    answer = await services.run(ask_with_history, engine, services.store, questions, filters)
    if log is not None:
        log.update(kind=answer.kind, conversation_id=answer.conversation_id, turns=len(questions))
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    model = body.model or MODEL_ID
    if body.stream:
        return StreamingResponse(
            _chunks(answer, completion_id, created, model),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content_of(answer)},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            **_extras(answer),
        }
    )
