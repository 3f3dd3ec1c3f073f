/// The review page: one self-contained HTML file (inline CSS and JavaScript, no server, no outside
/// assets, no fetch; it works opened from `file://`) in which an inspector reviews image labels with
/// the keyboard alone.
///
/// It shows a contact sheet of the reviewed items (thumbnail beside its defect heatmap, name,
/// verdict, defect score, the model's class, the current label, the suspected-label-error score)
/// and a label book (one example image and the definition per class). The inspector confirms,
/// flips or sets the label of the selected item (`Enter`/`c`, `f`, `1`…`9`; each then moves to the
/// next item), undoes (`u`) and exports (`e`) the corrections as `corrections.csv`, with the header
/// `path,label,group,reviewer,reviewed_at,model,model_class,previous_label,action` (class names,
/// RFC 4180 quoting, `\n` line ends, one row per reviewed item, in item order). Every correction
/// records its provenance (`reviewer`, `at`, `model`, `modelClass`, `previousLabel` = the label in
/// the review data, `label`, `action`) and is kept in the browser's localStorage under a key made
/// from `sourceSha256`, so a reload restores it. The reviewer name is required before the first
/// correction; `?reviewer=NAME` or `#reviewer=NAME` in the URL fills it in.
///
/// The data goes in as JSON in place of `/*LOUPE_REVIEW_DATA*/`: `title`, `source`,
/// `sourceSha256`, `generatedAt`, `sort`, `classes`, `defectClasses`, `labelBook` (`class`, `item`
/// index, `definition`), `model`, `reviewer` and `items` (`path`, `name`, `sha256`, `thumb` and
/// `heat` as data URIs, `verdict`, `score`, `threshold`, `modelClass`, `probabilities`, `label`,
/// `labelSource`, `uncertainty`, `suspect`, `group`). Escaping every `<` in that JSON as `\u003c`
/// is safest: with only `</` escaped, a string holding both `<!--` and `<script` (a file name, say)
/// would keep the data's `<script>` element open and the page would not run. Images get their `src`
/// only as their card nears the viewport, so a sheet of many thousands of items opens quickly.
///
/// For automation the page marks `document.body` with `data-ready="1"`, `data-items`,
/// `data-loaded` (images given a source so far), `data-selected`, `data-reviewed`, `data-changed`
/// and `data-ready-ms`, and exposes `window.loupeReview` with `selected()` (the selected item's
/// index in `items`), `corrections()`, `exportText()` (the CSV an export writes now) and `loaded()`.
enum ReviewPageTemplate {
    /// The page; `/*LOUPE_REVIEW_DATA*/` is replaced by the review data as JSON (with "</" escaped as "<\/").
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Loupe label review</title>
    <link rel="icon" href="data:,">
    <style>
    :root{--bg:#f3f4f6;--card:#fff;--line:#d4d8de;--text:#1b2230;--muted:#5f6b7a;--rej:#c62828;--rej-bg:#fde8e8;
    --pass:#17803d;--pass-bg:#e3f5e9;--chg:#b54708;--chg-bg:#fff4e5;--sel:#1f6feb;--head:64px}
    *{box-sizing:border-box}
    [hidden]{display:none!important}
    html,body{margin:0;background:var(--bg);color:var(--text);font:14px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
    button,select,input{font:inherit;color:var(--text)}
    button{background:#fff;border:1px solid var(--line);border-radius:6px;padding:4px 10px;cursor:pointer;font-weight:600}
    button:hover{border-color:var(--sel)}
    select,input{background:#fff;border:1px solid var(--line);border-radius:6px;padding:4px 6px}
    input:focus,select:focus{outline:2px solid var(--sel);outline-offset:-1px}
    input.need{outline:3px solid var(--rej);outline-offset:-1px;background:var(--rej-bg)}
    kbd{display:inline-block;min-width:1.6em;text-align:center;font:600 12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
    background:#fff;border:1px solid #b9c0ca;border-bottom-width:2px;border-radius:4px;padding:0 4px;margin:1px 1px}
    header{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid var(--line);padding:8px 16px;
    display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center}
    header h1{font-size:18px;margin:0;font-weight:700;max-width:40vw;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
    .brand{font-weight:800;letter-spacing:.12em;font-size:12px;color:var(--muted)}
    .counts{display:flex;gap:12px;font-variant-numeric:tabular-nums}
    .counts b{font-size:16px}
    .counts .chg b{color:var(--chg)}
    .ctl{display:flex;gap:6px;align-items:center}
    .ctl label{color:var(--muted)}
    #reviewer{width:150px}
    .spacer{flex:1}
    #status{flex-basis:100%;min-height:20px;font-weight:600;color:var(--muted)}
    #status.ok{color:var(--pass)}
    #status.err{color:var(--rej)}
    .meta{flex-basis:100%;font-size:12px;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;margin-top:-4px}
    #book{margin:12px 16px 0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
    #book h2,aside h2{font-size:12px;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);margin:0 0 6px}
    .book{display:flex;gap:12px;overflow-x:auto;padding-bottom:2px}
    .bk{display:flex;gap:8px;min-width:240px;max-width:360px;border:1px solid var(--line);border-radius:6px;padding:6px;background:#fafbfc}
    .bk img,.bk .noex{width:72px;height:72px;flex:none;object-fit:contain;background:#e8eaee;border-radius:4px}
    .bk .noex{display:flex;align-items:center;justify-content:center;font-size:11px;color:var(--muted);text-align:center}
    .bk .cn{font-weight:700}
    .bk .cn.defect{color:var(--rej)}
    .bk .def{font-size:12px;color:var(--text);white-space:pre-wrap;overflow-wrap:anywhere}
    .bk .def.none{color:var(--muted);font-style:italic}
    .layout{display:grid;grid-template-columns:minmax(0,1fr) 290px;gap:14px;padding:12px 16px 40px;align-items:start}
    #grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(232px,1fr));gap:10px;align-content:start}
    .card{background:var(--card);border:2px solid var(--line);border-radius:8px;padding:6px;cursor:pointer;min-width:0;
    scroll-margin-top:calc(var(--head) + 10px);scroll-margin-bottom:12px;
    content-visibility:auto;contain-intrinsic-size:auto 232px auto 213px}
    .card.sel{border-color:var(--sel);box-shadow:0 0 0 3px rgba(31,111,235,.35)}
    .card.rev{background:#fbfdfb}
    .card.chg{background:var(--chg-bg);border-left:6px solid var(--chg)}
    .card.chg.sel{border-color:var(--sel);border-left-color:var(--chg)}
    .imgs{display:flex;gap:4px;height:104px}
    .imgs img{width:104px;height:104px;flex:none;object-fit:contain;background:#e8eaee;border-radius:4px;display:block}
    .card.nh .hm{display:none}
    .card.nh .imgs::after{content:"no heatmap";width:104px;height:104px;display:flex;align-items:center;justify-content:center;
    font-size:11px;color:var(--muted);background:#f1f2f4;border-radius:4px}
    body.noheat .hm,body.noheat .card.nh .imgs::after{display:none}
    .nm{margin-top:4px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;direction:ltr}
    .row{display:flex;gap:6px;align-items:baseline;white-space:nowrap;overflow:hidden;font-size:13px;font-variant-numeric:tabular-nums}
    .vd{font-weight:800;font-size:11px;letter-spacing:.06em;border-radius:4px;padding:0 5px}
    .vd.reject{background:var(--rej);color:#fff}
    .vd.pass{background:var(--pass);color:#fff}
    .mut{color:var(--muted)}
    .defect{color:var(--rej)}
    .lb{font-weight:600;overflow:hidden;text-overflow:ellipsis}
    .lb.none{color:var(--muted);font-weight:400;font-style:italic}
    .card.chg .lb{color:var(--chg);font-weight:800}
    .sp{font-weight:600}
    .sp.hi{color:#fff;background:#8a1c1c;border-radius:4px;padding:0 4px}
    .bd{margin-left:auto;font-size:11px;font-weight:800;letter-spacing:.04em;border-radius:4px;padding:0 5px}
    .bd.rev{background:var(--pass-bg);color:var(--pass)}
    .bd.chg{background:var(--chg);color:#fff}
    .bd.new{background:#e0ecff;color:#1849a9}
    aside{position:sticky;top:calc(var(--head) + 12px);max-height:calc(100vh - var(--head) - 24px);overflow:auto;display:flex;flex-direction:column;gap:12px}
    .panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
    .keys{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;align-items:center;font-size:13px}
    .keys dt{white-space:nowrap}
    .keys dd{margin:0}
    .kv{display:grid;grid-template-columns:auto minmax(0,1fr);gap:2px 10px;font-size:13px;margin:0}
    .kv dt{color:var(--muted)}
    .kv dd{margin:0;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
    .prob{display:grid;grid-template-columns:minmax(0,auto) 1fr 44px;gap:2px 6px;align-items:center;font-size:12px;margin-top:6px}
    .prob .bar{height:8px;background:#e8eaee;border-radius:4px;overflow:hidden}
    .prob .bar i{display:block;height:100%;background:#6b7a90}
    .prob .bar i.model{background:var(--sel)}
    .hist{font-size:12px;margin:6px 0 0;padding-left:16px}
    #empty{padding:30px;color:var(--muted);font-size:16px}
    @media (max-width:900px){.layout{grid-template-columns:minmax(0,1fr)}aside{position:static;max-height:none}header h1{max-width:90vw}}
    </style>
    </head>
    <body>
    <header id="head">
      <span class="brand">LOUPE REVIEW</span>
      <h1 id="title">Label review</h1>
      <div class="counts"><span><b id="n-items">0</b> items</span><span><b id="n-reviewed">0</b> reviewed</span><span class="chg"><b id="n-changed">0</b> changed</span><span id="new-wrap" hidden><b id="n-new">0</b> newly labelled</span></div>
      <span class="spacer"></span>
      <div class="ctl"><label for="reviewer">Reviewer</label><input id="reviewer" type="text" autocomplete="off" spellcheck="false" placeholder="your name"></div>
      <div class="ctl"><label for="sort">Sort</label><select id="sort">
        <option value="given">as given</option>
        <option value="uncertainty">by uncertainty</option>
        <option value="suspect">by suspected label error</option>
        <option value="score">by defect score</option>
      </select></div>
      <div class="ctl"><button id="btn-export" type="button" title="e">Export corrections.csv</button><button id="btn-book" type="button" title="b">Label book</button><button id="btn-help" type="button" title="?">Shortcuts</button></div>
      <div class="meta" id="meta"></div>
      <div id="status" role="status" aria-live="polite"></div>
    </header>
    <section id="book" aria-label="Label book"><h2>Label book <span class="mut">(<kbd>b</kbd> hides)</span></h2><div class="book" id="book-list"></div></section>
    <div class="layout">
      <main id="grid" aria-label="Contact sheet"></main>
      <aside>
        <section class="panel" id="help" aria-label="Keyboard shortcuts">
          <h2>Shortcuts <span class="mut">(<kbd>?</kbd> hides)</span></h2>
          <dl class="keys">
            <dt><kbd>→</kbd><kbd>j</kbd></dt><dd>next item</dd>
            <dt><kbd>←</kbd><kbd>k</kbd></dt><dd>previous item</dd>
            <dt><kbd>↓</kbd><kbd>↑</kbd></dt><dd>one row down / up</dd>
            <dt><kbd>PgDn</kbd><kbd>PgUp</kbd></dt><dd>one screen down / up</dd>
            <dt><kbd>Home</kbd><kbd>End</kbd></dt><dd>first / last item</dd>
            <dt><kbd>n</kbd></dt><dd>next item not yet reviewed</dd>
            <dt><kbd>Enter</kbd><kbd>c</kbd></dt><dd>confirm the current label (or the model's class when there is none), then next</dd>
            <dt><kbd>f</kbd></dt><dd>flip the label, then next</dd>
            <dt id="digit-keys"><kbd>1</kbd>…<kbd>9</kbd></dt><dd id="digit-help">set class 1…9, then next</dd>
            <dt><kbd>u</kbd></dt><dd>undo the last correction</dd>
            <dt><kbd>e</kbd></dt><dd>export corrections.csv</dd>
            <dt><kbd>h</kbd></dt><dd>show / hide heatmaps</dd>
            <dt><kbd>s</kbd></dt><dd>next sort order</dd>
            <dt><kbd>b</kbd></dt><dd>show / hide the label book</dd>
            <dt><kbd>?</kbd></dt><dd>show / hide these shortcuts</dd>
            <dt><kbd>Esc</kbd></dt><dd>leave the reviewer field</dd>
          </dl>
          <p class="mut" style="font-size:12px;margin:6px 0 0">Flip: with two classes, the other class; with more, the model's class when it differs from the label, else the next most probable class.</p>
        </section>
        <section class="panel" aria-label="Selected item"><h2>Selected</h2><div id="detail" class="mut">Nothing selected.</div></section>
      </aside>
    </div>
    <script type="application/json" id="loupe-data">/*LOUPE_REVIEW_DATA*/</script>
    <script>
    (function () {
      'use strict';
      var body = document.body;
      function $(id) { return document.getElementById(id); }
      function say(text, kind) { var s = $('status'); s.textContent = text || ''; s.className = kind || ''; }
      function num(v, missing) { return typeof v === 'number' && isFinite(v) ? v : missing; }
      function fixed(v, digits) { return typeof v === 'number' && isFinite(v) ? v.toFixed(digits) : '–'; }
      function storeGet(key) { try { return window.localStorage.getItem(key); } catch (err) { return null; } }
      function storeSet(key, value) { try { window.localStorage.setItem(key, value); return true; } catch (err) { return false; } }

      var data = null;
      try { data = JSON.parse($('loupe-data').textContent); } catch (err) { data = null; }
      var api = { selected: function () { return -1; }, corrections: function () { return []; },
                  exportText: function () { return ''; }, loaded: function () { return 0; } };
      window.loupeReview = api;
      if (!data || typeof data !== 'object' || !Array.isArray(data.items)) {
        var g = $('grid'), e = document.createElement('div');
        e.id = 'empty'; e.textContent = 'This page holds no review data.'; g.appendChild(e);
        body.setAttribute('data-items', '0'); body.setAttribute('data-loaded', '0'); body.setAttribute('data-ready', '1');
        return;
      }

      var items = data.items, n = items.length;
      var classes = Array.isArray(data.classes) ? data.classes.map(String) : [];
      var defects = {};
      (Array.isArray(data.defectClasses) ? data.defectClasses : []).forEach(function (c) { defects[c] = true; });
      var keyBase = 'loupe.review.' + (data.sourceSha256 || data.source || 'unknown');
      var correctionsKey = keyBase + '.corrections';
      var uiKey = 'loupe.review.ui';
      var reviewerKey = 'loupe.review.reviewer';
      var HEADER = 'path,label,group,reviewer,reviewed_at,model,model_class,previous_label,action';

      function className(k) {
        if (k === null || k === undefined) return '';
        return k >= 0 && k < classes.length ? classes[k] : String(k);
      }
      function validClass(k) { return typeof k === 'number' && k >= 0 && k < classes.length && Math.floor(k) === k; }

      // ---------- corrections: an ordered log, the latest per item in effect ----------
      var corrections = [];      // this page's items, oldest first
      var foreign = [];          // stored for the same source but not among these items: kept, never shown
      var latest = new Array(n); // item index -> its latest correction
      var pathIndex = new Map();
      items.forEach(function (it, i) { if (!pathIndex.has(it.path)) pathIndex.set(it.path, i); });
      (function restore() {
        var raw = storeGet(correctionsKey), stored = null;
        if (raw) { try { stored = JSON.parse(raw); } catch (err) { stored = null; } }
        var list = stored && Array.isArray(stored.corrections) ? stored.corrections : [];
        list.forEach(function (c) {
          if (!c || typeof c !== 'object') return;
          var i = pathIndex.get(c.path);
          if (i === undefined) { foreign.push(c); return; }
          c.item = i; corrections.push(c); latest[i] = c;
        });
      })();
      function save() {
        var ok = storeSet(correctionsKey, JSON.stringify({ version: 1, source: data.source || '', corrections: foreign.concat(corrections) }));
        if (!ok) say('Could not save the corrections in this browser (storage full or blocked): export them now.', 'err');
      }
      function currentLabel(i) {
        var c = latest[i];
        if (c) return c.label;
        var l = items[i].label;
        return l === null || l === undefined ? null : l;
      }
      function givenLabel(i) { var l = items[i].label; return l === null || l === undefined ? null : l; }
      function isChanged(i) { var c = latest[i]; return !!c && givenLabel(i) !== null && c.label !== givenLabel(i); }
      function isNew(i) { return !!latest[i] && givenLabel(i) === null; }

      // ---------- reviewer ----------
      var reviewerInput = $('reviewer');
      (function initReviewer() {
        var fromUrl = null;
        try {
          var q = new URLSearchParams(location.search), h = new URLSearchParams(location.hash.replace(/^#/, ''));
          fromUrl = q.get('reviewer') || h.get('reviewer');
        } catch (err) { fromUrl = null; }
        var name = fromUrl || storeGet(reviewerKey) || data.reviewer || '';
        reviewerInput.value = name;
        if (fromUrl) storeSet(reviewerKey, fromUrl);
      })();
      function reviewerName() { return reviewerInput.value.trim(); }
      reviewerInput.addEventListener('input', function () {
        storeSet(reviewerKey, reviewerInput.value.trim());
        if (reviewerName()) reviewerInput.classList.remove('need');
      });
      reviewerInput.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === 'Escape') {
          e.preventDefault(); e.stopPropagation(); reviewerInput.blur();
          if (reviewerName()) say('Reviewer: ' + reviewerName() + '. Keys act on the contact sheet again.', 'ok');
        }
      });
      function needReviewer() {
        reviewerInput.classList.add('need');
        reviewerInput.focus();
        say('Type your name in Reviewer first (every correction records who made it), then press Enter or Esc.', 'err');
      }

      // ---------- header ----------
      $('title').textContent = data.title || 'Label review';
      document.title = (data.title || 'Label review') + ' – Loupe';
      $('meta').textContent = [data.source ? 'source ' + data.source : '', data.model ? 'model ' + data.model : '',
        data.generatedAt ? 'generated ' + data.generatedAt : '', data.sort ? 'given order: ' + (data.sort === 'errors' ? 'suspected label errors first' : 'by ' + data.sort) : '']
        .filter(Boolean).join('  ·  ');
      $('meta').title = $('meta').textContent;
      var givenOption = $('sort').querySelector('option[value=given]');
      if (data.sort) givenOption.textContent = 'as given (' + (data.sort === 'errors' ? 'suspected errors' : data.sort) + ')';
      (function digitHelp() {
        var k = Math.min(9, classes.length);
        if (k === 0) { $('digit-help').textContent = 'set class (no classes in this review)'; return; }
        $('digit-keys').innerHTML = k === 1 ? '<kbd>1</kbd>' : '<kbd>1</kbd>…<kbd>' + k + '</kbd>';
        $('digit-help').textContent = 'set ' + classes.slice(0, k).map(function (c, j) { return (j + 1) + ' = ' + c; }).join(', ') + ', then next';
      })();
      function counts() {
        var reviewed = 0, changed = 0, fresh = 0;
        for (var i = 0; i < n; i++) if (latest[i]) { reviewed++; if (isChanged(i)) changed++; else if (isNew(i)) fresh++; }
        $('n-items').textContent = n; $('n-reviewed').textContent = reviewed; $('n-changed').textContent = changed;
        $('n-new').textContent = fresh; $('new-wrap').hidden = fresh === 0;
        body.setAttribute('data-reviewed', String(reviewed)); body.setAttribute('data-changed', String(changed));
      }
      function measureHead() { document.documentElement.style.setProperty('--head', $('head').offsetHeight + 'px'); }

      // ---------- images: set src only when needed ----------
      var loaded = 0;
      function setSrc(img, uri) {
        if (!img || img.getAttribute('src') || typeof uri !== 'string' || !uri) return;
        img.src = uri; loaded++;
      }
      function publishLoaded() { body.setAttribute('data-loaded', String(loaded)); }

      // ---------- contact sheet ----------
      var grid = $('grid');
      var proto = document.createElement('div');
      proto.className = 'card';
      proto.innerHTML = '<div class="imgs"><img class="th" alt="" width="104" height="104" decoding="async">' +
        '<img class="hm" alt="" width="104" height="104" decoding="async"></div>' +
        '<div class="nm"></div>' +
        '<div class="row"><span class="vd"></span><span class="sc"></span></div>' +
        '<div class="row"><span class="mut">model</span><span class="mc"></span></div>' +
        '<div class="row"><span class="mut">label</span><span class="lb"></span></div>' +
        '<div class="row"><span class="sp"></span><span class="un mut"></span><span class="bd"></span></div>';
      var cards = new Array(n), cardLoaded = new Uint8Array(n);
      function buildCard(i) {
        var it = items[i], c = proto.cloneNode(true), ch = c.children;
        c.setAttribute('data-i', i);
        if (!it.heat) c.className = 'card nh';
        var nm = ch[1]; nm.textContent = it.name || it.path || ('item ' + i); nm.title = it.path || '';
        var r1 = ch[2].children, reject = it.verdict === 'reject';
        r1[0].textContent = reject ? 'REJECT' : (it.verdict === 'pass' ? 'PASS' : String(it.verdict || '?').toUpperCase());
        r1[0].className = 'vd ' + (reject ? 'reject' : 'pass');
        r1[1].textContent = 'score ' + fixed(it.score, 3) + ' / ' + fixed(it.threshold, 2);
        var mc = ch[3].children[1], p = Array.isArray(it.probabilities) ? it.probabilities[it.modelClass] : undefined;
        mc.textContent = className(it.modelClass) + (typeof p === 'number' ? ' ' + Math.round(p * 100) + '%' : '');
        if (defects[it.modelClass]) mc.className = 'mc defect';
        var r4 = ch[5].children;
        if (it.suspect !== null && it.suspect !== undefined) {
          r4[0].textContent = 'suspect ' + fixed(it.suspect, 2);
          if (it.suspect >= 0.5) r4[0].className = 'sp hi';
        }
        r4[1].textContent = 'unc ' + fixed(it.uncertainty, 2);
        cards[i] = c;
        paintLabel(i);
        return c;
      }
      function paintLabel(i) {
        var c = cards[i]; if (!c) return;
        var ch = c.children, lb = ch[4].children[1], bd = ch[5].children[2];
        var cur = currentLabel(i), corr = latest[i], it = items[i];
        if (cur === null) { lb.textContent = 'none'; lb.className = 'lb none'; }
        else {
          lb.className = defects[cur] ? 'lb defect' : 'lb';
          if (isChanged(i)) lb.textContent = className(cur) + ' (was ' + className(givenLabel(i)) + ')';
          else lb.textContent = className(cur) + (corr ? '' : (it.labelSource ? ' · ' + it.labelSource : ''));
        }
        c.classList.toggle('rev', !!corr);
        c.classList.toggle('chg', isChanged(i));
        if (!corr) { bd.textContent = ''; bd.className = 'bd'; }
        else if (isChanged(i)) { bd.textContent = 'CHANGED'; bd.className = 'bd chg'; }
        else if (isNew(i)) { bd.textContent = 'LABELLED'; bd.className = 'bd new'; }
        else { bd.textContent = '✓ ' + corr.action.toUpperCase(); bd.className = 'bd rev'; }
        bd.title = corr ? corr.action + ' by ' + corr.reviewer + ' at ' + corr.at : '';
      }
      function loadCard(i) {
        if (cardLoaded[i]) return;
        cardLoaded[i] = 1;
        var imgs = cards[i].children[0].children;
        setSrc(imgs[0], items[i].thumb);
        if (items[i].heat) setSrc(imgs[1], items[i].heat);
      }

      var order = [], posOf = new Int32Array(n), pos = -1;
      (function render() {
        var frag = document.createDocumentFragment();
        for (var i = 0; i < n; i++) { frag.appendChild(buildCard(i)); order.push(i); posOf[i] = i; }
        grid.appendChild(frag);
      })();
      var observer = null;
      if ('IntersectionObserver' in window) {
        observer = new IntersectionObserver(function (entries) {
          for (var k = 0; k < entries.length; k++) {
            var en = entries[k];
            if (!en.isIntersecting) continue;
            var i = +en.target.getAttribute('data-i');
            loadCard(i); observer.unobserve(en.target);
          }
          publishLoaded();
        }, { rootMargin: '600px 0px 600px 0px' });
        for (var i = 0; i < n; i++) observer.observe(cards[i]);
      } else {
        for (var j = 0; j < n; j++) loadCard(j);
      }

      grid.addEventListener('click', function (e) {
        var c = e.target.closest ? e.target.closest('.card') : null;
        if (c) select(posOf[+c.getAttribute('data-i')], false);
      });

      // ---------- selection and details ----------
      function esc(s) { return String(s).replace(/[&<>"']/g, function (ch) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]; }); }
      function detail(i) {
        var it = items[i], cur = currentLabel(i), rows = [];
        function kv(k, v) { rows.push('<dt>' + esc(k) + '</dt><dd>' + v + '</dd>'); }
        kv('name', esc(it.name || ''));
        kv('path', esc(it.path || ''));
        if (it.group !== null && it.group !== undefined) kv('group', esc(it.group));
        kv('verdict', '<span class="' + (it.verdict === 'reject' ? 'defect' : '') + '">' + esc(it.verdict || '') + '</span>, score ' + fixed(it.score, 3) + ' (threshold ' + fixed(it.threshold, 3) + ')');
        kv('model', esc(className(it.modelClass)));
        kv('label', cur === null ? '<i>none</i>' : esc(className(cur)) + (latest[i] ? ' (reviewed)' : it.labelSource ? ' (' + esc(it.labelSource) + ')' : ''));
        if (latest[i] || givenLabel(i) !== null) kv('in the data', givenLabel(i) === null ? '<i>none</i>' : esc(className(givenLabel(i))) + (it.labelSource ? ' (' + esc(it.labelSource) + ')' : ''));
        kv('uncertainty', fixed(it.uncertainty, 3));
        if (it.suspect !== null && it.suspect !== undefined) kv('suspect', fixed(it.suspect, 3));
        if (it.sha256) kv('sha256', '<span title="' + esc(it.sha256) + '">' + esc(String(it.sha256).slice(0, 16)) + '…</span>');
        var html = '<dl class="kv">' + rows.join('') + '</dl>';
        if (Array.isArray(it.probabilities) && classes.length) {
          html += '<div class="prob">';
          classes.forEach(function (c, k) {
            var p = num(it.probabilities[k], 0);
            html += '<span>' + (k < 9 ? '<kbd>' + (k + 1) + '</kbd> ' : '') + esc(c) + '</span><span class="bar"><i class="' + (k === it.modelClass ? 'model' : '') +
              '" style="width:' + Math.max(0, Math.min(100, p * 100)).toFixed(1) + '%"></i></span><span>' + (p * 100).toFixed(1) + '%</span>';
          });
          html += '</div>';
        }
        var hist = corrections.filter(function (c) { return c.item === i; });
        if (hist.length) {
          html += '<ol class="hist">' + hist.map(function (c) {
            return '<li>' + esc(c.action) + ' → ' + esc(className(c.label)) + ' by ' + esc(c.reviewer) + ' at ' + esc(c.at) + '</li>';
          }).join('') + '</ol>';
        }
        $('detail').className = ''; $('detail').innerHTML = html;
      }
      function select(p, scroll) {
        if (!n) return;
        p = Math.max(0, Math.min(n - 1, p));
        if (pos >= 0 && pos < n) cards[order[pos]].classList.remove('sel');
        pos = p;
        var i = order[pos], c = cards[i];
        c.classList.add('sel');
        loadCard(i); publishLoaded();
        body.setAttribute('data-selected', String(i));
        detail(i);
        if (scroll && pos === 0) window.scrollTo(0, 0);
        else if (scroll) c.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
      function columns() {
        var cols = getComputedStyle(grid).gridTemplateColumns.split(' ').filter(Boolean).length;
        return Math.max(1, cols || 1);
      }
      function pageRows() {
        var c = cards[order[Math.max(0, pos)]], h = c ? c.offsetHeight + 10 : 200;
        return Math.max(1, Math.floor((window.innerHeight - $('head').offsetHeight) / h));
      }

      // ---------- actions ----------
      function isoNow() { return new Date().toISOString().replace(/\.\d+Z$/, 'Z'); }
      function flipTarget(it, cur) {
        var m = it.modelClass, base = cur !== null ? cur : m;
        if (classes.length < 2) return null;
        if (classes.length === 2) return validClass(base) ? 1 - base : null;
        if (cur !== null && validClass(m) && m !== cur) return m;
        var probs = Array.isArray(it.probabilities) ? it.probabilities : [];
        var ranked = classes.map(function (_, k) { return k; })
          .sort(function (a, b) { return num(probs[b], -1) - num(probs[a], -1) || a - b; });
        for (var k = 0; k < ranked.length; k++) if (ranked[k] !== base) return ranked[k];
        return null;
      }
      function act(kind, cls) {
        if (!n) return;
        if (!reviewerName()) { needReviewer(); return; }
        if (pos < 0) select(0, true);
        var i = order[pos], it = items[i], cur = currentLabel(i), label;
        if (kind === 'confirm') label = cur !== null ? cur : it.modelClass;
        else if (kind === 'flip') label = flipTarget(it, cur);
        else label = cls;
        if (!validClass(label)) {
          say(kind === 'set' ? 'There is no class ' + (cls + 1) + ' (classes: ' + classes.map(function (c, k) { return (k + 1) + ' ' + c; }).join(', ') + ').'
            : 'Cannot ' + kind + ' ' + (it.name || it.path) + ': no class to ' + kind + ' to.', 'err');
          return;
        }
        var rec = { item: i, path: it.path, sha256: it.sha256 || null, reviewer: reviewerName(), at: isoNow(),
                    model: data.model || '', modelClass: validClass(it.modelClass) ? it.modelClass : null,
                    previousLabel: givenLabel(i), label: label, action: kind };
        corrections.push(rec); latest[i] = rec;
        save(); paintLabel(i); counts();
        say((kind === 'confirm' ? 'Confirmed ' : kind === 'flip' ? 'Flipped ' : 'Set ') + (it.name || it.path) + ' → ' + className(label) +
            (isChanged(i) ? ' (was ' + className(givenLabel(i)) + ')' : '') + '.', 'ok');
        if (pos < n - 1) select(pos + 1, true); else { detail(i); say($('status').textContent + ' That was the last item.', 'ok'); }
      }
      function undo() {
        var rec = corrections.pop();
        if (!rec) { say('Nothing to undo.', ''); return; }
        var i = rec.item, prev;
        for (var k = corrections.length - 1; k >= 0; k--) if (corrections[k].item === i) { prev = corrections[k]; break; }
        latest[i] = prev;
        save(); paintLabel(i); counts();
        select(posOf[i], true);
        say('Undid ' + rec.action + ' of ' + (items[i].name || items[i].path) + ' → ' + className(rec.label) + '.', 'ok');
      }
      function csvField(v) {
        var s = v === null || v === undefined ? '' : String(v);
        return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
      }
      function exportText() {
        var lines = [HEADER];
        for (var i = 0; i < n; i++) {
          var c = latest[i]; if (!c) continue;
          var g = items[i].group;
          lines.push([items[i].path, className(c.label), g === null || g === undefined ? '' : g, c.reviewer, c.at,
                      c.model, className(c.modelClass), className(c.previousLabel), c.action].map(csvField).join(','));
        }
        return lines.join('\n') + '\n';
      }
      var lastExport = null;
      function exportCsv() {
        var text = exportText(), rows = text.split('\n').length - 2;
        lastExport = text;
        try {
          var url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
          var a = document.createElement('a');
          a.href = url; a.download = 'corrections.csv'; a.style.display = 'none';
          body.appendChild(a); a.click(); body.removeChild(a);
          setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
          say('Exported ' + rows + ' reviewed item' + (rows === 1 ? '' : 's') + ' to corrections.csv.', 'ok');
        } catch (err) {
          say('Export failed: ' + err, 'err');
        }
        body.setAttribute('data-exports', String(+(body.getAttribute('data-exports') || 0) + 1));
      }

      // ---------- panels, heatmaps, sorting ----------
      var ui = {};
      try { ui = JSON.parse(storeGet(uiKey) || '{}') || {}; } catch (err) { ui = {}; }
      function saveUi() { storeSet(uiKey, JSON.stringify(ui)); }
      var bookBuilt = false;
      function buildBook() {
        if (bookBuilt) return;
        bookBuilt = true;
        var list = $('book-list'), byClass = {};
        (Array.isArray(data.labelBook) ? data.labelBook : []).forEach(function (b) { if (b && byClass[b.class] === undefined) byClass[b.class] = b; });
        if (!classes.length) { list.textContent = 'No classes.'; return; }
        classes.forEach(function (name, k) {
          var b = byClass[k] || {}, box = document.createElement('div'), it = typeof b.item === 'number' ? items[b.item] : null;
          box.className = 'bk';
          if (it && it.thumb) {
            var img = document.createElement('img'); img.alt = name; img.title = it.name || it.path || ''; img.width = 72; img.height = 72;
            setSrc(img, it.thumb); box.appendChild(img);
          } else {
            var none = document.createElement('div'); none.className = 'noex'; none.textContent = 'no example'; box.appendChild(none);
          }
          var txt = document.createElement('div'), cn = document.createElement('div'), def = document.createElement('div');
          cn.className = 'cn' + (defects[k] ? ' defect' : '');
          cn.textContent = (k < 9 ? (k + 1) + ' · ' : '') + name + (defects[k] ? ' (defect)' : '');
          def.className = 'def' + (b.definition ? '' : ' none');
          def.textContent = b.definition || 'no definition given';
          txt.appendChild(cn); txt.appendChild(def);
          if (it) { var ex = document.createElement('div'); ex.className = 'mut'; ex.style.fontSize = '11px'; ex.textContent = 'e.g. ' + (it.name || it.path); txt.appendChild(ex); }
          box.appendChild(txt); list.appendChild(box);
        });
        publishLoaded();
      }
      function showBook(on) {
        $('book').hidden = !on; ui.book = on; saveUi();
        if (on) buildBook();
      }
      function showHelp(on) { $('help').hidden = !on; ui.help = on; saveUi(); }
      function showHeat(on) { body.classList.toggle('noheat', !on); ui.heat = on; saveUi(); }
      var sortModes = ['given', 'uncertainty', 'suspect', 'score'];
      function sortBy(mode) {
        if (sortModes.indexOf(mode) < 0) mode = 'given';
        var keep = pos >= 0 ? order[pos] : -1, idx = new Array(n);
        for (var i = 0; i < n; i++) idx[i] = i;
        var key = null;
        if (mode === 'uncertainty') key = function (it) { return num(it.uncertainty, -1); };
        if (mode === 'suspect') key = function (it) { return num(it.suspect, -1); };
        if (mode === 'score') key = function (it) { return num(it.score, -1); };
        if (key) {
          var keys = items.map(key);
          idx.sort(function (a, b) { return keys[b] - keys[a] || a - b; });
        }
        order = idx;
        var frag = document.createDocumentFragment();
        for (var k = 0; k < n; k++) { posOf[idx[k]] = k; frag.appendChild(cards[idx[k]]); }
        grid.appendChild(frag);
        $('sort').value = mode;
        if (keep >= 0) { pos = -1; select(posOf[keep], true); }
      }
      $('sort').addEventListener('change', function () { sortBy($('sort').value); $('sort').blur(); });
      $('btn-export').addEventListener('click', function () { this.blur(); exportCsv(); });
      $('btn-book').addEventListener('click', function () { this.blur(); showBook($('book').hidden); measureHead(); });
      $('btn-help').addEventListener('click', function () { this.blur(); showHelp($('help').hidden); });

      // ---------- keyboard ----------
      document.addEventListener('keydown', function (e) {
        if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
        var t = e.target, tag = t && t.tagName;
        if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable)) return;
        if (tag === 'BUTTON' && (e.key === 'Enter' || e.key === ' ')) return;
        var k = e.key, handled = true, labelling = false;
        switch (k) {
          case 'ArrowRight': case 'j': select(pos + 1, true); break;
          case 'ArrowLeft': case 'k': select(pos - 1, true); break;
          case 'ArrowDown': select(pos + columns(), true); break;
          case 'ArrowUp': select(pos - columns(), true); break;
          case 'PageDown': select(pos + columns() * pageRows(), true); break;
          case 'PageUp': select(pos - columns() * pageRows(), true); break;
          case 'Home': select(0, true); break;
          case 'End': select(n - 1, true); break;
          case 'n': {
            var found = -1;
            for (var s = 1; s <= n; s++) { var q = (pos + s) % n; if (!latest[order[q]]) { found = q; break; } }
            if (found >= 0) select(found, true); else say('Every item has been reviewed.', 'ok');
            break;
          }
          case 'Enter': case 'c': labelling = true; if (!e.repeat) act('confirm'); break;
          case 'f': labelling = true; if (!e.repeat) act('flip'); break;
          case 'u': undo(); break;
          case 'e': exportCsv(); break;
          case 'h': showHeat(body.classList.contains('noheat')); break;
          case 'b': showBook($('book').hidden); measureHead(); break;
          case '?': showHelp($('help').hidden); break;
          case 's': sortBy(sortModes[(sortModes.indexOf($('sort').value) + 1) % sortModes.length]); break;
          case 'Escape': say('', ''); break;
          default:
            if (/^[1-9]$/.test(k)) { labelling = true; if (!e.repeat) act('set', +k - 1); }
            else handled = false;
        }
        if (handled || labelling) e.preventDefault();
      });

      // ---------- start ----------
      showHelp(ui.help !== false);
      showHeat(ui.heat !== false);
      showBook(ui.book !== false);
      measureHead();
      window.addEventListener('resize', measureHead);
      counts();
      if (n) select(0, false);
      if (corrections.length) say('Restored ' + corrections.length + ' correction' + (corrections.length === 1 ? '' : 's') + ' saved in this browser.', 'ok');
      else if (!reviewerName()) say('Type your name in Reviewer, press Esc, then use the keys on the right.', '');

      api.selected = function () { return pos >= 0 ? order[pos] : -1; };
      api.corrections = function () { return corrections.map(function (c) { return JSON.parse(JSON.stringify(c)); }); };
      api.exportText = function () { return exportText(); };
      api.lastExport = function () { return lastExport; };
      api.loaded = function () { return loaded; };
      publishLoaded();
      body.setAttribute('data-items', String(n));
      body.setAttribute('data-ready-ms', String(Math.round(window.performance ? performance.now() : 0)));
      body.setAttribute('data-ready', '1');
    })();
    </script>
    </body>
    </html>
    """#
}
