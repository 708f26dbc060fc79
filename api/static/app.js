"use strict";
// The reportqa chat page: plain DOM, no dependencies, works offline against the serving app.

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";
const state = { conversationId: null, busy: false };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- API access (Bearer key when the server asks for one) ----

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  const key = localStorage.getItem("reportqa.apiKey");
  return key ? { Authorization: "Bearer " + key } : {};
}

async function errorFrom(response) {
  let code = "http_" + response.status;
  let message = response.status + " " + response.statusText;
  try {
    const body = await response.json();
    if (body && body.error) ({ code, message } = body.error);
  } catch (_) { /* not JSON: keep the status line */ }
  return new ApiError(response.status, code, message);
}

async function api(path, options = {}, retried = false) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: { ...(options.headers || {}), ...authHeaders() } });
  } catch (_) {
    throw new ApiError(0, "network", "Cannot reach the reportqa server. Is it running?");
  }
  if (response.status === 401 && !retried) {
    const key = window.prompt("This server needs an API key (REPORTQA_API_KEY):");
    if (key) {
      localStorage.setItem("reportqa.apiKey", key.trim());
      return api(path, options, true);
    }
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  const code = err.code ? ` (${err.code})` : "";
  box.textContent = `Error${code}: ${err.message}`;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

// ---- The empty page: what is loaded, and questions to start with ----

function welcome(documents) {
  if (!documents.length || $("messages").children.length) return;
  const byPlace = new Map();
  for (const d of documents) {
    const key = [d.province, d.county].filter(Boolean).join(" ") || "地区不详 / place unknown";
    if (!byPlace.has(key)) byPlace.set(key, []);
    byPlace.get(key).push(`${d.town || "?"} ${d.year || ""}`.trim());
  }
  const list = el("ul", { class: "loaded" });
  for (const [place, items] of [...byPlace.entries()].sort()) {
    list.append(el("li", {}, el("b", {}, place), "：", items.sort().join("、")));
  }
  const withTown = documents.find((d) => d.town && d.year);
  const province = (documents.find((d) => d.province) || {}).province;
  const examples = [
    withTown ? `${withTown.town}${withTown.year}年发放了多少份普法宣传资料？` : null,
    "哪些镇的行政执法合规率达到100%？",
    "各镇分别调解了多少起矛盾纠纷？",
    province ? `哪些报告来自${province}？` : "Which reports are from 2024?",
  ].filter(Boolean);
  const buttons = el("div", { class: "examples" }, ...examples.map((q) =>
    el("button", { type: "button", class: "example", onclick: () => { $("message").value = q; $("send").click(); } }, q)));
  $("messages").append(el("div", { class: "msg welcome" },
    el("p", {}, `已载入 ${documents.length} 份报告 / ${documents.length} reports loaded:`), list,
    el("p", {}, "试试这些问题 / Try:"), buttons));
}

// ---- Filters ----

async function loadFilters() {
  try {
    const body = await (await api("/documents")).json();
    const towns = [...new Set(body.documents.map((d) => d.town).filter(Boolean))].sort();
    const years = [...new Set(body.documents.map((d) => d.year).filter((y) => y !== null && y !== undefined))]
      .sort((a, b) => b - a);
    for (const t of towns) $("town").append(el("option", { value: t }, t));
    for (const y of years) $("year").append(el("option", { value: String(y) }, String(y)));
    welcome(body.documents);
  } catch (err) {
    showError(err);
  }
}

function currentFilters() {
  const town = $("town").value;
  const year = $("year").value;
  if (!town && !year) return null;
  return { town: town || null, year: year ? Number(year) : null };
}

// ---- Rendering answers ----

function renderText(container, text, citations) {
  container.replaceChildren();
  const byN = new Map(citations.map((c) => [c.n, c]));
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    container.append(text.slice(last, m.index));
    const n = Number(m[1]);
    const c = byN.get(n);
    container.append(c ? citeLink(c) : m[0]);
    last = m.index + m[0].length;
  }
  container.append(text.slice(last));
}

function citeLink(c) {
  return el("a", {
    class: "cite", href: "#", "data-n": String(c.n), title: `${c.town || ""} ${c.year || ""} ${c.section || ""}`.trim(),
    onclick: (ev) => { ev.preventDefault(); openCitation(c, ev.currentTarget); },
  }, `[${c.n}]`);
}

function reportUrl(c) {
  return `/report/${encodeURIComponent(c.doc_id)}?start=${c.start}&end=${c.end}#quote`;
}

function wholeLink(c) {
  return el("a", { class: "whole", href: reportUrl(c), target: "_blank", rel: "noopener",
    title: "Open the whole report at this quote" }, "全文 / whole report");
}

function pageLabel(c) {
  return c.page ? `第${c.page}页 / p. ${c.page}` : "";
}

function citationList(citations) {
  const list = el("ol", { class: "citations" });
  for (const c of citations) {
    const where = [c.town, c.year, c.section, pageLabel(c)].filter(Boolean).join(" · ");
    list.append(el("li", { value: String(c.n) }, citeLink(c), " ", where, " — ", el("q", {}, c.quote), wholeLink(c)));
  }
  return list;
}

function formatValue(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, "");
}

function barChart(values) {
  if (!values || values.length < 2) return null;
  const units = new Map();
  for (const v of values) units.set(v.unit, (units.get(v.unit) || 0) + 1);
  const unit = [...units.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const rows = values.filter((v) => v.unit === unit);
  if (rows.length < 2) return null;
  const max = Math.max(...rows.map((v) => v.value)) || 1;
  const labelW = 80, barW = 170, rowH = 24, valueW = 70;
  const width = labelW + barW + valueW, height = rows.length * rowH + 8;
  const chart = svg("svg", { class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "Values by town" });
  rows.forEach((v, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(2, Math.round((v.value / max) * barW));
    chart.append(svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end" }, v.town));
    const bar = svg("rect", { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 2 });
    bar.append(svg("title", {}, `${v.town}: ${formatValue(v.value)}${unit}`));
    chart.append(bar);
    chart.append(svg("text", { x: labelW + w + 4, y: y + 15 }, `${formatValue(v.value)}${unit}`));
  });
  return chart;
}

const KIND_WORDS = {
  fact: "事实 · fact", aggregate: "汇总 · which towns", compare: "比较 · comparison", table: "表格 · table",
  not_found: "未找到 · not in the reports", clarify: "请说明 · needs clarification",
};

function csvCell(v) {
  const s = String(v ?? "");
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function valueTable(answer) {
  if (answer.kind !== "table" || !answer.values || !answer.values.length) return null;
  const byTown = new Map(answer.citations.map((c) => [c.town, c]));
  const table = el("table", { class: "values" });
  table.append(el("tr", {}, el("th", {}, "镇 / town"), el("th", {}, "数值 / value"), el("th", {}, "单位 / unit"),
    el("th", {}, "出处 / source")));
  const rows = [["town", "value", "unit", "quote", "source", "start", "end"]];
  for (const v of answer.values) {
    const c = byTown.get(v.town);
    table.append(el("tr", {}, el("td", {}, v.town), el("td", {}, formatValue(v.value)), el("td", {}, v.unit),
      el("td", {}, c ? citeLink(c) : "")));
    rows.push([v.town, v.value, v.unit, c ? c.quote : "", c ? c.source : "", c ? c.start : "", c ? c.end : ""]);
  }
  const csv = "\ufeff" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n");
  const link = el("a", { class: "csv", download: "reportqa-table.csv",
    href: URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" })) }, "下载CSV / Download CSV");
  return el("div", { class: "table-answer" }, table, link);
}

function renderAnswer(view, answer) {
  renderText(view.text, answer.answer, answer.citations);
  const table = valueTable(answer);
  if (table) view.body.append(table);
  const chart = barChart(answer.values);
  if (chart) view.body.append(chart);
  if (answer.citations.length) view.node.append(citationList(answer.citations));
  if (answer.kind === "not_found" && answer.related && answer.related.length) {
    view.node.append(el("div", { class: "related" }, "Related passages (not an answer):"), citationList(answer.related));
  }
  const towns = answer.towns.length ? " · " + answer.towns.join("、") : "";
  view.node.append(el("div", { class: "meta" }, (KIND_WORDS[answer.kind] || answer.kind) + towns));
  view.node.classList.remove("pending");
  view.node.dataset.kind = answer.kind;
}

// ---- Citations in context ----

async function openCitation(c, link) {
  document.querySelectorAll("a.cite.active").forEach((a) => a.classList.remove("active"));
  if (link) link.classList.add("active");
  const target = $("source-body");
  try {
    const url = `/documents/${encodeURIComponent(c.doc_id)}/passage?start=${c.start}&end=${c.end}`;
    const p = await (await api(url)).json();
    const para = p.paragraph;
    const a = Math.max(0, p.start - para.start);
    const b = Math.min(para.text.length, p.end - para.start);
    const meta = el("div", { class: "source-meta" },
      el("b", {}, `[${c.n}] ${p.town || "—"}`), ` · ${p.year || "—"} · ${p.section || "—"}`,
      el("br"), `${p.title || ""} (${c.source}${c.page ? ", " + pageLabel(c) : ""}, ${p.start}–${p.end})`, wholeLink(c));
    if (p.source_url && /^https?:\/\//i.test(p.source_url)) {
      meta.append(el("br"), "原文 · original: ",
        el("a", { href: p.source_url, target: "_blank", rel: "noopener noreferrer", class: "source-url" }, p.source_url));
    }
    const text = el("div", { class: "paragraph" },
      para.text.slice(0, a), el("mark", { class: "quote", "data-n": String(c.n) }, para.text.slice(a, b)),
      para.text.slice(b));
    target.replaceChildren(meta, text);
    const mark = target.querySelector("mark.quote");
    if (mark) mark.scrollIntoView({ block: "nearest" });
    showError(null);
  } catch (err) {
    showError(err);
  }
}

// ---- Asking, with the answer streamed as Server-Sent Events ----

function addUser(text) {
  $("messages").append(el("div", { class: "msg user" }, text));
}

function addBot() {
  const text = el("div", { class: "text" });
  const body = el("div", { class: "answer-body" }, text);
  const node = el("div", { class: "msg bot pending" }, body);
  $("messages").append(node);
  return { node, body, text };
}

async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

async function ask(message) {
  state.busy = true;
  $("send").disabled = true;
  showError(null);
  addUser(message);
  const view = addBot();
  let streamed = "";
  const citations = [];
  try {
    const response = await api("/chat/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ message, conversation_id: state.conversationId, filters: currentFilters() }),
    });
    let answer = null;
    for await (const { event, data } of sseEvents(response)) {
      if (event === "delta") {
        streamed += data.text;
        renderText(view.text, streamed, citations);
      } else if (event === "citation") {
        citations.push(data);
        renderText(view.text, streamed, citations);
      } else if (event === "done") {
        answer = data;
      } else if (event === "error") {
        throw new ApiError(500, data.error.code, data.error.message);
      }
    }
    if (!answer) throw new ApiError(0, "incomplete", "The answer stream ended early; please ask again.");
    state.conversationId = answer.conversation_id;
    renderAnswer(view, answer);
    view.node.scrollIntoView({ block: "start" });  // the newest answer, not below the fold
  } catch (err) {
    view.node.remove();
    showError(err);
  } finally {
    state.busy = false;
    $("send").disabled = false;
    $("message").focus();
  }
}

$("ask").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const message = $("message").value.trim();
  if (state.busy) return;
  if (!message) { showError({ code: "empty", message: "Type a question first." }); return; }
  $("message").value = "";
  ask(message);
});

$("message").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    $("ask").requestSubmit();
  }
});

$("new-chat").addEventListener("click", () => {
  state.conversationId = null;
  $("messages").replaceChildren();
  $("source-body").replaceChildren();
  showError(null);
});

loadFilters();
