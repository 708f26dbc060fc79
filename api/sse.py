"""Server-Sent Events: how an answer is cut into `delta`, `citation` and `done` events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from qa.types import Answer

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

# A piece is a whole [n] marker or up to 12 other characters, so a client never sees half a marker.
_PIECE = re.compile(r"\[\d+\]|[^\[]{1,12}|\[")
_MARKER = re.compile(r"\[(\d+)\]")


def text_pieces(text: str) -> list[str]:
    """Cut answer text into short pieces that concatenate back to it."""
    return _PIECE.findall(text)


def sse(event: str | None, data: Any) -> str:
    """One SSE frame; `data` is JSON-encoded unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return head + "".join(f"data: {line}\n" for line in payload.split("\n")) + "\n"


def answer_events(answer: Answer) -> Iterator[str]:
    """`delta` events for the text; a `citation` event right after the piece that first cites it; `done`."""
    full = answer.to_dict()
    pending = {c["n"]: c for c in full["citations"]}
    for piece in text_pieces(answer.answer):
        yield sse("delta", {"text": piece})
        m = _MARKER.fullmatch(piece)
        if m and int(m.group(1)) in pending:
            yield sse("citation", pending.pop(int(m.group(1))))
    for citation in pending.values():
        yield sse("citation", citation)
    yield sse("done", full)
