"""Conversations: the turns each interface remembers, and the one way every interface asks in one.

`ask_in_conversation` is what `/chat`, `/v1/chat/completions` and the webhooks call. It looks up
the earlier turns, asks the engine, stores the new turn and returns the answer with its
`conversation_id`. An unknown or expired id starts a new conversation under a fresh id, so a
caller can never reach another caller's turns by guessing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from qa.errors import ConfigError
from qa.settings import ApiSettings
from qa.types import Answer, Citation, Filters, Turn

# Earlier turns handed to the engine; follow-ups resolve against the recent past, not the whole log.
CONTEXT_TURNS = 8
MAX_CONVERSATION_ID_CHARS = 128


class Asker(Protocol):
    """The part of `QAEngine` a conversation needs."""

    def ask(
        self, question: str, conversation: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Answer: ...


@runtime_checkable
class ConversationStore(Protocol):
    """Where conversations live between requests."""

    def turns(self, conversation_id: str) -> list[Turn] | None:
        """The turns so far, oldest first; None when the id is unknown or expired."""
        ...

    def append(self, conversation_id: str, turn: Turn) -> None:
        """Add a turn, creating the conversation when it is new."""
        ...

    def new_id(self) -> str:
        """A fresh, unguessable conversation id."""
        ...


def new_conversation_id() -> str:
    """A fresh, unguessable conversation id (128 random bits, URL-safe)."""
    return "c_" + secrets.token_urlsafe(16)


def answer_to_json(answer: Answer) -> str:
    """Serialise an answer losslessly (the contract JSON plus the fields it flattens)."""
    return json.dumps(answer.to_dict(), ensure_ascii=False, separators=(",", ":"))


def _citation(d: dict[str, Any]) -> Citation:
    return Citation(
        n=int(d["n"]),
        doc_id=d["doc_id"],
        source=d["source"],
        town=d.get("town"),
        year=d.get("year"),
        title=d.get("title"),
        section=d.get("section"),
        quote=d["quote"],
        start=int(d["start"]),
        end=int(d["end"]),
        score=d.get("score"),
        county=d.get("county"),
        province=d.get("province"),
        source_url=d.get("source_url"),
        code=d.get("code"),
        page=d.get("page"),
    )


def answer_from_dict(d: dict[str, Any]) -> Answer:
    """Rebuild an `Answer` from `Answer.to_dict()` output."""
    return Answer(
        question=d["question"],
        answer=d["answer"],
        kind=d["kind"],
        towns=tuple(d.get("towns", ())),
        citations=tuple(_citation(c) for c in d.get("citations", ())),
        conversation_id=d.get("conversation_id", ""),
        related=tuple(_citation(c) for c in d.get("related", ())),
        values=tuple((v["town"], float(v["value"]), v["unit"]) for v in d.get("values", ())),
        resolved_question=d.get("resolved_question"),
    )


def answer_from_json(text: str) -> Answer:
    """Rebuild an `Answer` from `answer_to_json` output."""
    return answer_from_dict(json.loads(text))


class MemoryConversationStore:
    """Conversations in a dict: for tests and single-process throwaway servers."""

    def __init__(self, ttl_s: float = 7 * 24 * 3600, *, clock: Callable[[], float] = time.time) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, list[Turn]]] = {}

    def turns(self, conversation_id: str) -> list[Turn] | None:
        """The turns so far, oldest first; None when the id is unknown or expired."""
        with self._lock:
            entry = self._data.get(conversation_id)
            if entry is None:
                return None
            updated, turns = entry
            if self._clock() - updated > self._ttl_s:
                del self._data[conversation_id]
                return None
            return list(turns)

    def append(self, conversation_id: str, turn: Turn) -> None:
        """Add a turn, creating the conversation when it is new or expired."""
        now = self._clock()
        with self._lock:
            entry = self._data.get(conversation_id)
            turns = [] if entry is None or now - entry[0] > self._ttl_s else entry[1]
            self._data[conversation_id] = (now, [*turns, turn])

    def new_id(self) -> str:
        """A fresh, unguessable conversation id."""
        return new_conversation_id()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (conversation_id, idx)
);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated);
"""

# Expired conversations are deleted at most this often, on the write path.
_PURGE_EVERY_S = 600.0


class SQLiteConversationStore:
    """Conversations in an SQLite file (WAL): survives restarts, safe across threads and processes.

    A conversation expires `ttl_s` seconds after its last turn.
    """

    def __init__(
        self, path: str | Path, ttl_s: float = 7 * 24 * 3600, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(path)
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last_purge = 0.0
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def turns(self, conversation_id: str) -> list[Turn] | None:
        """The turns so far, oldest first; None when the id is unknown or expired."""
        cutoff = self._clock() - self._ttl_s
        with self._lock:
            row = self._db.execute(
                "SELECT updated FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None or row[0] < cutoff:
                return None
            rows = self._db.execute(
                "SELECT question, answer FROM turns WHERE conversation_id = ? ORDER BY idx",
                (conversation_id,),
            ).fetchall()
        return [Turn(question=q, answer=answer_from_json(a)) for q, a in rows]

    def append(self, conversation_id: str, turn: Turn) -> None:
        """Add a turn, creating the conversation when it is new; an expired one starts over."""
        now = self._clock()
        cutoff = now - self._ttl_s
        payload = answer_to_json(turn.answer)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT updated FROM conversations WHERE id = ?", (conversation_id,)
                ).fetchone()
                if row is not None and row[0] < cutoff:
                    self._db.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,))
                    self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
                    row = None
                if row is None:
                    self._db.execute(
                        "INSERT INTO conversations (id, created, updated) VALUES (?, ?, ?)",
                        (conversation_id, now, now),
                    )
                else:
                    self._db.execute(
                        "UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id)
                    )
                self._db.execute(
                    "INSERT INTO turns (conversation_id, idx, question, answer, created) "
                    "VALUES (?, (SELECT COALESCE(MAX(idx) + 1, 0) FROM turns WHERE conversation_id = ?), ?, ?, ?)",
                    (conversation_id, conversation_id, turn.question, payload, now),
                )
                if now - self._last_purge > _PURGE_EVERY_S:
                    self._purge(cutoff)
                    self._last_purge = now
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _purge(self, cutoff: float) -> None:
        self._db.execute(
            "DELETE FROM turns WHERE conversation_id IN (SELECT id FROM conversations WHERE updated < ?)",
            (cutoff,),
        )
        self._db.execute("DELETE FROM conversations WHERE updated < ?", (cutoff,))

    def new_id(self) -> str:
        """A fresh, unguessable conversation id."""
        return new_conversation_id()


def redis_client(url: str) -> Any:
    """A `redis.Redis` client for `url` (thread-safe pool); the error names the extra when redis is missing."""
    try:
        import redis
    except ImportError as exc:
        raise ConfigError(
            "REPORTQA_STATE_BACKEND=redis needs the redis client: pip install 'reportqa[redis]'"
        ) from exc
    return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0, health_check_interval=30)


class RedisConversationStore:
    """Conversations in Redis, shared by any number of API replicas.

    One list per conversation (`<prefix>conv:<id>`, one JSON turn per item) whose key expires
    `ttl_s` after its last turn, so Redis itself forgets expired conversations.
    """

    def __init__(self, client: Any, ttl_s: float = 7 * 24 * 3600, *, prefix: str = "reportqa:") -> None:
        self._redis = client
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, ttl_s: float = 7 * 24 * 3600, *, prefix: str = "reportqa:") -> RedisConversationStore:
        """A store on the Redis server at `url`."""
        return cls(redis_client(url), ttl_s, prefix=prefix)

    def _key(self, conversation_id: str) -> str:
        return f"{self._prefix}conv:{conversation_id}"

    def turns(self, conversation_id: str) -> list[Turn] | None:
        """The turns so far, oldest first; None when the id is unknown or expired."""
        rows = self._redis.lrange(self._key(conversation_id), 0, -1)
        if not rows:
            return None
        turns = []
        for row in rows:
            d = json.loads(row)
            turns.append(Turn(question=d["q"], answer=answer_from_dict(d["a"])))
        return turns

    def append(self, conversation_id: str, turn: Turn) -> None:
        """Add a turn, creating the conversation when it is new; the expiry restarts from now."""
        row = json.dumps({"q": turn.question, "a": turn.answer.to_dict()}, ensure_ascii=False, separators=(",", ":"))
        key = self._key(conversation_id)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, row.encode("utf-8"))
            pipe.pexpire(key, self._ttl_ms)
            pipe.execute()

    def new_id(self) -> str:
        """A fresh, unguessable conversation id."""
        return new_conversation_id()

    def close(self) -> None:
        """Release the client's connections."""
        self._redis.close()


def open_conversation_store(api: ApiSettings) -> ConversationStore:
    """The store `api.state_backend` names: SQLite at `state_db`, or Redis at `redis_url`."""
    if api.state_backend == "redis":
        assert api.redis_url is not None
        return RedisConversationStore.from_url(
            api.redis_url.get_secret_value(), api.conversation_ttl_s, prefix=api.redis_prefix
        )
    return SQLiteConversationStore(api.state_db, ttl_s=api.conversation_ttl_s)


def ask_in_conversation(
    engine: Asker,
    store: ConversationStore,
    question: str,
    conversation_id: str | None = None,
    filters: Filters | None = None,
    *,
    adopt_id: bool = False,
) -> Answer:
    """Answer `question` in the light of the conversation's earlier turns, and remember the turn.

    An unknown or expired `conversation_id` starts a new conversation under a fresh id. With
    `adopt_id=True` the new conversation keeps the given id instead: for callers whose id is
    derived from an authenticated identity (a webhook's chat, a hash of an OpenAI history),
    never for ids a client chose.
    """
    if conversation_id and len(conversation_id) > MAX_CONVERSATION_ID_CHARS:
        conversation_id = None
    turns = store.turns(conversation_id) if conversation_id else None
    if turns is None:
        turns = []
        if not (adopt_id and conversation_id):
            conversation_id = store.new_id()
    assert conversation_id is not None
    answer = engine.ask(question, conversation=tuple(turns[-CONTEXT_TURNS:]), filters=filters)
    answer = replace(answer, conversation_id=conversation_id)
    store.append(conversation_id, Turn(question=question, answer=answer))
    return answer


def history_conversation_id(questions: Sequence[str], filters: Filters | None = None) -> str:
    """The id under which a stateless history (the user questions so far) is remembered."""
    key = json.dumps([list(questions), [filters.town, filters.year] if filters else None], ensure_ascii=False)
    return "h_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def ask_with_history(
    engine: Asker, store: ConversationStore, questions: Sequence[str], filters: Filters | None = None
) -> Answer:
    """Answer the last of `questions` as a follow-up to the earlier ones, for clients that resend history.

    OpenAI-style clients send the whole history each time and no id. The engine is deterministic,
    so the earlier answers follow from the earlier questions alone: the conversation is remembered
    under a hash of the questions so far (`history_conversation_id`). Each request then costs one
    `ask`, as the prefix without the last question is found stored; after a restart, an expiry or
    an edited history, the missing prefix is rebuilt by asking its questions again. Assistant
    messages a client sends back are not trusted as context; they could have been edited.
    """
    if not questions:
        raise ValueError("questions must not be empty")
    ids = [history_conversation_id(questions[: i + 1], filters) for i in range(len(questions))]
    done = store.turns(ids[-1])
    if done is not None and len(done) == len(questions):
        return done[-1].answer
    base: list[Turn] = []
    for i in range(len(questions) - 2, -1, -1):
        turns = store.turns(ids[i])
        if turns is not None and len(turns) == i + 1:
            base = turns
            break
    answer: Answer | None = None
    for i in range(len(base), len(questions)):
        conversation_id = ids[i]
        if store.turns(conversation_id) is not None:
            # A concurrent request is writing the same history; answer under a private id instead.
            conversation_id = store.new_id()
        for turn in base:
            store.append(conversation_id, turn)
        answer = ask_in_conversation(engine, store, questions[i], conversation_id, filters, adopt_id=True)
        base = [*base, Turn(question=questions[i], answer=answer)]
    assert answer is not None
    return answer
