"""Which platform deliveries were already accepted (SQLite or Redis), so a retried delivery is never answered twice."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
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
"""

# Platforms retry for hours at most (Feishu: up to about 6 h); a week is a wide margin.
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
_PURGE_EVERY_S = 600.0


class Deliveries(Protocol):
    """A set of (platform, delivery id) pairs that admits each pair once."""

    def claim(self, platform: str, delivery_id: str) -> bool:
        """True the first time this delivery is seen; False for a retry or replay of it."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class DeliveryLog:
    """A persistent set of (platform, delivery id) pairs; `claim` admits each pair once, across restarts."""

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

    def claim(self, platform: str, delivery_id: str) -> bool:
        """True the first time this delivery is seen; False for a retry or replay of it."""
        now = self._clock()
        with self._lock:
            if now - self._last_purge > _PURGE_EVERY_S:
                self._db.execute(
                    "DELETE FROM webhook_deliveries WHERE received < ?", (now - self._retention_s,)
                )
                self._last_purge = now
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO webhook_deliveries (platform, delivery_id, received) VALUES (?, ?, ?)",
                (platform, delivery_id, now),
            )
            return cursor.rowcount == 1

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


class RedisDeliveryLog:
    """The delivery set in Redis (`SET NX` with an expiry), shared by every API replica."""

    def __init__(self, client: Any, *, retention_s: float = DEFAULT_RETENTION_S, prefix: str = "reportqa:") -> None:
        self._redis = client
        self._retention_ms = max(1, int(retention_s * 1000))
        self._prefix = prefix

    def claim(self, platform: str, delivery_id: str) -> bool:
        """True the first time this delivery is seen; False for a retry or replay of it."""
        key = f"{self._prefix}delivery:{platform}:{delivery_id}"
        return bool(self._redis.set(key, b"1", nx=True, px=self._retention_ms))

    def close(self) -> None:
        """Release the client's connections."""
        self._redis.close()


def open_delivery_log(api: ApiSettings) -> Deliveries:
    """The delivery set `api.state_backend` names: SQLite at `state_db`, or Redis at `redis_url`."""
    if api.state_backend == "redis":
        assert api.redis_url is not None
        return RedisDeliveryLog(redis_client(api.redis_url.get_secret_value()), prefix=api.redis_prefix)
    return DeliveryLog(api.state_db)
