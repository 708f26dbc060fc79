"""Scans and .doc files made with real tools: text drawn with a CJK font (PIL), LibreOffice conversions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def font(size: int) -> Any:
    """The WenQuanYi Micro Hei font at size px, or skip the test when it is not installed."""
    from PIL import ImageFont

    if not CJK_FONT.exists():
        pytest.skip("a CJK font is needed: apt-get install fonts-wqy-microhei")
    return ImageFont.truetype(str(CJK_FONT), size)


def page_rows(text: str, chars_per_line: int) -> list[tuple[int, str]]:
    """(indent in characters, line) for each printed line: paragraphs open with a two-character indent."""
    rows: list[tuple[int, str]] = []
    for para in (p.strip() for p in text.split("\n")):
        if not para:
            continue
        rows.append((2, para[: chars_per_line - 2]))
        rest = para[chars_per_line - 2 :]
        while rest:
            rows.append((0, rest[:chars_per_line]))
            rest = rest[chars_per_line:]
    return rows


def render_pages(
    text: str, *, size: int = 24, chars_per_line: int = 38, lines_per_page: int = 40,
    width: int = 1240, height: int = 1754, margin: int = 110,
) -> list[Any]:
    """Text printed on A4 pages at 150 dpi, as a scanner would deliver them (grayscale, no text layer)."""
    from PIL import Image, ImageDraw

    face = font(size)
    rows = page_rows(text, chars_per_line)
    pages = []
    for i in range(0, len(rows), lines_per_page):
        page = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(page)
        for j, (indent, line) in enumerate(rows[i : i + lines_per_page]):
            draw.text((margin + indent * size, margin + j * int(size * 1.6)), line, font=face, fill=0)
        pages.append(page)
    return pages


def save_pdf(pages: list[Any], path: Path) -> Path:
    """Page images as a PDF without a text layer (PIL's PDF writer embeds the images only)."""
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    return path


def soffice() -> str:
    """LibreOffice's command, or skip the test."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.skip("LibreOffice is not installed: apt-get install -y libreoffice-writer-nogui")
    return binary


def convert(source: Path, target_format: str, out_dir: Path, profile: Path) -> Path:
    """`soffice --convert-to` one file; the path of what it wrote."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target_format,
         "--outdir", str(out_dir), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    suffix = target_format.split(":", 1)[0]
    return out_dir / f"{source.stem}.{suffix}"


def doc_from_text(text_file: Path, out_dir: Path, profile: Path) -> Path:
    """A Word 97 .doc of a text file, written by LibreOffice."""
    return convert(text_file, 'doc:MS Word 97', out_dir, profile)


def password_pdf(text_file: Path, out_dir: Path, profile: Path, password: str = "secret") -> Path:
    """A PDF of a text file that opens only with a password, written by LibreOffice."""
    options = {
        "EncryptFile": {"type": "boolean", "value": "true"},
        "DocumentOpenPassword": {"type": "string", "value": password},
    }
    return convert(text_file, "pdf:writer_pdf_Export:" + json.dumps(options), out_dir, profile)
