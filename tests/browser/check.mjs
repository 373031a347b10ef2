// Load a nullsight HTML report in headless Chromium (Debian's /usr/bin/chromium) over file://
// and check it. Usage:
//   node check.mjs REPORT.html EXPECTED.json SCREENSHOT.png
// EXPECTED.json: {"counts": {"events": n, "anonymous": n, "hosts": n, "files": n},
//   "timeline": bool, "graph": bool, "scripts": n, "hostile": [strings that must show as text],
//   "simulation": bool (the report must show a simulation)}
// Prints one JSON object (the measurements); exits 1 with the reasons when a check fails.
import { chromium } from 'playwright-core';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, expectedPath, shot] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const exe = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'nullsight-chromium-'));
const failures = [];
const consoleErrors = [];
const requests = [];

const context = await chromium.launchPersistentContext(profile, {
  executablePath: exe,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  page.on('dialog', (d) => { consoleErrors.push(`dialog: ${d.type()} ${d.message()}`); d.dismiss(); });
  // Anything injected that runs would call one of these or set the flag.
  await page.addInitScript(() => {
    window.__calls = [];
    for (const f of ['alert', 'confirm', 'prompt']) {
      window[f] = (...a) => { window.__calls.push([f, ...a.map(String)]); };
    }
  });
  const url = pathToFileURL(resolve(report)).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.nullsightReport && (window.nullsightReport.rendered || window.nullsightReport.error), null, { timeout: 30000 });
  const openMs = Date.now() - t0;
  const perf = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
  });
  const state = await page.evaluate(() => {
    const canvases = [...document.querySelectorAll('#timeline-chart canvas')];
    // pixels of a colour in a canvas (the strips' bars are drawn in the page's red and orange)
    const pixels = (c, [r, g, b]) => {
      if (!c || !c.width || !c.height) return 0;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) < 8 && Math.abs(d[i + 1] - g) < 8 && Math.abs(d[i + 2] - b) < 8) n++;
      return n;
    };
    const tl = window.nullsightReport.timeline || {};
    return {
      error: window.nullsightReport.error || null,
      calls: window.__calls,
      pwned: window.__pwned || null,
      counts: Object.fromEntries([...document.querySelectorAll('[data-count]')].map((e) => [e.dataset.count, e.textContent.replace(/[\s\u202f]/g, '')])),
      timelineCanvases: canvases.map((c) => [c.width, c.height]),
      timelineBars: (tl.drawn && tl.drawn.bars) || 0,
      timelineAnonymousBars: (tl.drawn && tl.drawn.anonymous) || 0,
      timelineNtlmv1Bars: (tl.drawn && tl.drawn.ntlmv1) || 0,
      timelineBuckets: tl.buckets || 0,
      timelineAnonymousTotal: tl.anonymousTotal || 0,
      anonymousRedPixels: pixels(canvases[1], [214, 39, 40]),
      ntlmv1OrangePixels: pixels(canvases[2], [242, 142, 43]),
      graphSvg: !!document.querySelector('#graph-chart svg'),
      graphNodes: document.querySelectorAll('#graph-chart .node').length,
      graphLinks: document.querySelectorAll('#graph-chart path.link').length,
      graphAnonymousLinks: document.querySelectorAll('#graph-chart path.link.anon').length,
      graphNtlmv1Links: document.querySelectorAll('#graph-chart path.link.v1').length,
      graphLayout: window.nullsightReport.graph,
      // every label as the text it shows, and the full names (first line of each node's title)
      graphLabels: [...document.querySelectorAll('#graph-chart .node text tspan:first-child')].map((t) => t.textContent),
      graphNames: [...document.querySelectorAll('#graph-chart .node > title')].map((t) => t.textContent.split('\n')[0]),
      graphElementsInLabels: document.querySelectorAll('#graph-chart .node text *:not(tspan), #graph-chart title *').length,
      scripts: document.scripts.length,
      // The simulation and plan as shown (text of the cells the script built).
      simulationLayout: window.nullsightReport.simulation || null,
      simChanges: [...document.querySelectorAll('#sim-changes > tbody > tr.change')].map((tr) => {
        const t = (sel, root = tr) => { const e = root.querySelector(sel); return e ? e.textContent : null; };
        const detail = tr.nextElementSibling && tr.nextElementSibling.classList.contains('detail') ? tr.nextElementSibling : null;
        return {
          setting: t('td.setting'), value: tr.cells[2].textContent, scope: t('td.scope'),
          verdict: tr.dataset.verdict, verdictText: t('.vk'),
          flows: detail ? [...detail.querySelectorAll('table.flows > tbody > tr')].map((f) => ({
            what: f.cells[0].firstChild ? f.cells[0].firstChild.textContent : '', account: t('td.acct', f),
            from: t('td.from .host', f), ip: t('td.from .ip', f), to: t('td.to .host', f),
            count: t('td.n', f), first: t('td.t .first', f), last: t('td.t .last', f),
          })) : [],
        };
      }),
      planStages: [...document.querySelectorAll('#plan-stages > li')].map((li) => ({
        title: li.querySelector('.stitle') ? li.querySelector('.stitle').textContent : null,
        first: [...li.querySelectorAll('.first .items code')].map((c) => c.textContent),
        apply: [...li.querySelectorAll('ul.apply > li')].map((c) => c.textContent),
      })),
      // Tables wider than their box (scrolling sideways) in the simulation section.
      simOverflow: [...document.querySelectorAll('#simulation, #simulation .simwrap')].filter((e) => e.scrollWidth > e.clientWidth + 1).length,
      complianceRows: document.querySelectorAll('#compliance-table tbody tr').length,
      injected: [...document.querySelectorAll('img, iframe, object, embed, svg script, foreignObject')].length,
      title: document.title,
    };
  });
  await page.screenshot({ path: shot.replace(/\.png$/, '-top.png'), fullPage: false });
  // The sticky menu would cover part of each section's picture (style set through the CSSOM,
  // which the CSP allows).
  await page.evaluate(() => { const n = document.querySelector('nav'); if (n) n.style.position = 'static'; });
  for (const id of ['findings', 'timeline', 'graph', 'compliance', 'simulation']) {
    const el = await page.$('#' + id);
    if (el) await el.screenshot({ path: shot.replace(/\.png$/, `-${id}.png`) });
  }
  // Sorting and filtering work.
  let interaction = null;
  if (await page.$('#edges')) {
    await page.click('#edges thead th:nth-child(6)');
    await page.click('#edges thead th:nth-child(6)');
    interaction = await page.evaluate(() => {
      const vals = [...document.querySelectorAll('#edges tbody tr td:nth-child(6)')].map((td) => parseFloat(td.dataset.v));
      const sortedDesc = vals.every((v, i) => i === 0 || vals[i - 1] >= v);
      return { rows: vals.length, sortedDesc };
    });
    const first = await page.$eval('#edges tbody tr td:nth-child(1)', (td) => td.textContent);
    await page.fill('input[data-table=edges]', first);
    interaction.filterLabel = await page.$eval('#edges-count', (e) => e.textContent);
    interaction.visible = await page.$$eval('#edges tbody tr', (rs) => rs.filter((r) => r.style.display !== 'none').length);
    await page.fill('input[data-table=edges]', '');
    await page.hover('#graph-chart .node');
    interaction.highlighted = await page.$$eval('#graph-chart .link.hi', (l) => l.length);
    await page.mouse.move(0, 0);
  }
  // The timeline's tooltip: point at the tallest bar of the first burst.
  const over = await page.$('#timeline-chart .u-over');
  if (over) {
    interaction = interaction || {};
    const at = await page.evaluate(() => {
      const el = document.querySelector('#timeline-chart .u-over');
      el.scrollIntoView({ behavior: 'instant', block: 'center' });
      const o = el.getBoundingClientRect();
      return { x: o.left, y: o.top, w: o.width, h: o.height };
    });
    // scan from the left until the tooltip shows a bar's numbers
    for (let x = 1; x < at.w; x += 3) {
      await page.mouse.move(at.x + x, at.y + at.h - 2);
      const t = await page.$eval('.tip', (e) => (e.hidden ? '' : e.textContent)).catch(() => '');
      if (/\d{4}-\d\d-\d\d/.test(t)) { interaction.timelineTip = t; break; }
    }
    interaction.tipElements = await page.$eval('.tip', (e) => e.children.length).catch(() => -1);
    await page.screenshot({ path: shot.replace(/\.png$/, '-timeline-tip.png'), clip: { x: Math.max(0, at.x - 80), y: Math.max(0, at.y - 20), width: Math.min(1300, at.w + 100), height: at.h + 200 } });
    await page.mouse.move(0, 0);
  }
  try {
    await page.screenshot({ path: shot, fullPage: true });
  } catch (e) {
    console.error(`note: no full-page screenshot (${e.message.split('\n')[0]})`);
  }

  if (state.error) failures.push(`the report's script failed: ${state.error}`);
  if (consoleErrors.length) failures.push(`console errors: ${JSON.stringify(consoleErrors)}`);
  if (requests.length) failures.push(`network requests: ${JSON.stringify(requests)}`);
  if (state.calls.length) failures.push(`injected script ran: ${JSON.stringify(state.calls)}`);
  if (state.pwned) failures.push(`injected script ran: window.__pwned = ${state.pwned}`);
  if (state.injected) failures.push(`${state.injected} injected elements in the page`);
  const scripts = expected.scripts || 2;
  if (state.scripts !== scripts) failures.push(`expected ${scripts} script elements (data, libraries, code), found ${state.scripts}`);
  for (const [k, v] of Object.entries(expected.counts || {})) {
    if (String(state.counts[k]) !== String(v)) failures.push(`count ${k}: page shows ${state.counts[k]}, summary says ${v}`);
  }
  if (expected.timeline) {
    if (state.timelineCanvases.length !== 3 || state.timelineCanvases.some(([w, h]) => !(w > 0 && h > 0))) failures.push(`timeline: expected 3 canvases of non-zero size, found ${JSON.stringify(state.timelineCanvases)}`);
    if (!(state.timelineBars > 0)) failures.push('timeline: no bar drawn');
    if (state.timelineAnonymousTotal > 0 && !(state.timelineAnonymousBars > 0 && state.anonymousRedPixels > 0)) failures.push('timeline: anonymous events but no red bar in their strip');
    if (!interaction || !interaction.timelineTip) failures.push('timeline: pointing at a bar showed no tooltip');
    if (interaction && interaction.tipElements) failures.push('timeline: the tooltip holds elements, not text');
  }
  if (expected.graph) {
    if (!state.graphSvg) failures.push('no graph drawn');
    if (!(state.graphNodes > 0 && state.graphLinks > 0)) failures.push(`graph: ${state.graphNodes} nodes and ${state.graphLinks} links drawn`);
    if (state.graphLayout && (state.graphLayout.nodes !== state.graphNodes || state.graphLayout.links !== state.graphLinks)) failures.push(`graph: laid out ${JSON.stringify(state.graphLayout)}, drawn ${state.graphNodes} nodes and ${state.graphLinks} links`);
    if (state.graphElementsInLabels) failures.push(`graph: ${state.graphElementsInLabels} elements inside labels or titles`);
  }
  // Hostile strings: every one shows, as text, in the graph's node names (source "WS" + s,
  // account "DOM" + s + "\\" + s, target "SRV-" + s).
  for (const h of expected.hostile || []) {
    if (!state.graphNames.some((n) => n.includes(h))) failures.push(`graph: no node named with ${JSON.stringify(h)}`);
  }
  if (expected.simulation && !(state.simChanges.length > 0 || (state.simulationLayout && state.simulationLayout.changes === 0))) failures.push('no simulation shown');
  if (interaction && interaction.rows !== undefined && !interaction.sortedDesc) failures.push('sorting the events column did not sort');
  if (interaction && interaction.visible !== undefined && interaction.visible < 1) failures.push('filtering hid every row');
  console.log(JSON.stringify({ openMs, perf, state, interaction, consoleErrors, requests }, null, 1));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
