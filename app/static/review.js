// termalign review page: a keyboard-first queue of glossary entries, each with its concordance.
// Decisions go to POST /api/review/decide and /api/review/undo with the server's CSRF token;
// the line under the filters says "Saved" only after the server answered 200. All data is put
// on the page with textContent / DOM nodes, never innerHTML. No review logic lives here: the
// queue's order, the decisions and their effects are the server's (corpus/review.py).
"use strict";

(function () {
  const meta = (name) => (document.querySelector('meta[name="' + name + '"]') || {}).content || "";
  const TOKEN = meta("termalign-token");
  const WRITABLE = meta("termalign-mode") === "review" && TOKEN.length > 0;
  const PAGE = 50;
  const DEBOUNCE_MS = 180;
  const $ = (id) => document.getElementById(id);

  const state = {
    items: [],
    sel: -1,
    more: false,
    busy: false, // a decision is on its way: further decisions wait for its answer
    loading: 0, // requests in flight; <body data-busy> says whether the page has settled
    saved: 0, // decisions the server confirmed since the page loaded
    kwicSeq: 0,
    queueSeq: 0,
    mergeHits: [],
    mergeSel: 0,
    pairId: null, // the concordance line an added entry's selection came from
  };

  // ---------- small DOM helpers ----------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function pct(x) {
    return Math.round(Math.max(0, Math.min(1, Number(x) || 0)) * 100);
  }

  function confidenceBar(value) {
    const wrap = el("span", "conf");
    wrap.title = "confidence: " + pct(value) + "%";
    const bar = el("span", "conf-bar");
    const fill = el("span", "conf-fill " + (value >= 0.8 ? "high" : value >= 0.5 ? "mid" : "low"));
    fill.style.width = pct(value) + "%";
    bar.appendChild(fill);
    wrap.append(bar, el("span", "conf-num", pct(value) + "%"));
    return wrap;
  }

  // text with the [start, end) spans (code-point offsets, as Python counts) wrapped in <mark>
  function spanned(text, spans) {
    const chars = Array.from(text || "");
    const frag = document.createDocumentFragment();
    const sorted = (spans || []).filter((s) => Array.isArray(s) && s.length === 2)
      .map((s) => [Math.max(0, s[0] | 0), Math.min(chars.length, s[1] | 0)])
      .filter((s) => s[1] > s[0]).sort((a, b) => a[0] - b[0]);
    let last = 0;
    for (const [s, e] of sorted) {
      if (s < last) continue; // overlapping spans: keep the first
      if (s > last) frag.appendChild(document.createTextNode(chars.slice(last, s).join("")));
      frag.appendChild(el("mark", null, chars.slice(s, e).join("")));
      last = e;
    }
    if (last < chars.length) frag.appendChild(document.createTextNode(chars.slice(last).join("")));
    return frag;
  }

  function splitList(s) {
    return s.split(/[,，;；]/).map((x) => x.trim()).filter((x) => x.length > 0);
  }

  function sameList(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  // ---------- the save-state line ----------
  function setState(kind, text) {
    const line = $("save-state");
    line.textContent = text;
    line.dataset.state = kind; // saving | saved | error | info
    line.dataset.saved = String(state.saved);
    line.classList.toggle("error", kind === "error");
  }

  function showCounts(c) {
    if (!c) return;
    $("counts").textContent = c.reviewed + " reviewed · " + c.pending + " pending";
    $("counts").title = c.accepted + " accepted, " + c.edited + " edited, " + c.rejected + " rejected";
  }

  // ---------- talking to the server ----------
  function loading(delta) {
    state.loading += delta;
    document.body.dataset.busy = state.loading > 0 || state.busy ? "1" : "0";
  }

  async function request(path, init) {
    loading(1);
    try {
      const resp = await fetch(path, init);
      const data = await resp.json().catch(() => ({}));
      if (!resp.ok) throw new Error(data.error || "error " + resp.status);
      return data;
    } finally {
      loading(-1);
    }
  }

  function getJson(path) {
    return request(path, { headers: { Accept: "application/json" } });
  }

  function post(path, body) {
    return request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Termalign-Token": TOKEN },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  }

  function filterQuery(offset) {
    const p = new URLSearchParams();
    p.set("status", $("f-status").value);
    if ($("f-kind").value) p.set("kind", $("f-kind").value);
    const q = $("q").value.trim();
    if (q) p.set("q", q);
    if ($("f-min").value !== "") p.set("min_conf", $("f-min").value);
    if ($("f-max").value !== "") p.set("max_conf", $("f-max").value);
    p.set("offset", String(offset));
    p.set("limit", String(PAGE));
    return p.toString();
  }

  // ---------- the queue ----------
  // Reload the queue under the current filters; select `selectId` if it is still there, else
  // the entry now at `index` (the next one, when the decided entry left the filtered list).
  async function loadQueue(index, selectId, append) {
    const mine = ++state.queueSeq;
    const offset = append ? state.items.length : 0;
    let data;
    try {
      data = await getJson("/api/review/queue?" + filterQuery(offset));
    } catch (err) {
      if (mine === state.queueSeq) setState("error", "Could not load the queue: " + err.message);
      return;
    }
    if (mine !== state.queueSeq) return;
    const items = data.items || [];
    state.items = append ? state.items.concat(items) : items;
    state.more = items.length === PAGE;
    showCounts(data.counts);
    renderQueue();
    let i = selectId === undefined ? -1 : state.items.findIndex((it) => it.id === selectId);
    if (i < 0) i = Math.min(Math.max(index || 0, 0), state.items.length - 1);
    select(i, true);
  }

  function queueRow(item, i) {
    const li = el("li", "queue-item status-" + item.status);
    li.dataset.id = String(item.id);
    li.dataset.status = item.status;
    li.dataset.index = String(i);
    const zh = el("span", "q-zh", item.zh);
    zh.lang = "zh";
    const en = el("span", "q-en", item.en);
    en.lang = "en";
    li.append(zh, el("span", "arrow", "↔"), en, el("span", "tag status", item.status));
    if (item.kind && item.kind !== "term") li.appendChild(el("span", "tag kind", item.kind));
    li.appendChild(el("span", "q-conf", pct(item.confidence) + "%"));
    li.addEventListener("click", () => select(i));
    return li;
  }

  function renderQueue() {
    $("queue").replaceChildren(...state.items.map(queueRow));
    $("queue-empty").hidden = state.items.length > 0;
    $("more").hidden = !state.more;
  }

  function current() {
    return state.sel >= 0 ? state.items[state.sel] : null;
  }

  function select(i, force) {
    if (i < 0 || i >= state.items.length) {
      state.sel = -1;
      $("detail").hidden = true;
      return;
    }
    if (i === state.sel && !force) return;
    state.sel = i;
    for (const li of $("queue").children) li.classList.toggle("selected", li.dataset.index === String(i));
    const row = $("queue").children[i];
    if (row) row.scrollIntoView({ block: "nearest" });
    closePanels();
    $("ad-zh").value = "";
    $("ad-en").value = "";
    renderEntry(state.items[i]);
    loadKwic(state.items[i].id);
  }

  function move(delta) {
    const i = state.sel + delta;
    if (i >= state.items.length && state.more) {
      loadQueue(i, undefined, true);
      return;
    }
    if (i >= 0 && i < state.items.length) select(i);
  }

  // ---------- one entry ----------
  function forms(main, variants, lang, cls) {
    const box = el("div", "forms " + cls);
    box.lang = lang;
    box.appendChild(el("span", "form-main", main));
    for (const v of variants || []) if (v !== main) box.appendChild(el("span", "variant", v));
    return box;
  }

  function renderEntry(item) {
    $("detail").hidden = false;
    const box = $("entry");
    box.replaceChildren();
    box.dataset.id = String(item.id);
    const head = el("div", "term-head");
    head.append(forms(item.zh, item.zh_variants, "zh", "zh-forms"), el("span", "arrow", "↔"),
      forms(item.en, item.en_variants, "en", "en-forms"));
    const stats = el("div", "term-stats");
    stats.appendChild(el("span", "tag status status-" + item.status, item.status));
    stats.appendChild(el("span", "tag kind", item.kind || "term"));
    stats.appendChild(confidenceBar(item.confidence));
    stats.appendChild(el("span", "stat", item.freq + (item.freq === 1 ? " pair" : " pairs")));
    stats.appendChild(el("span", "stat", item.n_docs + (item.n_docs === 1 ? " doc" : " docs")));
    if (item.domain) stats.appendChild(el("span", "stat domain", "domain: " + item.domain));
    box.append(head, stats);
    if (item.note) box.appendChild(el("p", "note", item.note));
  }

  async function loadKwic(id) {
    const mine = ++state.kwicSeq;
    $("kwic").replaceChildren();
    let data;
    try {
      data = await getJson("/api/review/entry/" + id);
    } catch (err) {
      if (mine === state.kwicSeq) setState("error", "Could not load the concordance: " + err.message);
      return;
    }
    if (mine !== state.kwicSeq) return;
    const lines = data.kwic || [];
    $("kwic").replaceChildren(...lines.map(kwicLine));
    if (!lines.length) $("kwic").appendChild(el("li", "muted", "No aligned sentence pair contains both forms."));
  }

  function kwicLine(k) {
    const li = el("li", "pair kwic-line");
    if (k.pair_id !== undefined && k.pair_id !== null) li.dataset.pairId = String(k.pair_id);
    const en = el("p", "pair-en kwic-en");
    en.lang = "en";
    en.appendChild(spanned(k.en, k.en_spans));
    const zh = el("p", "pair-zh kwic-zh");
    zh.lang = "zh";
    zh.appendChild(spanned(k.zh, k.zh_spans));
    const m = el("p", "pair-meta");
    m.appendChild(el("span", "doc", k.doc || ""));
    if (k.mined) m.appendChild(el("span", "tag", "mined"));
    if (k.score !== undefined && k.score !== null) m.appendChild(confidenceBar(k.score));
    li.append(en, zh, m);
    return li;
  }

  // ---------- decisions ----------
  function setBusy(b) {
    state.busy = b;
    loading(0);
  }

  // "accepted 稀土 ↔ rare earths": the entry as it was shown (else the decision's keys)
  function describe(d, item) {
    if (!d) return "";
    const what = { accept: "accepted", reject: "rejected", edit: "edited", merge: "merged", split: "split",
      add: "added", note: "noted" }[d.action] || d.action;
    let forms = item ? [item.zh, item.en] : [d.zh_key, d.en_key];
    if (d.action === "add") forms = [d.fields.zh, d.fields.en];
    let text = what + " " + forms[0] + " ↔ " + forms[1];
    if (d.action === "edit" && item && (d.fields.zh || d.fields.en)) {
      text += " → " + (d.fields.zh || item.zh) + " ↔ " + (d.fields.en || item.en);
    } else if (d.action === "merge" && d.fields.into) {
      text += " into " + d.fields.into.zh + " ↔ " + d.fields.into.en;
    } else if (d.action === "split" && d.fields.parts) {
      text += " into " + d.fields.parts.map((p) => p.zh + " ↔ " + p.en).join(" and ");
    }
    return text;
  }

  // Send one decision; the page changes only once the server has answered 200.
  async function decide(action, fields, item) {
    if (!WRITABLE) return;
    if (state.busy) { setState("info", "Still saving the last decision…"); return; }
    const target = item || current();
    if (!target && action !== "add") return;
    setBusy(true);
    setState("saving", "Saving…");
    const index = state.sel;
    try {
      const data = await post("/api/review/decide", { id: target ? target.id : null, action: action, fields: fields || {} });
      state.saved += 1;
      setState("saved", "Saved: " + describe(data.decision, target) + ".");
      showCounts(data.counts);
      const stays = $("f-status").value === "all";
      await loadQueue(stays ? index + 1 : index, action === "add" ? target && target.id : undefined);
    } catch (err) {
      setState("error", "Not saved: " + err.message);
    } finally {
      setBusy(false);
    }
  }

  async function undo() {
    if (!WRITABLE) return;
    if (state.busy) { setState("info", "Still saving the last decision…"); return; }
    setBusy(true);
    setState("saving", "Undoing…");
    try {
      const data = await post("/api/review/undo", {});
      state.saved += 1;
      setState("saved", data.decision ? "Saved: undid " + describe(data.decision) + "." : "Nothing left to undo.");
      showCounts(data.counts);
      await loadQueue(state.sel, undefined);
    } catch (err) {
      setState("error", "Not saved: " + err.message);
    } finally {
      setBusy(false);
    }
  }

  // ---------- panels: edit, merge, add ----------
  function closePanels() {
    for (const id of ["edit-form", "merge-form", "split-form", "add-form"]) $(id).hidden = true;
    state.pairId = null;
  }

  function startEdit() {
    const item = current();
    if (!item || !WRITABLE) return;
    closePanels();
    $("ed-zh").value = item.zh;
    $("ed-en").value = item.en;
    $("ed-zh-var").value = (item.zh_variants || []).join(", ");
    $("ed-en-var").value = (item.en_variants || []).join(", ");
    $("ed-domain").value = item.domain || "";
    $("ed-note").value = item.note || "";
    $("edit-form").hidden = false;
    $("ed-en").focus();
    $("ed-en").select();
  }

  // only what changed goes to the server; a note or domain alone is a "note" decision
  function saveEdit(ev) {
    ev.preventDefault();
    const item = current();
    if (!item) return;
    const fields = {};
    const zh = $("ed-zh").value.trim();
    const en = $("ed-en").value.trim();
    if (zh && zh !== item.zh) fields.zh = zh;
    if (en && en !== item.en) fields.en = en;
    const zv = splitList($("ed-zh-var").value);
    const ev2 = splitList($("ed-en-var").value);
    if (!sameList(zv, item.zh_variants || [])) fields.zh_variants = zv;
    if (!sameList(ev2, item.en_variants || [])) fields.en_variants = ev2;
    const formsChanged = Object.keys(fields).length > 0;
    const note = $("ed-note").value.trim();
    const domain = $("ed-domain").value.trim();
    if (note !== (item.note || "")) fields.note = note;
    if (domain !== (item.domain || "")) fields.domain = domain;
    if (!Object.keys(fields).length) { setState("info", "Nothing changed."); return; }
    $("edit-form").hidden = true;
    decide(formsChanged ? "edit" : "note", fields, item);
  }

  function startMerge() {
    const item = current();
    if (!item || !WRITABLE) return;
    closePanels();
    $("mg-q").value = item.en;
    $("merge-form").hidden = false;
    $("mg-q").focus();
    $("mg-q").select();
    findDuplicates();
  }

  async function findDuplicates() {
    const item = current();
    const q = $("mg-q").value.trim();
    if (!item || !q) { state.mergeHits = []; renderMerge(); return; }
    const p = new URLSearchParams({ status: "all", q: q, limit: "10" });
    try {
      const data = await getJson("/api/review/queue?" + p.toString());
      if ($("mg-q").value.trim() !== q) return; // typed on meanwhile
      state.mergeHits = (data.items || []).filter((it) => it.id !== item.id);
    } catch (err) {
      state.mergeHits = [];
      setState("error", "Could not search: " + err.message);
    }
    state.mergeSel = 0;
    renderMerge();
  }

  function renderMerge() {
    $("mg-list").replaceChildren(...state.mergeHits.map((it, i) => {
      const li = el("li", "merge-hit" + (i === state.mergeSel ? " selected" : ""));
      li.dataset.id = String(it.id);
      li.append(el("span", "q-zh", it.zh), el("span", "arrow", "↔"), el("span", "q-en", it.en),
        el("span", "tag status", it.status));
      li.addEventListener("click", () => { state.mergeSel = i; mergeChosen(); });
      return li;
    }));
    if (!state.mergeHits.length) $("mg-list").appendChild(el("li", "muted", "No other entry matches."));
  }

  function mergeChosen() {
    const into = state.mergeHits[state.mergeSel];
    const item = current();
    if (!into || !item) return;
    $("merge-form").hidden = true;
    decide("merge", { into: { zh: into.zh, en: into.en } }, item);
  }

  function startSplit() {
    const item = current();
    if (!item || !WRITABLE) return;
    closePanels();
    for (const id of ["sp-zh1", "sp-en1", "sp-zh2", "sp-en2"]) $(id).value = "";
    $("split-form").hidden = false;
    $("sp-zh1").focus();
  }

  function saveSplit(ev) {
    ev.preventDefault();
    const item = current();
    if (!item) return;
    const parts = [1, 2].map((n) => ({ zh: $("sp-zh" + n).value.trim(), en: $("sp-en" + n).value.trim() }))
      .filter((p) => p.zh || p.en);
    if (!parts.length || parts.some((p) => !p.zh || !p.en)) {
      setState("error", "Not saved: give each part both its 中文 and its English form.");
      return;
    }
    $("split-form").hidden = true;
    decide("split", { parts: parts }, item);
  }

  // A selection inside one concordance line fills that side of the add form.
  function takeSelection() {
    if (!WRITABLE) return;
    const sel = window.getSelection();
    const text = sel ? sel.toString().trim() : "";
    if (!text || !sel.anchorNode) return;
    const node = sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement;
    const side = node && node.closest(".kwic-en, .kwic-zh");
    if (!side || !$("kwic").contains(side)) return;
    if ($("add-form").hidden) closePanels(); // the add form replaces an open edit or merge form
    $("add-form").hidden = false;
    $(side.classList.contains("kwic-en") ? "ad-en" : "ad-zh").value = text;
    const line = side.closest(".kwic-line");
    state.pairId = line && line.dataset.pairId ? Number(line.dataset.pairId) : null;
  }

  function saveAdd(ev) {
    ev.preventDefault();
    const zh = $("ad-zh").value.trim();
    const en = $("ad-en").value.trim();
    if (!zh || !en) { setState("error", "Not saved: select or type both the 中文 and the English form."); return; }
    const fields = { zh: zh, en: en };
    if (state.pairId !== null) fields.pair_id = state.pairId;
    closePanels();
    $("ad-zh").value = "";
    $("ad-en").value = "";
    decide("add", fields, current());
  }

  // ---------- keys ----------
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape") {
      if (typing(ev.target)) ev.target.blur();
      closePanels();
      return;
    }
    if (ev.target === $("mg-q")) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        const n = state.mergeHits.length;
        if (n) state.mergeSel = (state.mergeSel + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
        renderMerge();
      }
      return;
    }
    if (ev.key === "Enter" && ev.target.form === $("filters")) {
      // three text-like fields: the browser does not submit this form on Enter by itself
      ev.preventDefault();
      applyFilters();
      return;
    }
    if (typing(ev.target)) return;
    const keys = {
      j: () => move(1),
      k: () => move(-1),
      a: () => decide("accept"),
      r: () => decide("reject"),
      e: () => startEdit(),
      m: () => startMerge(),
      s: () => startSplit(),
      u: () => undo(),
      "/": () => { $("q").focus(); $("q").select(); },
    };
    const run = keys[ev.key];
    if (run) {
      ev.preventDefault();
      run();
    }
  });

  // ---------- wiring ----------
  // Run `fn` once typing has paused; a pending run counts as loading (the page has not settled).
  function debounced(fn) {
    let timer = null;
    const cancel = () => { if (timer !== null) { clearTimeout(timer); timer = null; loading(-1); } };
    const schedule = () => {
      cancel();
      loading(1);
      timer = setTimeout(() => { timer = null; loading(-1); fn(); }, DEBOUNCE_MS);
    };
    return { schedule: schedule, cancel: cancel };
  }

  const reloader = debounced(() => loadQueue(0));
  const reload = reloader.schedule;
  function applyFilters() {
    reloader.cancel();
    if (document.activeElement) document.activeElement.blur(); // back to the keys of the queue
    loadQueue(0);
  }
  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); applyFilters(); });
  for (const id of ["q", "f-min", "f-max"]) $(id).addEventListener("input", reload);
  for (const id of ["f-status", "f-kind"]) $(id).addEventListener("change", applyFilters); // keys go back to the queue
  $("more").addEventListener("click", () => loadQueue(state.items.length, undefined, true));
  $("edit-form").addEventListener("submit", saveEdit);
  $("merge-form").addEventListener("submit", (ev) => { ev.preventDefault(); mergeChosen(); });
  $("mg-q").addEventListener("input", debounced(findDuplicates).schedule);
  $("add-form").addEventListener("submit", saveAdd);
  $("split-form").addEventListener("submit", saveSplit);
  $("kwic").addEventListener("mouseup", takeSelection);
  $("kwic").addEventListener("keyup", takeSelection);
  for (const b of document.querySelectorAll("#actions button")) {
    b.addEventListener("click", () => {
      const act = b.dataset.act;
      if (act === "edit") startEdit();
      else if (act === "merge") startMerge();
      else if (act === "split") startSplit();
      else if (act === "undo") undo();
      else decide(act);
    });
  }
  for (const node of document.querySelectorAll(".write-only")) node.classList.toggle("off", !WRITABLE);
  $("actions").hidden = !WRITABLE;
  document.body.classList.toggle("read-only", !WRITABLE);
  setState("info", WRITABLE ? "" : "Read-only: start `termalign serve --review` to record decisions.");
  loadQueue(0);
})();
