""".doc and .wps reports: converted to .docx by LibreOffice headless, then read like any Word file.

Each conversion runs with its own throwaway profile directory (a second LibreOffice, e.g. one the user has
open, cannot block it), under a timeout that kills the whole process group, and the .docx is cached by the
file's content hash, so an unchanged .doc is converted once and then read without a word on later builds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, ReadOptions, file_hash

INSTALL_HINT = "install LibreOffice: sudo apt-get install libreoffice-writer-nogui"


def soffice_binary() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, timeout_s: float, out_dir: Path) -> Path:
    """Run `soffice --headless --convert-to docx` on one file; the .docx it wrote in out_dir."""
    binary = soffice_binary()
    if binary is None:
        raise UnreadableDocument(f"{path.name}: reading {path.suffix} files needs LibreOffice; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="reportqa-lo-") as tmp:
        profile = Path(tmp) / "profile"
        # A plain ASCII name: LibreOffice names its output after the input, whatever the locale.
        source = Path(tmp) / f"report{path.suffix.lower()}"
        shutil.copyfile(path, source)
        command = [
            binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "docx", "--outdir", str(out_dir), str(source),
        ]
        out_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise UnreadableDocument(
                f"{path.name}: LibreOffice did not convert it within {timeout_s:g} s (REPORTQA_SOFFICE_TIMEOUT_S); "
                f"raise the timeout, or convert it yourself: soffice --headless --convert-to docx "
                f"--outdir '{path.parent}' '{path}'"
            ) from None
        converted = out_dir / "report.docx"
        if proc.returncode != 0 or not converted.exists():
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
            raise UnreadableDocument(
                f"{path.name}: LibreOffice could not convert it ({reason[0]}); open it in an office program and "
                "save it as .docx"
            )
        return converted


def extract_office(path: Path, options: ReadOptions) -> Extracted:
    """Text of a .doc or .wps: the cached .docx of the same bytes, or a fresh LibreOffice conversion."""
    from qa.formats.word import extract_docx

    cached: Path | None = None
    if options.cache_dir is not None:
        cached = options.cache_dir / "docx" / f"{file_hash(path)}.docx"
    if cached is None or not cached.exists():
        with tempfile.TemporaryDirectory(prefix="reportqa-docx-") as out:
            converted = convert_to_docx(path, options.soffice_timeout_s, Path(out))
            if cached is None:
                return _read_converted(extract_docx(converted, name=path.name), path)
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(converted, tmp)
            os.replace(tmp, cached)
    return _read_converted(extract_docx(cached, name=path.name), path)


def _read_converted(extracted: Extracted, path: Path) -> Extracted:
    return replace(extracted, encoding=path.suffix.lower().lstrip(".") + "→docx")
