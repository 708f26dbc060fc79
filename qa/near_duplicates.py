"""One report in two formats (a portal .html and a .txt, a .docx that adds a title line) is one document.

Texts are compared on a normalised copy: NFKC, traditional read as simplified, and only letters, digits and
CJK characters kept (no punctuation, spaces or line breaks, which differ between formats). Each text becomes
a set of character shingles, and a pair is one report when the exact containment |A ∩ B| / min(|A|, |B|) of
the two sets clears the fitted threshold, so a copy with a title, page furniture or a shorter excerpt still counts.

Two reports that state different towns or years are never merged, however alike: a template reused the next
year with new figures is a new report. That rule is also what keeps the comparison cheap at any corpus size:
only reports that agree on town and year (or leave one of them unstated) are compared, so 10,000 reports are
a few thousand pairs, not 50 million, and no candidate-search library (MinHash LSH pulled scipy, 143 MB, into
the run path) is needed. The shingle size and the containment threshold are fitted by `python -m
qa.training.duplicates` on the real development corpus and kept in qa/data/near_duplicates.json.
Of a group of duplicates the copy with the most structure is indexed: docx > text PDF > html > txt > OCR.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from qa.places import to_simplified

FORMAT_RANK = {"docx": 5, "pdf": 4, "html": 3, "txt": 2, "ocr": 1}
FORMAT_NAMES = {"docx": "Word (.docx)", "pdf": "text PDF", "html": "web page", "txt": "plain text", "ocr": "OCR"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
_NOT_ALNUM = re.compile(r"[\W_]+")
CACHED_SETS = 64  # shingle-hash arrays kept while comparing (a few MB)


@dataclass(frozen=True)
class DuplicateParams:
    """What the fitting script chose (qa/data/near_duplicates.json)."""

    shingle: int
    containment: float


@cache
def params() -> DuplicateParams:
    """The fitted parameters shipped with reportqa."""
    data = json.loads(resources.files("qa").joinpath("data/near_duplicates.json").read_text(encoding="utf-8"))
    return DuplicateParams(**{k: data[k] for k in ("shingle", "containment")})


def normalise(text: str) -> str:
    """The text as compared: NFKC, simplified characters, letters/digits/CJK only, lower case."""
    return _NOT_ALNUM.sub("", to_simplified(unicodedata.normalize("NFKC", text)).lower())


def shingles(text: str, k: int) -> set[str]:
    """The character k-grams of the normalised text (the whole text when shorter than k)."""
    t = normalise(text)
    if len(t) <= k:
        return {t} if t else set()
    return {t[i : i + k] for i in range(len(t) - k + 1)}


def containment(a: set[str], b: set[str]) -> float:
    """|A ∩ B| / min(|A|, |B|): 1.0 when the smaller set lies wholly inside the larger."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def containment_in(part: set[str], whole: set[str]) -> float:
    """The share of `part`'s shingles that are in `whole`."""
    return len(part & whole) / len(part) if part else 0.0


def format_of(source: str, encoding: str) -> str:
    """The format family of a document, from its extractor's encoding label and its file name."""
    suffix = PurePosixPath(source).suffix.lower()
    enc = encoding.lower()
    if "ocr" in enc or suffix in IMAGE_SUFFIXES:
        return "ocr"
    if enc.startswith("docx") or suffix in (".docx", ".doc", ".wps"):
        return "docx"
    if enc.startswith("pdf") or suffix == ".pdf":
        return "pdf"
    if enc.startswith("html") or suffix in (".html", ".htm", ".shtml"):
        return "html"
    return "txt"


@dataclass(frozen=True)
class Item:
    """One document as the duplicate finder sees it."""

    key: str  # unique: the document's source
    text: str
    encoding: str
    town: str | None = None  # as the report states them: two reports that state different towns or years
    year: int | None = None  # are two reports, however alike their text (a template reused next year)


@dataclass(frozen=True)
class Duplicate:
    """`dropped` is the same report as `kept`; `reason` says why `kept` was the one indexed."""

    dropped: str
    kept: str
    similarity: float
    reason: str

    def as_row(self) -> list[Any]:
        """The manifest's row: [dropped, kept, similarity, reason]."""
        return [self.dropped, self.kept, round(self.similarity, 3), self.reason]


@dataclass(frozen=True)
class Signature:
    """What the finder keeps of one document between its parse and the search: no text, no shingle set.

    A streaming build holds this per report; each report's shingle hashes wait on disk and are read back only
    for the pairs that are compared.
    """

    key: str
    encoding: str
    town: str | None
    year: int | None
    length: int  # characters of the text
    size: int  # distinct shingles


class Signer:
    """Signatures and sorted 64-bit shingle hashes of one text at a time (hashes are this process's `hash`)."""

    def __init__(self, p: DuplicateParams | None = None) -> None:
        self.p = p or params()

    def sign(self, item: Item) -> tuple[Signature, np.ndarray]:
        """The item's signature and its shingle set as a sorted array of distinct 64-bit hashes."""
        s = shingles(item.text, self.p.shingle)
        hashes = np.unique(np.fromiter((hash(x) for x in s), dtype=np.int64, count=len(s)))
        return Signature(item.key, item.encoding, item.town, item.year, len(item.text), len(hashes)), hashes


def _overlap(a: np.ndarray, b: np.ndarray) -> int:
    return len(np.intersect1d(a, b, assume_unique=True))


def _contain(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    return _overlap(a, b) / min(len(a), len(b))


def _contain_in(part: np.ndarray, whole: np.ndarray) -> float:
    return _overlap(part, whole) / len(part) if len(part) else 0.0


def _preference(item: Signature, order: int) -> tuple[int, int, int]:
    """Higher is better: the format's rank, then the longer text (more of the report), then the earlier file."""
    return (FORMAT_RANK[format_of(item.key, item.encoding)], item.length, -order)


def _reason(kept: Signature, dropped: Signature) -> str:
    fk, fd = format_of(kept.key, kept.encoding), format_of(dropped.key, dropped.encoding)
    if fk != fd:
        return f"{FORMAT_NAMES[fk]} keeps more structure than {FORMAT_NAMES[fd]}"
    if kept.length != dropped.length:
        return f"both {FORMAT_NAMES[fk]}; the kept copy has more text ({kept.length} vs {dropped.length} characters)"
    return f"both {FORMAT_NAMES[fk]} with the same text; the first file in order is kept"


def stated_apart(a: Item | Signature, b: Item | Signature) -> bool:
    """True when the two reports name different towns or different years."""
    return bool(a.town and b.town and a.town != b.town) or bool(a.year and b.year and a.year != b.year)


def _candidate_pairs(items: Sequence[Item | Signature]) -> list[tuple[int, int]]:
    """The pairs that may be one report: the same stated town and year, or one of them unstated."""
    by_place: dict[tuple[str, object], list[int]] = {}
    open_ended: list[int] = []
    for i, it in enumerate(items):
        if it.town and it.year:
            by_place.setdefault((it.town, it.year), []).append(i)
        else:
            open_ended.append(i)
    out = [(a, b) for group in by_place.values() for k, a in enumerate(group) for b in group[k + 1 :]]
    unstated = set(open_ended)
    for i in open_ended:
        out += [(i, j) for j in range(len(items)) if j != i and not stated_apart(items[i], items[j])
                and (j not in unstated or j > i)]
    return out


def find_duplicates(items: list[Item], p: DuplicateParams | None = None) -> list[Duplicate]:
    """Groups of near-identical reports; for each, every copy but the preferred one, with the reason."""
    signer = Signer(p)
    signed = [signer.sign(it) for it in items]
    hashes = [h for _, h in signed]
    return find_signed([s for s, _ in signed], hashes.__getitem__, signer.p)


def find_signed(
    items: list[Signature], shingle_hashes: Callable[[int], np.ndarray], p: DuplicateParams | None = None
) -> list[Duplicate]:
    """`find_duplicates` over signatures; `shingle_hashes(i)` reads item i's sorted shingle hashes when a pair
    is compared (a streaming build reads them from disk, a few at a time)."""
    p = p or params()
    parent = list(range(len(items)))
    cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def sets(i: int) -> np.ndarray:
        if i in cache:
            cache.move_to_end(i)
            return cache[i]
        h = cache[i] = shingle_hashes(i)
        if len(cache) > CACHED_SETS:
            cache.popitem(last=False)
        return h

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _candidate_pairs(items):
        if not items[i].size or not items[j].size or root(i) == root(j):
            continue
        if _contain(sets(i), sets(j)) >= p.containment:
            parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(root(i), []).append(i)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # Only a copy that holds (nearly) all of every other copy may be kept, so an excerpt in a richer
        # format never replaces the whole report; among those the format with the most structure wins.
        covering = [
            i for i in members
            if all(j == i or _contain_in(sets(j), sets(i)) >= p.containment for j in members)
        ] or [max(members, key=lambda i: items[i].size)]
        keep = max(covering, key=lambda i: _preference(items[i], i))
        for i in sorted(members):
            if i != keep:
                sim = _contain(sets(i), sets(keep))
                out.append(Duplicate(items[i].key, items[keep].key, sim, _reason(items[keep], items[i])))
    return out
