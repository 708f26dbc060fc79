"""Word .docx reports: body paragraphs and table rows in order, Word numbering made visible as text markers.

Headings in a .docx usually carry their 一、/（一） markers in automatic numbering rather than in the
text. The marker a reader sees is rendered from numbering.xml and put in front of the paragraph text,
so that `qa.structure` finds the same section path as in a plain-text copy of the report.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, join_paragraphs, trim
from qa.structure import heading_level

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = f"{{{W_NS}}}"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题", "subtitle", "副标题"}
_DOC_NUMBER = re.compile(r"[〔［\[]\s*\d{4}\s*[〕］\]]")
_CN_DIGITS = "零一二三四五六七八九"
_TEXT_BOX_TAGS = (f"{_W}txbxContent",)
_SKIPPED_SUBTREES = (f"{{{MC_NS}}}Fallback", f"{_W}instrText", f"{_W}delText")
MAX_TITLE_CHARS = 60


def chinese_number(n: int) -> str:
    """1..99 as Chinese counting numerals: 一, 十, 十一, 二十三."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def _roman(n: int) -> str:
    out = []
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(numeral)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, num_fmt: str) -> str:
    """One counter value in a Word numFmt (decimal, chineseCounting, upperRoman, ...)."""
    if num_fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
                   "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting", "ideographDigital"):
        return chinese_number(n)
    if num_fmt == "ideographTraditional" and 1 <= n <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[n - 1]
    if num_fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if num_fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if num_fmt == "decimalZero":
        return f"{n:02d}"
    if num_fmt == "upperRoman":
        return _roman(n)
    if num_fmt == "lowerRoman":
        return _roman(n).lower()
    if num_fmt == "upperLetter":
        return _letters(n)
    if num_fmt == "lowerLetter":
        return _letters(n).lower()
    if num_fmt in ("none", "bullet"):
        return ""
    return str(n)


def level_marker(depth: int, n: int) -> str:
    """The marker a Chinese report uses for a heading at this depth: 一、 then （一） then 1、 then （1）."""
    if depth <= 0:
        return f"{chinese_number(n)}、"
    if depth == 1:
        return f"（{chinese_number(n)}）"
    if depth == 2:
        return f"{n}、"
    return f"（{n}）"


@dataclass(frozen=True)
class NumberingLevel:
    """One level of a Word list definition."""

    start: int
    num_fmt: str
    lvl_text: str


@dataclass
class Numbering:
    """numbering.xml resolved to levels per numId, with running counters as paragraphs are read."""

    levels: dict[str, dict[int, NumberingLevel]]
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    def next_marker(self, num_id: str, ilvl: int) -> tuple[str, int, str] | None:
        """Advance the counter of (num_id, ilvl): Word's rendered marker, the counter value and its numFmt."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return None
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else levels[ilvl].start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        level = levels[ilvl]

        def render(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            ref = levels.get(k)
            value = counters.get(k, ref.start if ref else 1)
            return format_number(value, ref.num_fmt if ref else "decimal")

        return re.sub(r"%(\d)", render, level.lvl_text), counters[ilvl], level.num_fmt


def _attr(el: Any, name: str) -> str | None:
    return el.get(f"{_W}{name}") if el is not None else None


def _child(el: Any, name: str) -> Any:
    return el.find(f"{_W}{name}") if el is not None else None


def read_numbering(document: Any) -> Numbering:
    """Every numId's levels, following numStyleLink indirections and lvlOverride/startOverride."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return Numbering({})
    abstract: dict[str, Any] = {a.get(f"{_W}abstractNumId"): a for a in root.findall(f"{_W}abstractNum")}
    nums: dict[str, Any] = {n.get(f"{_W}numId"): n for n in root.findall(f"{_W}num")}

    def style_num_id(style_id: str) -> str | None:
        style = document.styles.element.find(f"{_W}style[@{_W}styleId='{style_id}']")
        return _attr(_child(_child(_child(style, "pPr"), "numPr"), "numId"), "val")

    def abstract_levels(abstract_id: str | None, seen: int = 0) -> dict[int, NumberingLevel]:
        a = abstract.get(abstract_id or "")
        if a is None or seen > 3:
            return {}
        link = _attr(_child(a, "numStyleLink"), "val")
        if link:
            linked = nums.get(style_num_id(link) or "")
            return abstract_levels(_attr(_child(linked, "abstractNumId"), "val"), seen + 1)
        return {int(_attr(lvl, "ilvl") or 0): _level(lvl) for lvl in a.findall(f"{_W}lvl")}

    levels: dict[str, dict[int, NumberingLevel]] = {}
    for num_id, num in nums.items():
        resolved = dict(abstract_levels(_attr(_child(num, "abstractNumId"), "val")))
        for override in num.findall(f"{_W}lvlOverride"):
            ilvl = int(_attr(override, "ilvl") or 0)
            replacement = _child(override, "lvl")
            if replacement is not None:
                resolved[ilvl] = _level(replacement)
            start = _attr(_child(override, "startOverride"), "val")
            if start is not None and ilvl in resolved:
                old = resolved[ilvl]
                resolved[ilvl] = NumberingLevel(int(start), old.num_fmt, old.lvl_text)
        levels[num_id] = resolved
    return Numbering(levels)


def _level(lvl: Any) -> NumberingLevel:
    start = _attr(_child(lvl, "start"), "val")
    return NumberingLevel(
        start=int(start) if start and start.isdigit() else 1,
        num_fmt=_attr(_child(lvl, "numFmt"), "val") or "decimal",
        lvl_text=_attr(_child(lvl, "lvlText"), "val") or "",
    )


@dataclass(frozen=True)
class ParagraphStyleFacts:
    """What a paragraph's style chain says about it."""

    heading_depth: int | None
    is_title: bool
    centered: bool
    num_id: str | None
    ilvl: int | None


def style_chain(paragraph: Any) -> tuple[list[str], list[Any]]:
    """Names and pPr elements of the paragraph's style and the styles it is based on, innermost first."""
    names: list[str] = []
    properties: list[Any] = []
    style = paragraph.style
    while style is not None and len(names) < 10:
        names.append((style.name or "").strip())
        properties.append(_child(style.element, "pPr"))
        style = style.base_style
    return names, [pr for pr in properties if pr is not None]


def _first_val(properties: list[Any], *path: str) -> str | None:
    """The w:val of the first pPr in the chain that has the element at path."""
    for pr in properties:
        el = pr
        for name in path:
            el = _child(el, name)
        if el is not None:
            return _attr(el, "val")
    return None


def _style_facts(paragraph: Any, chain: tuple[list[str], list[Any]]) -> ParagraphStyleFacts:
    """Heading depth (0 = top), title style, centering and numbering from the paragraph and its style chain."""
    names, style_properties = chain
    own = _child(paragraph._p, "pPr")
    properties = ([own] if own is not None else []) + style_properties
    heading_depth: int | None = None
    for name in names:
        m = _HEADING_STYLE.match(name)
        if m:
            heading_depth = int(m.group(1)) - 1
            break
    if heading_depth is None:
        outline = _first_val(properties, "outlineLvl")
        if outline is not None and outline.isdigit() and int(outline) < 9:
            heading_depth = int(outline)
    num_id = _first_val(properties, "numPr", "numId")
    ilvl = _first_val(properties, "numPr", "ilvl")
    return ParagraphStyleFacts(
        heading_depth=heading_depth,
        is_title=any(name.lower() in _TITLE_STYLES for name in names),
        centered=_first_val(properties, "jc") == "center",
        num_id=None if num_id in (None, "0") else num_id,
        ilvl=int(ilvl) if ilvl is not None and ilvl.isdigit() else None,
    )


def _is_hidden(run: Any) -> bool:
    vanish = _child(_child(run, "rPr"), "vanish")
    return vanish is not None and _attr(vanish, "val") not in ("0", "false", "off")


def paragraph_text(p: Any, text_boxes: list[Any]) -> str:
    """The visible text of one w:p; text-box contents are handed back in text_boxes, not inlined."""
    parts: list[str] = []
    stack: list[Any] = [p]
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIPPED_SUBTREES:
            continue
        if tag in _TEXT_BOX_TAGS:
            text_boxes.append(el)
            continue
        if tag == f"{_W}r" and _is_hidden(el):
            continue
        if tag == f"{_W}t":
            parts.append(el.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            parts.append("\t")
        elif tag == f"{_W}br":
            if _attr(el, "type") in (None, "textWrapping"):
                parts.append("\n")
        elif tag == f"{_W}cr":
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        stack.extend(reversed(list(el)))
    return "".join(parts)


@dataclass
class WordReader:
    """Walks one document body in order and collects its lines."""

    document: Any
    numbering: Numbering
    lines: list[str] = field(default_factory=list)
    title_candidates: list[tuple[str, bool, bool]] = field(default_factory=list)
    unnumbered_headings: int = 0
    text_boxes: int = 0
    style_chains: dict[str | None, tuple[list[str], list[Any]]] = field(default_factory=dict)

    def read_blocks(self, container: Any, parent: Any) -> None:
        """Paragraphs and tables under container (body, cell, text box, content control) in order."""
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        for el in container:
            if el.tag == f"{_W}p":
                self.read_paragraph(Paragraph(el, parent))
            elif el.tag == f"{_W}tbl":
                self.read_table(Table(el, parent))
            elif el.tag == f"{_W}sdt":
                content = _child(el, "sdtContent")
                if content is not None:
                    self.read_blocks(content, parent)

    def read_paragraph(self, paragraph: Any) -> None:
        """One paragraph: its text, a numbering marker when Word draws one, then any text boxes in it."""
        boxes: list[Any] = []
        text = trim(paragraph_text(paragraph._p, boxes))
        style_id = paragraph._p.style
        if style_id not in self.style_chains:
            self.style_chains[style_id] = style_chain(paragraph)
        facts = _style_facts(paragraph, self.style_chains[style_id])
        if text:
            text = self.with_marker(text, facts)
            if len(self.lines) < 8:
                self.title_candidates.append((text, facts.is_title, facts.centered))
            self.lines.append(text)
        for box in boxes:
            self.text_boxes += 1
            self.read_blocks(box, paragraph)

    def with_marker(self, text: str, facts: ParagraphStyleFacts) -> str:
        """Text with Word's list marker in front when the numbering draws one that the text lacks."""
        marker: str | None = None
        if facts.num_id is not None:
            ilvl = facts.ilvl if facts.ilvl is not None else (facts.heading_depth or 0)
            rendered = self.numbering.next_marker(facts.num_id, ilvl)
            if rendered is not None and rendered[2] not in ("bullet", "none") and trim(rendered[0]):
                word_marker, counter, _ = rendered
                if heading_level(text) is not None:
                    marker = None
                elif heading_level(trim(word_marker) + text) is not None:
                    marker = trim(word_marker)
                elif facts.heading_depth is not None:
                    marker = level_marker(ilvl, counter)
                else:
                    marker = trim(word_marker)
        if marker:
            return marker + text
        if facts.heading_depth is not None and heading_level(text) is None and not facts.is_title:
            self.unnumbered_headings += 1
        return text

    def read_table(self, table: Any) -> None:
        """Each row becomes one line, its cells joined with " | "; a one-cell row keeps its paragraphs."""
        from docx.table import _Cell

        for tr in table._tbl.findall(f"{_W}tr"):
            cells = []
            for tc in tr.findall(f"{_W}tc"):
                cell_reader = WordReader(self.document, self.numbering, style_chains=self.style_chains)
                cell_reader.read_blocks(tc, _Cell(tc, table))
                self.text_boxes += cell_reader.text_boxes
                if cell_reader.lines:
                    cells.append(cell_reader.lines)
            if len(cells) == 1:
                self.lines.extend(cells[0])
            elif cells:
                self.lines.append(" | ".join(" ".join(cell) for cell in cells))

    def title(self) -> str | None:
        """The opening Title-style paragraphs, else the run of short centered lines that opens the document."""
        has_title_style = any(is_title for _, is_title, _ in self.title_candidates)
        run: list[str] = []
        for text, is_title, centered in self.title_candidates:
            looks_like_title = is_title if has_title_style else centered
            if looks_like_title and len(text) <= MAX_TITLE_CHARS and heading_level(text) is None:
                if _DOC_NUMBER.search(text):
                    run = []
                    continue
                run.append(text)
                if len(run) == 3:
                    break
            elif run:
                break
        return "".join(run) or None


def extract_docx(path: Path, name: str | None = None) -> Extracted:
    """Text of a .docx in body order, with Word numbering as text markers, and its title.

    `name` is the file to name in messages when path is a conversion of another file.
    """
    name = name or path.name
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as e:
        raise UnreadableDocument(
            f"{name}: not a readable .docx (damaged, password-protected, or an old .doc renamed); "
            f"open and save it again, or: libreoffice --headless --convert-to docx --outdir '{path.parent}' '{path}'"
        ) from e
    reader = WordReader(document, read_numbering(document))
    reader.read_blocks(document.element.body, document)
    text = join_paragraphs(reader.lines)
    if not text:
        raise UnreadableDocument(f"{name}: the Word document has no text (only images?); run OCR first")
    warnings: list[str] = []
    if reader.unnumbered_headings:
        warnings.append(
            f"{reader.unnumbered_headings} heading-styled paragraphs have no 一、/（一） marker in text or numbering; "
            "they are read as body text"
        )
    if reader.text_boxes:
        warnings.append(f"{reader.text_boxes} text boxes were read after the paragraph that anchors them")
    core_title = trim(document.core_properties.title or "")
    title = core_title if core_title and not core_title.lower().startswith(("microsoft", "word document")) else reader.title()
    return Extracted(text, "docx", title, None, tuple(warnings))
