// Widget bench (issue 7): how long until the site widget's iframe is interactive on a host
// page, and how big the widget's files are. A figure for BENCHMARKS.md, never a test.
//
//   node end2end/bench-widget.mjs            (a Lossless server must be running)
//
// Env: LOSSLESS_URL (default http://127.0.0.1:3311), LOSSLESS_ADMIN_EMAIL / _PASSWORD (default
// the e2e admin), BENCH_WIDGET_RUNS (default 30), BENCH_WIDGET_SITE (an existing site key whose
// allowed origins include http://127.0.0.2:BENCH_WIDGET_HOST_PORT; otherwise the admin creates
// one through /manage/widget), BENCH_WIDGET_HOST_PORT (default 3399).
//
// Method: a static host page on http://127.0.0.2:<port> (another origin than the server)
// carries the embed snippet; an inline script notes the time right before the snippet's
// <script async> tag. Every run is a fresh browser context (cold cache, a new visitor). Two
// figures per run, both from that moment: "ready" — the frame's `lossless:ready` postMessage
// reaches the host page (the frame's HTML, CSS and script are loaded and its handlers run:
// it is interactive); "first view" — the frame has rendered what the visitor can use (its
// session answered, so the chat, the bot or the request form is there). Times are
// wall-clock milliseconds (performance.timeOrigin + now(), comparable across the frames).
// Sizes: bytes raw and gzip -9 of public/widget.js, widget-frame.js and widget-frame.css.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'package.json'));
const { chromium } = require('@playwright/test');

const BASE = process.env.LOSSLESS_URL ?? 'http://127.0.0.1:3311';
const EMAIL = process.env.LOSSLESS_ADMIN_EMAIL ?? 'admin@example.com';
const PASSWORD = process.env.LOSSLESS_ADMIN_PASSWORD ?? 'admin-password-e2e';
const RUNS = Number(process.env.BENCH_WIDGET_RUNS ?? 30);
const HOST_PORT = Number(process.env.BENCH_WIDGET_HOST_PORT ?? 3399);
const HOST = `http://127.0.0.2:${HOST_PORT}`;

function page(key) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bench host</title></head><body>
<p>Host page</p>
<script>window.__ready = null; window.__t0 = performance.timeOrigin + performance.now();
addEventListener('message', function (e) {
  if (e.origin === ${JSON.stringify(new URL(BASE).origin)} && e.data && e.data.type === 'lossless:ready' && window.__ready === null)
    window.__ready = performance.timeOrigin + performance.now();
});</script>
<script src="${BASE}/widget.js" data-site="${key}" async></script></body></html>`;
}

async function createSite(browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  const p = await ctx.newPage();
  await p.goto(`${BASE}/agent/login`);
  await p.getByTestId('login-email').fill(EMAIL);
  await p.getByTestId('login-password').fill(PASSWORD);
  await p.getByTestId('login-submit').click();
  await p.waitForURL(/\/agent$/);
  await p.goto(`${BASE}/manage/widget`);
  await p.getByTestId('widget-site-new').click();
  const name = `Bench ${Date.now()}`;
  await p.getByTestId('f-name').fill(name);
  await p.getByTestId('f-allowed_origins').fill(HOST);
  await p.getByTestId('widget-save').click();
  await p.getByTestId('widget-saved').waitFor();
  const key = (await p.locator(`[data-testid=widget-site-row][data-name="${name}"] [data-testid=widget-site-key]`).innerText()).trim();
  await ctx.close();
  return key;
}

function pct(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function sizes() {
  return ['widget.js', 'widget-frame.js', 'widget-frame.css'].map((f) => {
    const raw = fs.readFileSync(path.join(here, '..', 'public', f));
    return { file: f, raw: raw.length, gzip: zlib.gzipSync(raw, { level: 9 }).length };
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--test-third-party-cookie-phaseout'],
});
const key = process.env.BENCH_WIDGET_SITE ?? (await createSite(browser));
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page(key));
});
await new Promise((r) => server.listen(HOST_PORT, '127.0.0.2', r));

const ready = [];
const shown = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${HOST}/`);
    await p.waitForFunction(() => window.__ready !== null, null, { timeout: 15_000 });
    const frame = p.frames().find((f) => f.url().includes('/widget/v1/frame/'));
    if (!frame) throw new Error('no widget frame');
    const shownAt = await frame
      .waitForFunction(() => {
        const m = document.getElementById('main');
        return m && m.childElementCount > 0 ? performance.timeOrigin + performance.now() : 0;
      }, null, { polling: 5, timeout: 15_000 })
      .then((h) => h.jsonValue());
    const t = await p.evaluate(() => ({ t0: window.__t0, ready: window.__ready }));
    ready.push(t.ready - t.t0);
    shown.push(shownAt - t.t0);
    await ctx.close();
  }
} finally {
  server.close();
  await browser.close();
}

ready.sort((a, b) => a - b);
shown.sort((a, b) => a - b);
const f = (x) => `${Math.round(x)} ms`;
console.log(`widget: ${RUNS} cold loads of a host page on another origin (${HOST}) against ${BASE}`);
console.log(`widget: snippet → frame ready (interactive): median ${f(pct(ready, 0.5))}, p95 ${f(pct(ready, 0.95))}`);
console.log(`widget: snippet → first view (session answered): median ${f(pct(shown, 0.5))}, p95 ${f(pct(shown, 0.95))}`);
for (const s of sizes()) {
  console.log(`widget: ${s.file} ${s.raw} bytes raw, ${s.gzip} bytes gzip -9`);
}
// BENCH_WIDGET_OUT: also append the figures as rows of BENCHMARKS.md's table (make bench).
if (process.env.BENCH_WIDGET_OUT) {
  const rows = [
    `| widget iframe: snippet → frame interactive (\`lossless:ready\`), ${RUNS} cold loads from another origin | — | median ${f(pct(ready, 0.5))}, p95 ${f(pct(ready, 0.95))} |`,
    `| widget iframe: snippet → first usable view (session answered) | — | median ${f(pct(shown, 0.5))}, p95 ${f(pct(shown, 0.95))} |`,
    ...sizes().map((s) => `| widget file \`${s.file}\` | — | ${s.raw} B raw, ${s.gzip} B gzip -9 |`),
  ];
  fs.appendFileSync(process.env.BENCH_WIDGET_OUT, rows.join('\n') + '\n');
}
