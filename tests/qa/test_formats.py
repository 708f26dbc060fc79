"""Word, PDF and saved-page versions of the seed reports, built with real tools, extract to the seed text."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.documents import parse_text
from qa.errors import UnreadableDocument
from qa.formats import SUPPORTED_SUFFIXES, Extracted, extract
from qa.structure import heading_level, is_furniture_line, parse_structure
from tests.conftest import SEEDS

docx = pytest.importorskip("docx", reason="python-docx is not installed: pip install python-docx")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
NUMBERED_SEEDS = {"000", "003"}
PORTAL = "大足区人民政府"
RUNNING_HEADER = "法治政府建设情况报告（内部）"


def soffice() -> str | None:
    """Debian's LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def seed_lines(seed: Path) -> list[str]:
    """The seed's paragraphs: non-empty lines, trimmed."""
    return [line.strip() for line in seed.read_text(encoding="utf-8").split("\n") if line.strip()]


def title_lines(lines: list[str]) -> list[str]:
    """The short unpunctuated lines that open a seed before its first sentence or heading."""
    out = []
    for line in lines:
        if heading_level(line) is not None or re.search(r"[。，,；：:]", line) or len(line) > 40:
            break
        out.append(line)
    return out


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def heading_texts(text: str) -> list[str]:
    return [h.text.strip() for h in parse_structure(text).headings]


# ---------------------------------------------------------------- Word

def add_chinese_numbering(document: object, level_texts: tuple[str, str]) -> str:
    """A real Word multi-level list (chineseCounting at two levels) in numbering.xml; returns its numId."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element  # type: ignore[attr-defined]
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        f'<w:lvlText w:val="{html.escape(text)}"/><w:lvlJc w:val="left"/><w:suff w:val="nothing"/></w:lvl>'
        for i, text in enumerate(level_texts)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">'
                                  f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def set_numbering(paragraph: object, num_id: str, ilvl: int) -> None:
    from docx.oxml import parse_xml

    p_pr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    p_pr.append(parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def add_page_furniture(document: object) -> None:
    """A running header and a "- PAGE -" footer with a real PAGE field, as printed reports have."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml

    section = document.sections[0]  # type: ignore[attr-defined]
    section.header.paragraphs[0].text = RUNNING_HEADER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("- ")
    footer._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W_NS}" w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer.add_run(" -")


def use_official_layout(document: object) -> None:
    """The printed-document look of government reports: 16pt 仿宋, exact 28pt lines, no paragraph spacing."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = document.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    layout = normal.paragraph_format
    layout.space_before = layout.space_after = Pt(0)
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(28)


def build_official_docx(seed: Path, out: Path) -> Path:
    """The seed laid out as an official document: centered 22pt title, justified body with a 2-character indent."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    lines = seed_lines(seed)
    titles = title_lines(lines)
    document = docx.Document()
    add_page_furniture(document)
    use_official_layout(document)
    for i, line in enumerate(lines):
        paragraph = document.add_paragraph(line)
        if i < len(titles):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.runs[0].font.size = Pt(22)
            paragraph.paragraph_format.line_spacing = Pt(36)
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(32)
    path = out / f"{seed.stem}.docx"
    document.save(str(path))
    return path


def build_docx(seed: Path, out: Path, numbered: bool) -> Path:
    """The seed as Word would have it: Title and Heading styles, optionally Word numbering for 一、/（一）."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lines = seed_lines(seed)
    titles = title_lines(lines)
    document = docx.Document()
    add_page_furniture(document)
    num_id = None
    if numbered:
        second = next((line for line in lines if heading_level(line) == 2), "（一）")
        num_id = add_chinese_numbering(document, ("%1、", "(%2)" if second.startswith("(") else "（%2）"))
    for i, line in enumerate(lines):
        level = heading_level(line)
        if i < len(titles):
            document.add_paragraph(line, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif level in (1, 2) and num_id is not None:
            text = re.sub(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])", "", line)
            set_numbering(document.add_paragraph(text, style=f"Heading {level}"), num_id, level - 1)
        elif level in (1, 2):
            document.add_paragraph(line, style=f"Heading {level}")
        else:
            document.add_paragraph(line)
    path = out / f"{seed.stem}.docx"
    document.save(str(path))
    return path


# ---------------------------------------------------------------- saved portal pages

PORTAL_PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_{portal}</title>
<meta name="SiteName" content="{portal}">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2024-01-15 09:30">
<meta name="ContentSource" content="镇人民政府">
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.nav {{ color: red }}</style>
</head><body>
<div class="header"><div class="logo">{portal}</div><div class="search"><input value="请输入关键字"></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/bsfw">办事服务</a></li>
<li><a href="/hdjl">互动交流</a></li><li><a href="/zjdz">走进大足</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a href="/fzzf">法治政府建设</a></div>
<div class="main">
  <table class="xxgk_table"><tr><td>索引号：</td><td>11500111MB1524803L/2024-00012</td><td>主题分类：</td><td>司法</td></tr>
  <tr><td>发布机构：</td><td>镇人民政府</td><td>成文日期：</td><td>2024-01-12</td></tr>
  <tr><td>发布日期：</td><td>2024-01-15</td><td>文号：</td><td></td></tr></table>
  <div class="article">
    <h1 class="title">{headline}</h1>
    <div class="info">发布日期：2024-01-15 来源：镇人民政府 字体：【<a>大</a> <a>中</a> <a>小</a>】 浏览次数：1024</div>
    <div class="{container}" id="zoom">
{body}
    </div>
    <div class="bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a><a class="bds_qzone">QQ空间</a></div>
    <div class="ewm"><img src="qr.png" alt="二维码"><p>扫一扫在手机打开当前页</p></div>
    <div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
  </div>
</div>
<div class="footer"><p>主办单位：{portal}办公室　承办单位：{portal}大数据发展局</p>
<p>网站标识码：5001110001　渝ICP备05003300号　渝公网安备 50011102000101号</p></div>
</body></html>
"""

PORTAL_CHROME = ("首页", "当前位置", "索引号", "11500111MB1524803L", "分享到", "扫一扫在手机打开当前页",
                 "打印本页", "关闭窗口", "ICP备", "主办单位", "浏览次数", "统计代码", "请输入关键字", "微博")


def build_html(seed: Path, out: Path, charset: str, container: str, title_in_body: bool) -> Path:
    """The seed as a saved portal page: nav, breadcrumb, 索引号 table, share widget, QR note, footer."""
    lines = seed_lines(seed)
    titles = title_lines(lines)
    headline = "".join(titles) or f"{seed.stem}法治政府建设情况报告"
    body_lines = lines if title_in_body else lines[len(titles):]
    paragraphs = []
    for line in body_lines:
        text = html.escape(line)
        if heading_level(line) in (1, 2):
            paragraphs.append(f'<p style="text-indent:2em"><strong>{text}</strong></p>')
        else:
            paragraphs.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{text}</p>")
    page = PORTAL_PAGE.format(charset=charset, title=html.escape(headline), portal=PORTAL, headline=html.escape(headline),
                              container=container, body="\n".join(paragraphs))
    path = out / f"{seed.stem}.shtml"
    path.write_bytes(page.encode("gb18030" if charset == "gb2312" else charset))
    return path


# ---------------------------------------------------------------- fixtures

@dataclass(frozen=True)
class Built:
    seed: Path
    path: Path


@pytest.fixture(scope="module")
def word_files(tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    out = tmp_path_factory.mktemp("docx")
    return [Built(s, build_docx(s, out, numbered=s.stem[:3] in NUMBERED_SEEDS)) for s in SEED_FILES]


def convert_to_pdf(word_files: list[Built], out: Path, profile: Path) -> list[Built]:
    """PDFs printed by LibreOffice headless from the Word files (skips the test when it is missing)."""
    binary = soffice()
    if binary is None:
        pytest.skip("LibreOffice is not installed: apt-get install -y libreoffice-writer-nogui")
    subprocess.run(
        [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out),
         *(str(b.path) for b in word_files)],
        check=True, capture_output=True, timeout=300,
    )
    return [Built(b.seed, out / f"{b.seed.stem}.pdf") for b in word_files]


@pytest.fixture(scope="module")
def pdf_files(word_files: list[Built], tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    return convert_to_pdf(word_files, tmp_path_factory.mktemp("pdf"), tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="module")
def official_pdf_files(tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    """The seeds printed as official documents: indented paragraphs, no paragraph spacing, justified."""
    out = tmp_path_factory.mktemp("official")
    word = [Built(s, build_official_docx(s, out)) for s in SEED_FILES]
    return convert_to_pdf(word, out, tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="module")
def html_files(tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    out = tmp_path_factory.mktemp("html")
    variants = [("utf-8", "TRS_Editor", True), ("gb2312", "Custom_UnionStyle", False), ("utf-8", "c1 mt20", False),
                ("gb2312", "TRS_Editor", True), ("utf-8", "wrap", False)]
    return [Built(s, build_html(s, out, *variants[i % len(variants)])) for i, s in enumerate(SEED_FILES)]


def check_paragraphs(built: Built, extracted: Extracted, skip_furniture: bool = False) -> None:
    text = squeeze(extracted.text)
    for line in seed_lines(built.seed):
        if skip_furniture and is_furniture_line(line):
            continue
        assert squeeze(line) in text, f"{built.path.name}: missing {line[:40]}"


def check_same_metadata(built: Built, extracted: Extracted) -> None:
    original = parse_text(built.seed.read_text(encoding="utf-8"), built.seed.name, "utf-8").document.metadata
    converted = parse_text(extracted.text, built.path.name, extracted.encoding).document.metadata
    assert (converted.town, converted.year) == (original.town, original.year)


# ---------------------------------------------------------------- Word

def test_docx_keeps_every_paragraph_heading_and_metadata(word_files: list[Built]) -> None:
    for built in word_files:
        extracted = extract(built.path)
        assert extracted.encoding == "docx"
        check_paragraphs(built, extracted)
        assert heading_texts(extracted.text) == heading_texts(built.seed.read_text(encoding="utf-8"))
        check_same_metadata(built, extracted)
        assert RUNNING_HEADER not in extracted.text


def test_docx_lines_are_exactly_the_seed_lines(word_files: list[Built]) -> None:
    for built in word_files:
        assert extract(built.path).text.split("\n") == seed_lines(built.seed)


def test_word_numbering_becomes_the_visible_marker(word_files: list[Built]) -> None:
    built = next(b for b in word_files if b.seed.stem.startswith("000"))
    document = docx.Document(str(built.path))
    heading = next(p for p in document.paragraphs if p.style.name == "Heading 1")
    assert heading.text == "工作开展情况"
    lines = extract(built.path).text.split("\n")
    assert "一、工作开展情况" in lines and "(四)突出法治赋能,提升基层治理效能" in lines
    assert "三、下步工作计划" in lines


def test_docx_title_from_title_style(word_files: list[Built]) -> None:
    built = next(b for b in word_files if b.seed.stem.startswith("001"))
    assert extract(built.path).title == "重庆市大足区古龙镇人民政府2024年法治政府建设情况报告"


def test_docx_tables_become_rows(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("一、行政执法情况")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("项目", "2023年", "2024年"), ("行政处罚案件", "12件", "15件"), ("复议纠错", "0件", "1件")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    merged = document.add_table(rows=2, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合计"
    merged.cell(1, 0).text = "调解成功"
    merged.cell(1, 1).text = "35件"
    document.add_paragraph("二、存在的问题")
    path = tmp_path / "table.docx"
    document.save(str(path))
    assert extract(path).text.split("\n") == [
        "一、行政执法情况",
        "项目 | 2023年 | 2024年",
        "行政处罚案件 | 12件 | 15件",
        "复议纠错 | 0件 | 1件",
        "合计",
        "调解成功 | 35件",
        "二、存在的问题",
    ]


def test_damaged_docx_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "renamed.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(UnreadableDocument, match="libreoffice --headless --convert-to docx"):
        extract(path)


# ---------------------------------------------------------------- PDF

def test_pdf_keeps_every_paragraph_and_metadata(pdf_files: list[Built]) -> None:
    for built in pdf_files:
        extracted = extract(built.path)
        assert extracted.encoding == "pdf"
        check_paragraphs(built, extracted)
        check_same_metadata(built, extracted)


def test_pdf_drops_running_headers_and_page_numbers(pdf_files: list[Built]) -> None:
    for built in pdf_files:
        extracted = extract(built.path)
        lines = extracted.text.split("\n")
        assert RUNNING_HEADER not in extracted.text
        assert not [line for line in lines if re.fullmatch(r"-\s*\d+\s*-", line)]
        assert any("page-number" in w for w in extracted.warnings)


def test_pdf_rejoins_wrapped_lines_into_the_seed_paragraphs(pdf_files: list[Built]) -> None:
    for built in pdf_files:
        if built.seed.stem[:3] in NUMBERED_SEEDS:
            continue
        extracted = extract(built.path).text.split("\n")
        assert [squeeze(line) for line in extracted] == [squeeze(line) for line in seed_lines(built.seed)]


def test_official_layout_pdf_rejoins_on_indentation_alone(official_pdf_files: list[Built]) -> None:
    for built in official_pdf_files:
        extracted = extract(built.path)
        assert [squeeze(line) for line in extracted.text.split("\n")] == [squeeze(line) for line in seed_lines(built.seed)]
        assert heading_texts(extracted.text) == heading_texts(built.seed.read_text(encoding="utf-8"))
        check_same_metadata(built, extracted)


def test_pdf_headings_survive(pdf_files: list[Built]) -> None:
    for built in pdf_files:
        expected = [squeeze(h) for h in heading_texts(built.seed.read_text(encoding="utf-8"))]
        assert [squeeze(h) for h in heading_texts(extract(built.path).text)] == expected


def test_html_keeps_the_article_and_drops_the_portal(html_files: list[Built]) -> None:
    for built in html_files:
        extracted = extract(built.path)
        check_paragraphs(built, extracted, skip_furniture=True)
        for chrome in PORTAL_CHROME:
            assert chrome not in extracted.text, f"{built.path.name}: {chrome} left in"
        assert heading_texts(extracted.text) == heading_texts(built.seed.read_text(encoding="utf-8"))
        check_same_metadata(built, extracted)


def test_html_metadata_and_encoding(html_files: list[Built]) -> None:
    utf8, gb = html_files[0], html_files[1]
    first = extract(utf8.path)
    assert first.encoding == "html:utf-8" and first.date == "2024-01-15"
    second = extract(gb.path)
    assert second.encoding == "html:gb18030"
    assert second.title == "".join(title_lines(seed_lines(gb.seed)))


def test_html_headline_outside_the_body_is_kept_as_first_line(html_files: list[Built]) -> None:
    built = next(b for b in html_files if b.seed.stem.startswith("004"))
    assert extract(built.path).text.split("\n")[0] == "龙凤场镇2021年度法治政府建设工作情况报告"


# ---------------------------------------------------------------- dispatch

def test_plain_text_passes_through() -> None:
    extracted = extract(SEED_FILES[0])
    assert extracted.text == SEED_FILES[0].read_text(encoding="utf-8") and extracted.encoding == "utf-8"


@pytest.mark.parametrize("name", ["report.rtf", "report.odt", "report"])
def test_unsupported_types_say_how_to_convert(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"not a report")
    with pytest.raises(UnreadableDocument) as e:
        extract(path)
    # The command names the file by its full path and writes beside it, so it works from any folder.
    assert e.value.message.endswith(
        f"libreoffice --headless --convert-to docx --outdir '{tmp_path}' '{path}' (or save it as UTF-8 .txt)"
    )


def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {
        ".txt", ".md", ".text", ".docx", ".doc", ".wps", ".pdf", ".html", ".htm", ".shtml",
        ".png", ".jpg", ".jpeg", ".tif", ".tiff",
    }


def test_old_table_layout_page_without_charset_or_class_names(tmp_path: Path) -> None:
    seed = next(s for s in SEED_FILES if s.stem.startswith("003"))
    lines = seed_lines(seed)
    nav = "".join(f'<td><a href="/c{i}">{name}</a></td>' for i, name in enumerate(["首页", "政务公开", "政策文件", "互动交流"]))
    body = "<br>\n".join(f"<font size=3>　　{html.escape(line)}</font>" for line in lines)
    page = (
        "<html><head><title>西仓镇2025年法治政府建设情况报告 - 县人民政府</title></head><body>"
        f"<table width=1000><tr>{nav}</tr></table>"
        "<table><tr><td>您现在的位置：<a href='/'>首页</a> &gt;&gt; <a href='/z'>政务公开</a></td></tr></table>"
        "<table><tr><td width=200><a href='/a'>通知公告</a><br><a href='/b'>政策解读</a><br><a href='/c'>政府文件</a></td>"
        f"<td>{body}<p>【<a href='javascript:window.print()'>打印</a>】【<a href='javascript:window.close()'>关闭</a>】</p></td>"
        "</tr></table><table><tr><td>版权所有：县人民政府办公室 ICP备12345678号</td></tr></table></body></html>"
    )
    path = tmp_path / "old.htm"
    path.write_bytes(page.encode("gb18030"))
    extracted = extract(path)
    assert extracted.encoding == "html:gb18030"
    assert extracted.title == "西仓镇2025年法治政府建设情况报告"
    assert extracted.text.split("\n") == lines


def test_damaged_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    with pytest.raises(UnreadableDocument, match="not a readable PDF"):
        extract(path)


def test_heading_style_without_marker_is_reported(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("工作开展情况", style="Heading 1")
    document.add_paragraph("全年办理行政处罚案件15件。")
    path = tmp_path / "plain-headings.docx"
    document.save(str(path))
    extracted = extract(path)
    assert extracted.text == "工作开展情况\n全年办理行政处罚案件15件。"
    assert any("no 一、/（一） marker" in w for w in extracted.warnings)


# -- end to end: the same answers from every format ------------------------------------------------


def _dev_questions() -> list[dict[str, object]]:
    import json

    from tests.conftest import SHARED_EVAL

    if SHARED_EVAL.exists():
        return [json.loads(line) for line in SHARED_EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"id": "q", "question": q} for q in ("哪些镇的行政执法合规率达到100%?", "和谦镇2025年办理了多少件行政处罚案件?", "哪个镇发放的普法宣传资料最多?")]


def _answers(engine: object, questions: list[dict[str, object]]) -> dict[str, object]:
    from qa.types import Turn

    out: dict[str, object] = {}
    for q in questions:
        prev = q.get("followup_of")
        conv = [Turn("", out[prev])] if prev else []  # type: ignore[list-item]
        out[q["id"]] = engine.ask(q["question"], conv)  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_dev_answers_and_citations_match_the_txt_originals(
    fmt: str, request: pytest.FixtureRequest, tmp_path: Path, seed_engine: object
) -> None:
    from embeddings.factory import make_embedder
    from qa.corpus_index import CorpusIndex
    from qa.engine import QAEngine
    from tests.conftest import settings_for

    built: list[Built] = request.getfixturevalue({"docx": "word_files", "pdf": "pdf_files", "html": "html_files"}[fmt])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for b in built:
        shutil.copy(b.path, corpus / b.path.name)
    idx = tmp_path / "idx"
    report = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert report.documents == len(built) and not report.skipped
    engine = QAEngine.load(settings_for(idx))
    questions = _dev_questions()
    want, got = _answers(seed_engine, questions), _answers(engine, questions)
    for q in questions:
        a, b = want[q["id"]], got[q["id"]]
        assert (b.kind, b.towns) == (a.kind, a.towns), q["question"]  # type: ignore[attr-defined]
        # Same quotes; a page whose headline is one line (重庆市大足区古龙镇人民政府2024年…报告) may cite it whole.
        pairs = list(zip([c.quote for c in b.citations], [c.quote for c in a.citations], strict=True))  # type: ignore[attr-defined]
        assert all(x == y or y in x for x, y in pairs), q["question"]
        for c in b.citations:  # type: ignore[attr-defined]
            assert engine.document(c.doc_id).text[c.start : c.end] == c.quote
            assert c.source in {b.path.name for b in built}


def letters(text: str) -> str:
    """Only letters and digits: PDFium's stream text puts “” elsewhere than the layout does."""
    return "".join(ch for ch in text if ch.isalnum())


def test_text_pdf_page_map_points_at_each_page_first_line(pdf_files: list[Built]) -> None:
    import pypdfium2 as pdfium

    for built in pdf_files:
        extracted = extract(built.path)
        pdf = pdfium.PdfDocument(str(built.path))
        try:
            page_texts = [letters(pdf[i].get_textpage().get_text_bounded()) for i in range(len(pdf))]
        finally:
            pdf.close()
        starts = extracted.page_starts
        assert len(starts) == len(page_texts) > 1 and starts[0] == 0, built.path.name
        assert list(starts) == sorted(set(starts)), built.path.name
        for n, start in enumerate(starts[1:], start=2):
            # The text at a page's start offset is printed at the top of that page (after its running header).
            head = letters(extracted.text[start : start + 12])
            assert head in page_texts[n - 1][:40] and head not in page_texts[n - 2], (built.path.name, n, head)
