"use strict";
// The whole report behind a citation, opened at the quote: /report/{doc_id}?start=S&end=E.

const $ = (id) => document.getElementById(id);

function authHeaders() {
  const key = localStorage.getItem("reportqa.apiKey");
  return key ? { Authorization: "Bearer " + key } : {};
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  $("report-text").textContent = "";
  $("report-text").removeAttribute("aria-busy");
}

async function fetchReport(docId) {
  let response;
  try {
    response = await fetch(`/documents/${encodeURIComponent(docId)}`, { headers: authHeaders() });
  } catch (_) {
    throw new Error("Cannot reach the reportqa server. Is it running?");
  }
  if (response.status === 401) {
    throw new Error("This server needs an API key: open the chat page (/) once and enter it, then reload this page.");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error.message; } catch (_) { /* keep the status line */ }
    throw new Error(`${message} The index may have been rebuilt: ask the question again on the chat page for current citations.`);
  }
  return response.json();
}

function parseSpan(params, length) {
  const start = Number(params.get("start"));
  const end = Number(params.get("end"));
  if (!params.has("start") || !params.has("end") || !Number.isInteger(start) || !Number.isInteger(end)) return null;
  if (start < 0 || end <= start || end > length) return null;
  return { start, end };
}

async function main() {
  const docId = decodeURIComponent(location.pathname.replace(/^\/report\//, ""));
  const params = new URLSearchParams(location.search);
  let doc;
  try {
    doc = await fetchReport(docId);
  } catch (err) {
    showError(err.message);
    return;
  }
  const m = doc.metadata || {};
  const place = [m.province, m.county, m.town].filter(Boolean).join(" ");
  document.title = `${m.town || doc.source} ${m.year || ""} · reportqa`;
  const meta = $("report-meta");
  meta.replaceChildren();
  const strong = document.createElement("b");
  strong.textContent = `${place || "地区不详 / place unknown"} · ${m.year || "—"}`;
  meta.append(strong, ` · ${m.title || ""} (${doc.source}, ${doc.chars} 字)`);

  const article = $("report-text");
  article.removeAttribute("aria-busy");
  const span = parseSpan(params, doc.text.length);
  if (!span) {
    article.textContent = doc.text;
    if (params.has("start") || params.has("end")) {
      const box = $("error");
      box.textContent = "The quote's position is not in this report (the index may have been rebuilt); the whole report is shown.";
      box.hidden = false;
    }
    return;
  }
  const mark = document.createElement("mark");
  mark.id = "quote";
  mark.className = "quote";
  mark.textContent = doc.text.slice(span.start, span.end);
  article.replaceChildren(doc.text.slice(0, span.start), mark, doc.text.slice(span.end));
  $("quote-nav").hidden = false;
  mark.scrollIntoView({ block: "center" });
}

main();
