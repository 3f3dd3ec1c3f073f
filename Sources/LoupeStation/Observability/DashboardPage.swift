/// The station dashboard: one self-contained page (inline CSS and JavaScript, no CDN, no outside
/// assets) served at `/`. It reads `/api/state` once, then follows `/api/events` (server-sent
/// events) to update live; changes go to the POST endpoints with the operator's token.
enum DashboardPage {
    static let html: String = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loupe station</title>
<link rel="icon" href="data:,">
<style>
:root{--bg:#0d1117;--panel:#161b22;--panel2:#1c2230;--line:#30363d;--text:#e6edf3;--muted:#8b949e;
--pass:#238636;--pass-t:#3fb950;--rej:#c62828;--rej-t:#ff6b6b;--unc:#d29922;--unc-t:#e3b341;--accent:#58a6ff}
*{box-sizing:border-box}
[hidden]{display:none!important}
html,body{margin:0;background:var(--bg);color:var(--text);font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
h2,h3{margin:0}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 8px;font-weight:600}
h3 .muted{text-transform:none;letter-spacing:0;font-weight:400}
.muted{color:var(--muted)}
button{font:inherit;font-weight:600;color:var(--text);background:var(--panel2);border:1px solid var(--line);border-radius:6px;padding:6px 14px;cursor:pointer}
button:hover:not(:disabled){border-color:var(--accent)}
button:disabled{opacity:.4;cursor:default}
button.warnbtn{border-color:#6e4b0e}
input{font:inherit;color:var(--text);background:#0a0d12;border:1px solid var(--line);border-radius:6px;padding:6px 8px;min-width:0}
input:focus{outline:2px solid var(--accent);outline-offset:-1px}
select{font:inherit;color:var(--text);background:#0a0d12;border:1px solid var(--line);border-radius:6px;padding:4px 6px}
.top{position:sticky;top:0;z-index:5;background:#0a0d12;border-bottom:1px solid var(--line);padding:10px 18px;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center}
body.is-paused .top{border-bottom:4px solid var(--unc)}
.brand{color:var(--muted);font-weight:700;letter-spacing:.1em;font-size:13px}
#station-name{font-size:26px;font-weight:700}
.badge{display:inline-block;font-weight:800;letter-spacing:.08em;border-radius:6px;padding:4px 12px;font-size:16px}
.badge.running{background:var(--pass);color:#fff}
.badge.paused{background:var(--unc);color:#111}
.badge.alarm{background:var(--rej);color:#fff;font-size:14px}
.live{display:inline-flex;align-items:center;gap:6px;font-weight:700;font-size:14px;color:var(--rej-t)}
.live i{width:11px;height:11px;border-radius:50%;background:var(--rej);display:inline-block}
.live.on{color:var(--pass-t)}
.live.on i{background:var(--pass-t);box-shadow:0 0 8px var(--pass-t)}
.clock{font-variant-numeric:tabular-nums;font-size:18px;font-weight:600}
.spacer{flex:1}
.ops{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.ops input{width:170px}
#status{min-height:28px;padding:4px 18px;font-weight:600;background:#0a0d12;border-bottom:1px solid var(--line)}
#status.ok{color:var(--pass-t)}
#status.idle{color:var(--muted);font-weight:400}
#status.err{color:#fff;background:#5a1414}
body.stale main{opacity:.55}
.banner{display:none;background:#3a2a00;color:var(--unc-t);padding:6px 18px;font-weight:700}
body.is-paused .banner.paused{display:block}
body.stale .banner.stale{display:block;background:#3d0f0f;color:var(--rej-t)}
.ro-note{display:none}
body.read-only .ro-note{display:block}
body.read-only .ctl{display:none!important}
main{padding:14px 18px 40px;display:flex;flex-direction:column;gap:16px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card-head{display:flex;align-items:baseline;gap:12px;margin-bottom:10px;flex-wrap:wrap}
.card-head h2{font-size:22px}
.chip{border:1px solid var(--line);border-radius:12px;padding:1px 9px;font-size:13px;color:var(--muted)}
.grid{display:grid;gap:12px;grid-template-columns:repeat(3,minmax(0,1fr));
grid-template-areas:"last reject counts" "model latency shifts" "hourly hourly hourly"}
.a-last{grid-area:last}.a-reject{grid-area:reject}.a-counts{grid-area:counts}.a-model{grid-area:model}
.a-latency{grid-area:latency}.a-shifts{grid-area:shifts}.a-hourly{grid-area:hourly}
@media (max-width:1150px){.grid{grid-template-columns:repeat(2,minmax(0,1fr));
grid-template-areas:"last reject" "counts model" "latency shifts" "hourly hourly"}}
@media (max-width:720px){.grid{grid-template-columns:minmax(0,1fr);
grid-template-areas:"last" "reject" "counts" "model" "latency" "shifts" "hourly"}}
.panel{background:var(--panel2);border-radius:8px;padding:10px 12px;min-width:0}
.frame{position:relative;background:#000;border:3px solid var(--line);border-radius:6px;height:270px;display:flex;align-items:center;justify-content:center;overflow:hidden}
.frame.small{height:190px;border-width:1px}
.frame img{max-width:100%;max-height:100%;object-fit:contain;display:block}
.frame.v-pass{border-color:var(--pass)}.frame.v-reject{border-color:var(--rej)}.frame.v-uncertain{border-color:var(--unc)}
.noimg{color:var(--muted);font-size:14px}
.verdict{margin-top:8px;text-align:center;font-size:44px;font-weight:900;letter-spacing:.06em;border-radius:8px;padding:4px 0;line-height:1.15}
.v-pass.verdict{background:var(--pass);color:#fff}.v-reject.verdict{background:var(--rej);color:#fff}
.v-uncertain.verdict{background:var(--unc);color:#111}.v-none.verdict{background:#30363d;color:var(--muted);font-size:26px;padding:12px 0}
.kv{display:grid;grid-template-columns:auto minmax(0,1fr);gap:2px 12px;margin:8px 0 0}
.kv dt{color:var(--muted)}.kv dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.kv dd.big{font-size:18px;font-weight:700}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}
figure{margin:0}figcaption{font-size:12px;color:var(--muted);margin-top:3px}
.tiles{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px;margin-bottom:12px}
.tile.wide{grid-column:span 2}
.tile{background:#0f141b;border:1px solid var(--line);border-radius:8px;padding:6px 10px}
.tile span{display:block;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.tile b{font-size:26px;font-variant-numeric:tabular-nums}
.tile.ok b{color:var(--pass-t)}.tile.bad b{color:var(--rej-t)}.tile.warn b{color:var(--unc-t)}
.tbl{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
.tbl th{text-align:left;color:var(--muted);font-weight:600;font-size:13px;border-bottom:1px solid var(--line);padding:4px 8px}
.tbl td{padding:4px 8px;border-bottom:1px solid #21262d;vertical-align:middle}
.tbl td.n,.tbl th.n{text-align:right}
.tbl tr.zero td{color:#5c646d}
.tbl .empty{color:var(--muted);text-align:center;padding:10px}
.controls{display:grid;grid-template-columns:auto minmax(0,1fr) auto;gap:8px;align-items:center;margin-top:12px;padding-top:10px;border-top:1px solid var(--line)}
.controls label{color:var(--muted)}
.pill{display:inline-block;border-radius:5px;padding:1px 8px;font-weight:800;font-size:13px;letter-spacing:.04em}
.pill.v-pass{background:var(--pass);color:#fff}.pill.v-reject{background:var(--rej);color:#fff}.pill.v-uncertain{background:var(--unc);color:#111}
.pill.ok{background:#1b3d25;color:var(--pass-t)}.pill.bad{background:#4a1515;color:var(--rej-t)}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{fill:var(--text);font-size:11px;text-anchor:middle;font-family:inherit}
svg.chart text.lab{fill:var(--muted)}
svg.chart .axis{stroke:var(--line);stroke-width:1}
svg.chart rect.lat{fill:var(--accent)}svg.chart rect.over{fill:var(--rej)}svg.chart rect.rate{fill:#e5534b}
svg.chart rect.zero{fill:var(--line)}
.lower{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,2fr);gap:16px}
@media (max-width:1150px){.lower{grid-template-columns:minmax(0,1fr)}}
.section-head{display:flex;align-items:center;gap:12px;flex-wrap:wrap;margin-bottom:8px}
.section-head h2{font-size:18px}
.scroll{max-height:520px;overflow:auto}
.scroll.short{max-height:360px}
.thumb{height:48px;width:64px;object-fit:contain;background:#000;border-radius:3px;display:block}
#alarms{list-style:none;margin:0;padding:0}
#alarms li{padding:6px 8px;border-bottom:1px solid #21262d;display:flex;gap:10px}
#alarms li time{color:var(--unc-t);font-variant-numeric:tabular-nums;white-space:nowrap}
#alarms li.empty{color:var(--muted)}
</style>
</head>
<body>
<header class="top">
  <span class="brand">LOUPE</span>
  <h1 id="station-name" data-testid="station-name" style="margin:0">…</h1>
  <span id="run-badge" data-testid="run-badge" class="badge">…</span>
  <span id="live-indicator" data-testid="live-indicator" class="live"><i></i><span>connecting</span></span>
  <span id="alarm-count" class="badge alarm" hidden></span>
  <span class="clock" id="clock" title="station time">–</span>
  <span class="muted" id="uptime"></span>
  <span class="spacer"></span>
  <form class="ops" id="ops">
    <span class="ro-note muted" id="readonly-note">read-only: set api.token_file or api.token_env in station.yaml to allow changes</span>
    <label class="ctl muted" for="token">Operator token</label>
    <input class="ctl" id="token" data-testid="token" type="password" autocomplete="off" placeholder="token">
    <button type="button" class="ctl" id="btn-pause" data-testid="pause">Pause</button>
    <button type="button" class="ctl" id="btn-resume" data-testid="resume">Resume</button>
    <button type="button" class="ctl" id="btn-reload" data-testid="reload" title="re-read the station configuration">Reload</button>
  </form>
</header>
<div id="status" data-testid="status" class="idle" role="status" aria-live="polite">Changes (pause, threshold, model) need the operator token.</div>
<div class="banner paused">STATION PAUSED — press Resume to inspect again</div>
<div class="banner stale">Connection to the station lost — the figures below are not live</div>
<main>
  <div id="points"></div>
  <div id="no-points" class="card muted" hidden>No inspection points reported yet.</div>
  <section class="card">
    <div class="section-head"><h2>Recent results</h2>
      <label class="muted">Verdict <select id="filter-verdict">
        <option value="all">all</option><option value="pass">pass</option><option value="reject">reject</option><option value="uncertain">uncertain</option>
      </select></label>
      <label class="muted">Point <select id="filter-point"><option value="all">all</option></select></label>
      <span class="muted" id="recent-count"></span>
    </div>
    <div class="scroll">
    <table class="tbl" id="recent" data-testid="recent">
      <thead><tr><th>Image</th><th>Time</th><th>Point</th><th class="n">Part</th><th>Verdict</th><th>Reason</th><th class="n">Score</th><th>Class</th><th class="n">Latency</th></tr></thead>
      <tbody id="recent-rows"></tbody>
    </table></div>
  </section>
  <div class="lower">
    <section class="card"><div class="section-head"><h2>Alarms</h2></div>
      <div class="scroll short"><ul id="alarms" data-testid="alarms"></ul></div></section>
    <section class="card"><div class="section-head"><h2>Audit log</h2></div>
      <div class="scroll short"><table class="tbl" id="audit" data-testid="audit">
        <thead><tr><th>Time</th><th>Who</th><th>Action</th><th>Point</th><th>Old</th><th>New</th><th>Outcome</th></tr></thead>
        <tbody id="audit-rows"></tbody></table></div></section>
  </div>
</main>
<script>
(function () {
'use strict';
var TOKEN_KEY = 'loupe.token';
var state = null, updates = 0, lastEvent = 0, source = null;
var cards = new Map();
var pointNames = '';

function $(id) { return document.getElementById(id); }
function esc(v) {
  return String(v == null ? '' : v).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}
function isNum(v) { return typeof v === 'number' && isFinite(v); }
function fix(v, d) { return isNum(v) ? v.toFixed(d) : '–'; }
function int(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : '–'; }
function pct(a, b) { return isNum(a) && isNum(b) && b > 0 ? (100 * a / b).toFixed(1) + ' %' : '–'; }
function ms(v) { return isNum(v) ? v.toFixed(v < 10 ? 1 : 0) + ' ms' : '–'; }
function safeUrl(u) { return typeof u === 'string' && u.charAt(0) === '/' && u.charAt(1) !== '/' && u.charAt(1) !== '\\' ? u : null; }
function withV(u, v) {
  u = safeUrl(u);
  if (!u) return null;
  return v == null ? u : u + (u.indexOf('?') < 0 ? '?' : '&') + 'v=' + encodeURIComponent(v);
}
function setHTML(el, h) { if (el && el._h !== h) { el._h = h; el.innerHTML = h; } }
function setText(el, t) { t = String(t); if (el && el.textContent !== t) el.textContent = t; }
function vclass(v) { return v === 'pass' || v === 'reject' || v === 'uncertain' ? v : 'none'; }
function pill(v) { return '<span class="pill v-' + vclass(v) + '">' + esc(String(v || '?').toUpperCase()) + '</span>'; }
function parseDate(s) { if (!s) return null; var d = new Date(s); return isNaN(d.getTime()) ? null : d; }
function pad(n) { return (n < 10 ? '0' : '') + n; }
function hms(d) { return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
function ymd(d) { return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
function when(s) {
  var d = parseDate(s);
  if (!d) return '–';
  var now = parseDate(state && state.now) || new Date();
  return d.toDateString() === now.toDateString() ? hms(d) : ymd(d) + ' ' + hms(d);
}
function timeTag(s) { return '<time title="' + esc(s) + '">' + esc(when(s)) + '</time>'; }
function dur(t) {
  var s = Math.max(0, Math.floor(t / 1000)), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + pad(m) + 'm';
  return m + 'm ' + pad(s % 60) + 's';
}
function kv(items) {
  return items.filter(Boolean).map(function (it) {
    return '<dt>' + esc(it[0]) + '</dt><dd' + (it[2] ? ' class="' + it[2] + '"' : '') + '>' + esc(it[1]) + '</dd>';
  }).join('');
}

// ---- status line and write actions ----
function showStatus(msg, isError) {
  var el = $('status');
  el.className = isError ? 'err' : 'ok';
  el.textContent = hms(new Date()) + '  ' + msg;
}
function token() { return ($('token').value || '').trim(); }
function post(path, body, label, button) {
  if (state && state.token_required === false) { showStatus(label + ': the station is read-only (no api token configured)', true); return Promise.resolve(false); }
  var t = token();
  if (!t) { showStatus(label + ': enter the operator token first', true); $('token').focus(); return Promise.resolve(false); }
  var headers = { 'Authorization': 'Bearer ' + t };
  var init = { method: 'POST', headers: headers, cache: 'no-store' };
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  if (button) button.disabled = true;
  showStatus(label + ': sending…', false);
  return fetch(path, init).then(function (res) {
    return res.text().then(function (text) {
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (res.ok && !(data && data.ok === false)) {
        showStatus(label + ': ' + ((data && data.message) || 'done'), false);
        refresh();
        return true;
      }
      var msg = (data && (data.error || data.message)) || text.slice(0, 200) || res.statusText || 'no answer';
      showStatus(label + ' failed (' + res.status + '): ' + msg, true);
      return false;
    });
  }).catch(function (e) {
    showStatus(label + ' failed: the station did not answer (' + (e && e.message || e) + ')', true);
    return false;
  }).then(function (ok) { if (button) button.disabled = false; if (state) render(state, true); return ok; });
}
function pointPath(name, what) { return '/api/points/' + encodeURIComponent(name) + '/' + what; }
function applyThreshold(name, input, button) {
  var v = parseFloat(String(input.value).replace(',', '.'));
  if (!isFinite(v) || v < 0 || v > 1) { showStatus(name + ': the threshold must be a number from 0 to 1', true); input.focus(); return; }
  post(pointPath(name, 'threshold'), { threshold: v }, name + ' threshold ' + v, button).then(function (ok) {
    if (ok) input.dataset.synced = input.value;
  });
}
function switchModel(name, input, button) {
  var p = input.value.trim();
  if (!p) { showStatus(name + ': enter the model folder (absolute path) to switch to', true); input.focus(); return; }
  post(pointPath(name, 'model'), { path: p }, name + ' model switch', button).then(function (ok) { if (ok) input.value = ''; });
}

// ---- charts (inline SVG) ----
function barChart(bars, W, H, twoLines, slots) {
  if (!bars.length) return '<div class="muted">no data yet</div>';
  var max = 0;
  bars.forEach(function (b) { if (b.v > max) max = b.v; });
  var top = 18, base = H - (twoLines ? 32 : 18), ph = base - top, bw = W / Math.max(bars.length, slots || 0), gap = Math.min(bw * 0.25, 14);
  var out = ['<svg class="chart" viewBox="0 0 ' + W + ' ' + H + '" role="img">',
    '<line class="axis" x1="0" x2="' + W + '" y1="' + base + '" y2="' + base + '"></line>'];
  bars.forEach(function (b, i) {
    var h = max > 0 ? ph * b.v / max : 0;
    if (b.v > 0 && h < 2) h = 2;
    var x = i * bw + gap / 2, w = bw - gap, cx = (i + 0.5) * bw;
    out.push('<g><title>' + esc(b.tip) + '</title>' +
      '<rect class="' + (b.v > 0 ? b.cls : 'zero') + '" x="' + x.toFixed(1) + '" y="' + (base - Math.max(h, 1)).toFixed(1) + '" width="' + w.toFixed(1) + '" height="' + Math.max(h, 1).toFixed(1) + '"></rect>' +
      '<text x="' + cx.toFixed(1) + '" y="' + (base - h - 4).toFixed(1) + '">' + esc(b.top) + '</text>' +
      '<text class="lab" x="' + cx.toFixed(1) + '" y="' + (base + 13) + '">' + esc(b.a) + '</text>' +
      (twoLines ? '<text class="lab" x="' + cx.toFixed(1) + '" y="' + (base + 27) + '">' + esc(b.b) + '</text>' : '') + '</g>');
  });
  out.push('</svg>');
  return out.join('');
}
function latencyChart(h) {
  if (!h || !Array.isArray(h.buckets_ms) || !Array.isArray(h.counts)) return { svg: '<div class="muted">no data yet</div>', sum: '' };
  var bars = [], total = 0, prev = 0;
  h.buckets_ms.forEach(function (b, i) {
    var c = isNum(h.counts[i]) ? h.counts[i] : 0;
    total += c;
    bars.push({ v: c, top: c ? int(c) : '', a: '≤' + b, cls: 'lat', tip: prev + '–' + b + ' ms: ' + int(c) + ' decisions' });
    prev = b;
  });
  var over = isNum(h.over) ? h.over : 0;
  total += over;
  bars.push({ v: over, top: over ? int(over) : '', a: '>' + prev, cls: 'over', tip: 'over ' + prev + ' ms: ' + int(over) + ' decisions' });
  function q(p) {
    if (!total) return '–';
    var need = p * total, run = 0;
    for (var i = 0; i < h.buckets_ms.length; i++) { run += isNum(h.counts[i]) ? h.counts[i] : 0; if (run >= need) return '≤ ' + h.buckets_ms[i] + ' ms'; }
    return '> ' + prev + ' ms';
  }
  var sum = total ? int(total) + ' decisions · p50 ' + q(0.5) + ' · p95 ' + q(0.95) + ' · p99 ' + q(0.99) + (over ? ' · ' + int(over) + ' over ' + prev + ' ms' : '') : 'no decisions yet';
  return { svg: barChart(bars, 440, 170, false), sum: sum };
}
function hourlyChart(list) {
  if (!Array.isArray(list) || !list.length) return '<div class="muted">no parts in the last 24 hours</div>';
  var bars = list.map(function (e) {
    var d = parseDate(e.hour), parts = isNum(e.parts) ? e.parts : 0, rej = isNum(e.rejected) ? e.rejected : 0;
    var rate = parts > 0 ? 100 * rej / parts : 0, hh = d ? pad(d.getHours()) + ':00' : '?';
    return { v: rate, top: parts > 0 ? rate.toFixed(rate < 10 ? 1 : 0) + '%' : '', a: hh, b: int(parts), cls: 'rate',
      tip: (d ? ymd(d) + ' ' : '') + hh + ' — ' + int(parts) + ' parts, ' + int(rej) + ' rejected (' + pct(rej, parts) + ')' };
  });
  return barChart(bars, 1340, 150, true, 24);
}

// ---- one card per inspection point ----
var CARD = [
  '<header class="card-head"><h2 data-r="name"></h2><span class="chip" data-r="trigger"></span><span class="chip" data-r="recipe"></span><span class="muted" data-r="model-head"></span></header>',
  '<div class="grid">',
  '<section class="panel a-last"><h3>Last part</h3>',
  '<div class="frame" data-r="frame"><img data-r="lastimg" alt="last frame" hidden><div class="noimg" data-r="lastnone">no frame yet</div></div>',
  '<div class="verdict v-none" data-r="verdict">NO PART YET</div><dl class="kv" data-r="lastinfo"></dl></section>',
  '<section class="panel a-reject"><h3>Last reject <span class="muted" data-r="rejhead"></span></h3><div class="pair">',
  '<figure><div class="frame small"><img data-r="rejimg" alt="last rejected part" hidden><div class="noimg" data-r="rejnone">no reject yet</div></div><figcaption>image</figcaption></figure>',
  '<figure><div class="frame small"><img data-r="heatimg" alt="occlusion heatmap of the last reject" hidden><div class="noimg" data-r="heatnone">no heatmap</div></div>',
  '<figcaption>heatmap: red = covering it drops the defect score</figcaption></figure></div><dl class="kv" data-r="rejinfo"></dl></section>',
  '<section class="panel a-counts"><h3>Counters</h3><div class="tiles">',
  '<div class="tile"><span>parts</span><b data-r="parts">–</b></div><div class="tile ok"><span>passed</span><b data-r="passed">–</b></div>',
  '<div class="tile bad"><span>rejected</span><b data-r="rejected">–</b></div><div class="tile warn"><span>fail-safe</span><b data-r="failsafe">–</b></div>',
  '<div class="tile bad wide"><span>reject rate</span><b data-r="rate">–</b></div></div>',
  '<h3>Rejects by reason</h3><table class="tbl" data-r="reasons"></table></section>',
  '<section class="panel a-model"><h3>Model &amp; settings</h3><dl class="kv" data-r="model"></dl>',
  '<div class="ctl controls"><label data-r="thrlabel">Threshold</label><input type="number" step="0.01" min="0" max="1" data-r="thr"><button data-r="apply">Apply</button>',
  '<label data-r="pathlabel">Model folder</label><input type="text" spellcheck="false" autocomplete="off" data-r="path"><button data-r="switch">Switch</button>',
  '<span></span><span class="muted" data-r="rbhint"></span><button class="warnbtn" data-r="rollback">Rollback</button></div>',
  '<p class="ro-note muted">read-only: set api.token_file or api.token_env in station.yaml to allow changes</p></section>',
  '<section class="panel a-latency"><h3>Decision latency (ms)</h3><div data-r="lat"></div><div class="muted" data-r="latsum"></div></section>',
  '<section class="panel a-shifts"><h3>Shifts today</h3><table class="tbl" data-r="shifts"></table></section>',
  '<section class="panel a-hourly"><h3>Reject rate per hour <span class="muted">(bar: % rejected · below: hour and parts)</span></h3><div data-r="hourly"></div></section>',
  '</div>'].join('');

function makeCard(name) {
  var el = document.createElement('article');
  el.className = 'card';
  el.innerHTML = CARD;
  el.id = 'point-' + name;
  el.dataset.point = name;
  var r = {};
  el.querySelectorAll('[data-r]').forEach(function (e) { r[e.dataset.r] = e; });
  var ids = { lastimg: 'last-image-', verdict: 'verdict-', parts: 'parts-', passed: 'passed-', rejected: 'rejected-', failsafe: 'failsafe-',
    rate: 'reject-rate-', rejimg: 'last-reject-image-', heatimg: 'last-reject-heatmap-', thr: 'threshold-', apply: 'apply-threshold-',
    path: 'model-path-', switch: 'switch-model-', rollback: 'rollback-' };
  Object.keys(ids).forEach(function (k) { r[k].id = ids[k] + name; r[k].setAttribute('data-testid', ids[k] + name); });
  r.thrlabel.htmlFor = r.thr.id;
  r.pathlabel.htmlFor = r.path.id;
  r.name.textContent = name;
  [['lastimg', 'lastnone'], ['rejimg', 'rejnone'], ['heatimg', 'heatnone']].forEach(function (p) {
    r[p[0]].addEventListener('error', function () { r[p[0]].hidden = true; r[p[1]].hidden = false; r[p[1]].textContent = 'image not available'; });
    r[p[0]].addEventListener('load', function () { r[p[0]].hidden = false; r[p[1]].hidden = true; });
  });
  r.apply.addEventListener('click', function () { applyThreshold(name, r.thr, r.apply); });
  r.thr.addEventListener('keydown', function (e) { if (e.key === 'Enter') applyThreshold(name, r.thr, r.apply); });
  r.switch.addEventListener('click', function () { switchModel(name, r.path, r.switch); });
  r.path.addEventListener('keydown', function (e) { if (e.key === 'Enter') switchModel(name, r.path, r.switch); });
  r.rollback.addEventListener('click', function () { post(pointPath(name, 'rollback'), undefined, name + ' rollback', r.rollback); });
  return { el: el, r: r };
}
function setImg(img, none, url, emptyText) {
  if (url) {
    if (img.getAttribute('src') !== url) img.src = url; // shown by its load handler, so the old frame stays until the new one is in
  } else {
    if (img.hasAttribute('src')) img.removeAttribute('src');
    img.hidden = true;
    none.hidden = false;
    setText(none, emptyText);
  }
}
function lastDetails(x, threshold) {
  return kv([['Part', '#' + (x.part == null ? '–' : x.part), 'big'],
    ['Score', fix(x.score, 3) + (isNum(threshold) ? '  (threshold ' + fix(threshold, 2) + ')' : ''), 'big'],
    ['Class', x['class'] == null ? '–' : x['class']],
    x.verdict !== 'pass' ? ['Reason', x.reason == null ? '–' : x.reason] : null,
    ['Latency', ms(x.latency_ms)], ['At', when(x.at)]]);
}
function fillCard(c, p) {
  var r = c.r, last = p.last, lr = p.last_reject;
  setText(r.trigger, p.trigger || '–');
  setText(r.recipe, 'recipe ' + (p.recipe || '–'));
  setText(r['model-head'], p.model || '');
  var vc = last ? vclass(last.verdict) : 'none';
  setImg(r.lastimg, r.lastnone, last ? withV(p.last_image, last.part) : safeUrl(p.last_image), 'no frame yet');
  r.frame.className = 'frame v-' + vc;
  setText(r.verdict, last ? String(last.verdict || '?').toUpperCase() : 'NO PART YET');
  r.verdict.className = 'verdict v-' + vc;
  setHTML(r.lastinfo, last ? lastDetails(last, p.threshold) : '');
  setImg(r.rejimg, r.rejnone, withV(p.last_reject_image, lr ? lr.part : null), 'no reject yet');
  setImg(r.heatimg, r.heatnone, withV(p.last_reject_heatmap, lr ? lr.part : null), lr ? 'no heatmap for this reject' : 'no heatmap');
  setText(r.rejhead, lr ? '#' + lr.part + ' · ' + when(lr.at) : '');
  setHTML(r.rejinfo, lr ? kv([['Verdict', String(lr.verdict || '?').toUpperCase()], ['Reason', lr.reason == null ? '–' : lr.reason],
    ['Score', fix(lr.score, 3)], ['Class', lr['class'] == null ? '–' : lr['class']]]) : '');
  setText(r.parts, int(p.parts));
  setText(r.passed, int(p.passed));
  setText(r.rejected, int(p.rejected));
  setText(r.failsafe, int(p.fail_safe));
  setText(r.rate, pct(p.rejected, p.parts));
  var reasons = p.rejects_by_reason && typeof p.rejects_by_reason === 'object' ? p.rejects_by_reason : {};
  var rk = Object.keys(reasons);
  setHTML(r.reasons, '<thead><tr><th>Reason</th><th class="n">Count</th><th class="n">Share</th></tr></thead><tbody>' +
    (rk.length ? rk.map(function (k) {
      var n = reasons[k];
      return '<tr' + (n ? '' : ' class="zero"') + '><td>' + esc(k) + (k === 'verdict' ? '' : ' <span class="muted">(fail-safe)</span>') +
        '</td><td class="n">' + esc(int(n)) + '</td><td class="n">' + esc(n ? pct(n, p.rejected) : '') + '</td></tr>';
    }).join('') : '<tr><td colspan="3" class="empty">no rejects</td></tr>') + '</tbody>');
  var band = isNum(p.uncertainty_band) && isNum(p.threshold) && p.uncertainty_band > 0
    ? fix(p.uncertainty_band, 3) + '  (uncertain ' + fix(p.threshold - p.uncertainty_band, 3) + '–' + fix(p.threshold + p.uncertainty_band, 3) + ')'
    : fix(p.uncertainty_band, 3);
  setHTML(r.model, kv([['Model', p.model || '–', 'big'], ['Folder', p.model_path || '–'], ['Previous', p.previous_model || 'none'],
    ['Threshold', fix(p.threshold, 3), 'big'], ['Uncertainty band', band], ['Recipe', p.recipe || '–'], ['Trigger', p.trigger || '–']]));
  var tv = isNum(p.threshold) ? String(p.threshold) : '';
  // follow the station's value unless the operator is editing the field
  if (document.activeElement !== r.thr && (r.thr.value === '' || r.thr.value === r.thr.dataset.synced)) { r.thr.value = tv; r.thr.dataset.synced = tv; }
  r.path.placeholder = p.model_path || '/path/to/model-folder';
  r.rollback.disabled = !p.previous_model;
  setText(r.rbhint, p.previous_model ? 'back to ' + p.previous_model : 'no previous model');
  var lat = latencyChart(p.latency_histogram);
  setHTML(r.lat, lat.svg);
  setText(r.latsum, lat.sum);
  var sh = Array.isArray(p.shifts) ? p.shifts : [];
  setHTML(r.shifts, '<thead><tr><th>Shift</th><th>Start</th><th class="n">Parts</th><th class="n">Rejected</th><th class="n">Rate</th></tr></thead><tbody>' +
    (sh.length ? sh.map(function (s) {
      return '<tr><td>' + esc(s.name) + '</td><td>' + esc(s.start) + '</td><td class="n">' + esc(int(s.parts)) + '</td><td class="n">' +
        esc(int(s.rejected)) + '</td><td class="n">' + esc(pct(s.rejected, s.parts)) + '</td></tr>';
    }).join('') : '<tr><td colspan="5" class="empty">no shifts configured</td></tr>') + '</tbody>');
  setHTML(r.hourly, hourlyChart(p.hourly));
}

// ---- whole-page render ----
function renderHeader(s) {
  setText($('station-name'), s.station || '–');
  document.title = 'Loupe · ' + (s.station || 'station');
  var b = $('run-badge');
  setText(b, s.paused ? 'PAUSED' : 'RUNNING');
  b.className = 'badge ' + (s.paused ? 'paused' : 'running');
  document.body.classList.toggle('is-paused', !!s.paused);
  var ro = s.token_required === false;
  document.body.classList.toggle('read-only', ro);
  $('btn-pause').disabled = ro || !!s.paused;
  $('btn-resume').disabled = ro || !s.paused;
  var st0 = $('status');
  if (st0.className === 'idle') setText(st0, ro ? 'Read-only view: this station accepts no changes from the dashboard.' : 'Changes (pause, threshold, model) need the operator token.');
  var now = parseDate(s.now), st = parseDate(s.started_at);
  setText($('clock'), now ? ymd(now) + ' ' + hms(now) : '–');
  setText($('uptime'), now && st ? 'up ' + dur(now - st) : '');
  var n = Array.isArray(s.alarms) ? s.alarms.length : 0;
  $('alarm-count').hidden = !n;
  setText($('alarm-count'), n + (n === 1 ? ' ALARM' : ' ALARMS'));
}
function renderPoints(s) {
  var pts = Array.isArray(s.points) ? s.points : [], box = $('points'), seen = new Set();
  pts.forEach(function (p, i) {
    var name = String(p.name);
    seen.add(name);
    var c = cards.get(name);
    if (!c) { c = makeCard(name); cards.set(name, c); }
    if (box.children[i] !== c.el) box.insertBefore(c.el, box.children[i] || null);
    fillCard(c, p);
  });
  cards.forEach(function (c, name) { if (!seen.has(name)) { c.el.remove(); cards.delete(name); } });
  $('no-points').hidden = pts.length > 0;
  var names = pts.map(function (p) { return String(p.name); });
  if (names.join('\n') !== pointNames) {
    pointNames = names.join('\n');
    var sel = $('filter-point'), keep = sel.value;
    sel.innerHTML = '<option value="all">all</option>' + names.map(function (n) { return '<option value="' + esc(n) + '">' + esc(n) + '</option>'; }).join('');
    sel.value = names.indexOf(keep) >= 0 ? keep : 'all';
  }
}
function renderRecent() {
  if (!state) return;
  var fv = $('filter-verdict').value, fp = $('filter-point').value, all = [];
  (state.points || []).forEach(function (p) {
    (Array.isArray(p.recent) ? p.recent : []).forEach(function (e) { all.push({ p: String(p.name), e: e, t: (parseDate(e.at) || new Date(0)).getTime() }); });
  });
  all.sort(function (a, b) { return b.t - a.t; });
  var rows = all.filter(function (x) { return (fv === 'all' || x.e.verdict === fv) && (fp === 'all' || x.p === fp); });
  setText($('recent-count'), 'showing ' + rows.length + ' of ' + all.length);
  setHTML($('recent-rows'), rows.length ? rows.map(function (x) {
    var e = x.e, u = safeUrl(e.image);
    var img = u ? '<a href="' + esc(u) + '" target="_blank" rel="noopener"><img class="thumb" loading="lazy" src="' + esc(u) + '" alt="part ' + esc(e.part) + '"></a>' : '<span class="muted">–</span>';
    return '<tr data-point="' + esc(x.p) + '" data-verdict="' + esc(e.verdict) + '"><td>' + img + '</td><td>' + timeTag(e.at) + '</td><td>' + esc(x.p) +
      '</td><td class="n">' + esc(e.part) + '</td><td>' + pill(e.verdict) + '</td><td>' + esc(e.verdict === 'pass' ? '' : e.reason) +
      '</td><td class="n">' + esc(fix(e.score, 3)) + '</td><td>' + esc(e['class']) + '</td><td class="n">' + esc(ms(e.latency_ms)) + '</td></tr>';
  }).join('') : '<tr><td colspan="9" class="empty">' + (all.length ? 'no results match the filters' : 'no results yet') + '</td></tr>');
}
function renderAlarms(s) {
  var a = Array.isArray(s.alarms) ? s.alarms : [];
  setHTML($('alarms'), a.length ? a.map(function (x) { return '<li>' + timeTag(x.at) + '<span>' + esc(x.message) + '</span></li>'; }).join('')
    : '<li class="empty">no alarms</li>');
}
function renderAudit(s) {
  var a = Array.isArray(s.audit) ? s.audit : [];
  setHTML($('audit-rows'), a.length ? a.map(function (x) {
    var ok = x.outcome === 'applied' || x.outcome === 'ok';
    return '<tr><td>' + timeTag(x.at) + '</td><td>' + esc(x.who) + '</td><td>' + esc(x.action) + '</td><td>' + esc(x.point == null ? '' : x.point) +
      '</td><td>' + esc(x.old == null ? '' : x.old) + '</td><td>' + esc(x['new'] == null ? '' : x['new']) + '</td><td><span class="pill ' + (ok ? 'ok' : 'bad') + '">' +
      esc(x.outcome) + '</span></td></tr>';
  }).join('') : '<tr><td colspan="7" class="empty">no changes yet</td></tr>');
}
function render(s, again) {
  if (!s || typeof s !== 'object') return;
  var a = parseDate(state && state.now), b = parseDate(s.now);
  if (!again && a && b && b < a) return; // an older answer (e.g. a slow fetch) after a newer event
  state = s;
  try {
    renderHeader(s);
    renderPoints(s);
    renderRecent();
    renderAlarms(s);
    renderAudit(s);
  } catch (e) {
    console.error('dashboard render failed', e);
    showStatus('display error: ' + (e && e.message || e), true);
    return;
  }
  if (!again) { updates += 1; document.body.dataset.updates = String(updates); }
}

// ---- connection ----
function setLive(on) {
  var el = $('live-indicator');
  el.classList.toggle('on', on);
  setText(el.lastElementChild, on ? 'live' : 'disconnected');
  el.dataset.state = on ? 'live' : 'disconnected';
  document.body.classList.toggle('stale', !on && updates > 0);
}
function refresh() {
  return fetch('/api/state', { cache: 'no-store' }).then(function (res) {
    if (!res.ok) throw new Error('HTTP ' + res.status);
    return res.json();
  }).then(function (s) { render(s); });
}
function connect() {
  if (source) source.close();
  var es = new EventSource('/api/events');
  source = es;
  es.onopen = function () { setLive(true); };
  es.onerror = function () {
    setLive(false);
    if (es.readyState === EventSource.CLOSED) { es.close(); if (source === es) setTimeout(connect, 3000); }
  };
  es.addEventListener('state', function (ev) {
    lastEvent = Date.now();
    setLive(true);
    var s;
    try { s = JSON.parse(ev.data); } catch (e) { console.error('bad state event', e); return; }
    render(s);
  });
}
setInterval(function () { if (lastEvent && Date.now() - lastEvent > 5000) setLive(false); }, 1000);

var tok = $('token');
try { tok.value = sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { /* storage unavailable */ }
tok.addEventListener('input', function () { try { sessionStorage.setItem(TOKEN_KEY, tok.value); } catch (e) { /* ignore */ } });
$('btn-pause').addEventListener('click', function () { post('/api/pause', undefined, 'pause', $('btn-pause')); });
$('btn-resume').addEventListener('click', function () { post('/api/resume', undefined, 'resume', $('btn-resume')); });
$('btn-reload').addEventListener('click', function () { post('/api/reload', undefined, 'reload', $('btn-reload')); });
$('ops').addEventListener('submit', function (e) { e.preventDefault(); });
$('filter-verdict').addEventListener('change', renderRecent);
$('filter-point').addEventListener('change', renderRecent);
setLive(false);
setText($('live-indicator').lastElementChild, 'connecting');
refresh().catch(function (e) { showStatus('could not read the station state: ' + (e && e.message || e), true); }).then(connect);
})();
</script>
</body>
</html>
"""#
}
