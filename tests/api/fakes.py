"""A scripted engine for the tests that need control over answering (timing, failures, call counts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qa.types import Answer, Citation, Document, Filters, Metadata, Turn

TEXT = "一、基本情况\n和谦镇全年办理行政处罚案件151件。西仓镇调解纠纷20件。\n"


def citation(n: int = 1) -> Citation:
    start = TEXT.index("和谦镇全年")
    end = TEXT.index("。", start) + 1
    return Citation(n, "d1", "a.txt", "和谦镇", 2021, None, "一、基本情况", TEXT[start:end], start, end)


@dataclass
class FakeEngine:
    """Answers 'echo: <question> (after N turns)'; sleeps on questions containing 'slow'; fails on 'boom'."""

    calls: list[tuple[str, tuple[str, ...], Filters | None]] = field(default_factory=list)
    slow_s: float = 1.5
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, question: str, conversation: Sequence[Turn] = (), filters: Filters | None = None) -> Answer:
        with self.lock:
            self.calls.append((question, tuple(t.question for t in conversation), filters))
        if "slow" in question:
            time.sleep(self.slow_s)
        if "boom" in question:
            raise RuntimeError("secret internal detail")
        return Answer(
            question=question,
            answer=f"echo: {question} (after {len(conversation)} turns)[1]",
            kind="fact",
            towns=("和谦镇",),
            citations=(citation(),),
            values=(("和谦镇", 151.0, "件"),),
        )

    def documents(self) -> list[dict[str, Any]]:
        return [{"doc_id": "d1", "source": "a.txt", "town": "和谦镇", "year": 2021}]

    def document(self, doc_id: str) -> Document:
        return Document("d1", "a.txt", TEXT, "utf-8", Metadata(town="和谦镇", year=2021))

    def passage(self, doc_id: str, start: int, end: int) -> dict[str, Any]:
        return {
            "doc_id": doc_id,
            "start": start,
            "end": end,
            "quote": TEXT[start:end],
            "paragraph": {"start": 0, "end": len(TEXT), "text": TEXT},
        }

    def stats(self) -> dict[str, Any]:
        return {"documents": 1, "passages": 2, "claims": 1, "embedder": "fake"}
