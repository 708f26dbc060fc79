"""Deliveries already accepted and the replies still owed for them (the outbox), in SQLite or Redis.

A delivery is claimed once: the claim records it as seen (so a retried delivery is never answered
twice) and, in the same transaction, stores it in the outbox as pending. The sender takes a lease on a
pending entry, saves the reply texts once answered, records each part sent, and deletes the entry when
the whole reply is sent. A process killed at any step leaves the entry pending; any process resumes
it once the lease has expired.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from qa.conversations import redis_client
from qa.settings import ApiSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    platform TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received REAL NOT NULL,
    PRIMARY KEY (platform, delivery_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_received ON webhook_deliveries(received);
CREATE TABLE IF NOT EXISTS webhook_outbox (
    platform TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    message TEXT NOT NULL,
    created REAL NOT NULL,
    texts TEXT,
    parts_sent INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    lease_until REAL NOT NULL,
    PRIMARY KEY (platform, delivery_id)
);
CREATE INDEX IF NOT EXISTS webhook_outbox_next_attempt ON webhook_outbox(next_attempt);
"""

# Platforms retry for hours at most (Feishu: up to about 6 h); a week is a wide margin.
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
DEFAULT_LEASE_S = 60.0
_PURGE_EVERY_S = 600.0


@dataclass(frozen=True)
class OutboxEntry:
    """A reply still owed: the message as received (or as prepared), and the texts once answered."""

    platform: str
    delivery_id: str
    message: dict[str, Any]
    created: float
    texts: tuple[str, ...] | None = None
    parts_sent: int = 0
    attempts: int = 0


class Deliveries(Protocol):
    """A set of (platform, delivery id) pairs that admits each pair once, and the outbox of replies owed."""

    def claim(
        self, platform: str, delivery_id: str, message: Mapping[str, Any] | None = None, *, lease_s: float = ...
    ) -> bool:
        """True the first time this delivery is seen; with `message`, also store it as pending (leased to the caller)."""
        ...

    def due(self, limit: int = 100) -> list[tuple[str, str]]:
        """Up to `limit` pending (platform, delivery id) pairs whose next attempt is due."""
        ...

    def lease(self, platform: str, delivery_id: str, lease_s: float) -> OutboxEntry | None:
        """The pending entry, leased for `lease_s` to the caller; None when absent or leased to someone else."""
        ...

    def save_texts(
        self, platform: str, delivery_id: str, message: Mapping[str, Any], texts: list[str], lease_s: float
    ) -> None:
        """Record the answer (the prepared message and the reply texts) and extend the lease."""
        ...

    def record_sent(self, platform: str, delivery_id: str, parts_sent: int, lease_s: float) -> None:
        """Record that the first `parts_sent` texts were delivered and extend the lease."""
        ...

    def retry_later(self, platform: str, delivery_id: str, delay_s: float) -> None:
        """Count a failed attempt, release the lease, and make the entry due again in `delay_s`."""
        ...

    def finish(self, platform: str, delivery_id: str) -> None:
        """Remove the entry from the outbox: sent, or dropped for good (the delivery stays claimed)."""
        ...

    def peek(self, platform: str, delivery_id: str) -> OutboxEntry | None:
        """The pending entry as stored, without leasing it; None when it is not pending."""
        ...

    def depth(self) -> int:
        """How many replies are pending."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def _entry(platform: str, delivery_id: str, row: Mapping[str, Any]) -> OutboxEntry:
    texts = row.get("texts")
    return OutboxEntry(
        platform=platform,
        delivery_id=delivery_id,
        message=json.loads(row["message"]),
        created=float(row["created"]),
        texts=tuple(json.loads(texts)) if texts else None,
        parts_sent=int(row.get("parts_sent") or 0),
        attempts=int(row.get("attempts") or 0),
    )


def _decoded_entry(platform: str, delivery_id: str, flat: list[bytes]) -> OutboxEntry | None:
    """An entry from Redis's flat [field, value, ...] reply; None for an empty one."""
    if not flat:
        return None
    row = {k.decode(): v.decode("utf-8") for k, v in zip(flat[::2], flat[1::2], strict=True)}
    return _entry(platform, delivery_id, row)


def _dumps(value: Any) -> str:
    # ASCII JSON: a message may carry unpaired surrogates ("\ud800") that neither SQLite nor Redis can encode.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


class DeliveryLog:
    """The delivery set and the outbox in SQLite; `claim` admits each pair once, across restarts."""

    def __init__(
        self,
        path: str | Path,
        *,
        retention_s: float = DEFAULT_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._retention_s = retention_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last_purge = 0.0
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def claim(
        self,
        platform: str,
        delivery_id: str,
        message: Mapping[str, Any] | None = None,
        *,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> bool:
        """True the first time this delivery is seen; with `message`, also store it as pending (leased to the caller)."""
        now = self._clock()
        with self._lock:
            if now - self._last_purge > _PURGE_EVERY_S:
                self._db.execute(
                    "DELETE FROM webhook_deliveries WHERE received < ?", (now - self._retention_s,)
                )
                self._last_purge = now
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO webhook_deliveries (platform, delivery_id, received) VALUES (?, ?, ?)",
                    (platform, delivery_id, now),
                )
                claimed = cursor.rowcount == 1
                if claimed and message is not None:
                    self._db.execute(
                        "INSERT OR REPLACE INTO webhook_outbox (platform, delivery_id, message, created, "
                        "next_attempt, lease_until) VALUES (?, ?, ?, ?, ?, ?)",
                        (platform, delivery_id, _dumps(dict(message)), now, now, now + lease_s),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return claimed

    def due(self, limit: int = 100) -> list[tuple[str, str]]:
        """Up to `limit` pending (platform, delivery id) pairs whose next attempt is due, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT platform, delivery_id FROM webhook_outbox WHERE next_attempt <= ? "
                "ORDER BY next_attempt LIMIT ?",
                (self._clock(), limit),
            ).fetchall()
        return [(str(p), str(d)) for p, d in rows]

    def lease(self, platform: str, delivery_id: str, lease_s: float) -> OutboxEntry | None:
        """The pending entry, leased for `lease_s` to the caller; None when absent or leased to someone else."""
        now = self._clock()
        with self._lock:
            cursor = self._db.execute(
                "UPDATE webhook_outbox SET lease_until = ? WHERE platform = ? AND delivery_id = ? AND lease_until <= ?",
                (now + lease_s, platform, delivery_id, now),
            )
            if cursor.rowcount != 1:
                return None
            return self._read(platform, delivery_id)

    def peek(self, platform: str, delivery_id: str) -> OutboxEntry | None:
        """The pending entry as stored, without leasing it; None when it is not pending."""
        with self._lock:
            return self._read(platform, delivery_id)

    def _read(self, platform: str, delivery_id: str) -> OutboxEntry | None:
        row = self._db.execute(
            "SELECT message, created, texts, parts_sent, attempts FROM webhook_outbox "
            "WHERE platform = ? AND delivery_id = ?",
            (platform, delivery_id),
        ).fetchone()
        if row is None:
            return None
        keys = ("message", "created", "texts", "parts_sent", "attempts")
        return _entry(platform, delivery_id, dict(zip(keys, row, strict=True)))

    def save_texts(
        self, platform: str, delivery_id: str, message: Mapping[str, Any], texts: list[str], lease_s: float
    ) -> None:
        """Record the answer (the prepared message and the reply texts) and extend the lease."""
        with self._lock:
            self._db.execute(
                "UPDATE webhook_outbox SET message = ?, texts = ?, parts_sent = 0, lease_until = ? "
                "WHERE platform = ? AND delivery_id = ?",
                (_dumps(dict(message)), _dumps(texts), self._clock() + lease_s, platform, delivery_id),
            )

    def record_sent(self, platform: str, delivery_id: str, parts_sent: int, lease_s: float) -> None:
        """Record that the first `parts_sent` texts were delivered and extend the lease."""
        with self._lock:
            self._db.execute(
                "UPDATE webhook_outbox SET parts_sent = ?, lease_until = ? WHERE platform = ? AND delivery_id = ?",
                (parts_sent, self._clock() + lease_s, platform, delivery_id),
            )

    def retry_later(self, platform: str, delivery_id: str, delay_s: float) -> None:
        """Count a failed attempt, release the lease, and make the entry due again in `delay_s`."""
        now = self._clock()
        with self._lock:
            self._db.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt = ?, lease_until = ? "
                "WHERE platform = ? AND delivery_id = ?",
                (now + delay_s, now, platform, delivery_id),
            )

    def finish(self, platform: str, delivery_id: str) -> None:
        """Remove the entry from the outbox: sent, or dropped for good (the delivery stays claimed)."""
        with self._lock:
            self._db.execute(
                "DELETE FROM webhook_outbox WHERE platform = ? AND delivery_id = ?", (platform, delivery_id)
            )

    def depth(self) -> int:
        """How many replies are pending."""
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM webhook_outbox").fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


# KEYS: the dedup key, the entry hash, the due set. ARGV: retention ms, member, message, now, lease until.
_CLAIM = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'message', ARGV[3], 'created', ARGV[4], 'parts_sent', 0, 'attempts', 0,
             'lease_until', ARGV[5])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
end
return 1
"""
# KEYS: the entry hash. ARGV: now, lease until.
_LEASE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if tonumber(redis.call('HGET', KEYS[1], 'lease_until')) > tonumber(ARGV[1]) then return nil end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[2])
return redis.call('HGETALL', KEYS[1])
"""
# KEYS: the entry hash, the due set. ARGV: member, next attempt, now.
_RETRY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'lease_until', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
"""
# KEYS: the entry hash. ARGV: field/value pairs, set only while the entry exists.
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""


class RedisDeliveryLog:
    """The delivery set (`SET NX` with an expiry) and the outbox (a hash per entry, a due-time sorted set) in Redis.

    Claim, lease and retry are Lua scripts, so each is atomic across every API replica.
    """

    def __init__(
        self,
        client: Any,
        *,
        retention_s: float = DEFAULT_RETENTION_S,
        prefix: str = "reportqa:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._retention_ms = max(1, int(retention_s * 1000))
        self._prefix = prefix
        self._clock = clock
        self._due_key = f"{prefix}outbox"
        self._claim = client.register_script(_CLAIM)
        self._lease = client.register_script(_LEASE)
        self._retry = client.register_script(_RETRY)
        self._update = client.register_script(_UPDATE)

    def _entry_key(self, platform: str, delivery_id: str) -> str:
        return f"{self._prefix}outbox:{platform}:{delivery_id}"

    def claim(
        self,
        platform: str,
        delivery_id: str,
        message: Mapping[str, Any] | None = None,
        *,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> bool:
        """True the first time this delivery is seen; with `message`, also store it as pending (leased to the caller)."""
        now = self._clock()
        keys = [f"{self._prefix}delivery:{platform}:{delivery_id}", self._entry_key(platform, delivery_id), self._due_key]
        payload = _dumps(dict(message)) if message is not None else ""
        args = [self._retention_ms, _dumps([platform, delivery_id]), payload, repr(now), repr(now + lease_s)]
        return bool(self._claim(keys=keys, args=args))

    def due(self, limit: int = 100) -> list[tuple[str, str]]:
        """Up to `limit` pending (platform, delivery id) pairs whose next attempt is due, oldest first."""
        members = self._redis.zrangebyscore(self._due_key, "-inf", repr(self._clock()), start=0, num=limit)
        return [(str(p), str(d)) for p, d in map(json.loads, members)]

    def lease(self, platform: str, delivery_id: str, lease_s: float) -> OutboxEntry | None:
        """The pending entry, leased for `lease_s` to the caller; None when absent or leased to someone else."""
        now = self._clock()
        flat = self._lease(keys=[self._entry_key(platform, delivery_id)], args=[repr(now), repr(now + lease_s)])
        return _decoded_entry(platform, delivery_id, flat or [])

    def peek(self, platform: str, delivery_id: str) -> OutboxEntry | None:
        """The pending entry as stored, without leasing it; None when it is not pending."""
        flat = self._redis.hgetall(self._entry_key(platform, delivery_id))
        return _decoded_entry(platform, delivery_id, [x for kv in flat.items() for x in kv])

    def save_texts(
        self, platform: str, delivery_id: str, message: Mapping[str, Any], texts: list[str], lease_s: float
    ) -> None:
        """Record the answer (the prepared message and the reply texts) and extend the lease."""
        self._update(
            keys=[self._entry_key(platform, delivery_id)],
            args=["message", _dumps(dict(message)), "texts", _dumps(texts), "parts_sent", 0,
                  "lease_until", repr(self._clock() + lease_s)],
        )

    def record_sent(self, platform: str, delivery_id: str, parts_sent: int, lease_s: float) -> None:
        """Record that the first `parts_sent` texts were delivered and extend the lease."""
        self._update(
            keys=[self._entry_key(platform, delivery_id)],
            args=["parts_sent", parts_sent, "lease_until", repr(self._clock() + lease_s)],
        )

    def retry_later(self, platform: str, delivery_id: str, delay_s: float) -> None:
        """Count a failed attempt, release the lease, and make the entry due again in `delay_s`."""
        now = self._clock()
        self._retry(
            keys=[self._entry_key(platform, delivery_id), self._due_key],
            args=[_dumps([platform, delivery_id]), repr(now + delay_s), repr(now)],
        )

    def finish(self, platform: str, delivery_id: str) -> None:
        """Remove the entry from the outbox: sent, or dropped for good (the delivery stays claimed)."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self._entry_key(platform, delivery_id))
        pipe.zrem(self._due_key, _dumps([platform, delivery_id]))
        pipe.execute()

    def depth(self) -> int:
        """How many replies are pending."""
        return int(self._redis.zcard(self._due_key))

    def close(self) -> None:
        """Release the client's connections."""
        self._redis.close()


def open_delivery_log(api: ApiSettings) -> Deliveries:
    """The delivery set `api.state_backend` names: SQLite at `state_db`, or Redis at `redis_url`."""
    if api.state_backend == "redis":
        assert api.redis_url is not None
        return RedisDeliveryLog(redis_client(api.redis_url.get_secret_value()), prefix=api.redis_prefix)
    return DeliveryLog(api.state_db)
