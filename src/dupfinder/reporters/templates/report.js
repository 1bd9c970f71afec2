(function () {
  "use strict";
  // Builds the page from the JSON block with textContent/setAttribute only: scanned code is data, never markup.
  var DATA = JSON.parse(document.getElementById("dupfinder-data").textContent);
  // expand the compact copies (see html.view_data) and derive teams and languages
  function uniqueSorted(values) {
    var seen = {};
    values.forEach(function (v) { seen[v] = true; });
    return Object.keys(seen).sort();
  }
  DATA.clusters.forEach(function (c) {
    c.copies = c.copies.map(function (a) {
      return { path: a[0], start: a[1], end: a[2], name: a[3], lang: DATA.languages[a[4]], team: DATA.teams[a[5]],
               sim: a[6], url: a[7] === null ? null : DATA.urlBase + a[7] };
    });
    c.teams = uniqueSorted(c.copies.map(function (x) { return x.team; }));
    c.languages = uniqueSorted(c.copies.map(function (x) { return x.lang; }));
    if (!c.label) c.label = c.copies[0].name || "similar code";
    if (!c.because) c.because = [];
  });
  DATA.opportunities.forEach(function (o) {
    if (!o.teams) o.teams = Object.keys(o.cells).sort();  // unranked groups: every team with a copy
    o.languages = uniqueSorted([].concat.apply([], o.clusters.map(function (i) { return DATA.clusters[i].languages; })));
  });
  var PAGE = 20, CLUSTER_PAGE = 10, HEAT_COLS = 25, HEAT_ROWS = 40;
  var state = { team: "", category: "", language: "", text: "", page: 0, open: {} };
  var fmt = function (n) { return Number(n).toLocaleString("en-US"); };

  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") el.textContent = String(v);
        else el.setAttribute(k, String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function safeUrl(u) {
    if (typeof u !== "string" || !u) return null;
    try {
      var p = new URL(u, document.baseURI);
      return ["http:", "https:", "file:"].indexOf(p.protocol) >= 0 ? p.href : null;
    } catch (e) { return null; }
  }
  function location_(copy) {
    var text = copy.path + ":" + copy.start + "-" + copy.end;
    var url = safeUrl(copy.url);
    return url ? h("a", { href: url, "class": "loc", rel: "noopener noreferrer", target: "_blank", text: text })
               : h("span", { "class": "loc", text: text });
  }
  function categoryKey(c) { return c === null || c === undefined ? "uncategorised" : c; }

  // ---------------------------------------------------------------- filters
  function clusterMatches(c, textDone) {
    if (state.team && c.teams.indexOf(state.team) < 0) return false;
    if (state.language && c.languages.indexOf(state.language) < 0) return false;
    if (state.text && !textDone) {
      var q = state.text;
      return c.label.toLowerCase().indexOf(q) >= 0 || c.copies.some(function (x) {
        return x.path.toLowerCase().indexOf(q) >= 0 || (x.name || "").toLowerCase().indexOf(q) >= 0;
      });
    }
    return true;
  }
  function labelMatches(o) { return !state.text || o.label.toLowerCase().indexOf(state.text) >= 0; }
  function oppMatches(o) {
    if (state.category && categoryKey(o.category) !== state.category) return false;
    var textDone = labelMatches(o);
    return o.clusters.some(function (i) { return clusterMatches(DATA.clusters[i], textDone); });
  }
  function filtered() { return DATA.opportunities.filter(oppMatches); }

  function fillSelect(id, values) {
    var sel = document.getElementById(id);
    values.forEach(function (v) { sel.appendChild(h("option", { value: v, text: v })); });
    return sel;
  }

  // ---------------------------------------------------------------- opportunities
  function scoreCell(o) {
    if (o.score === null) return h("td", { "class": "parts", text: "not ranked (run with teams and rules)" });
    var bar = h("div", { "class": "scorebar", title: "score parts (one scale for every row)" });
    o.parts.forEach(function (p) {  // one scale for all rows, one colour per part (the legend's)
      var seg = h("span", { title: p[0] + " " + p[1], "data-part": p[0] });
      seg.style.width = (100 * Math.max(0, p[1]) / DATA.scoreScale) + "%";
      seg.style.background = DATA.partColours[p[0]] || DATA.otherPartColour;
      bar.appendChild(seg);
    });
    var parts = o.parts.map(function (p) { return p[0] + " " + p[1]; }).join(" + ");
    return h("td", null, h("strong", { text: o.score.toFixed(2) }), bar, h("div", { "class": "parts", text: parts }));
  }
  function chips(names, cls, limit) {
    var shown = names.slice(0, limit).map(function (t) { return h("span", { "class": cls, text: t }); });
    if (names.length > limit) shown.push(h("span", { "class": "note", text: " +" + (names.length - limit) + " more" }));
    return shown;
  }
  function oppRow(o, idx) {
    var tr = h("tr", { "class": "opp" + (state.open[idx] ? " open" : ""), "data-rank": o.rank === null ? "" : o.rank,
                       "data-index": idx, tabindex: 0, "aria-expanded": state.open[idx] ? "true" : "false" },
      h("td", { "class": "num", text: o.rank === null ? "–" : o.rank }),
      h("td", { "class": "category", text: o.label }),
      h("td", { "class": "teams" }, h("strong", { text: o.teams.length + " " }), chips(o.teams, "chip", 8)),
      h("td", { "class": "num", text: fmt(o.instances) }),
      h("td", { "class": "num", text: fmt(o.lines) }),
      scoreCell(o),
      h("td", null, o.pioneers.length ? chips(o.pioneers, "chip pioneer", 3) : h("span", { "class": "note", text: "–" })));
    var toggle = function () { state.open[idx] = !state.open[idx]; renderOpportunities(); };
    tr.addEventListener("click", toggle);
    tr.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
    return tr;
  }
  function pager(nav, page, pages, go) {
    clear(nav);
    if (pages <= 1) return;
    var prev = h("button", { type: "button", text: "‹ Previous" });
    var next = h("button", { type: "button", text: "Next ›" });
    if (page <= 0) prev.disabled = true;
    if (page >= pages - 1) next.disabled = true;
    prev.addEventListener("click", function () { go(page - 1); });
    next.addEventListener("click", function () { go(page + 1); });
    add(nav, [prev, h("span", { "class": "page-of", text: "Page " + (page + 1) + " of " + pages }), next]);
  }
  function detailRow(o, idx) {
    var textDone = labelMatches(o);
    var members = o.clusters.filter(function (i) { return clusterMatches(DATA.clusters[i], textDone); });
    var box = h("div", { "class": "clusters" });
    var nav = h("nav", { "class": "pager" });
    var show = function (page) {
      clear(box);
      var pages = Math.ceil(members.length / CLUSTER_PAGE);
      members.slice(page * CLUSTER_PAGE, (page + 1) * CLUSTER_PAGE).forEach(function (i) { box.appendChild(clusterBox(i)); });
      pager(nav, page, pages, show);
    };
    show(0);
    var head = h("p", { "class": "note", text: members.length + " cluster" + (members.length === 1 ? "" : "s") +
      (o.languages.length ? " · " + o.languages.join(", ") : "") });
    return h("tr", { "class": "detail" }, h("td", { colspan: 7 }, head, box, nav));
  }
  function renderOpportunities() {
    var list = filtered();
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var body = document.querySelector("#opportunities tbody");
    clear(body);
    list.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (o) {
      var idx = DATA.opportunities.indexOf(o);
      body.appendChild(oppRow(o, idx));
      if (state.open[idx]) body.appendChild(detailRow(o, idx));
    });
    if (!list.length) body.appendChild(h("tr", null, h("td", { colspan: 7, "class": "note", text: "No opportunity matches the filters." })));
    pager(document.getElementById("opp-pager"), state.page, pages, function (p) { state.page = p; renderOpportunities(); });
    document.getElementById("filter-count").textContent =
      fmt(list.length) + " of " + fmt(DATA.opportunities.length) + " opportunities";
  }

  // ---------------------------------------------------------------- evidence
  function clusterBox(i) {
    var c = DATA.clusters[i];
    var d = h("details", { "class": "cluster", "data-cluster": c.id });
    var names = c.copies.length + " copies of " + c.label;
    add(d, h("summary", null, h("strong", { text: names }),
      " · " + fmt(c.lines) + " lines · similarity ≥ " + c.sim.toFixed(2) + " · " + c.teams.join(", ") +
      " · " + c.languages.join(", ")));
    var filled = false;
    d.addEventListener("toggle", function () {
      if (d.open && !filled) { filled = true; add(d, evidence(c)); }
    });
    return d;
  }
  function copiesTable(c) {
    return h("table", { "class": "copies" },
      h("thead", null, h("tr", null, h("th", { text: "Location" }), h("th", { text: "Function" }), h("th", { text: "Team" }),
        h("th", { text: "Language" }), h("th", { "class": "num", text: "Similarity" }))),
      h("tbody", null, c.copies.map(function (x, k) {
        return h("tr", null, h("td", null, location_(x), k === 0 ? h("span", { "class": "note", text: " (representative)" }) : null),
          h("td", null, h("code", { text: x.name || "–" })), h("td", { text: x.team }), h("td", { text: x.lang }),
          h("td", { "class": "num", text: x.sim.toFixed(2) }));
      })));
  }
  function evidence(c) {
    var out = [];
    if (c.category) {
      out.push(h("p", { "class": "note compare", text: "Category " + c.category + " (confidence " + c.confidence.toFixed(2) + ")" +
        (c.because.length ? ": " + c.because.join("; ") : "") }));
    }
    out.push(copiesTable(c));
    if (!c.code) {
      out.push(h("p", { "class": "note compare", text: "Code is embedded for the first " + DATA.evidence +
        " clusters only; open the locations above." }));
      return out;
    }
    var wrap = h("div", { "class": "compare" });
    var target = h("div");
    if (c.copies.length > 2) {
      var sel = h("select", { "class": "compare-with", "aria-label": "compare the representative with" });
      c.copies.forEach(function (x, k) {
        if (k > 0) sel.appendChild(h("option", { value: k, text: x.path + ":" + x.start + " (" + x.team + ")" }));
      });
      sel.addEventListener("change", function () { clear(target); target.appendChild(sideBySide(c, Number(sel.value))); });
      add(wrap, h("label", null, "Compare the representative with ", sel));
    }
    target.appendChild(sideBySide(c, 1));
    add(wrap, target);
    out.push(wrap);
    return out;
  }
  function marked(text, spans, side) {
    var td = h("td", { "class": side });
    var pos = 0;
    (spans || []).forEach(function (s) {
      if (s[0] > pos) td.appendChild(document.createTextNode(text.slice(pos, s[0])));
      td.appendChild(h("mark", { text: text.slice(s[0], s[1]) }));
      pos = s[1];
    });
    if (pos < text.length) td.appendChild(document.createTextNode(text.slice(pos)));
    return td;
  }
  function sideBySide(c, k) {
    var left = c.code[0], right = c.code[k], diff = c.diffs[k], a = c.copies[0], b = c.copies[k];
    var marks = {};
    diff.marks.forEach(function (m) { marks[m[0] + ":" + m[1]] = m; });
    var body = h("tbody");
    var row = function (i, j, cls) {
      var m = i !== null && j !== null ? marks[i + ":" + j] : null;
      var l = i === null ? h("td", { "class": "empty" }) :
        (m ? marked(left[i], m[2], "del") : h("td", { "class": cls === "eq" ? "" : "del", text: left[i] }));
      var r = j === null ? h("td", { "class": "empty" }) :
        (m ? marked(right[j], m[3], "ins") : h("td", { "class": cls === "eq" ? "" : "ins", text: right[j] }));
      body.appendChild(h("tr", null, h("td", { "class": "ln", text: i === null ? "" : a.start + i }), l,
        h("td", { "class": "ln", text: j === null ? "" : b.start + j }), r));
    };
    diff.ops.forEach(function (op) {
      var tag = op[0], i1 = op[1], i2 = op[2], j1 = op[3], j2 = op[4], n = Math.max(i2 - i1, j2 - j1);
      for (var t = 0; t < n; t++) {
        var i = i1 + t < i2 ? i1 + t : null, j = j1 + t < j2 ? j1 + t : null;
        row(i, j, tag === "e" ? "eq" : "chg");
      }
    });
    var cut = (c.cut[0] || c.cut[k]) ? h("p", { "class": "note", text: "Long copies are cut after " + DATA.maxCodeLines + " lines." }) : null;
    return h("div", null, h("table", { "class": "diff" },
      h("colgroup", null, h("col", { "class": "lncol" }), h("col"), h("col", { "class": "lncol" }), h("col")),
      h("thead", null, h("tr", null, h("th", { colspan: 2 }, location_(a), " · " + a.team),
        h("th", { colspan: 2 }, location_(b), " · " + b.team))), body), cut);
  }

  // ---------------------------------------------------------------- heatmap
  function renderHeatmap() {
    var table = document.getElementById("heatmap");
    clear(table);
    var cols = filtered().slice(0, HEAT_COLS);
    if (!cols.length) { table.appendChild(h("tr", null, h("td", { "class": "note", text: "Nothing to show." }))); return; }
    var totals = {};
    cols.forEach(function (o) { Object.keys(o.cells).forEach(function (t) { totals[t] = (totals[t] || 0) + o.cells[t][1]; }); });
    var teams = Object.keys(totals).sort(function (x, y) { return totals[y] - totals[x] || (x < y ? -1 : x > y ? 1 : 0); });
    var hidden = teams.length - HEAT_ROWS;
    teams = teams.slice(0, HEAT_ROWS);
    var max = 1;
    cols.forEach(function (o) { teams.forEach(function (t) { if (o.cells[t]) max = Math.max(max, o.cells[t][1]); }); });
    var head = h("tr", null, h("th", { text: "Team" }), cols.map(function (o) {
      var th = h("th", { "class": "col", title: (o.rank === null ? "" : "#" + o.rank + " ") + o.label,
                         text: (o.rank === null ? "" : "#" + o.rank + " ") + o.label });
      th.addEventListener("click", function () { openOpportunity(o); });
      return th;
    }));
    table.appendChild(h("thead", null, head));
    var body = h("tbody");
    teams.forEach(function (t) {
      var tr = h("tr", { "class": t === state.team ? "hl" : null, "data-team": t }, h("th", { text: t }));
      cols.forEach(function (o) {
        var cell = o.cells[t];
        var td = h("td", { "class": "cell", title: t + " · " + o.label + ": " + (cell ? cell[0] + " copies, " + fmt(cell[1]) + " lines" : "none"),
                           text: cell ? cell[0] : "" });
        if (cell) {
          var shade = 0.15 + 0.85 * cell[1] / max;
          td.style.background = "rgba(31, 95, 191, " + shade.toFixed(3) + ")";
          td.style.color = shade > 0.55 ? "#fff" : "#1b1f24";
        } else {
          td.style.background = "#f3f5f7";
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    if (hidden > 0) table.appendChild(h("caption", { "class": "note", text: hidden + " more teams not shown" }));
  }
  function openOpportunity(o) {
    var list = filtered();
    var pos = list.indexOf(o);
    var idx = DATA.opportunities.indexOf(o);
    state.page = Math.floor(pos / PAGE);
    state.open[idx] = true;
    renderOpportunities();
    var row = document.querySelector('#opportunities tr.opp[data-index="' + idx + '"]');
    if (row) row.scrollIntoView({ block: "start" });
  }

  // ---------------------------------------------------------------- wiring
  function update() { state.page = 0; renderOpportunities(); renderHeatmap(); }
  var selTeam = fillSelect("filter-team", DATA.teams);
  var selCategory = fillSelect("filter-category", DATA.categories);
  var selLanguage = fillSelect("filter-language", DATA.languages);
  var search = document.getElementById("filter-text");
  selTeam.addEventListener("change", function () { state.team = selTeam.value; update(); });
  selCategory.addEventListener("change", function () { state.category = selCategory.value; update(); });
  selLanguage.addEventListener("change", function () { state.language = selLanguage.value; update(); });
  search.addEventListener("input", function () { state.text = search.value.trim().toLowerCase(); update(); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    selTeam.value = selCategory.value = selLanguage.value = search.value = "";
    state.team = state.category = state.language = state.text = "";
    update();
  });
  document.getElementById("copy-summary").addEventListener("click", function () {
    var p = document.getElementById("summary");
    var range = document.createRange();
    range.selectNodeContents(p);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(p.textContent).catch(function () {});
  });
  update();
  document.body.setAttribute("data-ready", "true");
})();
