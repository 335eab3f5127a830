// agentry dashboard: job list, job page (live through SSE, polling as the
// fallback), submit form and scripts panel. Plain JS, no build step; the
// contract it uses is docs/api.md, the notes for other frontends docs/frontend.md.
"use strict";

(() => {
  const API = "/api/v1";
  const POLL_MS = 1500; // job page without an event stream
  const LIST_POLL_MS = 2000;
  const TOKEN_KEY = "agentry.token"; // sessionStorage
  const INPUTS_KEY = "agentry.inputs"; // localStorage: inputs of jobs started here, for re-run
  const FINISHED = new Set(["completed", "failed", "cancelled"]);
  const STATUSES = ["pending", "queued", "running", "completed", "failed", "cancelled"];
  // Execution-log events the server names (DESIGN.md); EventSource has no
  // wildcard listener, so others (job.log from scripts) arrive with the next
  // refetch of the job document.
  const LOG_EVENTS = ["created", "queued", "started", "agent_started", "agent_completed", "agent_failed", "retry",
    "resumed", "completed", "failed", "timeout", "cancelled", "lease_lost", "requeued", "log"];
  const SAMPLES = { training: "client.json", nutrition: "client.json", full: "client.json",
    backlog_generation: "backlog.json", interview_message: "interview.json" };

  const main = document.getElementById("main");
  const banner = document.getElementById("banner");

  // ---------------------------------------------------------------- helpers

  // h("a", {href: "#/", class: "x", onclick: fn}, "text", child, [more]) -> Element
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const mount = (...children) => append(main, children);
  const shortId = (id) => String(id || "").slice(0, 8);
  const humanKey = (k) => String(k).replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const num = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : n ?? "—");

  function fmtDuration(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) return "—";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
    return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  }
  function fmtAge(iso) {
    if (!iso) return "—";
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 60) return `${Math.floor(s)} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
  function fmtClock(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return iso || "";
    const p = (n, w = 2) => String(n).padStart(w, "0");
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  }
  function jobDuration(job) {
    if (!job.started_at) return null;
    const end = job.completed_at ? Date.parse(job.completed_at) : Date.now();
    return end - Date.parse(job.started_at);
  }
  const tokens = (u) => (u ? (u.prompt_tokens || 0) + (u.completion_tokens || 0) : 0);

  function statusBadge(status) {
    return h("span", { class: `badge status-${status}`, "data-status": status }, status);
  }
  function progressBar(pct, label, id) {
    const v = Math.max(0, Math.min(100, Number(pct) || 0));
    return h("div", { class: "bar", id, role: "progressbar", "aria-label": label, "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": v, "aria-valuetext": `${v} %` },
    h("div", { class: "bar-fill", style: `width:${v}%` }));
  }
  function setBar(bar, pct) {
    const v = Math.max(0, Math.min(100, Number(pct) || 0));
    bar.setAttribute("aria-valuenow", v);
    bar.setAttribute("aria-valuetext", `${v} %`);
    bar.firstChild.style.width = `${v}%`;
  }

  function showBanner(err) {
    banner.textContent = err instanceof Error ? err.message : String(err);
    banner.hidden = false;
  }
  function clearBanner() {
    if (!banner.hidden) { banner.hidden = true; banner.textContent = ""; }
  }

  // --------------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  let tokenPromise = null;
  // Shows the token dialog once for any number of requests that got a 401.
  function askToken(refused) {
    if (tokenPromise) return tokenPromise;
    const dialog = document.getElementById("token-dialog");
    const form = document.getElementById("token-form");
    const input = document.getElementById("token-input");
    const error = document.getElementById("token-error");
    error.hidden = !refused;
    error.textContent = refused ? "That token was refused; check it and try again." : "";
    input.value = "";
    tokenPromise = new Promise((resolve, reject) => {
      const done = (ok) => {
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("cancel", onCancel);
        tokenPromise = null;
        ok ? resolve() : reject(new ApiError(401, "unauthorized", "The API needs an access token."));
      };
      const onSubmit = () => { sessionStorage.setItem(TOKEN_KEY, input.value.trim()); done(true); };
      const onCancel = () => done(false);
      form.addEventListener("submit", onSubmit);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      input.focus();
    });
    return tokenPromise;
  }

  async function api(path, { method = "GET", body } = {}) {
    for (let tries = 0; ; tries++) {
      const token = sessionStorage.getItem(TOKEN_KEY);
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (token) headers.Authorization = `Bearer ${token}`;
      let res;
      try {
        res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (e) {
        throw new ApiError(0, "network", `The server cannot be reached (${e.message}).`);
      }
      if (res.status === 401 && tries < 3) {
        // Another request may have got a new token meanwhile: retry with it first.
        if (sessionStorage.getItem(TOKEN_KEY) === token) {
          if (token) sessionStorage.removeItem(TOKEN_KEY);
          await askToken(Boolean(token));
        }
        continue;
      }
      const text = res.status === 204 ? "" : await res.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch { data = null; }
      if (!res.ok) {
        const e = (data && data.error) || {};
        let msg = e.message || `${method} ${path} answered HTTP ${res.status}`;
        if (res.headers.get("Retry-After")) msg += ` (retry after ${res.headers.get("Retry-After")} s)`;
        throw new ApiError(res.status, e.code || `http_${res.status}`, msg);
      }
      return data;
    }
  }

  let pipelinesCache = null;
  async function getPipelines(refresh) {
    if (!pipelinesCache || refresh) {
      pipelinesCache = await api("/pipelines");
      document.getElementById("foot-version").textContent =
        pipelinesCache.version ? `scripts version ${pipelinesCache.version}` : "no scripts loaded";
    }
    return pipelinesCache;
  }
  let agentsCache = null;
  async function getAgents() {
    if (!agentsCache) {
      try {
        const d = await api("/agents");
        agentsCache = new Map((d.agents || []).map((a) => [a.name, a]));
      } catch { return new Map(); }
    }
    return agentsCache;
  }
  // The agents a step pipeline runs, nested pipelines expanded ("full" ->
  // E1..E9, N0..N8). Function pipelines: [] (their steps appear as they run).
  function plannedAgents(name, pipes, depth = 0) {
    const byName = new Map((pipes.pipelines || []).map((p) => [p.name, p]));
    const p = byName.get(name);
    if (!p || depth > 8) return [];
    return (p.steps || []).flatMap((s) => (byName.has(s) ? plannedAgents(s, pipes, depth + 1) : [s]));
  }

  const sampleCache = new Map();
  async function sampleInput(pipeline) {
    const file = SAMPLES[pipeline];
    if (!file) return "{}";
    if (!sampleCache.has(file)) {
      const res = await fetch(`/static/samples/${file}`);
      sampleCache.set(file, res.ok ? JSON.stringify(await res.json(), null, 2) : "{}");
    }
    return sampleCache.get(file);
  }

  // Inputs of jobs submitted from this browser: the fallback for re-run when
  // the server cannot give a job's input (GET /jobs/{id}?input=1).
  function rememberInput(id, entry) {
    let all = {};
    try { all = JSON.parse(localStorage.getItem(INPUTS_KEY) || "{}"); } catch { all = {}; }
    all[id] = { ...entry, at: Date.now() };
    const ids = Object.keys(all).sort((a, b) => all[b].at - all[a].at).slice(0, 30);
    try { localStorage.setItem(INPUTS_KEY, JSON.stringify(Object.fromEntries(ids.map((k) => [k, all[k]])))); }
    catch { /* quota: re-run then falls back to the form */ }
  }
  function recalledInput(id) {
    try { return JSON.parse(localStorage.getItem(INPUTS_KEY) || "{}")[id] || null; } catch { return null; }
  }

  // {pipeline, input, priority} of a job, from the server, else as this
  // browser remembers it; null when neither knows.
  async function jobInput(id) {
    try {
      const d = await api(`/jobs/${encodeURIComponent(id)}?input=1`);
      if (d && d.input !== undefined) return { pipeline: d.pipeline, input: d.input, priority: d.priority };
    } catch { /* fall back to what this browser remembers */ }
    return recalledInput(id);
  }

  async function submitJob(body) {
    const r = await api("/jobs", { method: "POST", body });
    rememberInput(r.job_id, { pipeline: body.pipeline, input: body.input, priority: body.priority || 0 });
    return r;
  }

  // ------------------------------------------------------------------ router

  let view = null; // the current view: {stop()}

  function route() {
    if (view && view.stop) view.stop();
    view = null;
    clearBanner();
    const hash = location.hash.replace(/^#/, "") || "/";
    const [path, query] = hash.split("?");
    const params = new URLSearchParams(query || "");
    main.replaceChildren();
    let section = "jobs";
    let m;
    if (path === "/" || path === "/jobs") view = listView(params);
    else if (path === "/new") { section = "new"; view = newView(params); }
    else if (path === "/scripts") { section = "scripts"; view = scriptsView(); }
    else if ((m = path.match(/^\/jobs\/([^/]+)$/))) view = jobView(decodeURIComponent(m[1]));
    else mount(h("h1", { tabindex: -1 }, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the jobs")));
    for (const a of document.querySelectorAll("[data-nav]")) {
      if (a.dataset.nav === section) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    const h1 = main.querySelector("h1");
    if (h1 && routedOnce) h1.focus({ preventScroll: true });
    routedOnce = true;
    window.scrollTo(0, 0);
  }
  let routedOnce = false;

  // ---------------------------------------------------------------- job list

  function listView(params) {
    const filter = { status: params.get("status") || "", pipeline: params.get("pipeline") || "" };
    let limit = 50;
    let timer = null;
    let stopped = false;
    const rows = new Map(); // job id -> <tr>

    const statusSel = h("select", { id: "filter-status", name: "status" },
      h("option", { value: "" }, "All statuses"), STATUSES.map((s) => h("option", { value: s }, s)));
    const pipeSel = h("select", { id: "filter-pipeline", name: "pipeline" }, h("option", { value: "" }, "All pipelines"));
    statusSel.value = filter.status;
    const onFilter = () => {
      filter.status = statusSel.value;
      filter.pipeline = pipeSel.value;
      const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString();
      history.replaceState(null, "", `#/${q ? `?${q}` : ""}`);
      for (const tr of rows.values()) tr.remove();
      rows.clear();
      load();
    };
    statusSel.addEventListener("change", onFilter);
    pipeSel.addEventListener("change", onFilter);

    const tbody = h("tbody");
    const empty = h("p", { class: "empty", hidden: true }, "No jobs yet. ", h("a", { href: "#/new" }, "Start one."));
    const count = h("p", { class: "muted", id: "job-count", "aria-live": "polite" });
    const more = h("button", { type: "button", class: "secondary", hidden: true,
      onclick: () => { limit = Math.min(500, limit + 50); load(); } }, "Show more");

    mount(
      h("div", { class: "title-row" }, h("h1", { tabindex: -1 }, "Jobs"), h("a", { class: "button primary", href: "#/new" }, "New job")),
      h("form", { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
        h("div", { class: "field" }, h("label", { for: "filter-status" }, "Status"), statusSel),
        h("div", { class: "field" }, h("label", { for: "filter-pipeline" }, "Pipeline"), pipeSel)),
      count,
      h("div", { class: "table-wrap" },
        h("table", { class: "jobs", id: "jobs" },
          h("caption", { class: "sr-only" }, "Jobs, newest first"),
          h("thead", {}, h("tr", {}, ["Job", "Pipeline", "Status", "Progress", "Created", "Duration"].map((t) => h("th", { scope: "col" }, t)))),
          tbody)),
      empty, more);

    getPipelines().then((p) => {
      for (const pl of p.pipelines || []) pipeSel.append(h("option", { value: pl.name }, pl.name));
      pipeSel.value = filter.pipeline;
    }).catch(() => {});

    function progressCell(job) {
      const p = job.progress || {};
      switch (job.status) {
        case "running":
          return [progressBar(p.percentage, `Progress of job ${shortId(job.id)}`),
            h("span", { class: "small" }, `${Math.round(p.percentage || 0)} %${p.current_agent ? ` · ${p.current_agent}` : ""}`)];
        case "queued":
        case "pending":
          return job.queue_position ? h("span", { class: "queue" }, `#${job.queue_position} in queue`)
            : h("span", { class: "muted" }, "waiting for a worker");
        case "completed": return h("span", { class: "muted" }, p.total_steps ? `${p.completed_steps}/${p.total_steps} steps` : "done");
        default: // failed, cancelled
          return h("span", { class: job.status === "failed" ? "error" : "muted" }, job.error ? job.error.reason : job.status,
            p.total_steps ? ` · ${p.completed_steps || 0}/${p.total_steps} steps` : "");
      }
    }
    // Updates a cell only when what it shows changed (keeps focus and hover).
    function setCell(td, key, build) {
      if (td.dataset.k === key) return;
      td.dataset.k = key;
      td.replaceChildren(...[build()].flat());
    }
    function fill(tr, job) {
      const [c0, c1, c2, c3, c4, c5] = tr.children;
      const p = job.progress || {};
      setCell(c0, job.id, () => h("a", { href: `#/jobs/${job.id}`, title: job.id }, shortId(job.id)));
      setCell(c1, job.pipeline, () => job.pipeline);
      setCell(c2, job.status, () => statusBadge(job.status));
      setCell(c3, `${job.status}|${p.percentage}|${p.current_agent}|${job.queue_position}|${p.completed_steps}`, () => progressCell(job));
      setCell(c4, fmtAge(job.created_at), () => h("time", { datetime: job.created_at, title: fmtTime(job.created_at) }, fmtAge(job.created_at)));
      setCell(c5, fmtDuration(jobDuration(job)), () => fmtDuration(jobDuration(job)));
      tr.dataset.status = job.status;
    }
    function render(jobs) {
      const seen = new Set();
      let prev = null;
      for (const job of jobs) {
        seen.add(job.id);
        let tr = rows.get(job.id);
        if (!tr) {
          tr = h("tr", { "data-id": job.id },
            ["Job", "Pipeline", "Status", "Progress", "Created", "Duration"].map((l) => h("td", { "data-label": l })));
          rows.set(job.id, tr);
        }
        fill(tr, job);
        const want = prev ? prev.nextSibling : tbody.firstChild;
        if (want !== tr) tbody.insertBefore(tr, want);
        prev = tr;
      }
      for (const [id, tr] of rows) if (!seen.has(id)) { tr.remove(); rows.delete(id); }
      empty.hidden = jobs.length > 0;
      const text = `${jobs.length}${jobs.length >= limit ? "+" : ""} job${jobs.length === 1 ? "" : "s"}`;
      if (count.textContent !== text) count.textContent = text;
      more.hidden = jobs.length < limit || limit >= 500;
    }
    async function load() {
      clearTimeout(timer);
      try {
        const q = new URLSearchParams({ limit: String(limit) });
        if (filter.status) q.set("status", filter.status);
        if (filter.pipeline) q.set("pipeline", filter.pipeline);
        const d = await api(`/jobs?${q}`);
        if (stopped) return;
        render(d.jobs || []);
        clearBanner();
      } catch (e) {
        if (!stopped) showBanner(e);
      }
      if (!stopped) timer = setTimeout(load, LIST_POLL_MS);
    }
    load();
    return { stop() { stopped = true; clearTimeout(timer); } };
  }

  // ---------------------------------------------------------------- new job

  function newView(params) {
    const pipeSel = h("select", { id: "pipeline", name: "pipeline", required: true });
    const hint = h("p", { class: "hint", id: "pipeline-hint" });
    const input = h("textarea", { id: "input", name: "input", rows: 18, spellcheck: "false",
      "aria-describedby": "input-error", autocomplete: "off" });
    const inputError = h("p", { class: "error", id: "input-error", role: "alert", hidden: true });
    const priority = h("input", { id: "priority", name: "priority", type: "number", step: 1, value: 0 });
    const idem = h("input", { id: "idempotency", name: "idempotency_key", type: "text", maxlength: 255, autocomplete: "off" });
    const submit = h("button", { type: "submit", class: "primary", id: "submit" }, "Start job");
    const formError = h("p", { class: "error", id: "form-error", role: "alert", hidden: true });
    let lastSample = null; // the text the form put there itself
    const from = params.get("from"); // "Edit & re-run": prefill from this job
    const note = params.get("note") || (from ? `Prefilled from job ${shortId(from)}; edit and start it.` : null);

    async function setSample() {
      const p = pipelinesCache && pipelinesCache.pipelines.find((x) => x.name === pipeSel.value);
      hint.textContent = !p ? "" : p.kind === "function" ? `${p.title}: a function pipeline; its steps appear as it runs.`
        : `${p.title}: ${plannedAgents(p.name, pipelinesCache).join(" → ")}`;
      if (lastSample === null || input.value === lastSample) {
        lastSample = await sampleInput(pipeSel.value);
        input.value = lastSample;
      }
    }
    pipeSel.addEventListener("change", setSample);

    async function onSubmit(e) {
      e.preventDefault();
      inputError.hidden = formError.hidden = true;
      input.removeAttribute("aria-invalid");
      let value;
      try {
        value = input.value.trim() ? JSON.parse(input.value) : {};
        if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("the input must be a JSON object");
      } catch (err) {
        inputError.textContent = `Input is not valid: ${err.message}`;
        inputError.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      const body = { pipeline: pipeSel.value, input: value };
      const prio = parseInt(priority.value, 10);
      if (prio) body.priority = prio;
      if (idem.value.trim()) body.idempotency_key = idem.value.trim();
      submit.disabled = true;
      submit.textContent = "Starting…";
      try {
        const r = await submitJob(body);
        location.hash = `#/jobs/${r.job_id}`;
      } catch (err) {
        formError.textContent = err.message;
        formError.hidden = false;
        submit.disabled = false;
        submit.textContent = "Start job";
      }
    }

    mount(
      h("h1", { tabindex: -1 }, "New job"),
      note ? h("p", { class: "notice" }, note) : null,
      h("form", { class: "card form", id: "job-form", onsubmit: onSubmit, novalidate: true },
        h("div", { class: "field" }, h("label", { for: "pipeline" }, "Pipeline"), pipeSel, hint),
        h("div", { class: "field" }, h("label", { for: "input" }, "Input (JSON object)"), input, inputError),
        h("details", { class: "options" }, h("summary", {}, "Options"),
          h("div", { class: "field-row" },
            h("div", { class: "field" }, h("label", { for: "priority" }, "Priority (lower runs first)"), priority),
            h("div", { class: "field" }, h("label", { for: "idempotency" }, "Idempotency key (optional)"), idem))),
        formError,
        h("div", { class: "actions" }, submit, h("a", { href: "#/", class: "button secondary" }, "Cancel"))));

    getPipelines(true).then(async (p) => {
      for (const pl of p.pipelines || []) pipeSel.append(h("option", { value: pl.name }, `${pl.title || pl.name} (${pl.name})`));
      const known = from ? await jobInput(from) : null;
      const want = known ? known.pipeline : params.get("pipeline");
      pipeSel.value = want && p.pipelines.some((x) => x.name === want) ? want : p.pipelines.some((x) => x.name === "full") ? "full" : pipeSel.value;
      if (known) {
        input.value = JSON.stringify(known.input, null, 2);
        lastSample = ""; // edited input: a pipeline change keeps it
        priority.value = known.priority || 0;
      }
      await setSample();
    }).catch((e) => { formError.textContent = `Pipelines could not be loaded: ${e.message}`; formError.hidden = false; });
    return { stop() {} };
  }

  // ----------------------------------------------------------------- job page

  function jobView(id) {
    let doc = null;
    let steps = [];
    let stopped = false;
    let es = null;
    let pollTimer = null;
    let refetchTimer = null;
    let refetching = false;
    let refetchAgain = false;
    let progressStamp = 0; // when the progress shown was observed
    let resultShown = false;
    let ended = false; // a final document has been applied
    let logCount = 0;
    let planned = [];
    let agents = new Map();

    const title = h("h1", { tabindex: -1 }, `Job ${shortId(id)}`);
    const badge = h("span", { id: "job-status" });
    const meta = h("dl", { class: "meta", id: "job-meta" });
    const cancelBtn = h("button", { type: "button", id: "cancel", class: "danger", onclick: onCancel, disabled: true }, "Cancel");
    const rerunBtn = h("button", { type: "button", id: "rerun", class: "secondary", onclick: onRerun, disabled: true }, "Re-run");
    const editLink = h("a", { href: `#/new?from=${encodeURIComponent(id)}`, id: "rerun-edit", class: "button secondary" }, "Edit & re-run");
    const deleteBtn = h("button", { type: "button", id: "delete", class: "secondary", onclick: onDelete, disabled: true }, "Delete");
    const actionMsg = h("p", { class: "error", role: "alert", id: "action-error", hidden: true });
    const bar = progressBar(0, "Job progress", "progress-bar");
    const progressText = h("p", { id: "progress-text", class: "progress-text", "aria-live": "polite" });
    const liveText = h("p", { id: "live", class: "muted small" });
    const errorBox = h("div", { id: "job-error", hidden: true });
    const timelineBody = h("tbody");
    const resultSection = h("section", { class: "card", id: "result", hidden: true, "aria-labelledby": "result-h" });
    const logList = h("ol", { class: "log", id: "log" });
    const logWrap = h("div", { class: "log-wrap", tabindex: 0, role: "region", "aria-label": "Execution log" }, logList);

    mount(
      h("p", { class: "crumbs" }, h("a", { href: "#/" }, "← Jobs")),
      h("div", { class: "title-row" }, h("div", {}, title, " ", badge),
        h("div", { class: "actions" }, cancelBtn, rerunBtn, editLink, deleteBtn)),
      actionMsg,
      h("section", { class: "card", "aria-labelledby": "progress-h" },
        h("h2", { id: "progress-h" }, "Progress"), bar, progressText, liveText, errorBox),
      h("section", { class: "card", "aria-labelledby": "timeline-h" },
        h("h2", { id: "timeline-h" }, "Agents"),
        h("div", { class: "table-wrap" },
          h("table", { class: "timeline", id: "timeline" },
            h("thead", {}, h("tr", {}, ["#", "Agent", "State", "Duration", "Tokens", "Retries"].map((t) => h("th", { scope: "col" }, t)))),
            timelineBody))),
      resultSection,
      h("section", { class: "card", "aria-labelledby": "details-h" }, h("h2", { id: "details-h" }, "Details"), meta),
      h("section", { class: "card", "aria-labelledby": "log-h" }, h("h2", { id: "log-h" }, "Execution log"), logWrap));

    function setLive(mode) {
      liveText.dataset.live = mode;
      liveText.textContent = { connecting: "Live updates: connecting…", stream: "Live updates: event stream",
        polling: `Live updates: polling every ${POLL_MS / 1000} s`, done: "Finished; no more updates." }[mode] || "";
    }

    // ----- rendering
    function renderProgress(status, queuePos, p) {
      p = p || {};
      setBar(bar, status === "completed" ? 100 : p.percentage);
      bar.dataset.status = status;
      const stopped = status === "failed" || status === "cancelled";
      const parts = [];
      if (status === "queued" || status === "pending")
        parts.push(queuePos ? `Waiting: position ${queuePos} in the queue.` : "Accepted; waiting for a worker.");
      else {
        parts.push(`${stopped ? "Stopped at " : ""}${Math.round(status === "completed" ? 100 : p.percentage || 0)} %`);
        if (p.total_steps) parts.push(`${p.completed_steps || 0} of ${p.total_steps} steps`);
        if (p.phase) parts.push(p.phase);
      }
      // A stopped job's message is the last one before it stopped ("Agent E2 started").
      if (p.message && !stopped && status !== "queued" && status !== "pending") parts.push(p.message);
      const text = parts.join(" · ");
      if (progressText.textContent !== text) progressText.textContent = text;
    }

    function renderHeader() {
      badge.replaceChildren(statusBadge(doc.status));
      const pipe = pipelinesCache && pipelinesCache.pipelines.find((p) => p.name === doc.pipeline);
      title.textContent = `${pipe ? pipe.title : doc.pipeline} · ${shortId(doc.id)}`;
      document.title = `${doc.status} · ${doc.pipeline} · agentry`;
      const finished = FINISHED.has(doc.status);
      cancelBtn.disabled = finished;
      deleteBtn.disabled = !finished;
      rerunBtn.disabled = false;
      const u = doc.usage || {};
      const rows = [
        ["Job id", h("code", {}, doc.id)], ["Pipeline", doc.pipeline], ["Status", doc.status],
        ["Priority", doc.priority], ["Attempt", doc.attempt], ["Retries", doc.retry_count],
        ["Created", fmtTime(doc.created_at)], ["Started", fmtTime(doc.started_at)],
        ["Finished", fmtTime(doc.completed_at)], ["Duration", fmtDuration(jobDuration(doc))],
        ["LLM calls", num(u.llm_calls)], ["Tokens", `${num(u.prompt_tokens)} prompt + ${num(u.completion_tokens)} completion`],
        ["Script version", h("code", {}, doc.script_version || "—")],
      ];
      meta.replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
      if (doc.error) {
        const cancelled = doc.status === "cancelled";
        errorBox.className = cancelled ? "notice" : "alert";
        errorBox.replaceChildren(h("strong", {}, cancelled ? "Cancelled" : `Failed: ${doc.error.reason}`),
          h("p", { class: "error-message" }, doc.error.message || ""));
        errorBox.hidden = false;
      } else errorBox.hidden = true;
    }

    function renderTimeline() {
      const used = new Set();
      const rows = [];
      const current = doc && doc.status !== "completed" ? (doc.progress || {}).current_agent : "";
      // The agent that was running when the job failed or was cancelled.
      const stopState = doc && doc.status === "failed" ? "failed" : doc && doc.status === "cancelled" ? "cancelled" : "running";
      let runningShown = false;
      // Progress can be ahead of the step records fetched so far: agents
      // within completed_steps are done, their numbers follow with the refetch.
      const doneCount = doc ? (doc.progress || {}).completed_steps || 0 : 0;
      planned.forEach((name, n) => {
        const i = steps.findIndex((s, k) => !used.has(k) && s.agent === name);
        if (i >= 0) { used.add(i); rows.push({ agent: name, step: steps[i] }); return; }
        let state = "pending";
        if (n < doneCount) state = "completed";
        else if (!runningShown && name === current) { state = stopState; runningShown = true; }
        else if (doc && FINISHED.has(doc.status)) state = "not run";
        rows.push({ agent: name, state });
      });
      steps.forEach((s, k) => { if (!used.has(k)) rows.push({ agent: s.agent, step: s }); });
      if (current && !runningShown && !planned.length) rows.push({ agent: current, state: stopState });
      if (!rows.length) {
        timelineBody.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "muted" },
          doc && FINISHED.has(doc.status) ? "No agent ran." : "No agent has run yet.")));
        return;
      }
      timelineBody.replaceChildren(...rows.map((r, i) => {
        const s = r.step;
        const state = s ? s.status : r.state;
        const a = agents.get(r.agent);
        return h("tr", { "data-state": state, "data-agent": r.agent },
          h("td", { "data-label": "#" }, i + 1),
          h("td", { "data-label": "Agent" }, h("strong", {}, r.agent), a && a.title ? h("span", { class: "agent-title" }, a.title) : null),
          h("td", { "data-label": "State" }, h("span", { class: `badge state-${state.replace(/\s/g, "-")}` }, state)),
          h("td", { "data-label": "Duration" }, s ? fmtDuration(s.duration_ms) : "—"),
          h("td", { "data-label": "Tokens", title: s && s.usage ? `${num(s.usage.prompt_tokens)} prompt + ${num(s.usage.completion_tokens)} completion, ${num(s.usage.llm_calls)} call(s)` : null },
            s ? num(tokens(s.usage)) : "—"),
          h("td", { "data-label": "Retries" }, s ? num(s.retries || 0) : "—"));
      }));
    }

    function appendLogEntry(entry) {
      const atBottom = logWrap.scrollHeight - logWrap.scrollTop - logWrap.clientHeight < 24;
      logList.append(h("li", { "data-event": entry.event },
        h("time", { datetime: entry.timestamp }, fmtClock(entry.timestamp)),
        h("span", { class: `ev ev-${entry.event}` }, entry.event),
        h("span", { class: "details" }, entry.details || "")));
      logCount++;
      if (atBottom) logWrap.scrollTop = logWrap.scrollHeight;
    }
    function renderLog(log) {
      if (!Array.isArray(log)) return;
      if (log.length < logCount) { logList.replaceChildren(); logCount = 0; }
      for (let i = logCount; i < log.length; i++) appendLogEntry(log[i]);
    }

    // Applies a job document (from GET, cancel, or the stream's `end`).
    function applyDoc(d, stamp) {
      if (ended && !FINISHED.has(d.status)) return; // an older answer overtaken by the end
      doc = d;
      if (Array.isArray(d.steps)) steps = d.steps;
      // A fetch started before the last streamed progress shows older progress.
      if (stamp >= progressStamp || FINISHED.has(d.status)) {
        progressStamp = stamp;
        renderProgress(d.status, d.queue_position, d.progress);
      }
      renderHeader();
      renderTimeline();
      renderLog(d.execution_log);
      if (d.status === "completed" && d.result !== undefined && !resultShown) {
        resultShown = true;
        renderResult(resultSection, d.result);
      }
      if (FINISHED.has(d.status) && !ended) {
        ended = true;
        // Finished (stream end, cancel answer or a poll): no more live updates;
        // one more fetch when this document lacks the step records.
        if (es) { es.close(); es = null; }
        clearTimeout(pollTimer);
        setLive("done");
        if (!Array.isArray(d.steps)) refresh();
      }
    }

    async function refresh() {
      const stamp = performance.now();
      try {
        const d = await api(`/jobs/${encodeURIComponent(id)}?steps=1`);
        if (stopped) return null;
        applyDoc(d, stamp);
        clearBanner();
        return d;
      } catch (e) {
        if (stopped) return null;
        if (e.status === 404) { gone("This job does not exist (or was deleted)."); return null; }
        showBanner(e);
        return null;
      }
    }
    // At most one refetch in flight and one waiting: agent events come in bursts.
    function scheduleRefetch() {
      if (refetching || refetchTimer) { refetchAgain = true; return; }
      refetchTimer = setTimeout(async () => {
        refetchTimer = null;
        refetching = true;
        await refresh();
        refetching = false;
        if (refetchAgain && !stopped) { refetchAgain = false; scheduleRefetch(); }
      }, 300);
    }

    function gone(text) {
      stopLive();
      setLive("");
      main.replaceChildren(h("h1", { tabindex: -1 }, "Job not found"), h("p", {}, text), h("p", {}, h("a", { href: "#/" }, "Back to the jobs")));
    }

    // ----- live updates
    function stopLive() {
      if (es) { es.close(); es = null; }
      clearTimeout(pollTimer);
      clearTimeout(refetchTimer);
    }
    function startPolling() {
      if (es) { es.close(); es = null; }
      setLive("polling");
      const tick = async () => {
        const d = await refresh();
        if (stopped) return;
        if (d && FINISHED.has(d.status)) { setLive("done"); return; }
        pollTimer = setTimeout(tick, POLL_MS);
      };
      pollTimer = setTimeout(tick, POLL_MS);
    }
    function startStream() {
      if (!window.EventSource) { startPolling(); return; }
      setLive("connecting");
      // EventSource cannot send Authorization: the events route alone takes
      // the token as ?access_token= (the server never logs query strings).
      const token = sessionStorage.getItem(TOKEN_KEY);
      const query = token ? `?access_token=${encodeURIComponent(token)}` : "";
      es = new EventSource(`${API}/jobs/${encodeURIComponent(id)}/events${query}`);
      es.onopen = () => setLive("stream");
      es.addEventListener("progress", (e) => {
        const d = JSON.parse(e.data);
        progressStamp = performance.now();
        if (doc) { doc.status = d.status; doc.queue_position = d.queue_position; doc.progress = d.progress; renderHeader(); renderTimeline(); }
        renderProgress(d.status, d.queue_position, d.progress);
        scheduleRefetch();
      });
      const onLog = (e) => {
        const seq = Number(e.lastEventId);
        if (seq === logCount + 1) appendLogEntry(JSON.parse(e.data));
        else if (seq > logCount) scheduleRefetch();
        if (/^agent_|^retry|^resumed/.test(e.type)) scheduleRefetch();
      };
      for (const name of LOG_EVENTS) es.addEventListener(name, onLog);
      // The end document has no steps: applyDoc fetches them once more.
      es.addEventListener("end", (e) => applyDoc(JSON.parse(e.data), performance.now()));
      es.addEventListener("deleted", () => { es.close(); es = null; gone("This job was deleted."); });
      // Unavailable (404, 503 too_many_streams, a proxy that buffers) or
      // dropped: poll from now on instead of relying on reconnects.
      es.onerror = () => {
        if (stopped || !es) return;
        es.close();
        es = null;
        if (!ended) startPolling();
      };
    }

    // ----- actions
    function actionError(e) { actionMsg.textContent = e.message; actionMsg.hidden = !e.message; }
    async function onCancel() {
      if (!confirm(`Cancel job ${shortId(id)}? Agents that already ran are kept; the rest will not run.`)) return;
      actionError({ message: "" });
      cancelBtn.disabled = true;
      try {
        applyDoc(await api(`/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" }), performance.now());
      } catch (e) {
        if (e.code !== "already_finished") actionError(e);
        refresh();
      }
    }
    async function onDelete() {
      if (!confirm(`Delete job ${shortId(id)} and its results? This cannot be undone.`)) return;
      actionError({ message: "" });
      try {
        await api(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
        location.hash = "#/";
      } catch (e) { actionError(e); }
    }
    async function onRerun() {
      actionError({ message: "" });
      rerunBtn.disabled = true;
      const known = await jobInput(id);
      rerunBtn.disabled = false;
      if (!known) {
        location.hash = `#/new?pipeline=${encodeURIComponent(doc ? doc.pipeline : "")}&note=${encodeURIComponent(
          `The input of job ${shortId(id)} is not known to this browser; the sample input is filled in.`)}`;
        return;
      }
      rerunBtn.disabled = true;
      try {
        const body = { pipeline: known.pipeline || doc.pipeline, input: known.input };
        if (known.priority) body.priority = known.priority;
        const r = await submitJob(body);
        location.hash = `#/jobs/${r.job_id}`;
      } catch (e) { actionError(e); rerunBtn.disabled = false; }
    }

    // ----- start
    (async () => {
      const [pipes, ags] = await Promise.all([getPipelines().catch(() => null), getAgents()]);
      agents = ags;
      const d = await refresh();
      if (!d || stopped) return;
      planned = pipes ? plannedAgents(d.pipeline, pipes) : [];
      renderHeader();
      renderTimeline();
      if (FINISHED.has(d.status)) setLive("done");
      else startStream();
    })();

    return { stop() { stopped = true; stopLive(); document.title = "agentry"; } };
  }

  // ------------------------------------------------------------- result views

  // Finds the readable plans in a result: an object with weeks[].sessions[]
  // (training, E9) and one with meal_plan[].meals[] (nutrition, N8).
  function findPlans(value) {
    const found = { training: null, nutrition: null };
    const walk = (v, depth) => {
      if (!v || typeof v !== "object" || Array.isArray(v) || depth > 3) return;
      const weeks = Array.isArray(v.weeks) && v.weeks.some((w) => w && Array.isArray(w.sessions));
      const meals = Array.isArray(v.meal_plan) && v.meal_plan.some((d) => d && Array.isArray(d.meals));
      if (!found.training && weeks) { found.training = v; return; }
      if (!found.nutrition && meals) { found.nutrition = v; return; }
      for (const k of Object.keys(v)) walk(v[k], depth + 1);
    };
    walk(value, 0);
    return found;
  }

  function renderResult(section, result) {
    const plans = findPlans(result);
    const readable = h("div", { class: "readable", id: "result-readable" });
    if (plans.training) readable.append(trainingPlan(plans.training));
    if (plans.nutrition) readable.append(nutritionPlan(plans.nutrition));
    const skip = new Set([plans.training, plans.nutrition].filter(Boolean));
    if (skip.size) {
      readable.append(h("details", { class: "others" }, h("summary", {}, "All agent outputs"), outline(result, skip)));
    } else readable.append(outline(result, skip));

    const raw = h("pre", { class: "raw", id: "result-raw", hidden: true, tabindex: 0 }, JSON.stringify(result, null, 2));
    const readBtn = h("button", { type: "button", class: "tab", "aria-pressed": "true" }, "Readable");
    const rawBtn = h("button", { type: "button", class: "tab", id: "show-raw", "aria-pressed": "false" }, "Raw JSON");
    const show = (isRaw) => {
      raw.hidden = !isRaw;
      readable.hidden = isRaw;
      rawBtn.setAttribute("aria-pressed", String(isRaw));
      readBtn.setAttribute("aria-pressed", String(!isRaw));
    };
    readBtn.addEventListener("click", () => show(false));
    rawBtn.addEventListener("click", () => show(true));
    const copyBtn = h("button", { type: "button", class: "tab", onclick: async () => {
      try { await navigator.clipboard.writeText(raw.textContent); copyBtn.textContent = "Copied"; }
      catch { show(true); copyBtn.textContent = "Select the text to copy"; }
      setTimeout(() => { copyBtn.textContent = "Copy JSON"; }, 2000);
    } }, "Copy JSON");
    section.replaceChildren(
      h("div", { class: "title-row" }, h("h2", { id: "result-h" }, "Result"),
        h("div", { class: "tabs", role: "group", "aria-label": "Result view" }, readBtn, rawBtn, copyBtn)),
      readable, raw);
    section.hidden = false;
  }

  const list = (items, cls) => h("ul", { class: cls }, (items || []).map((x) => h("li", {}, typeof x === "object" ? outline(x) : String(x))));

  function trainingPlan(p) {
    return h("article", { class: "plan training-plan", id: "training-plan", "aria-labelledby": "tp-title" },
      h("h3", { id: "tp-title" }, p.title || "Training plan"),
      p.summary ? h("p", { class: "summary" }, p.summary) : null,
      (p.weeks || []).map((w, i) => h("details", { class: "week", open: i === 0 },
        h("summary", {}, h("strong", {}, `Week ${w.week ?? i + 1}`), w.theme ? ` — ${w.theme}` : ""),
        w.focus ? h("p", { class: "muted" }, w.focus) : null,
        (w.sessions || []).map((s) => h("section", { class: "session" },
          h("h4", {}, [s.day, s.focus].filter(Boolean).join(": "), s.duration_min ? h("span", { class: "muted" }, ` · ${s.duration_min} min`) : null),
          s.warm_up ? h("p", { class: "small" }, h("strong", {}, "Warm-up: "), s.warm_up) : null,
          h("div", { class: "table-wrap" }, h("table", { class: "exercises" },
            h("thead", {}, h("tr", {}, ["Exercise", "Sets", "Reps", "Rest", "Notes"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, (s.exercises || []).map((x) => h("tr", {},
              h("td", { class: "name" }, x.name ?? ""), h("td", { class: "num", "data-label": "Sets" }, x.sets ?? ""),
              h("td", { class: "num", "data-label": "Reps" }, x.reps ?? ""), h("td", { "data-label": "Rest" }, x.rest ?? ""),
              h("td", { class: "notes" }, x.notes ?? ""))))))),
        ))),
      p.progression && p.progression.length ? [h("h4", {}, "Progression"), list(p.progression)] : null,
      p.safety_notes && p.safety_notes.length ? [h("h4", {}, "Safety notes"), list(p.safety_notes, "safety")] : null);
  }

  function nutritionPlan(p) {
    const t = p.daily_targets || {};
    const targets = [["kcal", "Energy", "kcal"], ["protein_g", "Protein", "g"], ["carbs_g", "Carbs", "g"],
      ["fat_g", "Fat", "g"], ["fibre_g", "Fibre", "g"], ["water_l", "Water", "l"]].filter(([k]) => t[k] !== undefined);
    const shopping = p.shopping_list;
    return h("article", { class: "plan nutrition-plan", id: "nutrition-plan", "aria-labelledby": "np-title" },
      h("h3", { id: "np-title" }, p.title || "Nutrition plan"),
      p.summary ? h("p", { class: "summary" }, p.summary) : null,
      targets.length ? [h("h4", {}, "Daily targets"), h("dl", { class: "targets" },
        targets.map(([k, label, unit]) => h("div", {}, h("dt", {}, label), h("dd", {}, `${num(t[k])} ${unit}`))))] : null,
      (p.meal_plan || []).length ? h("h4", {}, "Meal plan") : null,
      (p.meal_plan || []).map((day, i) => {
        const total = (day.meals || []).reduce((a, m) => a + (Number(m.kcal) || 0), 0);
        return h("details", { class: "day", open: i === 0 },
          h("summary", {}, h("strong", {}, day.day || `Day ${i + 1}`), day.training_day ? " · training day" : "",
            total ? h("span", { class: "muted" }, ` · ${num(total)} kcal`) : null),
          h("div", { class: "table-wrap" }, h("table", { class: "meals" },
            h("thead", {}, h("tr", {}, ["Time", "Meal", "Foods", "kcal", "Protein"].map((x) => h("th", { scope: "col" }, x)))),
            h("tbody", {}, (day.meals || []).map((m) => h("tr", {},
              h("td", { class: "num time" }, m.time ?? ""), h("td", { class: "name" }, m.name ?? ""),
              h("td", { class: "foods" }, (m.foods || []).map((f) => (typeof f === "object" ? `${f.food} ${f.grams ?? ""}${f.grams !== undefined ? " g" : ""}` : String(f))).join(", ")),
              h("td", { class: "num", "data-label": "kcal" }, num(m.kcal)),
              h("td", { class: "num", "data-label": "Protein" }, m.protein_g !== undefined ? `${m.protein_g} g` : "")))))));
      }),
      shopping ? [h("h4", {}, "Shopping list"), Array.isArray(shopping) ? list(shopping, "columns")
        : h("div", { class: "shopping" }, Object.entries(shopping).map(([k, v]) => h("div", {}, h("h5", {}, humanKey(k)), Array.isArray(v) ? list(v) : outline(v))))] : null,
      p.tips && p.tips.length ? [h("h4", {}, "Tips"), list(p.tips)] : null);
  }

  // Outline keys that say what an object is come first (servers sort keys).
  const FIRST_KEYS = ["title", "name", "id", "reply", "summary", "description"];
  const rank = (k) => { const i = FIRST_KEYS.indexOf(k); return i < 0 ? FIRST_KEYS.length : i; };

  // Any JSON value as a nested outline: objects as definition lists, arrays
  // of scalars as bullet lists, arrays of objects as numbered blocks.
  function outline(v, skip = new Set(), depth = 0) {
    if (v === null || v === undefined) return h("span", { class: "muted" }, "—");
    if (typeof v !== "object") return h("span", { class: "scalar" }, String(v));
    if (skip.has(v)) return h("span", { class: "muted" }, "(shown above)");
    if (depth > 12) return h("code", {}, JSON.stringify(v));
    if (Array.isArray(v)) {
      if (!v.length) return h("span", { class: "muted" }, "none");
      if (v.every((x) => x === null || typeof x !== "object")) return h("ul", { class: "outline-list" }, v.map((x) => h("li", {}, String(x))));
      return h("ol", { class: "outline-items" }, v.map((x) => h("li", {}, outline(x, skip, depth + 1))));
    }
    const keys = Object.keys(v).sort((a, b) => rank(a) - rank(b));
    if (!keys.length) return h("span", { class: "muted" }, "empty");
    return h("dl", { class: "outline" }, keys.flatMap((k) => [h("dt", {}, humanKey(k)), h("dd", {}, outline(v[k], skip, depth + 1))]));
  }

  // ----------------------------------------------------------------- scripts

  function scriptsView() {
    const body = h("div", { id: "scripts" }, h("p", { class: "muted" }, "Loading…"));
    const reloadMsg = h("p", { id: "reload-result", "aria-live": "polite" });
    const reloadBtn = h("button", { type: "button", class: "secondary", id: "reload", onclick: reload }, "Reload scripts now");
    mount(h("div", { class: "title-row" }, h("h1", { tabindex: -1 }, "Scripts"), reloadBtn), reloadMsg, body);
    let stopped = false;

    async function load() {
      try {
        const [s, p] = await Promise.all([api("/scripts"), getPipelines(true)]);
        if (!stopped) render(s, p);
      } catch (e) {
        if (!stopped) body.replaceChildren(h("p", { class: "alert" }, `Scripts could not be loaded: ${e.message}`));
      }
    }
    async function reload() {
      reloadBtn.disabled = true;
      reloadMsg.className = "";
      try {
        const r = await api("/scripts/reload", { method: "POST" });
        reloadMsg.textContent = r.published ? `Published version ${r.version}.` : `Nothing changed; version ${r.version} stays live.`;
      } catch (e) {
        reloadMsg.className = "error";
        reloadMsg.textContent = e.message;
      }
      reloadBtn.disabled = false;
      load();
    }
    function problems(f) {
      const items = [...(f.errors || []).map((e) => h("li", { class: "error" }, e)), ...(f.warnings || []).map((w) => h("li", { class: "warning" }, w))];
      return items.length ? h("ul", { class: "problems" }, items) : h("span", { class: "ok" }, "ok");
    }
    function render(s, p) {
      body.replaceChildren(
        h("section", { class: "card" },
          h("dl", { class: "meta" },
            h("dt", {}, "Version"), h("dd", {}, h("code", { id: "scripts-version" }, s.version || "none loaded")),
            h("dt", {}, "Loaded"), h("dd", {}, fmtTime(s.loaded_at)),
            h("dt", {}, "Last reload"), h("dd", {}, fmtTime(s.last_reload_at)),
            h("dt", {}, "Directory"), h("dd", {}, h("code", {}, s.directory || "—"))),
          (s.errors || []).length ? h("div", { class: "alert" }, h("strong", {}, `The last reload was refused; version ${s.version || "—"} stays live until these are fixed:`), list(s.errors)) : null,
          (s.warnings || []).length ? h("div", { class: "notice" }, h("strong", {}, "Warnings"), list(s.warnings)) : null),
        h("section", { class: "card" }, h("h2", {}, "Pipelines"),
          h("div", { class: "table-wrap" }, h("table", { class: "pipelines" },
            h("thead", {}, h("tr", {}, ["Name", "Title", "Kind", "Agents"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, (p.pipelines || []).map((x) => h("tr", {},
              h("td", { "data-label": "Name" }, h("code", {}, x.name)), h("td", { "data-label": "Title" }, x.title || ""),
              h("td", { "data-label": "Kind" }, x.kind || ""),
              h("td", { "data-label": "Agents" }, x.kind === "function" ? "decided at run time" : plannedAgents(x.name, p).join(" → ")))))))),
        h("section", { class: "card" }, h("h2", {}, `Files (${(s.files || []).length})`),
          h("div", { class: "table-wrap" }, h("table", { class: "files" },
            h("thead", {}, h("tr", {}, ["File", "SHA-256", "Loaded", "Problems"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, (s.files || []).map((f) => h("tr", { "data-file": f.file },
              h("td", { "data-label": "File" }, h("code", {}, f.file)),
              h("td", { "data-label": "SHA-256" }, h("code", { class: "hash" }, f.sha256 || "")),
              h("td", { "data-label": "Loaded" }, fmtTime(f.loaded_at)),
              h("td", { "data-label": "Problems" }, problems(f)))))))));
    }
    load();
    return { stop() { stopped = true; } };
  }

  // ------------------------------------------------------------------- start

  window.addEventListener("hashchange", route);
  route();
})();
