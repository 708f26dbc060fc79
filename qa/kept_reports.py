"""The reports a user added (POST /documents, `reportqa index add`): their original files, kept beside the index.

`<index>.kept/` holds one folder per file content hash and `kept.json`, the list of (source, file, sha256,
source_url). Every build of that index reads these files as well as the corpus folder, so an uploaded report
survives restarts and the `index build --if-stale` of `make run` until it is removed
(DELETE /documents/{doc_id} or `reportqa index remove`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.errors import IndexWriteError

REGISTRY = "kept.json"


@dataclass(frozen=True)
class KeptReport:
    """One kept original: `source` is its name in the index, `file` its path inside the store."""

    source: str
    file: str
    sha256: str
    source_url: str | None = None
    added: float = 0.0


def store_dir(index_path: Path) -> Path:
    """The store of an index: `<index>.kept` beside the index's symlink."""
    return index_path.parent / f"{index_path.name}.kept"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class KeptReports:
    """Read and change the store of one index. Callers serialise writers (the API's ingest lock, one CLI)."""

    def __init__(self, index_path: Path) -> None:
        self.root = store_dir(index_path)

    def entries(self) -> list[KeptReport]:
        """The kept reports, in the order they were added; an absent store holds none."""
        p = self.root / REGISTRY
        if not p.is_file():
            return []
        try:
            rows = json.loads(p.read_text(encoding="utf-8"))
            return [KeptReport(**row) for row in rows]
        except (OSError, ValueError, TypeError) as e:
            raise IndexWriteError(
                f"{p} is unreadable ({e}); restore it or delete {self.root} (the uploaded reports are then forgotten)"
            ) from e

    def files(self) -> list[tuple[Path, str]]:
        """(file, source) of every kept report whose file is present."""
        return [(self.root / k.file, k.source) for k in self.entries() if (self.root / k.file).is_file()]

    def sources(self) -> set[str]:
        """The sources of the kept reports."""
        return {k.source for k in self.entries()}

    def source_urls(self) -> dict[str, str]:
        """source → the address it was downloaded from, for reports fetched from a portal."""
        return {k.source: k.source_url for k in self.entries() if k.source_url}

    def keep(self, file: Path, source: str, source_url: str | None = None) -> KeptReport:
        """Copy `file` into the store under `source`, replacing an earlier report of that source."""
        digest = _sha256(file)
        rel = f"{digest[:16]}/{Path(source).name}"
        try:
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_file():
                shutil.copyfile(file, target)
            entry = KeptReport(source, rel, digest, source_url, time.time())
            rows = [k for k in self.entries() if k.source != source] + [entry]
            self._save(rows)
        except OSError as e:
            raise IndexWriteError(f"cannot keep {source} in {self.root} ({e.strerror or e}); check the disk and permissions") from e
        return entry

    def forget(self, sources: set[str]) -> list[str]:
        """Drop the kept reports of these sources (and their files); returns the sources dropped."""
        entries = self.entries()
        gone = [k for k in entries if k.source in sources]
        if not gone:
            return []
        rows = [k for k in entries if k.source not in sources]
        self._save(rows)
        still_used = {k.file for k in rows}
        for k in gone:
            if k.file not in still_used:
                f = self.root / k.file
                with contextlib.suppress(OSError):
                    f.unlink()
                    f.parent.rmdir()  # only when no other kept file shares the content hash
        return [k.source for k in gone]

    def _save(self, rows: list[KeptReport]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{REGISTRY}.{os.getpid()}"
        tmp.write_text(json.dumps([asdict(k) for k in rows], ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.root / REGISTRY)
