"""The indicator table as files: CSV (UTF-8 with a BOM, so Excel opens it) and XLSX (a second sheet of quotes).

Both hold the same table: one row per report, one column per indicator (qa/indicators.py). A cell is empty when
the report does not say; a figure stated with different values reads "冲突 conflict: 40场; 12次".
"""

from __future__ import annotations

import csv
import io

from qa.indicators import INDICATORS
from qa.types import IndicatorRow, IndicatorValue

Cell = str | int | float | None


def _number(x: float) -> int | float:
    return int(x) if x == int(x) else x


def cell(v: IndicatorValue | None) -> Cell:
    """A table cell: the number, empty when not said, or the conflicting statements."""
    if v is None:
        return None
    if v.value is None:
        return "冲突 conflict: " + "; ".join(f"{_number(x)}{u}" for x, u, _ in v.conflicts)
    return _number(v.value)


def table(rows: list[IndicatorRow]) -> list[list[Cell]]:
    """The header and one line per report."""
    head: list[Cell] = ["town", "county", "year", "doc_id"]
    head += [f"{i.label_zh}（{i.unit}）" for i in INDICATORS]
    body: list[list[Cell]] = []
    for r in rows:
        line: list[Cell] = [r.town, r.county, r.year, r.doc_id]
        body.append(line + [cell(r.values.get(i.key)) for i in INDICATORS])
    return [head, *body]


def quotes(rows: list[IndicatorRow]) -> list[list[Cell]]:
    """Every cited statement: report, indicator, value, unit, quote and offsets (each conflicting one too)."""
    out: list[list[Cell]] = [["town", "year", "doc_id", "indicator", "label_zh", "value", "unit", "quote", "start",
                              "end", "conflict"]]
    for r in rows:
        for ind in INDICATORS:
            v = r.values.get(ind.key)
            if v is None:
                continue
            stated = [(v.value, v.unit, v.citation)] if v.citation else [(x, u, c) for x, u, c in v.conflicts]
            for value, unit, c in stated:
                if c is None or value is None:
                    continue
                out.append([r.town, r.year, r.doc_id, ind.key, ind.label_zh, _number(value), unit, c.quote, c.start,
                            c.end, "yes" if v.conflicts else ""])
    return out


def to_csv(rows: list[IndicatorRow]) -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in table(rows):
        w.writerow(["" if x is None else x for x in line])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rows: list[IndicatorRow]) -> bytes:
    """The table on sheet 'indicators' and every cited quote on sheet 'quotes'."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "indicators"
    for line in table(rows):
        ws.append(line)
    ws.freeze_panes = "E2"
    qs = wb.create_sheet("quotes")
    for line in quotes(rows):
        qs.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
