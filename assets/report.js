// nullsight HTML report: sortable and filterable tables, the timeline and the graph.
// Plain JavaScript, no library, no network. Data comes from the JSON element #ns-data and is
// only ever written with textContent / setAttribute: strings from logs are never parsed as HTML.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, not a request
  var data = {};
  try {
    data = JSON.parse(document.getElementById('ns-data').textContent) || {};
  } catch (e) {
    data = {};
  }
  window.nullsightReport = { data: data, rendered: false };

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function title(parent, s) {
    var t = svg('title', {}, parent);
    t.textContent = s;
    return t;
  }
  function text(parent, x, y, s, attrs) {
    var a = attrs || {};
    a.x = x;
    a.y = y;
    var t = svg('text', a, parent);
    t.textContent = s;
    return t;
  }
  function fmt(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  }
  function clip(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '\u2026' : s;
  }
  function iso(t) {
    return new Date(t * 1000).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z');
  }

  // ---- tables: click a header to sort, type to filter ----
  function cellKey(td) {
    var v = td.getAttribute('data-v');
    if (v !== null && v !== '') return { n: parseFloat(v) };
    return { s: td.textContent.trim().toLowerCase() };
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.data'), function (table) {
    var ths = table.querySelectorAll('thead th');
    Array.prototype.forEach.call(ths, function (th, col) {
      th.setAttribute('tabindex', '0');
      th.setAttribute('title', 'Sort by ' + th.textContent);
      function sort() {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(ths, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a.cells[col]), y = cellKey(b.cells[col]);
          if (x.n !== undefined && y.n !== undefined) return (x.n - y.n) * dir;
          if (x.n !== undefined) return -1;
          if (y.n !== undefined) return 1;
          return (x.s < y.s ? -1 : x.s > y.s ? 1 : 0) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('input.filter'), function (input) {
    var table = document.getElementById(input.getAttribute('data-table'));
    var count = document.getElementById(input.getAttribute('data-table') + '-count');
    if (!table) return;
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase();
      var shown = 0, rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var ok = !q || rows[i].textContent.toLowerCase().indexOf(q) >= 0;
        rows[i].style.display = ok ? '' : 'none';
        if (ok) shown++;
      }
      if (count) count.textContent = q ? fmt(shown) + ' of ' + fmt(rows.length) + ' rows' : fmt(rows.length) + ' rows';
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('input.cardfilter'), function (input) {
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(document.querySelectorAll('article.card'), function (c) {
        c.style.display = !q || c.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
      });
    });
  });

  var agg = data.aggregate;
  var FAMILY_COLORS = {
    logon: '#4e79a7', logon_failure: '#9c755f', explicit_credentials: '#76b7b2',
    special_privileges: '#bab0ac', credential_validation: '#59a14f', ntlm_outgoing: '#b07aa1',
    ntlm_incoming: '#8cd17d', ntlm_domain: '#499894', ntlm_passthrough: '#86bcb6',
    ntlm_blocked: '#edc948', share_access: '#a0cbe8', computer_account_change: '#d4a6c8',
    netlogon: '#79706e', sql_login_failure: '#d37295'
  };
  var ANON = '#d62728', V1 = '#f28e2b', PLAIN = '#9aa3ad';

  // ---- timeline: stacked bars by family; anonymous (red) and NTLMv1 (orange) on top ----
  // One slot per bucket that has events; a long quiet stretch is drawn as a break (with its
  // length), so bursts months apart stay readable.
  function dur(s) {
    if (s >= 2 * 86400 * 365) return Math.round(s / (86400 * 365)) + ' years';
    if (s >= 2 * 86400 * 30) return Math.round(s / (86400 * 30)) + ' months';
    if (s >= 2 * 86400) return Math.round(s / 86400) + ' days';
    if (s >= 2 * 3600) return Math.round(s / 3600) + ' hours';
    return Math.round(s / 60) + ' min';
  }
  function timeline() {
    var box = document.getElementById('timeline-chart');
    if (!box || !agg || !agg.buckets || !agg.buckets.length) return;
    var fams = agg.families, B = agg.buckets, w = agg.bucket_seconds;
    var W = Math.max(600, box.clientWidth || 1000), H = 340;
    var STRIP = 34; // two strips below the bars: anonymous, NTLMv1 (each on its own scale)
    var m = { l: 76, r: 16, t: 14, b: 40 + 2 * (STRIP + 8) };
    var BREAK = 22, QUIET = 3; // a gap of more than QUIET empty buckets is a break
    function countBreaks(B, w) {
      var n = 0;
      for (var i = 1; i < B.length; i++) if (B[i][0] - B[i - 1][0] > QUIET * w) n++;
      return n;
    }
    function slotCount(B, w) {
      var n = 0;
      for (var i = 0; i < B.length; i++) n += (i && B[i][0] - B[i - 1][0] <= QUIET * w) ? (B[i][0] - B[i - 1][0]) / w : 1;
      return n;
    }
    // Widen the buckets (as the scan would have) until the bursts are few and the bars many
    // enough to see: at most 10 breaks and 200 slots.
    var LADDER = [60, 300, 900, 3600, 10800, 21600, 43200, 86400, 604800, 2419200, 31449600]; // as the scan's
    while (countBreaks(B, w) > 10 || slotCount(B, w) > 200) {
      var nw = 0;
      for (var j = 0; j < LADDER.length; j++) if (LADDER[j] > w) { nw = LADDER[j]; break; }
      if (!nw) nw = w * 2;
      var merged = [], last = null;
      B.forEach(function (r) {
        var t = Math.floor(r[0] / nw) * nw;
        if (!last || last[0] !== t) { last = [t].concat(r.slice(1)); merged.push(last); }
        else for (var k = 1; k < r.length; k++) last[k] += r[k];
      });
      B = merged;
      w = nw;
    }
    var breaks = countBreaks(B, w);
    var i;
    var slots = slotCount(B, w);
    var slotW = Math.min(36, (W - m.l - m.r - breaks * BREAK) / slots);
    var maxY = 1;
    B.forEach(function (r) {
      var s = 0;
      for (var i = 3; i < r.length; i++) s += r[i];
      if (s > maxY) maxY = s;
    });
    // a round top for the axis: 1, 2 or 5 times a power of ten, four steps
    var step = Math.pow(10, Math.floor(Math.log(maxY / 4) / Math.LN10));
    [1, 2, 2.5, 5, 10].some(function (k) { if (maxY / (step * k) <= 4) { step *= k; return true; } return false; });
    step = Math.max(1, step);
    maxY = Math.ceil(maxY / step) * step;
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Timeline' }, box);
    function Y(v) { return H - m.b - v / maxY * (H - m.t - m.b); }
    for (var tv = 0, ticks = []; tv <= maxY + 1e-9; tv += step) ticks.push(tv);
    ticks.forEach(function (v) {
      svg('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), class: 'grid' }, s);
      text(s, m.l - 6, Y(v) + 4, fmt(v), { 'text-anchor': 'end', class: 'axis' });
    });
    var span = B[B.length - 1][0] + w - B[0][0];
    function label(t) {
      var d = iso(t);
      return span > 3 * 86400 ? d.slice(0, 10) : d.slice(5, 16);
    }
    var x = m.l, lastLabel = -1e9, xs = [];
    B.forEach(function (r, i) {
      var gap = i ? r[0] - B[i - 1][0] : 0;
      if (i && gap > QUIET * w) {
        var bx = x + BREAK / 2;
        svg('line', { x1: bx, x2: bx, y1: m.t, y2: H - 4 - 14, class: 'break' }, s);
        var bt = text(s, bx, m.t + 10, '\u2248', { 'text-anchor': 'middle', class: 'axis' });
        title(bt, 'quiet for ' + dur(gap - w));
        title(s.lastChild.previousSibling, 'quiet for ' + dur(gap - w));
        x += BREAK;
      } else if (i) {
        x += slotW * (gap / w - 1);
      }
      var newCluster = i === 0 || gap > QUIET * w;
      if (newCluster && x - lastLabel > 90 && x < W - m.r - 70) {
        svg('line', { x1: x, x2: x, y1: H - m.b, y2: H - m.b + 5, class: 'tick' }, s);
        text(s, x, H - m.b + 18, label(r[0]), { 'text-anchor': 'start', class: 'axis' });
        lastLabel = x;
      }
      xs.push(x);
      var y = 0, parts = [];
      var g = svg('g', { class: 'bucket' }, s);
      var bw = Math.max(1.5, slotW - (slotW > 4 ? 1 : 0));
      for (var k = 3; k < r.length; k++) {
        if (!r[k]) continue;
        svg('rect', { x: x, width: bw, y: Y(y + r[k]), height: Math.max(1, Y(y) - Y(y + r[k])), fill: FAMILY_COLORS[fams[k - 3]] || '#888' }, g);
        y += r[k];
        parts.push(fams[k - 3].replace(/_/g, ' ') + ': ' + fmt(r[k]));
      }
      if (r[1]) parts.push('anonymous: ' + fmt(r[1]));
      if (r[2]) parts.push('NTLMv1/LM: ' + fmt(r[2]));
      title(g, iso(r[0]) + ' + ' + dur(w) + '\n' + parts.join('\n'));
      x += slotW;
    });
    text(s, W - m.r, H - 4, 'UTC; one bar per ' + dur(w) + '; \u2248 marks a quiet stretch (point at it for its length)', { 'text-anchor': 'end', class: 'axis' });
    // Anonymous and NTLMv1 strips: each on its own scale, so that 3 anonymous logons among
    // 3000 events still show.
    [[1, ANON, 'anonymous'], [2, V1, 'NTLMv1/LM']].forEach(function (spec, n) {
      var col = spec[0], top = H - m.b + 30 + n * (STRIP + 8), max = 0;
      B.forEach(function (r) { if (r[col] > max) max = r[col]; });
      svg('rect', { x: m.l, y: top, width: W - m.l - m.r, height: STRIP, class: 'strip' }, s);
      text(s, m.l - 6, top + 14, spec[2].split('/')[0], { 'text-anchor': 'end', class: 'axis strip-label ' + (n ? 'v1' : 'anon') });
      if (!max) {
        text(s, m.l + 8, top + STRIP / 2 + 4, 'none', { class: 'axis' });
        return;
      }
      text(s, m.l - 6, top + 28, 'max ' + fmt(max), { 'text-anchor': 'end', class: 'axis' });
      B.forEach(function (r, i) {
        if (!r[col]) return;
        var h = Math.max(3, r[col] / max * (STRIP - 4));
        var bar = svg('rect', { x: xs[i], width: Math.max(2, slotW - (slotW > 4 ? 1 : 0)), y: top + STRIP - h, height: h, fill: spec[1], class: 'marker ' + (col === 1 ? 'anonymous' : 'ntlmv1') }, s);
        title(bar, iso(r[0]) + ' + ' + dur(w) + ': ' + fmt(r[col]) + ' ' + spec[2]);
      });
    });
    var legend = document.getElementById('timeline-legend');
    if (legend) {
      fams.forEach(function (f, i) {
        var total = 0;
        B.forEach(function (r) { total += r[i + 3]; });
        var sp = document.createElement('span');
        var sw = document.createElement('i');
        sw.style.background = FAMILY_COLORS[f] || '#888';
        sp.appendChild(sw);
        sp.appendChild(document.createTextNode(f.replace(/_/g, ' ') + ' ' + fmt(total)));
        legend.appendChild(sp);
      });
      [[1, ANON, 'anonymous'], [2, V1, 'NTLMv1/LM']].forEach(function (spec) {
        var total = 0;
        B.forEach(function (r) { total += r[spec[0]]; });
        var sp = document.createElement('span');
        sp.className = 'line';
        var sw = document.createElement('i');
        sw.style.background = spec[1];
        sp.appendChild(sw);
        sp.appendChild(document.createTextNode(spec[2] + ' ' + fmt(total)));
        legend.appendChild(sp);
      });
    }
  }

  // ---- graph: three columns, source → account → target ----
  function graph() {
    var box = document.getElementById('graph-chart');
    if (!box || !agg || !agg.edges || !agg.edges.length) return;
    var TOP = 24;
    var cols = ['source', 'account', 'target'];
    var weight = [{}, {}, {}];
    agg.edges.forEach(function (e) {
      cols.forEach(function (c, i) { weight[i][e[c]] = (weight[i][e[c]] || 0) + e.count; });
    });
    var kept = weight.map(function (wt) {
      var names = Object.keys(wt).sort(function (a, b) { return wt[b] - wt[a] || (a < b ? -1 : 1); });
      var keep = {};
      names.slice(0, TOP).forEach(function (n) { keep[n] = true; });
      return { keep: keep, dropped: Math.max(0, names.length - TOP) };
    });
    function nodeId(i, name) {
      return kept[i].keep[name] ? name : '\u2026 ' + fmt(kept[i].dropped) + ' others';
    }
    // nodes and links
    var nodes = [{}, {}, {}], links = {};
    agg.edges.forEach(function (e) {
      var ids = cols.map(function (c, i) { return nodeId(i, e[c]); });
      ids.forEach(function (id, i) {
        var n = nodes[i][id] || (nodes[i][id] = { id: id, col: i, count: 0, anon: 0, v1: 0, links: [] });
        n.count += e.count;
        if (e.anonymous) n.anon += e.count;
        if (e.ntlmv1) n.v1 += e.count;
      });
      for (var i = 0; i < 2; i++) {
        var key = i + '\u0000' + ids[i] + '\u0000' + ids[i + 1];
        var l = links[key] || (links[key] = { a: nodes[i][ids[i]], b: nodes[i + 1][ids[i + 1]], count: 0, anon: 0, v1: 0, pkgs: {} });
        l.count += e.count;
        if (e.anonymous) l.anon += e.count;
        if (e.ntlmv1) l.v1 += e.count;
        l.pkgs[e['package']] = true;
      }
    });
    var L = Object.keys(links).map(function (k) { return links[k]; });
    L.forEach(function (l) { l.a.links.push(l); l.b.links.push(l); });
    // order: sources by weight, then each next column by the barycentre of its neighbours
    var order = [];
    order[0] = Object.keys(nodes[0]).map(function (k) { return nodes[0][k]; })
      .sort(function (a, b) { return (b.anon - a.anon) || (b.count - a.count); });
    order[0].forEach(function (n, i) { n.pos = i; });
    for (var c = 1; c < 3; c++) {
      order[c] = Object.keys(nodes[c]).map(function (k) { return nodes[c][k]; });
      order[c].forEach(function (n) {
        var s = 0, wsum = 0;
        n.links.forEach(function (l) { if (l.b === n) { s += l.a.pos * l.count; wsum += l.count; } });
        n.bary = wsum ? s / wsum : 0;
      });
      order[c].sort(function (a, b) { return a.bary - b.bary || b.count - a.count; });
      order[c].forEach(function (n, i) { n.pos = i; });
    }
    var W = Math.max(700, box.clientWidth || 1000), ROW = 26, NW = Math.min(260, W * 0.24), NH = 20;
    var rowsMax = Math.max(order[0].length, order[1].length, order[2].length);
    var H = rowsMax * ROW + 40;
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Authentication graph' }, box);
    var xs = [8, (W - NW) / 2, W - NW - 8];
    ['Source (workstation or IP)', 'Account', 'Target host'].forEach(function (h, i) {
      text(s, xs[i] + NW / 2, 14, h, { 'text-anchor': 'middle', class: 'colhead' });
    });
    order.forEach(function (col, c) {
      var off = 28 + (rowsMax - col.length) * ROW / 2;
      col.forEach(function (n, i) { n.x = xs[c]; n.y = off + i * ROW; });
    });
    var maxC = 1;
    L.forEach(function (l) { if (l.count > maxC) maxC = l.count; });
    var linkLayer = svg('g', {}, s), nodeLayer = svg('g', {}, s);
    L.sort(function (a, b) { return (a.anon ? 2 : a.v1 ? 1 : 0) - (b.anon ? 2 : b.v1 ? 1 : 0) || b.count - a.count; });
    L.forEach(function (l) {
      var x1 = l.a.x + NW, y1 = l.a.y + NH / 2, x2 = l.b.x, y2 = l.b.y + NH / 2, mx = (x1 + x2) / 2;
      var color = l.anon ? ANON : l.v1 ? V1 : PLAIN;
      l.el = svg('path', {
        d: 'M' + x1 + ' ' + y1 + 'C' + mx + ' ' + y1 + ' ' + mx + ' ' + y2 + ' ' + x2 + ' ' + y2,
        fill: 'none', stroke: color, 'stroke-opacity': 0.75,
        'stroke-width': (1 + 5 * Math.log(1 + l.count) / Math.log(1 + maxC)).toFixed(2),
        class: 'link' + (l.anon ? ' anon' : l.v1 ? ' v1' : '')
      }, linkLayer);
      title(l.el, l.a.id + ' \u2192 ' + l.b.id + '\n' + fmt(l.count) + ' events' +
        (l.anon ? ', ' + fmt(l.anon) + ' anonymous' : '') + (l.v1 ? ', ' + fmt(l.v1) + ' NTLMv1/LM' : '') +
        '\npackages: ' + Object.keys(l.pkgs).join(', '));
    });
    order.forEach(function (col) {
      col.forEach(function (n) {
        var g = svg('g', { class: 'node', transform: 'translate(' + n.x + ',' + n.y + ')', tabindex: 0 }, nodeLayer);
        svg('rect', {
          width: NW, height: NH, rx: 4,
          class: n.anon ? 'anon' : n.v1 ? 'v1' : 'plain'
        }, g);
        text(g, 6, 14, clip(n.id, Math.floor(NW / 7.2) - 6), { class: 'label' });
        text(g, NW - 6, 14, fmt(n.count), { class: 'cnt', 'text-anchor': 'end' });
        title(g, n.id + '\n' + fmt(n.count) + ' events' + (n.anon ? '\n' + fmt(n.anon) + ' anonymous' : '') + (n.v1 ? '\n' + fmt(n.v1) + ' NTLMv1/LM' : ''));
        n.el = g;
        function on() {
          s.classList.add('focus');
          // follow the paths through this node in both directions
          var seen = [n];
          var fwd = [n], back = [n];
          while (fwd.length) {
            var x = fwd.pop();
            x.links.forEach(function (l) { if (l.a === x) { l.el.classList.add('hi'); if (seen.indexOf(l.b) < 0) { seen.push(l.b); fwd.push(l.b); } } });
          }
          while (back.length) {
            var y = back.pop();
            y.links.forEach(function (l) { if (l.b === y) { l.el.classList.add('hi'); if (seen.indexOf(l.a) < 0) { seen.push(l.a); back.push(l.a); } } });
          }
          seen.forEach(function (z) { z.el.classList.add('hi'); });
        }
        function off() {
          s.classList.remove('focus');
          Array.prototype.forEach.call(s.querySelectorAll('.hi'), function (e) { e.classList.remove('hi'); });
        }
        g.addEventListener('mouseenter', on);
        g.addEventListener('mouseleave', off);
        g.addEventListener('focus', on);
        g.addEventListener('blur', off);
      });
    });
  }

  try {
    timeline();
    graph();
    window.nullsightReport.rendered = true;
  } catch (e) {
    window.nullsightReport.error = String(e);
    if (window.console) console.error('nullsight report: ' + e);
  }
})();
