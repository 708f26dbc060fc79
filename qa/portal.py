"""Reports fetched from their portal address: `reportqa index add URL...` (the CLI only; no HTTP endpoint
fetches arbitrary addresses).

Each address is downloaded with httpx under the fetch settings (timeout, size cap, redirect limit). A page that
is itself a report is kept as it is; a page that only announces the report and links to its attachment
(附件 .pdf/.doc/.docx/.wps) has the attachment downloaded instead. The original file is saved under
`<folder>/<host>/<file name>`, and its address becomes the document's `source_url`. Every address that cannot
give a report is skipped with its reason; the others are still added.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from qa.errors import FetchFailed, ReportQAError
from qa.settings import FetchSettings

ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps")
HTML_SUFFIXES = (".html", ".htm", ".shtml")
REPORT_WORD = "法治"
_URL = re.compile(r"^https?://", re.IGNORECASE)
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)["']?[^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?["']?([^"';]+)""", re.IGNORECASE)


def is_url(text: str) -> bool:
    """True for an http(s) address."""
    return bool(_URL.match(text.strip()))


@dataclass(frozen=True)
class Fetched:
    """A downloaded report: the saved original, its source name in the index and the address it came from."""

    url: str  # the address the user gave
    source_url: str  # the address of the file saved (the attachment's, when the page linked to one)
    path: Path
    source: str


def _kind(data: bytes, content_type: str, url: str) -> str | None:
    """'pdf', 'docx', 'doc', 'html', or None: by the bytes first, then the content type, then the suffix."""
    head = data[:2048].lstrip().lower()
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or suffix == ".docx" else None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "wps" if suffix == ".wps" else "doc"
    if "html" in content_type or head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or suffix in HTML_SUFFIXES:
        return "html"
    return None


def _file_name(response: httpx.Response, kind: str) -> str:
    """A safe file name from Content-Disposition or the address, with the suffix its content has."""
    m = _FILENAME.search(response.headers.get("content-disposition", ""))
    raw = unquote(m.group(1)) if m else unquote(PurePosixPath(urlsplit(str(response.url)).path).name)
    stem = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", PurePosixPath(raw).stem)[:100].strip("._")
    if not stem:
        stem = "page-" + hashlib.sha256(str(response.url).encode()).hexdigest()[:8]
    return f"{stem}.{kind}"


def attachment_links(page: str, base_url: str) -> list[str]:
    """Absolute addresses of the .pdf/.doc/.docx/.wps files a page links to, in page order, once each."""
    out: list[str] = []
    for href, _ in _HREF.findall(page):
        url = urljoin(base_url, href.strip())
        if PurePosixPath(urlsplit(url).path).suffix.lower() in ATTACHMENT_SUFFIXES and url not in out:
            out.append(url)
    return out


def looks_like_report(text: str, min_chars: int) -> bool:
    """A page is the report itself when its body has at least `min_chars` characters and speaks of 法治.

    Every one of the 197 real reports (tests/data/eval/real, opening excerpts of 568+ characters) and the seeds
    passes; a portal notice that only links to the attachment, or a list page, has a few dozen characters.
    """
    return len(text.strip()) >= min_chars and REPORT_WORD in text


class PortalFetcher:
    """Downloads report pages and attachments into one folder, within the fetch settings."""

    def __init__(self, settings: FetchSettings, folder: Path, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.folder = folder
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            headers={"User-Agent": settings.user_agent},
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _get(self, url: str) -> tuple[httpx.Response, bytes]:
        limit = self.settings.max_bytes
        try:
            with self.client.stream("GET", url) as r:
                if r.status_code >= 400:
                    raise FetchFailed(f"{url}: the server answered HTTP {r.status_code} {r.reason_phrase}; check the address")
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise FetchFailed(f"{url}: {declared} bytes is over the {limit}-byte limit (REPORTQA_FETCH_MAX_BYTES)")
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchFailed(f"{url}: over the {limit}-byte limit (REPORTQA_FETCH_MAX_BYTES)")
                    chunks.append(chunk)
                return r, b"".join(chunks)
        except httpx.TimeoutException as e:
            raise FetchFailed(
                f"{url}: no answer within {self.settings.timeout_s:g} s ({type(e).__name__}); try again later or raise "
                "REPORTQA_FETCH_TIMEOUT_S"
            ) from e
        except httpx.TooManyRedirects as e:
            raise FetchFailed(f"{url}: more than {self.settings.max_redirects} redirects; give the final address") from e
        except httpx.HTTPError as e:
            raise FetchFailed(f"{url}: cannot be downloaded ({type(e).__name__}: {e}); check the address and the network") from e

    def _save(self, response: httpx.Response, data: bytes, kind: str) -> tuple[Path, str]:
        host = re.sub(r"[^\w.\-]", "_", urlsplit(str(response.url)).hostname or "portal")
        name = _file_name(response, kind)
        path = self.folder / host / name
        n = 1
        while path.exists():
            n += 1
            path = self.folder / host / f"{PurePosixPath(name).stem}-{n}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path, path.relative_to(self.folder).as_posix()

    def fetch(self, url: str) -> list[Fetched]:
        """The report(s) at one address: the page, or the attachments it links to; FetchFailed says why none."""
        from qa.formats import extract
        from qa.formats.web_page import decode_html

        if not is_url(url):
            raise FetchFailed(f"{url}: not an http(s) address")
        response, data = self._get(url)
        kind = _kind(data, response.headers.get("content-type", ""), str(response.url))
        if kind is None:
            raise FetchFailed(
                f"{url}: not a report file ({response.headers.get('content-type', 'no content type')}); "
                "give the address of the report's page or of its .pdf/.doc/.docx attachment"
            )
        if kind != "html":
            path, source = self._save(response, data, kind)
            return [Fetched(url, str(response.url), path, source)]
        page, _ = decode_html(data, url)
        path, source = self._save(response, data, "html")
        try:
            text = extract(path).text
        except ReportQAError:
            text = ""
        if looks_like_report(text, self.settings.min_report_chars):
            return [Fetched(url, str(response.url), path, source)]
        path.unlink()
        links = attachment_links(page, str(response.url))[: self.settings.max_attachments]
        if not links:
            raise FetchFailed(
                f"{url}: the page is not a report ({len(text.strip())} characters of text"
                f"{'' if REPORT_WORD in text else ', no mention of 法治'}) and links to no .pdf/.doc/.docx attachment; "
                "give the address of the report itself"
            )
        out, reasons = [], []
        for link in links:
            try:
                r, body = self._get(link)
            except FetchFailed as e:
                reasons.append(e.message)
                continue
            k = _kind(body, r.headers.get("content-type", ""), str(r.url))
            if k is None or k == "html":
                reasons.append(f"{link}: not a .pdf/.doc/.docx file")
                continue
            p, s = self._save(r, body, k)
            out.append(Fetched(url, str(r.url), p, s))
        if not out:
            raise FetchFailed(f"{url}: the page is not a report and its attachments failed: " + "; ".join(reasons))
        return out


def fetch_all(
    urls: list[str], settings: FetchSettings, folder: Path, client: httpx.Client | None = None
) -> tuple[list[Fetched], list[tuple[str, str]]]:
    """Download every address; returns the reports fetched and (address, reason) for each one skipped."""
    fetcher = PortalFetcher(settings, folder, client)
    fetched: list[Fetched] = []
    skipped: list[tuple[str, str]] = []
    try:
        for url in urls:
            try:
                fetched += fetcher.fetch(url)
            except FetchFailed as e:
                skipped.append((url, e.message))
    finally:
        if client is None:
            fetcher.close()
    return fetched, skipped


def read_url_list(path: Path) -> list[str]:
    """Addresses from a file, one a line; blank lines and lines starting with # are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise FetchFailed(f"{path}: cannot read the list of addresses ({e}); give a UTF-8 text file, one URL a line") from e
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
