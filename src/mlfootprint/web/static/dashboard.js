/* mlfootprint dashboard: charts (uPlot, bundled) and live updates by polling the JSON API. */
"use strict";
(function () {
  const body = document.body;
  const pollMs = Number(body.dataset.pollMs || 2000);
  const COLORS = ["#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#9e9d24"];
  const charts = {};

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  }
  function showLive(on) {
    const live = document.getElementById("live");
    if (live) live.hidden = !on;
  }
  function empty(id, text) {
    const box = document.getElementById(id);
    if (!box) return;
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    box.replaceChildren(el("p", { class: "empty" }, text));
  }

  /* Axis ticks with three significant digits (tiny energies stay readable). */
  function tick(v) {
    return v === null || v === undefined ? "" : String(Number(v.toPrecision(3)));
  }
  /* kWh values in kWh, or in Wh when all are below 0.01 kWh (as the reports write them). */
  function energyUnit(values) {
    const max = Math.max(0, ...values.flat());
    return max < 0.01 ? { factor: 1000, unit: "Wh" } : { factor: 1, unit: "kWh" };
  }

  /* A line chart of several series, each [xs, ys] (xs need not match: uPlot.join aligns them). */
  function lineChart(id, title, xLabel, yLabel, series, opts) {
    const box = document.getElementById(id);
    if (!box) return;
    const usable = series.filter((s) => s.xs.length > 0);
    if (!usable.length) { empty(id, title + ": no samples yet"); return; }
    const data = uPlot.join(usable.map((s) => [s.xs, s.ys]));
    const width = Math.max(320, Math.min(box.clientWidth || 900, 1200));
    const o = {
      title: title, width: width, height: 260,
      scales: { x: { time: !!(opts && opts.time) } },
      axes: [{ label: xLabel }, { label: yLabel, size: 70, values: (u, splits) => splits.map(tick) }],
      series: [{}].concat(usable.map((s, i) => ({
        label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
        points: { show: s.xs.length < 40 },
      }))),
    };
    if (charts[id] && charts[id].series.length === usable.length + 1 && charts[id].yLabel === yLabel) {
      charts[id].setData(data);
      return;
    }
    if (charts[id]) charts[id].destroy();
    box.replaceChildren();
    charts[id] = new uPlot(o, data, box);
    charts[id].yLabel = yLabel;
  }

  /* Horizontal bars with interval whiskers, drawn as SVG. rows: {label, value, low, high, text} */
  function barChart(id, title, rows) {
    const box = document.getElementById(id);
    if (!box) return;
    if (!rows.length) { empty(id, title + ": nothing to show"); return; }
    const W = 900, rowH = 26, left = 220, right = 150, top = 30;
    const H = top + rows.length * rowH + 10;
    const max = Math.max(...rows.map((r) => Math.max(r.high, r.value))) || 1;
    const scale = (v) => left + (W - left - right) * (v / max);
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": title });
    const t = svg("text", { x: 0, y: 18, "font-weight": "600", "font-size": "14" });
    t.textContent = title;
    s.appendChild(t);
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      const lab = svg("text", { x: left - 8, y: y + 16, "text-anchor": "end", "font-size": "12" });
      lab.textContent = r.label.length > 30 ? r.label.slice(0, 29) + "…" : r.label;
      s.appendChild(lab);
      s.appendChild(svg("rect", { x: left, y: y + 4, width: Math.max(1, scale(r.value) - left), height: rowH - 10,
        fill: COLORS[i % COLORS.length], opacity: "0.8" }));
      s.appendChild(svg("line", { x1: scale(r.low), x2: scale(r.high), y1: y + 12, y2: y + 12, stroke: "#000", "stroke-width": "1.5" }));
      for (const v of [r.low, r.high]) s.appendChild(svg("line", { x1: scale(v), x2: scale(v), y1: y + 6, y2: y + 18, stroke: "#000" }));
      const val = svg("text", { x: scale(Math.max(r.high, r.value)) + 6, y: y + 16, "font-size": "12" });
      val.textContent = r.text;
      s.appendChild(val);
    });
    box.replaceChildren(s);
  }

  /* Scatter of CO2e (x) against a quality metric (y); front points filled. */
  function scatter(id, title, points, xLabel, yLabel) {
    const box = document.getElementById(id);
    if (!box || !points.length) return;
    const W = 700, H = 360, m = 60;
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const sx = (v) => m + (W - 2 * m) * (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5);
    const sy = (v) => H - m - (H - 2 * m) * (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5);
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": title });
    s.appendChild(svg("line", { x1: m, x2: W - m, y1: H - m, y2: H - m, stroke: "#555" }));
    s.appendChild(svg("line", { x1: m, x2: m, y1: m, y2: H - m, stroke: "#555" }));
    const xl = svg("text", { x: W / 2, y: H - 20, "text-anchor": "middle", "font-size": "12" }); xl.textContent = xLabel; s.appendChild(xl);
    const yl = svg("text", { x: 14, y: H / 2, "font-size": "12", transform: `rotate(-90 14 ${H / 2})`, "text-anchor": "middle" }); yl.textContent = yLabel; s.appendChild(yl);
    points.forEach((p) => {
      s.appendChild(svg("circle", { cx: sx(p.x), cy: sy(p.y), r: 6, fill: p.front ? "#2e7d32" : "#fff", stroke: "#2e7d32", "stroke-width": "2" }));
      const t = svg("text", { x: sx(p.x) + 9, y: sy(p.y) + 4, "font-size": "11" }); t.textContent = p.label; s.appendChild(t);
    });
    box.replaceChildren(s);
  }

  function cell(tr, text, cls, title) {
    const td = el("td", cls ? { class: cls } : {}, text);
    if (title) td.title = title;
    tr.appendChild(td);
    return td;
  }
  function fillTable(id, rows) {
    const tbody = document.querySelector(`#${id} tbody`);
    if (!tbody) return;
    tbody.replaceChildren(...rows.map((cells) => {
      const tr = el("tr");
      cells.forEach((c) => cell(tr, c));
      return tr;
    }));
  }

  // ---------------------------------------------------------------- projects
  async function projectsPage() {
    const form = document.querySelector("form.inline");
    if (form) form.addEventListener("submit", (ev) => {
      const key = document.getElementById("tagkey").value.trim();
      if (key) { ev.preventDefault(); location.search = "?by=" + encodeURIComponent("tag:" + key); }
    });
    const by = body.dataset.by || "name";
    async function refresh() {
      const v = await getJSON("/api/projects?by=" + encodeURIComponent(by));
      const names = Object.keys(v.over_time);
      const eu = energyUnit(names.map((n) => v.over_time[n].energy_kwh));
      lineChart("chart-energy-time", "Cumulative energy by project", "run start", eu.unit,
        names.map((n) => ({ label: n, xs: v.over_time[n].t, ys: v.over_time[n].energy_kwh.map((x) => x * eu.factor) })), { time: true });
      lineChart("chart-co2e-time", "Cumulative CO2e by project", "run start", "kg CO2e",
        names.map((n) => ({ label: n, xs: v.over_time[n].t, ys: v.over_time[n].co2e_kg })), { time: true });
      barChart("chart-breakdown", "Energy by " + v.by + " (bars: point value; whiskers: interval)",
        v.breakdown.map((g) => ({ label: g.group, value: g.energy_kwh, low: g.energy_kwh_low, high: g.energy_kwh_high, text: g.energy_text })));
      showLive(v.running > 0);
      if (v.running > 0) setTimeout(refresh, pollMs);
    }
    await refresh();
  }

  // ---------------------------------------------------------------- runs table
  async function runsPage() {
    const params = new URLSearchParams(location.search);
    const state = { key: "started_at", dir: -1, runs: [], selected: new Set() };
    const search = document.getElementById("search");
    const status = document.getElementById("filter-status");
    const project = document.getElementById("filter-project");
    const compare = document.getElementById("compare");
    search.value = params.get("q") || "";
    status.value = params.get("status") || "";
    const wantedProject = params.get("project") || "";
    const tagText = (t) => Object.entries(t).map(([k, v]) => k + "=" + v).join(" ");

    function render() {
      const q = search.value.trim().toLowerCase();
      const rows = state.runs.filter((r) =>
        (!status.value || r.status === status.value) &&
        (!project.value || r.project === project.value) &&
        (!q || [r.id, r.name, r.project, r.status, tagText(r.tags)].join(" ").toLowerCase().includes(q)));
      const key = state.key;
      rows.sort((a, b) => {
        let x = key === "tags" ? tagText(a.tags) : a[key], y = key === "tags" ? tagText(b.tags) : b[key];
        if (x === null || x === undefined) x = -Infinity;
        if (y === null || y === undefined) y = -Infinity;
        return (x < y ? -1 : x > y ? 1 : 0) * state.dir;
      });
      const tbody = document.querySelector("#runs tbody");
      tbody.replaceChildren(...rows.map((r) => {
        const tr = el("tr", { "data-run-id": r.id, "data-status": r.status });
        const box = el("input", { type: "checkbox", "aria-label": "select " + r.name });
        box.checked = state.selected.has(r.id);
        box.addEventListener("change", () => {
          if (box.checked) state.selected.add(r.id); else state.selected.delete(r.id);
          compare.disabled = state.selected.size < 1;
        });
        const td0 = el("td"); td0.appendChild(box); tr.appendChild(td0);
        const td1 = el("td"); td1.appendChild(el("a", { href: "/runs/" + r.id }, r.name)); tr.appendChild(td1);
        cell(tr, r.project);
        const st = cell(tr, ""); st.appendChild(el("span", { class: "status status-" + r.status }, r.status));
        cell(tr, tagText(r.tags));
        cell(tr, (r.started_at || "").replace("T", " ").replace("+00:00", ""));
        cell(tr, r.duration_text, "num");
        cell(tr, r.energy_text + (r.estimated ? " *" : ""), "num energy", "interval " + r.energy_interval_text + (r.estimated ? "; * includes estimated components" : "")).dataset.kwh = r.energy_kwh;
        cell(tr, r.co2e_text, "num co2e", "interval " + r.co2e_interval_text);
        cell(tr, r.embodied_text, "num embodied",
          (r.embodied_interval_text ? "interval " + r.embodied_interval_text + "; " : "") + r.embodied_note);
        cell(tr, r.per_hour_text, "num");
        cell(tr, r.per_device_hour_text, "num");
        return tr;
      }));
      document.getElementById("count").textContent = rows.length + " of " + state.runs.length + " runs" +
        (state.limited ? " (the newest " + state.runs.length + "; `mlfootprint summary` and `export` cover all)" : "");
      document.querySelectorAll("#runs th[data-key]").forEach((th) => {
        th.classList.toggle("sorted-asc", th.dataset.key === key && state.dir > 0);
        th.classList.toggle("sorted-desc", th.dataset.key === key && state.dir < 0);
      });
    }
    document.querySelectorAll("#runs th[data-key]").forEach((th) => th.addEventListener("click", () => {
      state.dir = state.key === th.dataset.key ? -state.dir : 1;
      state.key = th.dataset.key;
      render();
    }));
    for (const input of [search, status, project]) input.addEventListener("input", render);
    compare.addEventListener("click", () => { location.href = "/compare?ids=" + [...state.selected].join(","); });

    async function refresh() {
      const v = await getJSON("/api/runs");
      state.runs = v.runs;
      state.limited = v.limited;
      const projects = [...new Set(v.runs.map((r) => r.project))].sort();
      const current = project.value || wantedProject;
      project.replaceChildren(el("option", { value: "" }, "any project"), ...projects.map((p) => el("option", { value: p }, p)));
      project.value = projects.includes(current) ? current : "";
      render();
      const running = v.runs.some((r) => r.status === "running");
      showLive(running);
      setTimeout(refresh, running ? pollMs : pollMs * 3);
    }
    await refresh();
  }

  // ---------------------------------------------------------------- one run
  async function runPage() {
    const id = body.dataset.runId;
    async function refresh() {
      const v = await getJSON("/api/runs/" + encodeURIComponent(id));
      const r = v.run, st = v.statement;
      document.getElementById("energy").textContent = r.energy_text;
      document.getElementById("energy").dataset.kwh = r.energy_kwh;
      document.getElementById("energy-interval").textContent = r.energy_interval_text;
      document.getElementById("co2e").textContent = r.co2e_text;
      document.getElementById("co2e-interval").textContent = r.co2e_interval_text;
      document.getElementById("embodied").textContent = r.embodied_text;
      document.getElementById("embodied-interval").textContent = r.embodied_interval_text;
      document.getElementById("embodied-note").textContent = r.embodied_note;
      document.getElementById("duration").textContent = r.duration_text;
      const badge = document.getElementById("status");
      badge.textContent = r.status;
      badge.className = "status status-" + r.status;
      body.dataset.status = r.status;
      document.getElementById("summary").textContent = st.summary;
      fillTable("facts", st.facts.map((f) => [f.label, f.value, f.source || "-"]));
      fillTable("components", st.components.map((c) => [c.component, c.meter_id, c.energy_kwh.toPrecision(4),
        c.energy_kwh_low.toPrecision(4) + " to " + c.energy_kwh_high.toPrecision(4), c.share_pct.toFixed(1), c.how, c.source]));
      if (st.phases.length) fillTable("phases", st.phases.map((p) => [p.name, p.parent || "-", p.duration_s.toPrecision(3) + " s", p.energy_kwh.toPrecision(4)]));
      const meters = v.series.meters;
      const label = (m) => m.component + " (" + m.meter_id + ", " + m.method + ")";
      lineChart("chart-power", "Power per component", "seconds since start", "W",
        meters.map((m) => ({ label: label(m), xs: m.power.t_s, ys: m.power.power_w })));
      const eu = energyUnit(meters.map((m) => m.energy.energy_kwh));
      lineChart("chart-energy", "Cumulative IT energy per component", "seconds since start", eu.unit,
        meters.map((m) => ({ label: label(m), xs: m.energy.t_s, ys: m.energy.energy_kwh.map((v) => v * eu.factor) })));
      const it = v.series.intensity;
      lineChart("chart-intensity", "Carbon intensity", "seconds since start", "g CO2e/kWh",
        [{ label: it.resolution + " value used for the run (no time series stored)", xs: it.t_s, ys: it.g_per_kwh }]);
      document.getElementById("intensity-note").textContent = "Intensity: the " + it.resolution +
        " figure used for the run (for a time-resolved run, its energy-weighted mean), from " + it.source + ".";
      const running = r.status === "running";
      showLive(running);
      if (running) setTimeout(refresh, pollMs);
    }
    await refresh();
  }

  // ---------------------------------------------------------------- compare
  async function comparePage() {
    const v = await getJSON("/api/compare?ids=" + encodeURIComponent(body.dataset.ids));
    barChart("chart-compare-energy", "Energy (facility), with interval",
      v.runs.map((r) => ({ label: r.name + " " + r.id.slice(0, 6), value: r.energy_kwh, low: r.energy_kwh_low, high: r.energy_kwh_high, text: r.energy_text })));
    barChart("chart-compare-co2e", "CO2e, with interval",
      v.runs.map((r) => ({ label: r.name + " " + r.id.slice(0, 6), value: r.co2e_kg, low: r.co2e_kg_low, high: r.co2e_kg_high, text: r.co2e_text })));
    if (v.metrics.length) {
      const m = v.metrics[0];
      scatter("chart-front", "Quality–cost front", v.runs.map((r) => ({ x: r.co2e_kg, y: r.metrics[m], label: r.name, front: v.fronts[m].includes(r.id) })),
        "CO2e (kg)", m);
    }
  }

  const pages = { projects: projectsPage, runs: runsPage, run: runPage, compare: comparePage };
  const start = pages[body.dataset.page];
  if (start) start().catch((err) => {
    const p = el("p", { class: "error" }, "Could not load data: " + err.message);
    document.querySelector("main").prepend(p);
  });
})();
