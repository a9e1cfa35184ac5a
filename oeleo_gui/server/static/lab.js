// The lab overview page: fetches api/overview, draws the table, refreshes itself.
// Every value from a status record goes into the page through textContent, never as HTML.
"use strict";

(function () {
  const VERDICTS = ["safe", "behind", "error", "silent", "unreadable"];
  const refreshMs = Number(document.body.dataset.refreshMs) || 30000;
  const state = { data: null, sortKey: "verdict", ascending: true, open: new Set() };

  function time(iso) {
    const value = iso ? Date.parse(iso) : NaN;
    return Number.isNaN(value) ? null : value;
  }

  const SORT_VALUES = {
    name: (r) => r.name.toLocaleLowerCase(),
    verdict: (r) => r.severity,
    last_success: (r) => time(r.last_success) ?? -Infinity,
    not_copied: (r) => r.files_not_copied,
    oldest: (r) => time(r.oldest_unsynced && r.oldest_unsynced.since) ?? Infinity,
    reason: (r) => r.reason.toLocaleLowerCase(),
  };

  function compare(a, b) {
    const value = SORT_VALUES[state.sortKey];
    const x = value(a);
    const y = value(b);
    let order = x < y ? -1 : x > y ? 1 : 0;
    if (order === 0) {
      order = a.severity - b.severity || a.name.localeCompare(b.name);
    } else if (!state.ascending) {
      order = -order;
    }
    return order;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function rowKey(r) {
    return r.location + "\u0000" + r.key;
  }

  function verdictClass(r) {
    return "verdict-" + (VERDICTS.includes(r.verdict) ? r.verdict : "unreadable");
  }

  function drawRow(tbody, r) {
    const key = rowKey(r);
    const isOpen = state.open.has(key);
    const tr = element("tr", undefined, "instrument " + verdictClass(r));
    tr.dataset.verdict = VERDICTS.includes(r.verdict) ? r.verdict : "unreadable";
    const name = element("th");
    name.scope = "row";
    const opener = element("button", r.cells.name, "open");
    opener.type = "button";
    opener.setAttribute("aria-expanded", String(isOpen));
    opener.title = "Details of " + r.name;
    opener.addEventListener("click", () => {
      if (state.open.has(key)) state.open.delete(key);
      else state.open.add(key);
      draw();
    });
    name.append(opener);
    const verdict = element("td");
    verdict.append(element("span", r.cells.verdict, "badge"));
    const lastSuccess = element("td", r.cells.last_success);
    if (r.last_success) lastSuccess.title = new Date(r.last_success).toLocaleString();
    tr.append(
      name,
      verdict,
      lastSuccess,
      element("td", r.cells.not_copied, "number"),
      element("td", r.cells.oldest_unsynced),
      element("td", r.cells.reason, "reason"),
    );
    tbody.append(tr);
    if (isOpen) tbody.append(drawDetails(r));
  }

  function list(title, items, describe) {
    const section = element("section");
    section.append(element("h2", title));
    const ul = element("ul");
    for (const item of items) ul.append(element("li", describe(item)));
    if (!items.length) ul.append(element("li", "none"));
    section.append(ul);
    return section;
  }

  function fileText(note) {
    let text = note.path;
    if (note.reason) text += " — " + note.reason;
    if (note.since) text += " (since " + new Date(note.since).toLocaleString() + ")";
    return text;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "never";
  }

  function drawDetails(r) {
    const tr = element("tr", undefined, "details " + verdictClass(r));
    const td = element("td");
    td.colSpan = 6;
    const reasons = r.reasons.length ? r.reasons : [r.reason];
    td.append(list("Why", reasons, (text) => text));
    const counts = r.counts || {};
    const waiting = r.waiting.concat(r.live);
    td.append(element("p", r.not_copied_text + ".", "not-copied"));
    td.append(list("Being written, held open or live (" +
      ((counts.waiting || 0) + (counts.live || 0)) + ")", waiting, fileText));
    td.append(list("Failing (" + (counts.failed || 0) + ")", r.failed, fileText));
    const about = element("section");
    about.append(element("h2", "Instrument PC and settings"));
    const dl = element("dl");
    const facts = [
      ["Computer", r.computer],
      ["oeleo-gui version", r.app_version],
      ["Record written", when(r.written_at)],
      ["Last run", when(r.last_run)],
      ["Last successful run", when(r.last_success)],
      ["Next run", r.next_run ? when(r.next_run) : "none scheduled"],
      ["Files matched / copied / locked",
        [counts.matched, counts.copied, counts.locked].map((n) => n ?? 0).join(" / ")],
      ["Status folder", r.location],
    ].concat(r.settings);
    for (const [label, value] of facts) {
      dl.append(element("dt", label), element("dd", value === "" ? "—" : value));
    }
    about.append(dl);
    td.append(about);
    tr.append(td);
    return tr;
  }

  function summaryText(data) {
    const rows = data.instruments;
    if (!rows.length) return "No instrument has reported yet.";
    const counts = {};
    for (const r of rows) counts[r.cells.verdict] = (counts[r.cells.verdict] || 0) + 1;
    const parts = Object.keys(counts).map((label) => counts[label] + " " + label);
    const all = rows.length === 1 ? "1 instrument" : rows.length + " instruments";
    return (data.all_safe ? "All safe: " : "Not all safe: ") + all + " (" + parts.join(", ") + ").";
  }

  function draw() {
    const data = state.data;
    const tbody = document.getElementById("rows");
    tbody.replaceChildren();
    for (const r of data.instruments.slice().sort(compare)) drawRow(tbody, r);
    document.getElementById("empty").hidden = data.instruments.length > 0;
    const problems = document.getElementById("problems");
    problems.replaceChildren(...data.problems.map((text) => element("li", text)));
    document.getElementById("summary").textContent = summaryText(data);
    document.body.dataset.allSafe = String(data.all_safe);
    for (const th of document.querySelectorAll("thead th")) {
      const sorted = th.dataset.sort === state.sortKey;
      th.setAttribute("aria-sort", sorted ? (state.ascending ? "ascending" : "descending") : "none");
    }
  }

  async function refresh() {
    const checked = document.getElementById("checked");
    try {
      const response = await fetch("api/overview", { cache: "no-store" });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      state.data = data;
      draw();
      checked.textContent = "Checked " + new Date(data.checked_at).toLocaleString() +
        "; refreshes every " + Math.round(refreshMs / 1000) + " s.";
    } catch (error) {
      checked.textContent = "Could not refresh (" + error.message + ")" +
        (state.data ? "; showing what was read before." : ".");
    } finally {
      window.setTimeout(refresh, refreshMs);
    }
  }

  for (const th of document.querySelectorAll("thead th")) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.sort;
      state.ascending = key === state.sortKey ? !state.ascending : true;
      state.sortKey = key;
      if (state.data) draw();
    });
  }
  refresh();
})();
