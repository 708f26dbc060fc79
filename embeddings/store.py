"""An index is a directory with a manifest. Builds go to a fresh versioned directory, then an atomic swap.

`<path>` is a symlink to `<path>.v-<id>`; replacing the symlink is one rename, so a reader sees either the
old index or the new one, never a half-written one, and a killed build leaves the last good index in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

FORMAT_VERSION = 8  # 2: BM25 tokens read traditional characters as simplified; 3: and without pinyin glosses;
# 4: a score (考试平均成绩92.3分) is a claim in 分, letters (来信6封) in 封;
# 5: a report year written without 年 at the start of the text (2024以来,…);
# 6: a span of time (7个工作日, 3个月) is a claim in its own unit, not in 个;
# 7: a report that names no township is about the body that leads it (常青花园社管办党工委…);
# 8: a measure word after a digit finishes the number, never opens a town name (2023年榆垡镇)
MANIFEST = "manifest.json"
OWNER = ".owner"  # "host pid" of the build writing a staging directory; removed before publishing


@dataclass(frozen=True)
class Manifest:
    """What an index holds and how it was made; `load` compares it with the settings."""

    embedder: str
    dim: int
    fingerprint: str
    format_version: int = FORMAT_VERSION
    counts: dict[str, int] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        d = json.loads(text)
        known = {k: d[k] for k in ("embedder", "dim", "fingerprint", "format_version", "counts", "created", "extra", "files") if k in d}
        return cls(**known)


def read_manifest(index_dir: Path) -> Manifest | None:
    """The manifest of an index directory, or None when there is none."""
    p = index_dir / MANIFEST
    if not p.is_file():
        return None
    return Manifest.from_json(p.read_text(encoding="utf-8"))


def discard(staging: Path) -> None:
    """Remove a staging directory after a failed build, so it does not hold disk space."""
    shutil.rmtree(staging, ignore_errors=True)


def new_version_dir(path: Path) -> Path:
    """A fresh staging directory beside `path`, marked with this process's id so a killed build's is recognised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.parent / f".{path.name}.building-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    (staging / OWNER).write_text(f"{socket.gethostname()} {os.getpid()}", encoding="utf-8")
    return staging


def keep_alive(staging: Path) -> None:
    """Mark a long build's staging directory as in use, so another build's cleanup leaves it alone."""
    with contextlib.suppress(OSError):
        os.utime(staging)


def _owner_is_gone(staging: Path) -> bool:
    """True when the build that made `staging` ran on this machine and its process no longer exists."""
    try:
        host, pid = (staging / OWNER).read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return False
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def damaged_files(index_dir: Path, manifest: Manifest) -> list[str]:
    """Files whose content no longer matches the checksum the manifest recorded (missing ones too)."""
    bad = []
    for rel, digest in sorted(manifest.files.items()):
        f = index_dir / rel
        if not f.is_file() or _sha256(f) != digest:
            bad.append(rel)
    return bad


def publish(staging: Path, path: Path, manifest: Manifest, known: dict[str, str] | None = None) -> Path:
    """Checksum and fsync every file, write the manifest last, and swap `path` to the new version atomically.

    `known` (relative path → checksum) names files already checksummed and on disk: the hard-linked base segment
    of an update, whose checksums were recorded when it was written; they are neither read nor synced again.
    """
    (staging / OWNER).unlink(missing_ok=True)
    known = known or {}
    files = {}
    for f in sorted(staging.rglob("*")):
        if f.is_file():
            rel = f.relative_to(staging).as_posix()
            if rel in known:
                files[rel] = known[rel]
                continue
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
            files[rel] = _sha256(f)
    manifest = replace(manifest, files=files)
    (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    with open(staging / MANIFEST, "rb") as fh:
        os.fsync(fh.fileno())
    for d in [*sorted(p for p in staging.rglob("*") if p.is_dir()), staging]:  # the entries, hard links included
        _fsync_dir(d)
    final = path.parent / f"{path.name}.v-{uuid.uuid4().hex[:12]}"
    os.rename(staging, final)
    old_target = os.path.realpath(path) if path.is_symlink() else None
    if path.exists() and not path.is_symlink():
        # An index directory from elsewhere (copied in by hand): move it aside rather than delete it.
        os.rename(path, path.parent / f"{path.name}.replaced-{int(time.time())}")
    link_tmp = path.parent / f".{path.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(final.name, link_tmp)
    os.replace(link_tmp, path)
    _fsync_dir(path.parent)
    if old_target and Path(old_target) != final:
        _retire(Path(old_target))
    cleanup_stale(path)
    return final


def _retire(old: Path) -> None:
    """Old versions are kept one grace period so in-flight readers finish; see `cleanup_stale`."""
    with contextlib.suppress(OSError):
        os.utime(old)


def cleanup_stale(path: Path, grace_s: float = 60.0) -> None:
    """Remove abandoned staging dirs and versions no longer pointed at, once older than the grace period.

    A staging dir whose build process is gone (killed mid-build on this machine) is removed at once.
    """
    current = os.path.realpath(path) if path.exists() else None
    now = time.time()
    for p in path.parent.glob(f"*{path.name}.*"):
        if not p.is_dir() or p.is_symlink() or os.path.realpath(p) == current:
            continue
        if not (p.name.startswith(f".{path.name}.building-") or p.name.startswith(f"{path.name}.v-")):
            continue
        try:
            if now - p.stat().st_mtime > grace_s or (p.name.startswith(f".{path.name}.building-") and _owner_is_gone(p)):
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue


def resolve(path: Path) -> Path:
    """The concrete version directory `path` points at now."""
    return Path(os.path.realpath(path))


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
