"""Pages saved from government portals (.html, .htm, .shtml): the article body without the portal around it.

selectolax (the Lexbor HTML5 parser) parses the page the way a browser does, tolerates the broken markup of
portal templates and is several times faster than lxml or BeautifulSoup; it ships as one wheel.

The body is found first by the container names that portal CMSs use (TRS_Editor, zoom, Custom_UnionStyle,
article, content ...), then by text density: the block with the most non-link text, narrowed to the child that
holds nearly all of it. Navigation, headers, footers, share widgets, breadcrumbs, the 索引号/发布机构 info box
and print/close links are removed before and after.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import UnreadableDocument
from qa.formats.extracted import Extracted, iso_date, join_paragraphs, trim
from qa.structure import is_furniture_line

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn"}

REMOVED_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "form", "button",
    "input", "select", "textarea", "nav", "header", "footer", "aside", "head", "map", "video", "audio",
)
CHROME_WORDS = frozenset(
    ["nav", "navbar", "navigation", "menu", "header", "head", "top", "topbar", "footer", "foot", "bottom", "copyright", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "position", "location", "dqwz", "share", "print", "close", "qrcode", "qr", "ewm", "erweima", "sidebar", "side", "related", "xgwz", "xglj", "links", "friendlink", "search", "login", "toolbar", "tools", "fontsize", "zoomfont", "info", "infobox", "metainfo", "docinfo", "meta", "prev", "next", "pager", "pagination", "comment", "comments", "ad", "ads", "banner", "skip"]
)
CHROME_PREFIXES = ("nav", "menu", "share", "bdshare", "jiathis", "bshare", "print", "search", "footer", "header")
CHROME_FULL = frozenset({"xxgk_table", "xxgktable", "xxgk_info", "info_box", "article_info", "bdsharebuttonbox"})
BODY_WORDS = frozenset(
    ["zoom", "article", "content", "contents", "detail", "con", "text", "txt", "editor", "unionstyle", "wzcon", "artcon", "newscon", "view"]
)
BODY_FULL = frozenset({"trs_editor", "trs_ueditor", "custom_unionstyle", "main_content", "main-content"})
MOST_OF_PAGE = 0.4
CHROME_LINE = re.compile(
    r"^\s*(?:当前位置|您(?:现在)?的?位置|首页\s*[>›»/]|【?\s*(?:打印|关闭|打印本页|关闭窗口|收藏|返回顶部|我要纠错)\s*】?"
    r"(?:\s*【?\s*(?:打印|关闭|打印本页|关闭窗口|收藏|返回顶部)\s*】?)*\s*$|分享(?:到)?[:：]?|扫一扫|"
    r"上一篇|下一篇|相关(?:链接|阅读|文章|新闻)|责任编辑|【?\s*字[号体]|浏览次数|阅读次数|点击[数量率]|"
    r"版权所有|主办单位|承办单位|网站标识码|[京沪津渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂藏宁新]ICP|"
    r"ICP备|公网安备)"
)
BLOCK_TAGS = frozenset(
    ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody", "thead", "tfoot", "tr", "section", "article", "main", "blockquote", "pre", "center", "hr", "address", "figure", "figcaption", "caption", "body", "html"]
)
TITLE_SUFFIX = re.compile(
    r"(?:\s*[-_|｜—–]+\s*[^-_|｜—–\d]{0,30}(?:政府|网|网站|门户|平台|公开|局|委|办|镇|乡|街道|县|区|市|州|省|Portal))+\s*$"
)
TITLE_META = ("ArticleTitle", "og:title", "title", "Title")
DATE_META = ("PubDate", "pubdate", "publishdate", "firstpublishedtime", "article:published_time", "Date", "date")
DATE_LABELS = ("发布日期|发布时间", "成文日期", "日期|时间")
DATE_VALUE = r"\s*[:：]\s*(\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})"
NEAR_ALL = 0.8


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    """Page bytes to text: declared meta charset, then a BOM, then UTF-8, then GB18030."""
    declared = _META_CHARSET.search(data[:4096])
    candidates: list[str] = []
    if declared:
        label = declared.group(1).decode("ascii", "replace").lower()
        candidates.append("gb18030" if label in _GB_ALIASES else label)
    for bom, enc in _BOMS:
        if data.startswith(bom):
            candidates.insert(0 if not declared else 1, enc)
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        return text.lstrip("\ufeff"), enc.replace("-sig", "")
    raise UnreadableDocument(f"{name}: the page is in an unknown encoding; save it again as UTF-8")


def _names(node: Any) -> list[str]:
    attrs = node.attributes
    return f"{attrs.get('id') or ''} {attrs.get('class') or ''}".lower().split()


def _tokens(names: list[str]) -> set[str]:
    return {t for name in names for t in re.split(r"[-_.:]+", name) if t}


def is_body_named(node: Any) -> bool:
    """True for the container names portal CMSs give the article (TRS_Editor, zoom, content ...)."""
    names = _names(node)
    return bool(BODY_FULL.intersection(names) or BODY_WORDS.intersection(_tokens(names)))


def is_chrome_named(node: Any) -> bool:
    """True for navigation, header, footer, share, print and info-box containers by their id or class."""
    names = _names(node)
    tokens = _tokens(names)
    return bool(
        CHROME_FULL.intersection(names)
        or CHROME_WORDS.intersection(tokens)
        or any(t.startswith(CHROME_PREFIXES) for t in tokens)
    )


def remove_chrome(root: Any) -> None:
    """Delete scripts, navigation, headers, footers, widgets and info boxes, never most of the page's text."""
    total, links = _text_lengths(root)
    page_text = max(total - links, 1)

    def holds_most(node: Any) -> bool:
        own, own_links = _text_lengths(node)
        return own - own_links >= MOST_OF_PAGE * page_text

    doomed: list[Any] = [
        node
        for tag in REMOVED_TAGS
        for node in root.css(tag)
        if tag not in ("nav", "header", "footer", "aside", "form") or not holds_most(node)
    ]
    doomed += [node for node in root.css("[id], [class]") if is_chrome_named(node) and not holds_most(node)]
    doomed_ids = {node.mem_id for node in doomed}
    outermost = {
        node.mem_id: node
        for node in doomed
        if not any(ancestor.mem_id in doomed_ids for ancestor in _ancestors(node))
    }
    for node in outermost.values():
        node.decompose()
    for table in root.css("table"):
        text = table.text(separator=" ")
        if re.search(r"索\s*引\s*号", text) and re.search(r"发布机构|发文机关|成文日期|主题分类", text):
            table.decompose()


def _ancestors(node: Any) -> list[Any]:
    out = []
    while node.parent is not None:
        node = node.parent
        out.append(node)
    return out


def _text_lengths(node: Any) -> tuple[int, int]:
    """Characters of text under node, and how many of them are link text."""
    total = len(re.sub(r"\s+", "", node.text(separator="")))
    links = sum(len(re.sub(r"\s+", "", a.text(separator=""))) for a in node.css("a"))
    return total, links


def _narrow(node: Any) -> Any:
    """The innermost descendant that still holds nearly all of node's text."""
    total, _ = _text_lengths(node)
    while total:
        children = [c for c in node.iter() if c.tag not in ("-text", "-comment")]
        best = max(children, key=lambda c: _text_lengths(c)[0], default=None)
        if best is None or _text_lengths(best)[0] < NEAR_ALL * total:
            return node
        node = best
    return node


def find_body(root: Any) -> Any:
    """The element that holds the article: a known body container, else the densest text block."""
    known = [n for n in root.css("[id], [class]") if is_body_named(n)]
    measured = [(n, *_text_lengths(n)) for n in known]
    articles = [(n, total) for n, total, links in measured if total >= 50 and links < 0.5 * total]
    if articles:
        most = max(total for _, total in articles)
        holding = [n for n, total in articles if total >= NEAR_ALL * most]
        deepest = max(holding, key=_depth)
        return _narrow(deepest)
    best, best_score = root, -1.0
    for node in root.css("div, td, article, section, main, body"):
        total, links = _text_lengths(node)
        if total == 0:
            continue
        score = (total - links) * (1.0 - links / total)
        if score > best_score:
            best, best_score = node, score
    return _narrow(best)


def _depth(node: Any) -> int:
    depth = 0
    while node.parent is not None:
        node = node.parent
        depth += 1
    return depth


@dataclass
class TextWriter:
    """Collects rendered text, breaking lines at block elements and <br>, cells of a row joined with " | "."""

    paragraphs: list[str]
    current: list[str]

    def text(self, value: str) -> None:
        self.current.append(value)

    def newline(self) -> None:
        line = trim(re.sub(r"[ \t\r\n\f\v]+", " ", "".join(self.current)))
        if line:
            self.paragraphs.append(line)
        self.current = []


def render_text(node: Any) -> list[str]:
    """The paragraphs a browser would show for node, whitespace collapsed as HTML does."""
    writer = TextWriter([], [])
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, leaving = stack.pop()
        tag = current.tag
        if leaving:
            if tag in BLOCK_TAGS:
                writer.newline()
            continue
        if tag == "-text":
            writer.text(current.text(deep=False) or "")
            continue
        if tag == "-comment" or not isinstance(tag, str):
            continue
        if tag == "br":
            writer.newline()
            continue
        if tag == "tr":
            writer.newline()
            cells = [render_text(cell) for cell in current.iter() if cell.tag in ("td", "th")]
            cells = [cell for cell in cells if cell]
            if len(cells) == 1:
                writer.paragraphs.extend(cells[0])
            elif cells:
                writer.paragraphs.append(" | ".join(" ".join(cell) for cell in cells))
            continue
        if tag in BLOCK_TAGS:
            writer.newline()
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(list(current.iter(include_text=True))))
    writer.newline()
    return writer.paragraphs


def _meta(root: Any, names: tuple[str, ...]) -> str | None:
    for name in names:
        for attr in ("name", "property", "itemprop"):
            node = root.css_first(f'meta[{attr}="{name}"]')
            content = trim(node.attributes.get("content") or "") if node is not None else ""
            if content:
                return content
    return None


def page_title(root: Any) -> str | None:
    """ArticleTitle/og:title meta, else <title> without the portal's name after a separator."""
    title = _meta(root, TITLE_META)
    if title:
        return title
    node = root.css_first("title")
    text = trim(node.text()) if node is not None else ""
    return trim(TITLE_SUFFIX.sub("", text)) or text or None


def page_date(root: Any, page_text: str) -> str | None:
    """PubDate-like meta, else a 发布日期/成文日期 line anywhere on the page."""
    meta = _meta(root, DATE_META)
    if meta and iso_date(meta):
        return iso_date(meta)
    for labels in DATE_LABELS:
        m = re.search(f"(?:{labels}){DATE_VALUE}", page_text)
        if m:
            return iso_date(m.group(1))
    return None


def _visible_heading(root: Any, title: str | None) -> str | None:
    """The page's own headline (an h1/h2 or a title-named block) when it reads like the document title."""
    for node in root.css("h1, h2, h3, .title, .tit, #title, .article-title, .art_title, .bt"):
        text = trim(re.sub(r"\s+", " ", node.text()))
        if 4 <= len(text) <= 80 and ((title and (text in title or title in text)) or "报告" in text):
            return text
    return None


def extract_html(path: Path) -> Extracted:
    """Article text of a saved portal page, with its title and publication date."""
    from selectolax.lexbor import LexborHTMLParser

    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableDocument(f"{path.name}: cannot be read ({e.strerror or e})") from e
    html, encoding = decode_html(data, path.name)
    tree = LexborHTMLParser(html)
    root = tree.root
    if root is None:
        raise UnreadableDocument(f"{path.name}: not an HTML page")
    title = page_title(root)
    body_node = tree.body
    page_text = body_node.text(separator="\n") if body_node is not None else ""
    date = page_date(root, page_text)
    headline = _visible_heading(root, title)
    remove_chrome(root)
    article = find_body(tree.body if tree.body is not None else root)
    paragraphs = [p for p in render_text(article) if not is_furniture_line(p) and not CHROME_LINE.match(p)]
    if headline and paragraphs and headline not in paragraphs[:3] and headline not in "".join(paragraphs[:3]):
        paragraphs.insert(0, headline)
    text = join_paragraphs(paragraphs)
    if not text:
        raise UnreadableDocument(f"{path.name}: no article text found on the page (only navigation or scripts?)")
    warnings: tuple[str, ...] = ()
    if len(text) < 200:
        warnings = (f"only {len(text)} characters of article text; the page may hold the report as an attachment",)
    return Extracted(text, f"html:{encoding}", title or headline, date, warnings)
