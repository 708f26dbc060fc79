"""The `reportqa` command: a thin shell over QAEngine. Errors print one line and exit non-zero."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.errors import ReportQAError
from qa.settings import Settings
from qa.types import Answer, Filters, Turn

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="Ask Chinese township 法治政府建设 reports; every answer quotes and cites.")
index_app = typer.Typer(no_args_is_help=True, help="Build and inspect the index.")
app.add_typer(index_app, name="index")

IndexOpt = Annotated[Path | None, typer.Option("--index", envvar="REPORTQA_INDEX", help="Index directory.")]


def _settings(index: Path | None = None) -> Settings:
    try:
        s = Settings()
    except Exception as e:  # pydantic ValidationError: a bad REPORTQA_* value
        _fail(f"configuration error: {e}".splitlines()[0] + " — check your REPORTQA_* environment variables")
    if index is not None:
        s = s.model_copy(update={"index": s.index.model_copy(update={"path": index})})
    return s


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def render_answer(a: Answer) -> str:
    """Answer text followed by numbered sources: town, year, section, file and offsets."""
    lines = [a.answer, ""]
    for c in a.citations:
        place = "（" + "、".join(x for x in (c.county, c.province) if x) + "）" if (c.county or c.province) else ""
        town = f"{c.town}{place}" if c.town and place and "（" not in c.town else c.town
        where = " · ".join(x for x in (town, f"{c.year}" if c.year else None, c.section) if x)
        score = f" · relevance {c.score:.2f}" if c.score is not None else ""
        page = f" p.{c.page}" if c.page else ""
        lines.append(f"[{c.n}] {where}{score}\n    {c.source}{page} [{c.start}:{c.end}] “{c.quote}”")
        if c.source_url:
            lines.append(f"    {c.source_url}")
    if a.related:
        lines.append("related (not an answer):")
        for c in a.related:
            lines.append(f"  - {c.town or ''} {c.source} [{c.start}:{c.end}] “{c.quote}”")
    return "\n".join(lines).rstrip()


def _engine(settings: Settings) -> Any:
    from qa.engine import QAEngine

    return QAEngine.load(settings)


@index_app.command("build")
def index_build(
    paths: Annotated[list[Path] | None, typer.Argument(help="Folders or files of reports (default: seeds/).")] = None,
    index: IndexOpt = None,
    if_stale: Annotated[bool, typer.Option("--if-stale", help="Do nothing when the index is current.")] = False,
    embed_with: Annotated[
        str | None,
        typer.Option("--embed-with", envvar="REPORTQA_EMBEDDING_EMBED_WITH", help="Embed here ('local') or on Ray ('ray')."),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", envvar="REPORTQA_EMBEDDING_RAY_ADDRESS", help="Ray cluster (host:6379); default: a local Ray."),
    ] = None,
    ray_workers: Annotated[
        int | None,
        typer.Option("--ray-workers", envvar="REPORTQA_EMBEDDING_RAY_WORKERS", help="Ray actors embedding at once."),
    ] = None,
) -> None:
    """Index a folder of reports.

    Example: reportqa index build ~/reports/ --index .reportqa/index

    On Ray (pip install 'reportqa[ray]'): reportqa index build ~/reports/ --embed-with ray --ray-address 10.0.0.5:6379
    """
    from qa.corpus_index import CorpusIndex
    from qa.documents import read_options
    from qa.engine import build_embedder, embedder_from_settings

    s = _settings(index)
    update = {k: v for k, v in (("embed_with", embed_with), ("ray_address", ray_address), ("ray_workers", ray_workers)) if v is not None}
    if update:
        try:
            s = s.model_copy(update={"embedding": type(s.embedding)(**{**s.embedding.model_dump(), **update})})
        except Exception as e:  # pydantic ValidationError
            _fail(f"{str(e).splitlines()[0]}: --embed-with takes 'local' or 'ray', --ray-workers a count from 1")
    roots = paths or [s.index.corpus]
    embedder: Any = None
    try:
        if if_stale and CorpusIndex.is_current(roots, s.index.path, embedder_from_settings(s).name):
            typer.echo(f"index at {s.index.path} is up to date")
            return
        t_model = time.perf_counter()
        embedder = build_embedder(s)  # starts or joins Ray when embedding there
        model_s = time.perf_counter() - t_model
        dim = embedder.dim
        if s.embedding.embed_with == "ray":
            where = f"the Ray cluster at {s.embedding.ray_address}" if s.embedding.ray_address else "a local Ray"
            typer.echo(f"embedding on {where} with {s.embedding.ray_workers} workers (Ray Data actors, {embedder.name})")

        report = CorpusIndex.build(
            roots, s.index.path, embedder, max_file_bytes=s.index.max_file_bytes, progress=_progress,
            warn=lambda m: typer.echo(f"warning: {m}", err=True), index_kind=s.index.kind, shard_docs=s.index.shard_docs,
            reading=read_options(s, on_page=_ocr_progress),
        )
    except ReportQAError as e:
        _fail(e.message)
        return
    finally:
        if embedder is not None and hasattr(embedder, "shutdown"):
            embedder.shutdown()
    for source, enc in sorted(report.encodings.items()):
        if enc != "utf-8":
            typer.echo(f"  {source}: decoded as {enc}")
    if s.embedding.embed_with == "ray":
        _summary(report, s.index.path, f" (Ray start {model_s:.1f}s, dim {dim}, embedded on Ray by {s.embedding.ray_workers} workers)")
    else:
        _summary(report, s.index.path, f" (model load {model_s:.1f}s, dim {dim})")


def _summary(report: Any, path: Path, extra: str = "") -> None:
    kept = f"{len(report.kept)} uploaded report{'s' if len(report.kept) != 1 else ''} kept; " if report.kept else ""
    typer.echo(
        f"indexed {report.documents} documents, {report.passages} passages, {report.claims} claims; "
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, {report.removed} removed; "
        f"{kept}{report.embedded} passages embedded, {report.reused} reused; {len(report.skipped)} skipped, "
        f"{len(report.duplicates)} duplicates; {report.seconds:.1f}s{extra} → {path}"
    )
    if report.kept:
        typer.echo(f"  kept (added with `index add` or POST /documents): {', '.join(report.kept)}")
    for source in report.forgotten:
        typer.echo(f"  {source}: removed, and dropped from the uploaded reports kept with the index")
    for source in report.corpus_removed:
        typer.echo(
            f"  {source}: removed from the index, but it comes from a corpus folder; delete the file there too, "
            "or the next `reportqa index build` indexes it again"
        )


def _progress(done: int, total: int) -> None:
    if total == 0:
        return
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\rembedding [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _ocr_progress(name: str, done: int, total: int) -> None:
    """One line per OCR'd page, so a long scan shows it is moving."""
    typer.echo(f"OCR {name}: page {done}/{total}", err=True)


@index_app.command("add")
def index_add(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Report files or folders, or portal addresses (http/https), to add or replace.")
    ] = None,
    urls: Annotated[Path | None, typer.Option("--urls", help="A file of portal addresses, one a line (# comments).")] = None,
    index: IndexOpt = None,
) -> None:
    """Add or replace documents in the index; only their new text is embedded. The files are kept with the index.

    A portal address downloads the report page, or the attachment (.pdf/.doc/.docx) a page links to, and the
    address is kept as the report's source_url, shown with its citations. An address that gives no report is
    skipped with its reason; the rest are still added. Timeouts and limits: REPORTQA_FETCH_*.

    Examples: reportqa index add ~/reports/2025/新桥镇.docx
              reportqa index add https://www.example.gov.cn/zwgk/t20250301_1.html --urls more_reports.txt
    """
    import tempfile

    from qa.corpus_index import CorpusIndex
    from qa.documents import read_options
    from qa.engine import embedder_from_settings
    from qa.portal import fetch_all, is_url, read_url_list

    s = _settings(index)
    items = list(paths or [])
    try:
        addresses = [p for p in items if is_url(p)] + (read_url_list(urls) if urls else [])
    except ReportQAError as e:
        _fail(e.message)
        return
    local = [Path(p) for p in items if not is_url(p)]
    if not addresses and not local:
        _fail("give report files, folders or portal addresses to add (or --urls FILE)")
    with tempfile.TemporaryDirectory(prefix="reportqa-fetch-") as tmp:
        fetched, skipped = fetch_all(addresses, s.fetch, Path(tmp)) if addresses else ([], [])
        for url, reason in skipped:
            typer.echo(f"warning: skipped {reason}" if reason.startswith(url) else f"warning: skipped {url}: {reason}", err=True)
        for f in fetched:
            via = f" (linked from {f.url})" if f.source_url != f.url else ""
            typer.echo(f"downloaded {f.source_url}{via} → {f.source}")
        if not fetched and not local:
            _fail(f"none of the {len(addresses)} addresses gave a report; see the reasons above")
        roots = local + ([Path(tmp)] if fetched else [])
        try:
            report = CorpusIndex.add(
                roots, s.index.path, embedder_from_settings(s), max_file_bytes=s.index.max_file_bytes,
                progress=_progress, warn=lambda m: typer.echo(f"warning: {m}", err=True), index_kind=s.index.kind,
                source_urls={f.source: f.source_url for f in fetched}, reading=read_options(s, on_page=_ocr_progress),
            )
        except ReportQAError as e:
            _fail(e.message)
            return
    _summary(report, s.index.path)
    if skipped:
        typer.echo(f"{len(skipped)} of {len(addresses)} addresses skipped (reasons above)")


@index_app.command("remove")
def index_remove(
    selectors: Annotated[list[str], typer.Argument(help="doc_id or source path of each document to remove.")],
    index: IndexOpt = None,
) -> None:
    """Remove documents from the index by doc_id or path.

    Example: reportqa index remove 004_8a58fc0ccff5796e.txt
    """
    from qa.corpus_index import CorpusIndex
    from qa.engine import embedder_from_settings

    s = _settings(index)
    try:
        report = CorpusIndex.remove(selectors, s.index.path, embedder_from_settings(s), index_kind=s.index.kind)
    except ReportQAError as e:
        _fail(e.message)
        return
    _summary(report, s.index.path)


LOW_CONFIDENCE = 0.6


def _status_line(kind: str, item: Any) -> str:
    """One kept, skipped or duplicate entry of the manifest as `index status` prints it."""
    if kind == "duplicates" and isinstance(item, list) and len(item) == 4:
        dropped, kept, similarity, reason = item
        return f"{dropped}: the same report as {kept} (similarity {similarity:.2f}); kept {kept}: {reason}"
    if kind == "skipped" and isinstance(item, list) and len(item) == 2:
        return f"{item[0]}: {item[1]}"
    return str(item)


@index_app.command("status")
def index_status(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="The raw manifest (file hashes, timestamps) as JSON.")] = False,
) -> None:
    """Show what the index holds: reports by province, county and year, each report's place, low confidence first."""
    from embeddings.store import read_manifest, resolve
    from qa.segments import Segments

    s = _settings(index)
    if not s.index.path.exists():
        _fail(f"no index at {s.index.path}; run `reportqa index build FOLDER`")
    root = resolve(s.index.path)
    m = read_manifest(root)
    if m is None:
        _fail(f"{s.index.path} has no manifest; run `reportqa index build FOLDER`")
        return
    if as_json:
        typer.echo(json.dumps({"path": str(root), **json.loads(m.to_json())}, ensure_ascii=False, indent=1))
        return
    segments = Segments.open(root)
    docs = (
        [json.loads(line) for line in segments.live_documents()]
        if (root / "documents.jsonl").exists()
        else []
    )
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(m.created))
    counts = ", ".join(f"{v} {k}" for k, v in m.counts.items())
    typer.echo(f"index {root}\nbuilt {built} with embedder {m.embedder} ({m.dim} dimensions): {counts}")
    if segments.delta is not None:
        typer.echo(
            f"segments: a base of {len(segments.base_table)} reports, {len(segments.tombstones)} of them removed or "
            f"replaced since, and a delta of {len(segments.delta_table)} added or changed since (`index add`, POST "
            "/documents); the next compaction or `index build` merges them"
        )
    for extra_key in ("kept", "skipped", "duplicates"):
        items = m.extra.get(extra_key) or []
        if items:
            typer.echo(f"{extra_key}: {len(items)}")
            for it in items[:20]:
                typer.echo(f"  {_status_line(extra_key, it)}")
    by_place: dict[str, dict[str, list[int | None]]] = {}
    for d in docs:
        md = d.get("metadata", {})
        by_place.setdefault(md.get("province") or "（省份未知）", {}).setdefault(md.get("county") or "（区县未知）", []).append(md.get("year"))
    typer.echo(f"\n{len(docs)} reports by province and county (years):")
    for prov in sorted(by_place):
        typer.echo(f"  {prov}")
        for county, years in sorted(by_place[prov].items()):
            ys = ", ".join(str(y) for y in sorted(y for y in years if y)) or "year unknown"
            typer.echo(f"    {county}: {len(years)} ({ys})")

    def conf(d: dict[str, Any]) -> float:
        md = d.get("metadata", {})
        return float(md.get("town_confidence") or 0.0) if md.get("town") else -1.0

    typer.echo("\nreports, lowest place confidence first (town · county · city · province · code · confidence · year · file):")
    def is_low(d: dict[str, Any]) -> bool:
        return conf(d) < LOW_CONFIDENCE or d.get("metadata", {}).get("place_source") != "list"

    low = 0
    for d in sorted(docs, key=lambda d: (not is_low(d), conf(d))):
        md = d.get("metadata", {})
        c = conf(d)
        flag = "  LOW " if is_low(d) else "      "
        low += flag.strip() == "LOW"
        parts = [md.get("town") or "?", md.get("county") or "?", md.get("city") or "-", md.get("province") or "?",
                 md.get("town_code") or "no code", f"{c:.2f}" if c >= 0 else "-", str(md.get("year") or "?"), d.get("source", "")]
        typer.echo(flag + " · ".join(parts))
    ocr = sorted((d for d in docs if d.get("ocr_confidence") is not None), key=lambda d: d["ocr_confidence"])
    if ocr:
        floor = s.reading.ocr_min_confidence
        typer.echo(f"\nOCR'd reports, mean recognition score (LOW below {floor:.2f}, REPORTQA_OCR_MIN_CONFIDENCE):")
        for d in ocr:
            flag = "  LOW " if d["ocr_confidence"] < floor else "      "
            typer.echo(f"{flag}{d['ocr_confidence']:.3f} · {d.get('source', '')}")
        poor = sum(1 for d in ocr if d["ocr_confidence"] < floor)
        if poor:
            typer.echo(
                f"{poor} OCR'd report(s) marked LOW: their text may hold misread characters. Check their quotes, "
                "and rescan them at 300 dpi or ask for the Word original."
            )
    if low:
        typer.echo(
            f"\n{low} report(s) marked LOW: their town is uncertain or their county/province was not confirmed by the "
            "official division list. Check them, and where wrong put the right values in the corpus folder's "
            "reportqa.csv (source,town,year,county,city,province) or reportqa.toml, then run `reportqa index build` again."
        )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's answer JSON.")] = False,
    town: Annotated[str | None, typer.Option(help="Only this town.")] = None,
    year: Annotated[int | None, typer.Option(help="Only this report year.")] = None,
    index: IndexOpt = None,
) -> None:
    """Ask one question.

    Example: reportqa ask "哪些镇的行政执法合规率达到100%?"
    """
    s = _settings(index)
    try:
        engine = _engine(s)
        a = engine.ask(question, filters=Filters(town=town, year=year) if (town or year) else None)
    except ReportQAError as e:
        _fail(e.message)
        return
    typer.echo(json.dumps(a.to_dict(), ensure_ascii=False, indent=1) if as_json else render_answer(a))


@app.command()
def chat(index: IndexOpt = None) -> None:
    """Interactive questions with history; follow-ups (那西仓镇呢?) use the earlier turns. Ctrl-D leaves."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    s = _settings(index)
    try:
        engine = _engine(s)
    except ReportQAError as e:
        _fail(e.message)
        return
    turns: list[Turn] = []
    typer.echo(f"reportqa: {len(engine.index.documents)} reports ({', '.join(engine.index.towns)}). Ctrl-D to leave.")
    while True:
        try:
            q = input("? ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if not q.strip():
            continue
        try:
            a = engine.ask(q, turns[-6:])
        except ReportQAError as e:
            typer.echo(f"error: {e.message}")
            continue
        turns.append(Turn(q, a))
        typer.echo(render_answer(a) + "\n")


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (REPORTQA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (REPORTQA_PORT).")] = None,
) -> None:
    """Serve the chat API and web page.

    Example: reportqa serve --port 8000, then open http://127.0.0.1:8000/
    """
    import uvicorn

    from api.app import create_app  # the CLI is an entry point; it may start the HTTP edge

    s = _settings(index)
    # The app writes its own structured access log; uvicorn's would print every request twice.
    uvicorn.run(create_app(s), host=host or s.api.host, port=port or s.api.port, log_level="info", access_log=False)


@app.command()
def review(
    doc_id: Annotated[str | None, typer.Argument(help="One report's doc_id (default: every report).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print GET /review's JSON.")] = False,
    index: IndexOpt = None,
) -> None:
    """Check each report for the five required parts and the publication deadline (REPORTQA_REVIEW_DEADLINE).

    Example: reportqa review            (a towns × parts grid; ✓ present, ✗ missing)
             reportqa review --json     (every part with its citation or the reason it is missing)
    """
    from qa.types import REPORT_PARTS

    s = _settings(index)
    try:
        engine = _engine(s)
        reviews = [engine.review(doc_id)] if doc_id else engine.reviews()
    except ReportQAError as e:
        _fail(e.message)
        return
    if as_json:
        body = reviews[0].to_dict() if doc_id else {
            "parts": list(REPORT_PARTS), "count": len(reviews), "reviews": [r.to_dict() for r in reviews]}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=1))
        return
    typer.echo(render_reviews(reviews, detail=doc_id is not None))


def render_reviews(reviews: list[Any], detail: bool = False) -> str:
    """A towns × parts grid (✓/✗) with the deadline verdict; with detail, each part's citation or reason."""
    from qa.types import REPORT_PARTS

    lines = ["town\tyear\t" + "\t".join(REPORT_PARTS) + "\tpublished"]
    for r in reviews:
        marks = "\t".join("✓" if p.present else "✗" for p in r.parts)
        when = {"on_time": f"{r.date} ≤ {r.deadline}", "late": f"{r.date} > {r.deadline} (late)",
                "no_date": f"no published date (due {r.deadline})", "no_year": "no report year"}[r.timeliness]
        lines.append(f"{r.town or '?'}\t{r.year or '?'}\t{marks}\t{when}")
        if detail:
            for p in r.parts:
                if p.citation is not None:
                    c = p.citation
                    lines.append(f"  {p.part}: ✓ ({p.via}) {c.source} [{c.start}:{c.end}] “{c.quote}”")
                else:
                    lines.append(f"  {p.part}: ✗ {p.reason}")
    return "\n".join(lines)


@app.command()
def indicators(
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the table as CSV (UTF-8 with BOM).")] = None,
    xlsx_file: Annotated[Path | None, typer.Option("--xlsx", help="Write an Excel workbook (sheet 2: quotes).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print GET /indicators' JSON.")] = False,
    index: IndexOpt = None,
) -> None:
    """The standard figures of every report (行政处罚案件数, 普法宣传资料份数 …), one row per report.

    Example: reportqa indicators --xlsx indicators.xlsx
             reportqa indicators --csv indicators.csv
             reportqa indicators              (each report's figures with their quotes)
    """
    from qa.indicator_files import to_csv, to_xlsx
    from qa.indicators import indicators_json

    s = _settings(index)
    try:
        engine = _engine(s)
        rows = engine.indicators()
    except ReportQAError as e:
        _fail(e.message)
        return
    try:
        if csv_file:
            csv_file.write_bytes(to_csv(rows))
            typer.echo(f"wrote {len(rows)} reports to {csv_file}")
        if xlsx_file:
            xlsx_file.write_bytes(to_xlsx(rows))
            typer.echo(f"wrote {len(rows)} reports to {xlsx_file}")
    except OSError as e:
        _fail(f"cannot write {e.filename}: {e.strerror}; choose a writable path")
        return
    if as_json:
        typer.echo(json.dumps(indicators_json(rows), ensure_ascii=False, indent=1, default=str))
    elif not (csv_file or xlsx_file):
        typer.echo(render_indicators(rows))


def render_indicators(rows: list[Any]) -> str:
    """Each report's stated figures with their quotes; conflicting statements are listed, not merged."""
    from qa.indicators import BY_KEY

    lines: list[str] = []
    for r in rows:
        lines.append(f"{r.town or '?'} {r.year or '?'} ({r.doc_id})")
        for key, v in r.values.items():
            label = BY_KEY[key].label_zh
            if v.citation is not None and v.value is not None:
                shown = int(v.value) if v.value == int(v.value) else v.value
                lines.append(f"  {label}: {shown}{v.unit} “{v.citation.quote}” [{v.citation.start}:{v.citation.end}]")
            else:
                stated = "; ".join(f"{int(x) if x == int(x) else x}{u} “{c.quote}”" for x, u, c in v.conflicts)
                lines.append(f"  {label}: conflicting figures, not merged: {stated}")
        if not r.values:
            lines.append("  (no standard figure stated)")
    return "\n".join(lines)


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help="JSONL with question, type, answer_towns, evidence.")],
    index: IndexOpt = None,
) -> None:
    """Score the engine on a question set (fact, agg_f1, compare, absent, cites_valid)."""
    from qa.evaluation import evaluate_file

    s = _settings(index)
    try:
        engine = _engine(s)
        summary = evaluate_file(engine, questions)
    except ReportQAError as e:
        _fail(e.message)
        return
    except (OSError, ValueError) as e:
        _fail(f"{questions}: {e}")
        return
    typer.echo(json.dumps(summary, ensure_ascii=False))


def main() -> None:
    """Console-script entry point."""
    app()
