"""`GET /conversations/{conversation_id}`: the turns of a live conversation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ServicesDep
from api.errors import ConversationNotFound
from api.schemas import ConversationOut, ErrorResponse

router = APIRouter(tags=["conversations"])


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationOut,
    responses={404: {"model": ErrorResponse}},
)
async def get_conversation(conversation_id: str, services: ServicesDep) -> dict[str, Any]:
    """The questions and answers so far, oldest first; 404 when unknown or expired."""
    turns = await services.run(services.store.turns, conversation_id)
    if turns is None:
        raise ConversationNotFound(
            f"No conversation {conversation_id!r}: it never existed or has expired "
            "(REPORTQA_CONVERSATION_TTL_S). Send a message without conversation_id to start one."
        )
    return {
        "conversation_id": conversation_id,
        "turns": [{"question": t.question, "answer": t.answer.to_dict()} for t in turns],
    }
