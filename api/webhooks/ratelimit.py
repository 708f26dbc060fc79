"""A per-user limit on questions: a sliding one-minute window kept in memory."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class PerUserRateLimiter:
    """At most `per_minute` questions per user in any `window_s` seconds."""

    def __init__(
        self, per_minute: int, *, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def try_acquire(self, user_key: str) -> float:
        """0.0 and the question counted when under the limit; otherwise the seconds until a slot frees."""
        now = self._clock()
        recent = self._recent.setdefault(user_key, deque())
        while recent and now - recent[0] >= self.window_s:
            recent.popleft()
        if len(recent) >= self.per_minute:
            return self.window_s - (now - recent[0])
        recent.append(now)
        if len(self._recent) > 10_000:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, times in self._recent.items() if not times or now - times[-1] >= self.window_s]
        for key in idle:
            del self._recent[key]
