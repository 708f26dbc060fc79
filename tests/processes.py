"""Killing a child process at a chosen moment, for the tests that a killed build or update leaves the index whole."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def sigkill_when(proc: subprocess.Popen[bytes], marker: bytes, what: str = "the process") -> None:
    """Read `proc`'s stderr until `marker` appears, then SIGKILL it and wait; fails if it ends first."""
    assert proc.stderr is not None
    seen = b""
    try:
        while marker not in seen:
            chunk = proc.stderr.read(1)
            assert chunk, f"{what} ended before {marker!r}: {seen!r}"
            seen += chunk
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
