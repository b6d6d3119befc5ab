// termalign glossary page: asks /api/search as you type and draws the answer.
// All data is put on the page with textContent / DOM nodes, never innerHTML: terms and
// sentences come from arbitrary documents. No search logic lives here.
"use strict";

(function () {
  const DEBOUNCE_MS = 180;
  const input = document.getElementById("q");
  const statusLine = document.getElementById("status");
  const sections = {
    terms: [document.getElementById("terms"), document.getElementById("term-list")],
    examples: [document.getElementById("examples"), document.getElementById("example-list")],
    similar: [document.getElementById("similar"), document.getElementById("similar-list")],
  };

  let timer = null;
  let controller = null;
  let seq = 0;

  // ---------- small DOM helpers ----------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // text with every occurrence of any needle wrapped in <mark>, as DOM nodes.
  function highlighted(text, needles) {
    const frag = document.createDocumentFragment();
    const list = Array.from(new Set(needles.filter((n) => n && n.trim().length > 0)))
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp);
    if (list.length === 0) {
      frag.appendChild(document.createTextNode(text));
      return frag;
    }
    const re = new RegExp(list.join("|"), "giu");
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      frag.appendChild(el("mark", null, m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function pct(x) {
    const v = Math.max(0, Math.min(1, Number(x) || 0));
    return Math.round(v * 100);
  }

  function confidenceBar(value, label) {
    const wrap = el("span", "conf");
    wrap.title = label + ": " + pct(value) + "%";
    const bar = el("span", "conf-bar");
    const fill = el("span", "conf-fill");
    fill.style.width = pct(value) + "%";
    if (value >= 0.8) fill.classList.add("high");
    else if (value >= 0.5) fill.classList.add("mid");
    else fill.classList.add("low");
    bar.appendChild(fill);
    wrap.appendChild(bar);
    wrap.appendChild(el("span", "conf-num", pct(value) + "%"));
    return wrap;
  }

  // ---------- rendering ----------
  function pairItem(pair, needles, extra) {
    const li = el("li", "pair");
    const en = el("p", "pair-en");
    en.lang = "en";
    en.appendChild(highlighted(pair.en || "", needles));
    const zh = el("p", "pair-zh");
    zh.lang = "zh";
    zh.appendChild(highlighted(pair.zh || "", needles));
    const meta = el("p", "pair-meta");
    meta.appendChild(el("span", "doc", pair.doc || ""));
    if (pair.kind && pair.kind !== "aligned") meta.appendChild(el("span", "tag", pair.kind));
    if (extra) meta.appendChild(extra);
    if (pair.score !== undefined && pair.score !== null) meta.appendChild(confidenceBar(pair.score, "pair confidence"));
    li.append(en, zh, meta);
    return li;
  }

  function termNeedles(t) {
    return [t.zh, t.en, t.zh_hant || ""].concat(t.zh_variants || [], t.en_variants || []);
  }

  function termItem(t, query) {
    const li = el("li", "term");
    const head = el("div", "term-head");

    const zhBox = el("div", "forms zh-forms");
    zhBox.lang = "zh";
    zhBox.appendChild(el("span", "form-main", t.zh));
    const shown = new Set([t.zh]);
    if (t.zh_hant && !shown.has(t.zh_hant)) {
      const hant = el("span", "variant hant", t.zh_hant);
      hant.lang = "zh-Hant";
      hant.title = "Traditional";
      zhBox.appendChild(hant);
      shown.add(t.zh_hant);
    }
    for (const v of t.zh_variants || []) {
      if (!shown.has(v)) { zhBox.appendChild(el("span", "variant", v)); shown.add(v); }
    }
    const arrow = el("span", "arrow", "↔");
    arrow.setAttribute("aria-hidden", "true");
    const enBox = el("div", "forms en-forms");
    enBox.lang = "en";
    enBox.appendChild(el("span", "form-main", t.en));
    for (const v of t.en_variants || []) {
      if (v !== t.en) enBox.appendChild(el("span", "variant", v));
    }
    head.append(zhBox, arrow, enBox);

    const stats = el("div", "term-stats");
    stats.appendChild(confidenceBar(t.confidence, "confidence"));
    stats.appendChild(el("span", "stat", t.freq + (t.freq === 1 ? " pair" : " pairs")));
    stats.appendChild(el("span", "stat", t.n_docs + (t.n_docs === 1 ? " doc" : " docs")));
    if (t.pinned) stats.appendChild(el("span", "tag pinned", "known term"));

    li.append(head, stats);
    const examples = t.examples || [];
    if (examples.length) {
      const ol = el("ol", "pair-list examples");
      const needles = termNeedles(t).concat([query]);
      for (const ex of examples) ol.appendChild(pairItem(ex, needles));
      li.appendChild(ol);
    }
    return li;
  }

  function fill(name, items, make) {
    const [section, list] = sections[name];
    list.replaceChildren();
    for (const item of items) list.appendChild(make(item));
    section.hidden = items.length === 0;
  }

  let lastNeedles = [];

  function renderSimilar(data) {
    fill("similar", data.similar || [], (p) => {
      const sim = p.similarity === null || p.similarity === undefined ? null
        : el("span", "sim", "similarity " + Number(p.similarity).toFixed(2));
      return pairItem(p, lastNeedles, sim);
    });
  }

  function render(data) {
    const q = data.query || "";
    const terms = data.terms || [];
    const needles = [q];
    for (const t of terms.slice(0, 3)) needles.push(...termNeedles(t));
    lastNeedles = needles;
    fill("terms", terms, (t) => termItem(t, q));
    document.getElementById("examples-q").textContent = q;
    fill("examples", data.examples || [], (p) => pairItem(p, needles));
    renderSimilar(data);
    const n = terms.length;
    const how = (data.meta || {}).match;
    const count = n + (n === 1 ? " term" : " terms");
    if (n === 0 && !(data.examples || []).length && !(data.similar || []).length) {
      setStatus("Nothing found for “" + q + "”.");
    } else if (how === "fuzzy") {
      setStatus("No term contains “" + q + "”; " + count + " with a close spelling.");
    } else if (how === "pinyin") {
      setStatus(count + " spelled “" + q + "” in pinyin.");
    } else {
      setStatus(count + " for “" + q + "”.");
    }
  }

  function clear() {
    for (const name of Object.keys(sections)) fill(name, [], null);
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  // ---------- fetching ----------
  async function runSearch(q) {
    const mine = ++seq;
    if (controller) controller.abort();
    const url = new URL(window.location.href);
    if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
    history.replaceState(null, "", url.pathname + url.search);
    if (!q) { clear(); setStatus(""); return; }
    controller = new AbortController();
    document.body.classList.add("busy");
    const ask = (similar) => fetch("/api/search?similar=" + similar + "&q=" + encodeURIComponent(q), {
      signal: controller.signal, headers: { Accept: "application/json" } });
    try {
      // Terms and examples first (a few ms); similar sentences need the encoder, so they follow.
      const resp = await ask(0);
      const data = await resp.json();
      if (mine !== seq) return;
      if (!resp.ok) { clear(); setStatus(data.error || ("error " + resp.status), true); return; }
      render(data);
      const more = await ask(1);
      const full = await more.json();
      if (mine !== seq || !more.ok) return;
      renderSimilar(full);
      if (!(data.terms || []).length && !(data.examples || []).length) render(full);  // the status line
    } catch (err) {
      if (err.name === "AbortError" || mine !== seq) return;
      clear();
      setStatus("Search failed: " + err.message, true);
    } finally {
      if (mine === seq) document.body.classList.remove("busy");
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => runSearch(input.value.trim()), DEBOUNCE_MS);
  });
  document.getElementById("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    runSearch(input.value.trim());
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && document.activeElement !== input) {
      ev.preventDefault();
      input.focus();
      input.select();
    }
  });

  const initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    runSearch(initial.trim());
  }
})();
