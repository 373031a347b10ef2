// Opening time of nullsight reports in headless Chromium (Debian's /usr/bin/chromium), each file
// loaded RUNS times in turn in fresh pages. Usage: node open-time.mjs RUNS A.html [B.html ...]
// Prints, per file: its size, the median time from navigation to the report drawn, and loadEventEnd.
import { chromium } from 'playwright-core';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [runs, ...files] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const res = Object.fromEntries(files.map(f => [f, []]));
for (let i = 0; i < Number(runs); i++) {
  for (const f of files) {
    const p = await b.newPage({ viewport: { width: 1400, height: 900 } });
    const t0 = Date.now();
    await p.goto(pathToFileURL(resolve(f)).href, { waitUntil: 'load' });
    await p.waitForFunction(() => window.nullsightReport && (window.nullsightReport.rendered || window.nullsightReport.error));
    const ms = Date.now() - t0;
    const load = await p.evaluate(() => Math.round(performance.getEntriesByType('navigation')[0].loadEventEnd));
    res[f].push([ms, load]);
    await p.close();
  }
}
await b.close();
const med = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (const f of files) console.log(f, statSync(f).size, 'bytes; median open-to-rendered', med(res[f].map(r => r[0])), 'ms; median loadEventEnd', med(res[f].map(r => r[1])), 'ms; runs', JSON.stringify(res[f]));
