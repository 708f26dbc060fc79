"""Metadata overrides: `reportqa.toml` or `reportqa.csv` in a corpus folder sets town, year or region
for documents whose text does not state them (or states them wrongly).

    # reportqa.toml — keys are file paths relative to the folder (or bare file names)
    ["2023/lianting.docx"]
    town = "莲塘镇"
    year = 2023
    county = "南昌县"

    # reportqa.csv
    source,town,year,county,city,province
    lianting.docx,莲塘镇,2023,南昌县,南昌市,江西省
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.documents import ParsedDocument
from qa.errors import UnreadableDocument
from qa.types import Metadata

OVERRIDE_FILES = ("reportqa.toml", "reportqa.csv")
FIELDS = ("town", "county", "city", "province", "year", "date", "title")


def _clean(row: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k not in FIELDS or v in (None, ""):
            continue
        if k == "year":
            try:
                v = int(v)
            except (TypeError, ValueError) as e:
                raise UnreadableDocument(f"{where}: year must be a number like 2023, got {v!r}") from e
        out[k] = v
    return out


def read_overrides(folder: Path) -> dict[str, dict[str, Any]]:
    """source (or file name) → metadata fields, from the folder's override files."""
    out: dict[str, dict[str, Any]] = {}
    toml_path = folder / "reportqa.toml"
    if toml_path.is_file():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UnreadableDocument(f"{toml_path}: not valid TOML ({e}); fix it or remove it") from e
        for source, row in data.items():
            if isinstance(row, dict):
                out[source] = _clean(row, f"{toml_path} [{source}]")
    csv_path = folder / "reportqa.csv"
    if csv_path.is_file():
        with open(csv_path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                source = (row.get("source") or "").strip()
                if source:
                    out[source] = _clean(row, f"{csv_path} ({source})")
    return out


def overrides_for(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """Overrides from every folder given to a build."""
    out: dict[str, dict[str, Any]] = {}
    for p in paths:
        if p.is_dir():
            out.update(read_overrides(p))
    return out


def with_metadata(pd: ParsedDocument, metadata: Metadata) -> ParsedDocument:
    """The parsed document with its metadata replaced."""
    return replace(pd, document=replace(pd.document, metadata=metadata))


def apply_override(pd: ParsedDocument, overrides: dict[str, dict[str, Any]]) -> ParsedDocument:
    """Apply the override for this document's source (full relative path first, then file name)."""
    src = pd.document.source
    row = overrides.get(src) or overrides.get(Path(src).name)
    if not row:
        return pd
    return with_metadata(pd, replace(pd.document.metadata, **row))
