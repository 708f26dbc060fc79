"use strict";
// The review and indicators tabs: GET /review (towns × parts grid) and GET /indicators (a sortable table with a
// bar chart per indicator and the year-over-year trends). Uses el, svg, api, openCitation, showError, formatValue
// from app.js.

const PART_LABELS = {
  measures: "主要举措和成效", shortcomings: "存在的不足和原因", leader_duty: "第一责任人职责",
  plan: "下一年度安排", other: "其他事项",
};
const TIMELINESS = { on_time: "✓ 按时", late: "✗ 逾期 late", no_date: "— 无发布日期", no_year: "— 年度不详" };
const loaded = { review: false, indicators: false };

function showReason(text) {
  $("source-body").replaceChildren(el("p", { class: "reason" }, text));
}

async function loadReview() {
  const body = await (await api("/review")).json();
  const table = el("table", { class: "review-grid" });
  table.append(el("tr", {}, el("th", {}, "镇 / town"), el("th", {}, "年度"),
    ...body.parts.map((p) => el("th", { title: p }, PART_LABELS[p] || p)), el("th", {}, "发布 / published")));
  for (const r of body.reviews) {
    const row = el("tr", { "data-doc": r.doc_id });
    row.append(el("td", {}, r.town || "?"), el("td", {}, String(r.year || "?")));
    for (const p of body.parts) {
      const f = r.parts[p];
      const mark = el("button", {
        type: "button", class: f.present ? "mark yes" : "mark no", "data-part": p,
        title: f.present ? `${f.via}: ${f.citation.quote}` : f.reason,
        onclick: () => (f.present ? openCitation(f.citation, null) : showReason(`${r.town || "?"} · ${p}: ${f.reason}`)),
      }, f.present ? "✓" : "✗");
      row.append(el("td", {}, mark));
    }
    const when = r.date ? `${r.date} (≤ ${r.deadline})` : `截止 ${r.deadline || "—"}`;
    row.append(el("td", { class: "timeliness " + r.timeliness }, `${TIMELINESS[r.timeliness]} · ${when}`));
    table.append(row);
  }
  $("review-body").replaceChildren(table);
}

function cellText(v) {
  if (!v) return "";
  if (v.value === null) return "⚠ " + v.conflicts.map((c) => formatValue(c.value) + c.unit).join(" / ");
  return formatValue(v.value) + v.unit;
}

function indicatorChart(ind, rows) {
  const points = rows.filter((r) => r.values[ind.key] && r.values[ind.key].value !== null)
    .map((r) => ({ label: `${r.town || "?"} ${r.year || ""}`.trim(), v: r.values[ind.key] }));
  if (!points.length) return null;
  const max = Math.max(...points.map((p) => p.v.value)) || 1;
  const labelW = 120, barW = 160, rowH = 22, valueW = 70;
  const width = labelW + barW + valueW, height = points.length * rowH + 26;
  const chart = svg("svg", { class: "chart indicator-chart", "data-key": ind.key, width, height,
    viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": ind.label_zh });
  chart.append(svg("text", { x: 0, y: 14, class: "chart-title" }, ind.label_zh));
  points.forEach((p, i) => {
    const y = 22 + i * rowH;
    const w = Math.max(2, Math.round((p.v.value / max) * barW));
    chart.append(svg("text", { x: labelW - 6, y: y + 14, "text-anchor": "end" }, p.label));
    const bar = svg("rect", { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 2 });
    bar.append(svg("title", {}, `${p.label}: ${formatValue(p.v.value)}${p.v.unit}`));
    chart.append(bar);
    chart.append(svg("text", { x: labelW + w + 4, y: y + 14 }, `${formatValue(p.v.value)}${p.v.unit}`));
  });
  return chart;
}

function sortRows(rows, key, dir) {
  const num = (r) => { const v = r.values[key]; return v && v.value !== null ? v.value : null; };
  return [...rows].sort((a, b) => {
    const x = num(a), y = num(b);
    if (x === null && y === null) return 0;
    if (x === null) return 1;  // empty cells last either way
    if (y === null) return -1;
    return dir * (x - y);
  });
}

function indicatorTable(body, sort) {
  const shown = body.indicators.filter((ind) => body.rows.some((r) => r.values[ind.key]));
  const rows = sort ? sortRows(body.rows, sort.key, sort.dir) : body.rows;
  const table = el("table", { class: "values indicator-table" });
  const head = el("tr", {}, el("th", {}, "镇 / town"), el("th", {}, "年度"));
  for (const ind of shown) {
    const arrow = sort && sort.key === ind.key ? (sort.dir > 0 ? " ▲" : " ▼") : "";
    head.append(el("th", { class: "sortable", "data-key": ind.key, title: ind.label_en,
      onclick: () => {
        const dir = sort && sort.key === ind.key ? -sort.dir : -1;
        $("indicators-table").replaceWith(indicatorTable(body, { key: ind.key, dir }));
      } }, ind.label_zh + arrow));
  }
  table.append(head);
  for (const r of rows) {
    const tr = el("tr", { "data-doc": r.doc_id }, el("td", {}, r.town || "?"), el("td", {}, String(r.year || "?")));
    for (const ind of shown) {
      const v = r.values[ind.key];
      const td = el("td", { "data-key": ind.key });
      if (v) {
        const cite = v.citation || (v.conflicts.length ? v.conflicts[0].citation : null);
        td.append(el("a", { href: "#", class: "figure" + (v.value === null ? " conflict" : ""),
          title: v.value === null ? v.conflicts.map((c) => c.citation.quote).join(" | ") : v.citation.quote,
          onclick: (ev) => { ev.preventDefault(); if (cite) openCitation(cite, null); } }, cellText(v)));
      }
      tr.append(td);
    }
    table.append(tr);
  }
  const wrap = el("div", { id: "indicators-table", class: "table-scroll" }, table);
  return wrap;
}

function trendList(body) {
  if (!body.trends.length) return null;
  const list = el("ul", { class: "trends" });
  for (const t of body.trends) {
    const steps = t.points.map((p) => `${p.year}: ${formatValue(p.value)}${p.unit}`).join(" → ");
    const sign = t.change > 0 ? "+" : "";
    list.append(el("li", {}, el("b", {}, `${t.town} ${t.label_zh}`), ` ${steps}（${sign}${formatValue(t.change)}）`));
  }
  return el("div", { class: "trend-box" }, el("h3", {}, "逐年变化 / Year over year"), list);
}

async function loadIndicators() {
  const body = await (await api("/indicators")).json();
  const charts = el("div", { class: "charts" },
    ...body.indicators.map((ind) => indicatorChart(ind, body.rows)).filter(Boolean));
  $("indicators-body").replaceChildren(indicatorTable(body, null), ...[trendList(body)].filter(Boolean), charts);
}

async function download(ev) {
  // Through api(), so a server with an API key still hands over the file.
  ev.preventDefault();
  const link = ev.currentTarget;
  try {
    const blob = await (await api(link.getAttribute("href"))).blob();
    const a = el("a", { href: URL.createObjectURL(blob), download: link.getAttribute("href").slice(1) });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    showError(err);
  }
}

async function showTab(name) {
  for (const b of document.querySelectorAll("#tabs [data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  $("chat").hidden = name !== "chat";
  $("review-view").hidden = name !== "review";
  $("indicators-view").hidden = name !== "indicators";
  if (name === "chat" || loaded[name]) return;
  try {
    await (name === "review" ? loadReview() : loadIndicators());
    loaded[name] = true;
    showError(null);
  } catch (err) {
    showError(err);
  }
}

for (const b of document.querySelectorAll("#tabs [data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
$("download-csv").addEventListener("click", download);
$("download-xlsx").addEventListener("click", download);
