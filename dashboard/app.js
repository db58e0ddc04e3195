// The dashboard of edgesim: draws the configured chain from /config, then
// follows /events (Server-Sent Events) and colours each hop by what its
// latest record says. No framework, no build step, nothing fetched from
// elsewhere: this file is built into the binary (scripts/embed-assets).
//
// Load: the server sends at most ten messages a second, each with at most
// 100 events (errors first); here, events are queued and applied once per
// animation frame, and the table keeps the newest MAX_ROWS rows. Counters
// come from the server's exact per-worker counters, not from counting the
// events seen (which may be sampled).
"use strict";

const MAX_ROWS = 200;
const ORIGIN_CODES = new Set(["ERR_DNS_FAIL", "ERR_CONNECT_FAIL", "ERR_CONNECT_TIMEOUT",
  "ERR_FWD_SSL_HANDSHAKE", "ERR_READ_TIMEOUT", "ERR_READ_ERROR", "ERR_ZERO_SIZE_OBJECT",
  "ERR_BAD_RESPONSE"]);

let chain = null;          // /config's "chain"
let queue = [];            // events not drawn yet
let scheduled = false;
let skippedTotal = 0;
let seen = 0;

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// --- the chain ---

function edgeOf(name) { return chain.edges.find(e => e.name === name); }
function originOf(name) { return chain.origins.find(o => o.name === name); }

function node(key, kind, title, sub) {
  const n = el("div", "node");
  n.dataset.key = key;
  n.appendChild(el("div", "kind", kind));
  n.appendChild(el("div", "title", title));
  if (sub) n.appendChild(el("div", "sub", sub));
  n.appendChild(el("div", "count"));
  n.appendChild(el("div", "last"));
  return n;
}

function branch(n, children) {
  const b = el("div", "branch");
  b.appendChild(n);
  if (children.length) {
    const c = el("div", "children");
    children.forEach(ch => c.appendChild(ch));
    b.appendChild(c);
  }
  return b;
}

function originBranch(edge, oname, via, depth, path) {
  const o = originOf(oname);
  if (!o) return branch(node("origin:" + edge + "/" + oname, "origin", oname, "?"), []);
  let sub = o.type === "proxy" ? o.address + (o.tls ? " TLS, sni " + o.sni + ", verify " + o.verify : " plain TCP")
    : o.type + " (built in)";
  if (via) sub = via + " \u2192 " + sub;
  const n = node("origin:" + edge + "/" + oname, "origin", oname, sub);
  const kids = [];
  if (o.edge) {
    if (path.includes(o.edge) || depth > 6) kids.push(el("div", "loop", "\u21ba back to edge " + o.edge));
    else kids.push(edgeBranch(o.edge, depth + 1, path.concat(o.edge)));
  }
  return branch(n, kids);
}

function edgeBranch(ename, depth, path) {
  const e = edgeOf(ename);
  const n = node("edge:" + ename, "edge \u00b7 " + e.persona + (e.mode === "tcp" ? " \u00b7 tcp" : ""),
    ename, e.listen.join(" "));
  const hosts = e.hosts.map(h => {
    const hn = node("host:" + ename + "/" + h.name, "host", h.name,
      h.aliases.length ? "aliases " + h.aliases.join(" ") : "");
    const origins = [];
    h.routes.forEach(r => origins.push(originBranch(ename, r.origin, r.pattern, depth, path)));
    if (h.origin) origins.push(originBranch(ename, h.origin, h.routes.length ? "default" : "", depth, path));
    return branch(hn, origins);
  });
  return branch(n, hosts);
}

function drawChain() {
  const box = $("#chain");
  box.textContent = "";
  const viewers = node("viewers", "viewers", "curl / browser", "TLS with SNI");
  viewers.classList.add("viewers");
  box.appendChild(branch(viewers, chain.entry.map(name => edgeBranch(name, 0, [name]))));
}

// The config's host an event's Host header names (port dropped; a name
// or an alias of one of the edge's hosts).
function confHost(edge, hostHeader) {
  const e = edgeOf(edge);
  if (!e || !hostHeader || hostHeader === "-") return null;
  let h = hostHeader.toLowerCase();
  if (h.startsWith("[")) h = h.slice(0, h.indexOf("]") + 1);
  else if (h.includes(":")) h = h.slice(0, h.lastIndexOf(":"));
  const match = (pat) => pat === h || (pat.startsWith("*.") && h.endsWith(pat.slice(1)));
  const host = e.hosts.find(x => match(x.name) || x.aliases.some(match));
  return host ? host.name : null;
}

// --- applying events to the nodes ---

function nodesOf(key) { return document.querySelectorAll('[data-key="' + CSS.escape(key) + '"]'); }

function refLink(ref) {
  const a = el("a", "ref", ref);
  a.href = "#explain";
  a.dataset.ref = ref;
  return a;
}

// A node's new state; applied at the next frame, the last one per node
// winning (a burst of events costs one redraw per node, not one each).
let pending = new Map();
function setState(key, bad, fill, ref) {
  pending.set(key, { bad, fill, ref });
}

function drawStates() {
  for (const [key, st] of pending) {
    nodesOf(key).forEach(n => {
      // A request's record after its origin record (same reference) adds
      // nothing to what the origin record drew: keep the richer one.
      if (st.ref && st.weak && n.dataset.ref === st.ref) return;
      n.classList.toggle("bad", st.bad);
      n.classList.toggle("ok", !st.bad);
      n.dataset.ref = st.ref || "";
      const last = $(".last", n);
      last.textContent = "";
      st.fill(last);
    });
  }
  pending = new Map();
}

function line(parent, cls, text) { if (text) parent.appendChild(el("div", cls, text)); }

function certLine(ev) {
  if (!ev.cert_subject || ev.cert_subject === "-") return ev.tls === "yes" ? "no certificate presented" : "";
  const sha = (ev.cert_sha256 || "").split(":").slice(0, 6).join(":");
  return "cert " + ev.cert_subject + " \u00b7 SANs " + (ev.cert_sans || "-") + " \u00b7 expires " +
    (ev.cert_not_after || "?") + " \u00b7 SHA-256 " + sha + "\u2026 \u00b7 verify " + (ev.verify_result || "-");
}

function reason(ev) { return ev.code ? ev.code + (ev.sub ? "; " + ev.sub : "") : ""; }

function apply(ev) {
  if (ev.event === "origin") {
    const [edge, origin] = (ev.hop || "").split(" -> ");
    const bad = ev.result === "error";
    setState("origin:" + edge + "/" + origin, bad, last => {
      line(last, "", "SNI sent: " + (ev.sni_sent || "-") + (ev.connect ? " \u00b7 to " + ev.connect : ""));
      line(last, "", certLine(ev));
      if (bad) {
        line(last, "reason", reason(ev));
        line(last, "", ev.detail);
        line(last, "fix", ev.fix ? "fix: " + ev.fix : "");
        if (ev.ref) last.appendChild(refLink(ev.ref));
      }
    }, ev.ref);
  } else if (ev.event === "request") {
    const host = confHost(ev.edge, ev.host);
    const originSide = ev.code && ORIGIN_CODES.has(ev.code);
    if (ev.code && !originSide) {
      setState("edge:" + ev.edge, true, last => {
        line(last, "", "SNI " + (ev.sni || "-") + " \u00b7 Host " + (ev.host || "-") + " \u00b7 " + ev.status);
        line(last, "reason", reason(ev));
        line(last, "", ev.detail);
        line(last, "fix", ev.why ? ev.why.split(". ")[0] + "." : "");
        if (ev.ref) last.appendChild(refLink(ev.ref));
      });
      return;
    }
    setState("edge:" + ev.edge, false, last =>
      line(last, "", "SNI received: " + (ev.sni || "-") + " \u00b7 Host " + (ev.host || "-")));
    if (host) setState("host:" + ev.edge + "/" + host, !!ev.code, last => {
      line(last, "", ev.method + " " + ev.path + " \u2192 " + ev.status + (ev.origin ? " via " + ev.origin : ""));
      if (ev.code) line(last, "reason", reason(ev));
    });
    if (ev.origin && originSide) {
      const key = "origin:" + ev.edge + "/" + ev.origin;
      const prev = pending.get(key);
      if (prev && prev.ref === ev.ref) return;   // its origin record drew it
      setState(key, true, last => {
        line(last, "reason", reason(ev) + " \u2192 " + ev.status);
        line(last, "", ev.detail);
        if (ev.ref) last.appendChild(refLink(ev.ref));
      }, ev.ref);
      pending.get(key).weak = true;
    } else if (ev.origin && !ev.code && +ev.status < 500 &&
        !pending.has("origin:" + ev.edge + "/" + ev.origin)) {
      nodesOf("origin:" + ev.edge + "/" + ev.origin).forEach(n => {
        if (!n.classList.contains("bad")) n.classList.add("ok");
      });
    }
  } else if (ev.event === "tls") {
    setState("edge:" + ev.edge, true, last => {
      line(last, "", "viewer " + (ev.client || "?") + " \u00b7 SNI " + (ev.sni || "-") + " \u00b7 verdict " + (ev.verdict || "?"));
      line(last, "reason", "handshake refused: " + (ev.result || "?"));
      line(last, "fix", ev.fix ? "fix: " + ev.fix : "");
    });
  }
}

function row(ev) {
  const tr = el("tr", ev.error ? "bad" : "");
  const time = (ev.ts || "").replace(/^.*T/, "").replace("Z", "");
  let hop = ev.edge || "", sni = ev.sni || "-";
  if (ev.event === "origin") { hop = ev.hop || ""; sni = ev.sni_sent || "-"; }
  else if (ev.event === "request") hop = ev.edge + " \u00b7 " + (ev.host || "-") + " " + (ev.path || "") + (ev.origin ? " \u2192 " + ev.origin : "");
  const cert = ev.cert_subject && ev.cert_subject !== "-" ? ev.cert_subject + " (until " + (ev.cert_not_after || "?") + ")" :
    (ev.event === "origin" && ev.tls === "yes" ? "none" : "");
  let res = ev.event === "request" ? ev.status : (ev.result || "");
  if (ev.code) res += " " + reason(ev);
  else if (ev.event === "tls") res = "refused: " + (ev.verdict || "");
  [time, ev.event, hop, sni, cert].forEach(t => tr.appendChild(el("td", "", t)));
  tr.appendChild(el("td", "res", res));
  const td = el("td");
  if (ev.ref && ev.ref !== "-") td.appendChild(refLink(ev.ref));
  tr.appendChild(td);
  return tr;
}

function flush() {
  scheduled = false;
  const evs = queue;
  queue = [];
  const body = $("#events tbody");
  const frag = document.createDocumentFragment();
  const newest = evs.slice(-MAX_ROWS);
  evs.forEach(apply);
  drawStates();
  for (let i = newest.length - 1; i >= 0; i--) frag.appendChild(row(newest[i]));
  body.insertBefore(frag, body.firstChild);
  while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  $("#events-note").textContent = seen + " received" +
    (skippedTotal ? ", " + skippedTotal + " not shown (sampled under load; counters stay exact)" : "") +
    "; newest first, the last " + MAX_ROWS + " kept";
}

function enqueue(evs) {
  seen += evs.length;
  queue.push(...evs);
  if (queue.length > 5 * MAX_ROWS) {
    // Far behind (a hidden tab): drawing the newest is enough.
    skippedTotal += queue.length - MAX_ROWS;
    queue = queue.slice(-MAX_ROWS);
  }
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(flush);
  }
}

function counters(c) {
  const set = (key, text) => nodesOf(key).forEach(n => { $(".count", n).textContent = text; });
  for (const [name, v] of Object.entries(c.edges || {})) {
    let t = (v.requests || 0) + " requests, " + (v.errors || 0) + " errors";
    t += " \u00b7 " + (v.handshakes || 0) + " handshakes" + (v.handshake_errors ? ", " + v.handshake_errors + " refused" : "");
    set("edge:" + name, t);
  }
  chain.edges.forEach(e => e.hosts.forEach(h => {
    const v = (c.hosts || {})[h.name];
    if (v) set("host:" + e.name + "/" + h.name, (v.requests || 0) + " requests, " + (v.errors || 0) + " errors");
  }));
  for (const [name, v] of Object.entries(c.origins || {})) {
    const t = (v.connections || 0) + " connections, " + (v.connection_errors || 0) + " failed" +
      (v.timeouts ? ", " + v.timeouts + " timeouts" : "");
    chain.edges.forEach(e => set("origin:" + e.name + "/" + name, t));
  }
}

// --- explain ---

async function explain(ref) {
  const box = $("#explain-box");
  box.hidden = false;
  $("#explain-ref").textContent = ref;
  $("#explain").textContent = "...";
  try {
    const r = await fetch("/explain/" + encodeURIComponent(ref), { cache: "no-store" });
    $("#explain").textContent = await r.text();
  } catch (e) {
    $("#explain").textContent = "cannot reach the admin listener: " + e.message;
  }
  box.scrollIntoView({ block: "nearest" });
}

document.addEventListener("click", e => {
  const a = e.target.closest("a.ref");
  if (!a) return;
  e.preventDefault();
  explain(a.dataset.ref);
});

// --- the stream ---

function connect() {
  const es = new EventSource("/events");
  const badge = $("#conn");
  es.addEventListener("open", () => { badge.textContent = "live"; badge.className = "conn live"; });
  es.addEventListener("error", () => { badge.textContent = "reconnecting..."; badge.className = "conn wait"; });
  es.addEventListener("history", async m => {
    // At every (re)connection: the config may have been reloaded.
    await readConfig();
    $("#events tbody").textContent = "";
    drawChain();
    queue = [];
    seen = 0;
    enqueue(JSON.parse(m.data));
  });
  es.addEventListener("batch", m => {
    const b = JSON.parse(m.data);
    skippedTotal += b.skipped || 0;
    enqueue(b.events);
  });
  es.addEventListener("counters", m => counters(JSON.parse(m.data)));
}

async function readConfig() {
  const r = await fetch("/config", { cache: "no-store" });
  const cfg = await r.json();
  chain = cfg.chain;
  $("#meta").textContent = "edgesim " + cfg.version + " \u00b7 " + (cfg.path || "") + " \u00b7 generation " + cfg.generation;
}

async function start() {
  $("#explain-close").addEventListener("click", () => { $("#explain-box").hidden = true; });
  await readConfig();
  drawChain();
  connect();
}

start().catch(e => { $("#chain").textContent = "cannot read /config: " + e.message; });
