"""Files to text: detect the encoding, refuse binary or empty files, keep the text otherwise untouched.

The only change made to the decoded text is newline normalisation (CRLF and CR become LF), so offsets
index the text "with newlines as \\n", exactly what `Path.read_text()` gives a reader of the source file.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.errors import UnreadableDocument

TEXT_SUFFIXES = (".txt", ".md", ".text", "")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    """Decoded text and the name of the encoding that produced it."""

    text: str
    encoding: str


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_like_text(text: str, bad_categories: tuple[str, ...] = ("Cc", "Cs", "Co", "Cn")) -> bool:
    if not text.strip():
        return False
    bad = sum(
        1
        for ch in text
        if (unicodedata.category(ch) in bad_categories and ch not in "\n\r\t\f\v") or ch == "\ufffd"
    )
    return bad <= max(2, len(text) // 200)


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    if odd_nuls > half * 0.2 and even_nuls < half * 0.05:
        enc = "utf-16-le"
    elif even_nuls > half * 0.2 and odd_nuls < half * 0.05:
        enc = "utf-16-be"
    else:
        # CJK text in UTF-16 has few NUL bytes; try both byte orders and keep the plausible one.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                t = data.decode(enc)
            except UnicodeDecodeError:
                continue
            cjk = sum(1 for ch in t if "\u4e00" <= ch <= "\u9fff")
            if cjk > len(t) * 0.3 and _looks_like_text(t):
                return enc
        return None
    return enc


def decode_bytes(data: bytes, name: str = "<bytes>") -> Decoded:
    """Decode report bytes: BOM, then UTF-8, UTF-16 without BOM, GB18030, then charset detection."""
    if not data.strip(b" \t\r\n\x00"):
        raise UnreadableDocument(f"{name}: the file is empty; remove it or add the report text")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as e:
                raise UnreadableDocument(f"{name}: has a {enc} byte-order mark but does not decode as {enc}") from e
            return Decoded(normalise_newlines(text.lstrip("\ufeff")), enc.replace("-sig", "-bom"))
    candidates: list[str] = ["utf-8"]
    if b"\x00" in data:
        enc16 = _utf16_without_bom(data)
        candidates = [enc16] if enc16 else []
    else:
        candidates += ["gb18030", "big5"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        # Valid UTF-8 is trusted unless it is full of control characters; other codecs must also
        # avoid unassigned and private-use code points, which is what mis-decoded bytes look like.
        if _looks_like_text(text, ("Cc",) if enc == "utf-8" else ("Cc", "Cs", "Co", "Cn")):
            return Decoded(normalise_newlines(text), enc)
    if b"\x00" not in data:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and _looks_like_text(str(best)):
            return Decoded(normalise_newlines(str(best)), best.encoding)
    raise UnreadableDocument(
        f"{name}: not a text report (binary or an unknown encoding); save it as UTF-8 or GB18030 text"
    )


def read_text_file(path: Path, max_bytes: int = 50_000_000) -> Decoded:
    """Read and decode one plain-text report file."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableDocument(f"{path}: {size} bytes is over the {max_bytes}-byte limit; split the file")
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableDocument(f"{path}: cannot be read ({e.strerror or e})") from e
    return decode_bytes(data, str(path))
