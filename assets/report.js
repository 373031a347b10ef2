// nullsight HTML report: sortable and filterable tables, the timeline and the graph.
// The timeline is drawn with uPlot, the graph laid out with d3-sankey (both vendored under
// assets/vendor and inlined before this script); no network. Data comes from the JSON element
// #ns-data and is only ever written with textContent / setAttribute / canvas fillText: strings
// from logs are never parsed as HTML, and no library is given a label as HTML.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, not a request
  var data = {};
  try {
    data = JSON.parse(document.getElementById('ns-data').textContent) || {};
  } catch (e) {
    data = {};
  }
  window.nullsightReport = { data: data, rendered: false, timeline: {}, graph: null };

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
  var ANON = '#d62728', V1 = '#f28e2b';

  // The timeline's tooltip: plain text (textContent), fixed next to the pointer.
  function tooltip() {
    var tip = document.createElement('div');
    tip.className = 'tip';
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    document.body.appendChild(tip);
    return {
      el: tip,
      show: function (s, clientX, clientY) {
        tip.textContent = s;
        tip.hidden = false;
        var x = clientX + 14, y = clientY + 12;
        if (x + tip.offsetWidth > window.innerWidth - 4) x = Math.max(0, clientX - tip.offsetWidth - 14);
        if (y + tip.offsetHeight > window.innerHeight - 4) y = Math.max(0, clientY - tip.offsetHeight - 12);
        tip.style.left = x + 'px';
        tip.style.top = y + 'px';
      },
      hide: function () { tip.hidden = true; }
    };
  }

  // ---- timeline (uPlot): stacked bars by family; anonymous and NTLMv1 strips below ----
  // One slot per bucket that has events; a long quiet stretch is drawn as a break (with its
  // length), so bursts months apart stay readable. Three uPlot charts share the x axis and the
  // cursor: the families stacked, then anonymous (red) and NTLMv1/LM (orange), each on its own
  // scale so that 3 anonymous logons among 3000 events still show.
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
    if (typeof uPlot !== 'function') throw new Error('the timeline library (uPlot) is missing');
    var fams = agg.families, B = agg.buckets, w = agg.bucket_seconds;
    var QUIET = 3; // a gap of more than QUIET empty buckets is a break
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
    var W = Math.max(600, box.clientWidth || 1000);
    var AXIS = 88, RIGHT = 16, PW = W - AXIS - RIGHT, BREAK_PX = 22;
    var nBreaks = countBreaks(B, w), slots = slotCount(B, w);
    var slotW = Math.min(36, (PW - nBreaks * BREAK_PX) / slots);
    var breakU = BREAK_PX / slotW; // a break's width, in slots
    // x of each bucket (the centre of its bar), in slots; breaks between bursts
    var xs = [], breaks = [], x = 0;
    B.forEach(function (r, i) {
      if (i) {
        var gap = r[0] - B[i - 1][0];
        if (gap > QUIET * w) {
          breaks.push({ x: x + 0.5 + breakU / 2, quiet: gap - w });
          x += 1 + breakU;
        } else {
          x += gap / w;
        }
      }
      xs.push(x);
    });
    var xMax = Math.max(x + 0.5, PW / slotW - 0.5);
    // x-axis labels: the start of each burst, and round times inside it, at least 100 px apart
    var span = B[B.length - 1][0] + w - B[0][0];
    var EVERY = [300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2419200, 31449600];
    var every = w;
    for (var e = 0; e < EVERY.length && (every < w || every / w * slotW < 100); e++) every = Math.max(w, EVERY[e]);
    var ticks = [], lastPx = -1e9, lastDay = '';
    function tick(t, xv, force) {
      var px = (xv + 0.5) * slotW;
      if (px - lastPx < (force ? 70 : 100) || px > PW - 40) return;
      var d = iso(t), day = d.slice(0, 10);
      var label = span > 3 * 86400 || w >= 86400 ? (span > 300 * 86400 ? day : d.slice(5, 10)) : (day !== lastDay || force ? d.slice(5, 16) : d.slice(11, 16));
      // a round time is also a label's place; a burst's start wins over the label before it
      if (force && ticks.length && px - lastPx < 100) ticks.pop();
      ticks.push({ x: xv, label: label });
      lastPx = px;
      lastDay = day;
    }
    B.forEach(function (r, i) {
      var start = i === 0 || r[0] - B[i - 1][0] > QUIET * w;
      if (start) tick(r[0], xs[i], true);
      var end = i + 1 < B.length && B[i + 1][0] - r[0] <= QUIET * w ? B[i + 1][0] : r[0] + w;
      for (var t = Math.ceil(r[0] / every) * every; t < end; t += every) if (!start || t > r[0]) tick(t, xs[i] + (t - r[0]) / w);
    });
    // stacked: series k is the sum of families 0..k, drawn from the sum below it (a band)
    var stacked = [], sum = B.map(function () { return 0; }), maxY = 1;
    fams.forEach(function (f, k) {
      stacked.push(B.map(function (r, i) {
        sum[i] += r[3 + k];
        if (sum[i] > maxY) maxY = sum[i];
        return k === 0 && !r[3] ? null : sum[i];
      }));
    });
    // a round top for the axis: 1, 2, 2.5 or 5 times a power of ten, four steps
    var step = Math.pow(10, Math.floor(Math.log(maxY / 4) / Math.LN10));
    [1, 2, 2.5, 5, 10].some(function (k) { if (maxY / (step * k) <= 4) { step *= k; return true; } return false; });
    step = Math.max(1, step);
    var top = Math.ceil(maxY / step) * step;
    var yTicks = [];
    for (var tv = 0; tv <= top + 1e-9; tv += step) yTicks.push(tv);

    var tip = tooltip(), hovered = null, drawn = { bars: 0, anonymous: 0, ntlmv1: 0 };
    var FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
    function bucketText(i) {
      var r = B[i], parts = [iso(r[0]) + ' + ' + dur(w)];
      fams.forEach(function (f, k) { if (r[3 + k]) parts.push(f.replace(/_/g, ' ') + ': ' + fmt(r[3 + k])); });
      if (r[1]) parts.push('anonymous: ' + fmt(r[1]));
      if (r[2]) parts.push('NTLMv1/LM: ' + fmt(r[2]));
      return parts.join('\n');
    }
    function drawBreaks(u, mark) {
      var ctx = u.ctx, pr = u.pxRatio || window.devicePixelRatio || 1;
      ctx.save();
      ctx.strokeStyle = '#b8bec8';
      ctx.lineWidth = pr;
      ctx.setLineDash([3 * pr, 3 * pr]);
      breaks.forEach(function (b) {
        var bx = Math.round(u.valToPos(b.x, 'x', true)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(bx, u.bbox.top);
        ctx.lineTo(bx, u.bbox.top + u.bbox.height);
        ctx.stroke();
        if (mark) {
          ctx.fillStyle = '#5b6472';
          ctx.font = Math.round(13 * pr) + 'px system-ui, sans-serif';
          ctx.textAlign = 'center';
          ctx.fillText('\u2248', bx, u.bbox.top + 12 * pr);
        }
      });
      ctx.restore();
    }
    function hover(u) {
      var left = u.cursor.left;
      if (u !== hovered || left == null || left < 0) return;
      var xv = u.posToVal(left, 'x'), text = null;
      breaks.forEach(function (b) { if (Math.abs(xv - b.x) <= breakU / 2) text = 'quiet for ' + dur(b.quiet); });
      var i = u.cursor.idx;
      if (!text && i != null && Math.abs(xv - xs[i]) <= 0.5) text = bucketText(i);
      var o = u.over.getBoundingClientRect();
      if (text) tip.show(text, o.left + left, o.top + u.cursor.top);
      else tip.hide();
    }
    function chart(opts, data, count) {
      opts.width = W;
      opts.legend = { show: false };
      opts.padding = [opts.padTop || 6, RIGHT, 0, 0];
      opts.cursor = { y: false, points: { show: false }, drag: { x: false, y: false, setScale: false }, sync: { key: 'ns-timeline' } };
      opts.scales.x = { time: false, range: function () { return [-0.5, xMax]; } };
      opts.hooks = {
        drawClear: [function () { drawn[count] = 0; }],
        draw: [function (u) { drawBreaks(u, opts.marks); if (opts.onDraw) opts.onDraw(u); }],
        setCursor: [hover],
        ready: [function (u) {
          u.over.addEventListener('mouseenter', function () { hovered = u; });
          u.over.addEventListener('mouseleave', function () { hovered = null; tip.hide(); });
        }]
      };
      var holder = document.createElement('div');
      box.appendChild(holder);
      return new uPlot(opts, data, holder);
    }
    function bars(count) {
      return uPlot.paths.bars({ size: [slotW > 4 ? 0.86 : 1, 36, 1.5], align: 0, each: function () { drawn[count]++; } });
    }
    var xData = xs;
    var yAxis = { size: AXIS, font: FONT, stroke: '#5b6472', gap: 6, ticks: { show: false }, grid: { stroke: '#e6e8ec', width: 1 } };
    // 1. the families, stacked
    var series = [{}], bands = [];
    fams.forEach(function (f, k) {
      var c = FAMILY_COLORS[f] || '#888';
      series.push({ label: f.replace(/_/g, ' '), fill: c, stroke: c, width: 0, paths: bars('bars'), points: { show: false } });
      if (k) bands.push({ series: [k + 1, k], fill: 'rgba(0,0,0,0)' });
    });
    chart({
      height: 250, marks: true, padTop: 16,
      scales: { y: { range: function () { return [0, top]; } } },
      axes: [{ show: false }, Object.assign({}, yAxis, {
        splits: function () { return yTicks; },
        values: function (u, sp) { return sp.map(fmt); }
      })],
      series: series, bands: bands
    }, [xData].concat(stacked), 'bars');
    // 2. and 3. anonymous and NTLMv1/LM, each on its own scale (a small count still shows)
    var strips = [[1, ANON, 'anonymous', 'anonymous'], [2, V1, 'NTLMv1/LM', 'ntlmv1']];
    strips.forEach(function (spec, n) {
      var col = spec[0], max = 0, total = 0;
      B.forEach(function (r) { if (r[col] > max) max = r[col]; total += r[col]; });
      var lastStrip = n === strips.length - 1;
      var axes = [{ show: false }, Object.assign({}, yAxis, { splits: function () { return []; }, grid: { show: false } })];
      if (lastStrip) {
        axes[0] = {
          font: FONT, stroke: '#5b6472', size: 28, gap: 4, grid: { show: false },
          ticks: { show: true, stroke: '#9aa3ad', size: 5 },
          splits: function () { return ticks.map(function (t) { return t.x - 0.5; }); },
          values: function () { return ticks.map(function (t) { return t.label; }); }
        };
      }
      chart({
        height: lastStrip ? 78 : 50, padTop: 6,
        scales: { y: { range: function () { return [0, max || 1]; } } },
        axes: axes,
        series: [{}, { label: spec[2], fill: spec[1], stroke: spec[1], width: 0, paths: bars(spec[3]), points: { show: false } }],
        onDraw: function (u) {
          var ctx = u.ctx, pr = u.pxRatio || window.devicePixelRatio || 1;
          ctx.save();
          ctx.textAlign = 'right';
          ctx.fillStyle = col === 1 ? ANON : '#b35c00';
          ctx.font = 'bold ' + Math.round(11.5 * pr) + 'px system-ui, sans-serif';
          ctx.fillText(spec[2].split('/')[0], u.bbox.left - 8 * pr, u.bbox.top + 14 * pr);
          ctx.fillStyle = '#5b6472';
          ctx.font = Math.round(11 * pr) + 'px system-ui, sans-serif';
          ctx.fillText(max ? 'max ' + fmt(max) : 'none', u.bbox.left - 8 * pr, u.bbox.top + 28 * pr);
          ctx.strokeStyle = '#e6e8ec';
          ctx.lineWidth = pr;
          ctx.strokeRect(u.bbox.left + 0.5, u.bbox.top + 0.5, u.bbox.width - 1, u.bbox.height - 1);
          ctx.restore();
        }
      }, [xData, B.map(function (r) {
        // at least a tenth of the strip's height, so that a lone event is seen
        return r[col] ? Math.max(r[col], max / 10) : null;
      })], spec[3]);
      window.nullsightReport.timeline[spec[3] + 'Total'] = total;
    });
    var axisNote = document.createElement('p');
    axisNote.className = 'axisnote';
    axisNote.textContent = 'UTC; one bar per ' + dur(w) + (breaks.length ? '; \u2248 and a dashed line mark a quiet stretch (point at it for its length)' : '');
    box.appendChild(axisNote);
    window.nullsightReport.timeline.buckets = B.length;
    window.nullsightReport.timeline.ticks = ticks.length;
    window.nullsightReport.timeline.breaks = breaks.length;
    window.nullsightReport.timeline.drawn = drawn;
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

  // ---- graph (d3-sankey): three columns, source → account → target ----
  // The layout is d3-sankey's; the drawing is ours, with text nodes only (labels are log
  // strings). Band widths grow with the logarithm of the event count, so that one anonymous
  // logon beside a million Kerberos ones is still a visible band; the counts are in the labels.
  function graph() {
    var box = document.getElementById('graph-chart');
    if (!box || !agg || !agg.edges || !agg.edges.length) return;
    if (!window.d3 || typeof d3.sankey !== 'function') throw new Error('the graph library (d3-sankey) is missing');
    var TOP = 24;
    var cols = ['source', 'account', 'target'];
    // Per column, the TOP names kept: those with anonymous or NTLMv1 events first (the report
    // is about them: at the scale of a big network they would otherwise all be "others"), then
    // the busiest.
    var weight = [{}, {}, {}], flagged = [{}, {}, {}];
    agg.edges.forEach(function (e) {
      cols.forEach(function (c, i) {
        weight[i][e[c]] = (weight[i][e[c]] || 0) + e.count;
        if (e.anonymous || e.ntlmv1) flagged[i][e[c]] = (flagged[i][e[c]] || 0) + e.count;
      });
    });
    var kept = weight.map(function (wt, i) {
      var fl = flagged[i];
      var names = Object.keys(wt).sort(function (a, b) { return (fl[b] || 0) - (fl[a] || 0) || wt[b] - wt[a] || (a < b ? -1 : 1); });
      var keep = {};
      names.slice(0, TOP).forEach(function (n) { keep[n] = true; });
      return { keep: keep, dropped: Math.max(0, names.length - TOP) };
    });
    function nodeName(i, name) {
      return kept[i].keep[name] ? name : '\u2026 ' + fmt(kept[i].dropped) + ' others';
    }
    // nodes (one per column and name) and links (one per pair and kind: anonymous, NTLMv1, other)
    var byKey = {}, nodes = [], links = {}, linkList = [];
    agg.edges.forEach(function (e) {
      var names = cols.map(function (c, i) { return nodeName(i, e[c]); });
      var ns = names.map(function (name, i) {
        var key = i + '\u0000' + name;
        var n = byKey[key];
        if (!n) { n = byKey[key] = { key: key, name: name, col: i, count: 0, anon: 0, v1: 0 }; nodes.push(n); }
        n.count += e.count;
        if (e.anonymous) n.anon += e.count;
        if (e.ntlmv1) n.v1 += e.count;
        return n;
      });
      var kind = e.anonymous ? 'anon' : e.ntlmv1 ? 'v1' : 'other';
      for (var i = 0; i < 2; i++) {
        var lk = ns[i].key + '\u0000' + ns[i + 1].key + '\u0000' + kind;
        var l = links[lk];
        if (!l) { l = links[lk] = { source: ns[i].key, target: ns[i + 1].key, kind: kind, count: 0, pkgs: {} }; linkList.push(l); }
        l.count += e.count;
        l.pkgs[e['package']] = true;
      }
    });
    var KIND_RANK = { other: 0, v1: 1, anon: 2 };
    // a stable input order: anonymous first, then by weight, then by name
    nodes.sort(function (a, b) { return a.col - b.col || (b.anon - a.anon) || (b.v1 - a.v1) || (b.count - a.count) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
    nodes.forEach(function (n, i) { n.order = i; });
    linkList.forEach(function (l) { l.value = 1 + Math.log(l.count) / Math.LN2; });
    var W = Math.max(700, box.clientWidth || 1000);
    var perCol = [0, 0, 0];
    nodes.forEach(function (n) { perCol[n.col]++; });
    var rowsMax = Math.max.apply(null, perCol);
    var H = Math.max(220, rowsMax * 30 + 40);
    var LABEL = Math.min(250, Math.round(W * 0.2)), NODE_W = 14, HEAD = 26;
    var layout = d3.sankey()
      .nodeId(function (n) { return n.key; })
      .nodeAlign(function (n) { return n.col; })
      .nodeWidth(NODE_W)
      .nodePadding(12)
      // in each column: the names with anonymous, then NTLMv1/LM events, at the top, then the
      // rest by weight (the input order); d3-sankey then only spaces them
      .nodeSort(function (a, b) { return a.order - b.order; })
      .iterations(32)
      .extent([[LABEL, HEAD], [W - LABEL, H - 6]]);
    var g = layout({ nodes: nodes, links: linkList });
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Authentication graph' }, box);
    var colX = [LABEL, (W - NODE_W) / 2, W - LABEL - NODE_W];
    ['Source (workstation or IP)', 'Account', 'Target host'].forEach(function (h, i) {
      text(s, i === 0 ? colX[0] + NODE_W : i === 2 ? colX[2] : W / 2, 14, h, { 'text-anchor': ['end', 'middle', 'start'][i], class: 'colhead' });
    });
    var linkLayer = svg('g', { class: 'links' }, s), nodeLayer = svg('g', {}, s);
    var L = g.links.slice().sort(function (a, b) { return KIND_RANK[a.kind] - KIND_RANK[b.kind] || b.count - a.count; });
    L.forEach(function (l) {
      var x1 = l.source.x1, x2 = l.target.x0, mx = (x1 + x2) / 2;
      l.el = svg('path', {
        d: 'M' + x1 + ',' + l.y0 + 'C' + mx + ',' + l.y0 + ' ' + mx + ',' + l.y1 + ' ' + x2 + ',' + l.y1,
        'stroke-width': Math.max(1.5, l.width).toFixed(2),
        class: 'link ' + l.kind
      }, linkLayer);
      l.tipText = l.source.name + ' \u2192 ' + l.target.name + '\n' + fmt(l.count) + ' events' +
        (l.kind === 'anon' ? ', anonymous' : l.kind === 'v1' ? ', NTLMv1/LM' : '') +
        '\npackages: ' + Object.keys(l.pkgs).join(', ');
      title(l.el, l.tipText);
    });
    g.nodes.forEach(function (n) {
      var gn = svg('g', { class: 'node', tabindex: 0 }, nodeLayer);
      // the node, split by its share of anonymous (red) and NTLMv1/LM (orange) events
      var h = Math.max(2, n.y1 - n.y0), y = n.y0;
      [['anon', n.anon], ['v1', n.v1], ['plain', n.count - n.anon - n.v1]].forEach(function (part) {
        if (part[1] <= 0) return;
        var ph = part[0] === 'plain' ? n.y0 + h - y : Math.min(n.y0 + h - y, Math.max(3, h * part[1] / n.count));
        if (ph <= 0) return;
        svg('rect', { x: n.x0, y: y, width: n.x1 - n.x0, height: ph, class: part[0] }, gn);
        y += ph;
      });
      var right = n.col !== 0;
      var t = text(gn, right ? n.x1 + 6 : n.x0 - 6, (n.y0 + n.y1) / 2 + 4, '', { class: 'label', 'text-anchor': right ? 'start' : 'end' });
      var nameSpan = svg('tspan', {}, t);
      nameSpan.textContent = clip(n.name, 28);
      var cnt = svg('tspan', { class: 'cnt', dx: 6 }, t);
      cnt.textContent = fmt(n.count);
      n.tipText = n.name + '\n' + fmt(n.count) + ' events' + (n.anon ? '\n' + fmt(n.anon) + ' anonymous' : '') + (n.v1 ? '\n' + fmt(n.v1) + ' NTLMv1/LM' : '');
      title(gn, n.tipText);
      n.el = gn;
      function on() {
        s.classList.add('focus');
        // follow the paths through this node in both directions
        var seen = [n], fwd = [n], back = [n];
        while (fwd.length) {
          fwd.pop().sourceLinks.forEach(function (l) { l.el.classList.add('hi'); if (seen.indexOf(l.target) < 0) { seen.push(l.target); fwd.push(l.target); } });
        }
        while (back.length) {
          back.pop().targetLinks.forEach(function (l) { l.el.classList.add('hi'); if (seen.indexOf(l.source) < 0) { seen.push(l.source); back.push(l.source); } });
        }
        seen.forEach(function (z) { z.el.classList.add('hi'); });
      }
      function off() {
        s.classList.remove('focus');
        Array.prototype.forEach.call(s.querySelectorAll('.hi'), function (e) { e.classList.remove('hi'); });
      }
      gn.addEventListener('mouseenter', on);
      gn.addEventListener('mouseleave', off);
      gn.addEventListener('focus', on);
      gn.addEventListener('blur', off);
    });
    window.nullsightReport.graph = {
      nodes: g.nodes.length, links: g.links.length,
      anonymousLinks: g.links.filter(function (l) { return l.kind === 'anon'; }).length,
      ntlmv1Links: g.links.filter(function (l) { return l.kind === 'v1'; }).length
    };
  }


  // ---- simulation and staged plan: tables built from the embedded JSON ----
  // The JSON is `nullsight simulate --json` ({changes, plan, hosts, errors, notes}); any other
  // shape (a --simulation FILE) is shown generically. Every string is attacker-controlled (log
  // and config text): it is only ever set with textContent.
  function el(tag, cls, parent, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined && txt !== null) e.textContent = String(txt);
    if (parent) parent.appendChild(e);
    return e;
  }
  function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function arr(v) { return Array.isArray(v) ? v : []; }
  function str(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (Array.isArray(v)) return v.map(str).join(', ');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function when(v) {
    var s = str(v);
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s) ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : s;
  }
  // Verdict kinds this page knows get a colour; any other is shown by its name.
  var VERDICTS = { 'safe-now': 'safe now', 'breaks': 'breaks', 'cannot-tell': 'cannot tell', 'already-in-effect': 'already in effect' };
  function verdictChip(parent, v, n) {
    var kind = str(v);
    var known = Object.prototype.hasOwnProperty.call(VERDICTS, kind);
    var label = known ? VERDICTS[kind] : kind.replace(/[-_]/g, ' ');
    if (kind === 'breaks' && n !== undefined) label = 'breaks ' + fmt(n) + (n === 1 ? ' flow' : ' flows');
    return el('span', 'vk ' + (known ? kind : 'other'), parent, label || '(no verdict)');
  }
  // Names for keys of the simulation's JSON that the tables below do not draw themselves.
  var LABELS = { already: 'Already in effect (nothing to apply)', in_effect: 'Already in effect on' };
  var CHANGE_KEYS = ['change', 'description', 'scope', 'verdict', 'summary', 'affected', 'missing', 'notes', 'audit_only'];
  function generic(parent, v) {
    if (Array.isArray(v) && v.length && v.every(isObj)) {
      var cols = [];
      v.forEach(function (o) { Object.keys(o).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); }); });
      var t = el('table', 'sim generic', el('div', 'simwrap', parent));
      var hr = el('tr', null, el('thead', null, t));
      cols.forEach(function (c) { el('th', null, hr, c); });
      var tb = el('tbody', null, t);
      v.forEach(function (o) {
        var tr = el('tr', null, tb);
        cols.forEach(function (c) { el('td', null, tr, str(o[c])); });
      });
    } else if (isObj(v)) {
      // Empty keys say nothing; lists of words are lists.
      var keys = Object.keys(v).filter(function (k) { return v[k] !== null && !(Array.isArray(v[k]) && !v[k].length); });
      if (!keys.length) return;
      var dl = el('dl', 'kv', parent);
      keys.forEach(function (k) {
        el('dt', null, dl, Object.prototype.hasOwnProperty.call(LABELS, k) ? LABELS[k] : k.replace(/_/g, ' '));
        var dd = el('dd', null, dl);
        if (Array.isArray(v[k]) && v[k].every(isObj)) generic(dd, v[k]);
        else if (Array.isArray(v[k])) { var ul = el('ul', null, dd); v[k].forEach(function (x) { el('li', null, ul, str(x)); }); }
        else dd.textContent = str(v[k]);
      });
    } else {
      el('p', null, parent, str(v));
    }
  }
  // The new value: the description's "SETTING = value (meaning)", else the raw value.
  function newValue(c) {
    var ch = isObj(c.change) ? c.change : {};
    var d = str(c.description), name = str(ch.setting);
    if (name && d.indexOf(name + ' = ') === 0) return d.slice(name.length + 3);
    if (ch.value === null) return 'removed (not configured)';
    return str(ch.value);
  }
  function scopeText(c) {
    var sc = isObj(c.change) && isObj(c.change.scope) ? c.change.scope : null;
    var s = str(c.scope);
    if (sc && sc.scope === 'role') return 'every ' + str(sc.of);
    if (sc && sc.scope === 'all') return 'all hosts';
    return s;
  }
  function flowsTable(parent, flows) {
    var t = el('table', 'sim flows', el('div', 'simwrap', parent));
    var hr = el('tr', null, el('thead', null, t));
    ['what happens', 'account', 'from', 'to', 'enforced at', 'count', 'first / last seen', 'evidence'].forEach(function (h) { el('th', null, hr, h); });
    var tb = el('tbody', null, t);
    flows.forEach(function (a) {
      if (!isObj(a)) return;
      var tr = el('tr', a.breaks === false ? 'changed' : 'broken', tb);
      var what = el('td', 'what', tr, str(a.what));
      var r = isObj(a.remedy) ? a.remedy : null;
      if (r) {
        var args = Object.keys(r).filter(function (k) { return k !== 'action'; }).map(function (k) { return str(r[k]); });
        el('div', 'fix', what, 'fix first: ' + str(r.action).replace(/_/g, ' ') + (args.length ? ' (' + args.join(', ') + ')' : ''));
      }
      el('td', 'acct', tr, str(a.account) || '(no account)');
      var from = el('td', 'from', tr);
      el('div', 'host', from, str(a.client) || '(unknown host)');
      if (a.client_ip) el('div', 'ip', from, str(a.client_ip));
      var to = el('td', 'to', tr);
      el('div', 'host', to, str(a.server) || str(a.logged_on));
      if (a.logged_on && a.server && str(a.server) !== str(a.logged_on)) el('div', 'sub', to, 'logged on ' + str(a.logged_on));
      el('td', 'at', tr, str(a.enforced_at));
      el('td', 'n', tr, typeof a.count === 'number' ? fmt(a.count) : str(a.count));
      var seen = el('td', 't', tr);
      el('div', 'first', seen, when(a.first));
      el('div', 'last', seen, when(a.last));
      var ev = arr(a.evidence);
      var evd = el('td', 'ev', tr);
      if (ev.length) {
        var d = el('details', null, evd);
        el('summary', null, d, fmt(ev.length) + ' record' + (ev.length === 1 ? '' : 's'));
        ev.forEach(function (e) { el('div', null, d, isObj(e) ? str(e.file) + ' #' + str(e.record_id) : str(e)); });
      }
    });
  }
  function changesTable(parent, changes) {
    var t = el('table', 'sim changes', el('div', 'simwrap', parent));
    t.id = 'sim-changes';
    var hr = el('tr', null, el('thead', null, t));
    ['#', 'setting', 'new value', 'hosts / role', 'verdict'].forEach(function (h) { el('th', null, hr, h); });
    var tb = el('tbody', null, t);
    changes.forEach(function (c, i) {
      if (!isObj(c)) { var r0 = el('tr', null, tb); el('td', null, r0, i + 1); el('td', null, r0, str(c)).colSpan = 4; return; }
      var flows = arr(c.affected);
      var broken = flows.filter(function (a) { return isObj(a) && a.breaks !== false; }).length;
      var kind = str(c.verdict);
      var tr = el('tr', 'change ' + (Object.prototype.hasOwnProperty.call(VERDICTS, kind) ? kind : 'other'), tb);
      tr.setAttribute('data-verdict', kind);
      el('td', 'n', tr, i + 1);
      el('td', 'setting', tr, str(isObj(c.change) ? c.change.setting : '') || str(c.description));
      el('td', null, tr, newValue(c));
      el('td', 'scope', tr, scopeText(c));
      var vd = el('td', 'v', tr);
      verdictChip(vd, kind, broken);
      // A long summary (lists of hosts) would stretch the verdict column: it goes below.
      var summary = str(c.summary), longSummary = summary.length > 140;
      if (summary === 'breaks ' + broken + ' flow' + (broken === 1 ? '' : 's')) summary = '';
      if (summary && !longSummary) el('div', 'summary', vd, summary);
      var missing = arr(c.missing), notes = arr(c.notes);
      // Keys this table does not draw (added by a later nullsight) are shown as they are.
      var extra = {};
      Object.keys(c).forEach(function (k) {
        var x = c[k];
        if (CHANGE_KEYS.indexOf(k) < 0 && x !== null && x !== false && !(Array.isArray(x) && !x.length)) extra[k] = x;
      });
      if (!flows.length && !missing.length && !notes.length && !Object.keys(extra).length && !(summary && longSummary)) return;
      var dr = el('tr', 'detail', tb);
      el('td', null, dr);
      var box = el('td', null, dr);
      box.colSpan = 4;
      if (summary && longSummary) el('p', 'summary', box, summary);
      if (flows.length) {
        var det = el('details', null, box);
        // Breaking flows are what the reader needs first: shown open.
        if (broken) det.open = true;
        el('summary', null, det, broken ? fmt(broken) + ' flow' + (broken === 1 ? '' : 's') + ' would be refused' + (flows.length > broken ? ', ' + fmt(flows.length - broken) + ' would change identity' : '') : fmt(flows.length) + ' flow' + (flows.length === 1 ? '' : 's') + ' would go on, changed');
        flowsTable(det, flows);
      }
      missing.forEach(function (m) {
        if (!isObj(m)) return;
        var p = el('p', 'missing', box);
        el('b', null, p, 'Auditing missing: ');
        p.appendChild(document.createTextNode('no ' + str(m.events) + ' from ' + str(m.hosts) + '. To know, ' + str(m.how) + '.'));
      });
      notes.forEach(function (n) { el('p', 'note', box, 'Note: ' + str(n)); });
      generic(box, extra);
    });
  }
  function planList(parent, plan) {
    var stages = isObj(plan) ? plan.stages : plan;
    if (!Array.isArray(stages)) { generic(parent, plan); return; }
    if (!stages.length) { el('p', 'good-note', parent, 'Nothing to do: no change to apply.'); return; }
    var ol = el('ol', 'plan', parent);
    ol.id = 'plan-stages';
    stages.forEach(function (s, i) {
      var li = el('li', 'stage', ol);
      if (!isObj(s)) { li.textContent = str(s); return; }
      if (typeof s.number === 'number') li.value = s.number;
      el('div', 'stitle', li, s.title !== undefined ? str(s.title) : 'Stage ' + (i + 1));
      arr(s.before).forEach(function (b) {
        var d = el('div', 'first', li);
        if (!isObj(b)) { d.textContent = 'First: ' + str(b); return; }
        el('b', null, d, 'First, ' + str(b.what) + ':');
        var items = el('div', 'items', d);
        arr(b.items).forEach(function (x) { el('code', null, items, str(x)); });
        if (arr(b.for_changes).length) el('div', 'for', d, 'needed by: ' + arr(b.for_changes).map(str).join('; '));
      });
      var apply = arr(s.apply);
      if (apply.length) {
        el('div', 'then', li, arr(s.before).length ? 'Then apply:' : 'Apply:');
        var ul = el('ul', 'apply', li);
        apply.forEach(function (a) { el('li', null, ul, str(a)); });
      }
      var rest = {};
      Object.keys(s).forEach(function (k) { if (['number', 'title', 'before', 'apply'].indexOf(k) < 0) rest[k] = s[k]; });
      if (Object.keys(rest).length) generic(li, rest);
    });
    if (isObj(plan)) {
      var extra = {};
      Object.keys(plan).forEach(function (k) { if (k !== 'stages') extra[k] = plan[k]; });
      if (Object.keys(extra).length) generic(parent, extra);
    }
  }
  function simulation() {
    var box = document.getElementById('simulation-view');
    var sim = data.simulation;
    var out = { changes: 0, verdicts: {}, stages: 0 };
    if (box && sim !== undefined && sim !== null) {
      if (isObj(sim) && Array.isArray(sim.changes)) {
        if (!sim.changes.length) el('p', 'good-note', box, 'No change to simulate: every rule passes.');
        else changesTable(box, sim.changes);
        sim.changes.forEach(function (c) { var k = isObj(c) ? str(c.verdict) : ''; out.verdicts[k] = (out.verdicts[k] || 0) + 1; });
        out.changes = sim.changes.length;
        var hosts = arr(sim.hosts).filter(isObj);
        if (hosts.length) {
          var d = el('details', 'seen', box);
          el('summary', null, d, 'What each host\u2019s logs showed (' + fmt(hosts.length) + ' hosts): a change is judged only where the auditing that would show its traffic is on');
          var t = el('table', 'sim', el('div', 'simwrap', d));
          var hr = el('tr', null, el('thead', null, t));
          el('th', null, hr, 'host');
          el('th', null, hr, 'events logged, by kind');
          var tb = el('tbody', null, t);
          hosts.forEach(function (h) {
            var tr = el('tr', null, tb);
            el('td', 'host', tr, str(h.host));
            var ev = isObj(h.events) ? h.events : {};
            el('td', null, tr, Object.keys(ev).map(function (k) { return k.replace(/_/g, ' ') + ' ' + fmt(ev[k]); }).join(', '));
          });
        }
        [['errors', 'Inputs that could not be read'], ['notes', 'Notes']].forEach(function (x) {
          var l = arr(sim[x[0]]);
          if (!l.length) return;
          el('h4', null, box, x[1]);
          var ul = el('ul', x[0] === 'errors' ? 'errors' : 'notes', box);
          l.forEach(function (n) { el('li', null, ul, str(n)); });
        });
        var other = {};
        Object.keys(sim).forEach(function (k) { if (['changes', 'plan', 'hosts', 'errors', 'notes'].indexOf(k) < 0) other[k] = sim[k]; });
        if (Object.keys(other).length) generic(box, other);
      } else {
        generic(box, sim);
      }
    }
    var pbox = document.getElementById('plan-view');
    if (pbox && data.plan !== undefined && data.plan !== null) {
      planList(pbox, data.plan);
      out.stages = pbox.querySelectorAll('ol.plan > li').length;
    }
    window.nullsightReport.simulation = out;
  }

  try {
    simulation();
  } catch (e) {
    window.nullsightReport.error = String(e);
    if (window.console) console.error('nullsight report: simulation: ' + e);
  }
  try {
    var t0 = Date.now();
    timeline();
    graph();
    window.nullsightReport.drawMs = Date.now() - t0;
    window.nullsightReport.rendered = !window.nullsightReport.error;
  } catch (e) {
    window.nullsightReport.error = String(e);
    if (window.console) console.error('nullsight report: ' + e);
  }
})();
