// Load a nullsight HTML report in headless Chromium (Debian's /usr/bin/chromium) over file://
// and check it. Usage:
//   node check.mjs REPORT.html EXPECTED.json SCREENSHOT.png
// EXPECTED.json: {"counts": {"events": n, "anonymous": n, "hosts": n, "files": n}, "hostile": bool}
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
  const state = await page.evaluate(() => ({
    error: window.nullsightReport.error || null,
    calls: window.__calls,
    pwned: window.__pwned || null,
    counts: Object.fromEntries([...document.querySelectorAll('[data-count]')].map((e) => [e.dataset.count, e.textContent.replace(/[\s\u202f]/g, '')])),
    timelineSvg: !!document.querySelector('#timeline-chart svg'),
    graphSvg: !!document.querySelector('#graph-chart svg'),
    graphNodes: document.querySelectorAll('#graph-chart .node').length,
    timelineBars: document.querySelectorAll('#timeline-chart g.bucket').length,
    scripts: document.scripts.length,
    injected: [...document.querySelectorAll('img, iframe, object, embed, svg script, body > script:not([id]) ~ script')].length,
    title: document.title,
  }));
  await page.screenshot({ path: shot.replace(/\.png$/, '-top.png'), fullPage: false });
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
  if (state.scripts !== 2) failures.push(`expected 2 script elements (data and code), found ${state.scripts}`);
  for (const [k, v] of Object.entries(expected.counts || {})) {
    if (String(state.counts[k]) !== String(v)) failures.push(`count ${k}: page shows ${state.counts[k]}, summary says ${v}`);
  }
  if (expected.timeline && !state.timelineSvg) failures.push('no timeline drawn');
  if (expected.graph && !state.graphSvg) failures.push('no graph drawn');
  if (interaction && !interaction.sortedDesc) failures.push('sorting the events column did not sort');
  if (interaction && interaction.visible < 1) failures.push('filtering hid every row');
  console.log(JSON.stringify({ openMs, perf, state, interaction, consoleErrors, requests }, null, 1));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
