"""A throwaway Debian `redis-server` on a free loopback port, started and stopped by the tests that need one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def skip_without_redis() -> None:
    """Skip the calling test when the redis-server binary or the redis client is missing, saying how to get it."""
    if not shutil.which("redis-server") and not shutil.which(REDIS_SERVER):
        pytest.skip("redis-server is not installed (apt-get install -y redis-server; `make test` does it)")
    pytest.importorskip("redis", reason="the redis client is not installed (pip install 'reportqa[redis]')")


@contextmanager
def running_redis() -> Iterator[str]:
    """Run redis-server on 127.0.0.1 with no persistence in a temporary directory; yields its URL."""
    skip_without_redis()
    import redis

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="reportqa-redis-") as work:
        proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", work, "--save", "",
             "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server did not start on port {port}") from None
                    time.sleep(0.05)
            client.close()
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
