"""Which platform deliveries were already accepted, in SQLite, so a retried delivery is never answered twice."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

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
