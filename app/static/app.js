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

  // The same rule as corpus/search.py needle_pattern: Chinese as a substring; English as whole
  // words with their inflections (-s, -es, -ed, -ing, 's), a space also matching a hyphen.
  function needlePattern(needle) {
    const n = needle.trim().toLowerCase().replace(/\s+/g, " ");
    if (!/[a-z0-9]/.test(n)) return escapeRegExp(n);
    let body;
    if (n.length > 2 && n.endsWith("y")) body = escapeRegExp(n.slice(0, -1)) + "(?:y|ies|ied|ying|y's|y’s)";
    else if (n.length > 2 && n.endsWith("e")) body = escapeRegExp(n.slice(0, -1)) + "(?:e|es|ed|ing|e's|e’s)";
    else body = escapeRegExp(n) + "(?:s|es|ed|ing|'s|’s)?";
    body = body.replace(/ /g, "[\\s\\-]+");
    const left = /^[a-z0-9]/.test(n) ? "(?<![\\p{L}\\p{N}])" : "";
    const right = /[a-z0-9]$/.test(n) ? "(?![\\p{L}\\p{N}])" : "";
    return left + body + right;
  }

  // text with every occurrence of any needle wrapped in <mark>, as DOM nodes.
  function highlighted(text, needles) {
    const frag = document.createDocumentFragment();
    const list = Array.from(new Set(needles.filter((n) => n && n.trim().length > 0)))
      .sort((a, b) => b.length - a.length)
      .map(needlePattern);
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

  function termItem(t, query, senses) {
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
    const others = (senses || {})[t.zh] || [];
    if (others.length > 1) {
      const tag = el("span", "tag senses", "one of " + others.length + " translations");
      tag.title = t.zh + ": " + others.join(" / ") + " (each entry's examples show where)";
      stats.appendChild(tag);
    }

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
    const meta = data.meta || {};
    document.getElementById("similar-q").textContent = meta.similar_to || data.query || "";
    document.getElementById("similar-floor").textContent =
      meta.similar_floor !== undefined ? "(similarity ≥ " + Number(meta.similar_floor).toFixed(2) + ")" : "";
    fill("similar", data.similar || [], (p) => {
      const sim = p.similarity === null || p.similarity === undefined ? null
        : el("span", "sim", "similarity " + Number(p.similarity).toFixed(2));
      return pairItem(p, lastNeedles, sim);
    });
  }

  const GUESS_TITLES = {
    pinyin: "Guess: read as pinyin (not a match)",
    fuzzy: "Guess: close spellings (not a match)",
  };

  function render(data) {
    const q = data.query || "";
    const terms = data.terms || [];
    const meta = data.meta || {};
    const how = meta.match;
    // the examples contain the first entry's forms (or the query): highlight exactly those
    const needles = terms.length ? termNeedles(terms[0]) : [q];
    lastNeedles = terms.length && !meta.guess ? needles.concat([q]) : needles;
    document.getElementById("terms-title").textContent = meta.guess ? GUESS_TITLES[how] || "Guess" : "Terms";
    document.getElementById("terms").classList.toggle("guess", Boolean(meta.guess));
    fill("terms", terms, (t) => termItem(t, meta.guess ? "" : q, meta.senses));
    document.getElementById("examples-q").textContent = (meta.examples_for || [q]).join(" / ");
    document.getElementById("examples-guess").textContent = meta.guess ? " (the guess, not your query)" : "";
    fill("examples", data.examples || [], (p) => pairItem(p, needles));
    renderSimilar(data);
    const n = terms.length;
    const count = n + (n === 1 ? " term" : " terms");
    const nex = (data.examples || []).length;
    if (n === 0 && nex === 0 && !(data.similar || []).length) {
      setStatus("Nothing found for “" + q + "”.");
    } else if (how === "sentences") {
      setStatus("No glossary entry for “" + q + "”; " + nex + (nex === 1 ? " sentence pair contains" : " sentence pairs contain") + " it.");
    } else if (how === "fuzzy") {
      setStatus("No term or sentence contains “" + q + "”. Guess: " + count + " with a close spelling.");
    } else if (how === "pinyin") {
      setStatus("No term or sentence contains “" + q + "”. Guess: " + count + " spelled “" + q + "” in pinyin.");
    } else if (n === 0) {
      setStatus("No term or sentence contains “" + q + "”; only similar sentences.");
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
