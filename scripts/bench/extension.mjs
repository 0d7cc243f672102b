// Figures for the extension (prints, asserts nothing):
//   1. raw and gzip size of every shipped file (the allowlist of `cargo xtask package`);
//      budget: the wasm the service worker loads <= 200 KB gzipped
//   2. recording overhead: cost per webRequest event in the real service worker, measured
//      with performance.now() around the worker's own handler (budget: median < 0.1 ms)
//   3. popup ready (checklist rendered) for a recorded trace of 500 requests (budget: < 150 ms)
//
// Run after `cargo xtask build`, with the e2e packages installed (tests/e2e: npm ci):
//   node scripts/bench/extension.mjs

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  REPO_ROOT, extensionId, extensionServiceWorker, launchBrowser, startSim, stopSim,
} from '../../tests/e2e/harness.mjs';

const SHIPPED_ROOTS = ['manifest.json', 'extension'];
const NOT_SHIPPED = ['.md', '.d.ts', '.gitignore', 'package.json'];

async function shippedFiles(entry) {
  const full = path.join(REPO_ROOT, entry);
  if ((await stat(full)).isDirectory()) {
    const names = (await readdir(full)).sort();
    return (await Promise.all(names.map((n) => shippedFiles(path.join(entry, n))))).flat();
  }
  return NOT_SHIPPED.some((s) => entry.endsWith(s)) ? [] : [entry];
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.95)]; };

async function sizes() {
  console.log('== shipped files (raw / gzip -9)');
  let raw = 0;
  let gz = 0;
  for (const file of (await Promise.all(SHIPPED_ROOTS.map(shippedFiles))).flat()) {
    const data = await readFile(path.join(REPO_ROOT, file));
    const zipped = gzipSync(data, { level: 9 }).length;
    raw += data.length;
    gz += zipped;
    console.log(`${file.padEnd(44)} ${kb(data.length).padStart(10)} ${kb(zipped).padStart(10)}`);
  }
  console.log(`${'total'.padEnd(44)} ${kb(raw).padStart(10)} ${kb(gz).padStart(10)}`);
  const worker = await readFile(path.join(REPO_ROOT, 'extension/pkg/flowlens_worker_bg.wasm'));
  console.log(`service worker wasm: ${kb(worker.length)} raw, ${kb(gzipSync(worker, { level: 9 }).length)} gzip (budget 200 KB gzip)`);
  // The popup, options page, viewer and the viewer's worker share one module: analysis, view,
  // export bundle (HAR export, redactor, zip) and the HAR importer.
  const popup = await readFile(path.join(REPO_ROOT, 'extension/pkg/flowlens_popup_bg.wasm'));
  console.log(`popup/viewer wasm: ${kb(popup.length)} raw, ${kb(gzipSync(popup, { level: 9 }).length)} gzip`);
}

/** Synthetic Chrome-shaped events, measured inside the worker around flowlens.feed. */
async function perEventCost(sw) {
  const result = await sw.evaluate(async () => {
    await globalThis.flowlens.ready();
    // performance.now() is coarsened to 0.1 ms in a worker without cross-origin isolation:
    // time batches of BATCH requests (4 events each) and divide.
    const BATCH = 25;
    const measure = (tabId, n, makeUrl) => {
      const costs = [];
      const t0 = Date.now();
      let batchStart = performance.now();
      for (let i = 0; i < n; i += 1) {
        const id = `bench-${tabId}-${i}`;
        const base = { requestId: id, tabId, frameId: 0, timeStamp: t0 + i, url: makeUrl(i), type: 'xmlhttprequest' };
        const events = [
          ['before-request', { ...base, method: 'GET' }],
          ['send-headers', { ...base, requestHeaders: [{ name: 'Accept', value: '*/*' }, { name: 'Referer', value: 'https://app.test/' }] }],
          ['headers-received', { ...base, statusCode: 200, responseHeaders: [
            { name: 'content-type', value: 'application/json' }, { name: 'cache-control', value: 'no-store' },
            { name: 'set-cookie', value: 'a=b; Secure; HttpOnly' }, { name: 'date', value: new Date().toUTCString() }] }],
          ['completed', { ...base, statusCode: 200 }],
        ];
        for (const [kind, details] of events) globalThis.flowlens.feed(kind, details);
        if ((i + 1) % BATCH === 0) {
          const now = performance.now();
          costs.push((now - batchStart) / (BATCH * events.length));
          batchStart = now;
        }
      }
      return costs;
    };
    // A tab with no flow: the common case, every request of every tab.
    const idle = measure(900001, 1000, (i) => `https://news.example/api/item/${i}`);
    // Its pre-flow buffer goes to session storage (to survive a stopped worker), once a burst.
    let idleStart = performance.now();
    await globalThis.flowlens.flush();
    const idleFlushMs = performance.now() - idleStart;
    // A tab being recorded: the event is kept and handed to storage.
    globalThis.flowlens.feed('before-request', {
      requestId: 'bench-start', tabId: 900002, frameId: 0, timeStamp: Date.now(), type: 'main_frame', method: 'GET',
      url: 'https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb',
    });
    const recording = measure(900002, 1000, (i) => `https://auth.acme.test/api/${i}`);
    // The storage write of all those kept events, done once for the burst.
    let start = performance.now();
    await globalThis.flowlens.flush();
    const burstFlushMs = performance.now() - start;
    // Worst case: one event per task, so every event pays a flush (one storage write).
    const single = [];
    for (let i = 0; i < 200; i += 1) {
      start = performance.now();
      globalThis.flowlens.feed('completed', {
        requestId: `single-${i}`, tabId: 900002, frameId: 0, timeStamp: Date.now(), type: 'xmlhttprequest',
        url: `https://auth.acme.test/single/${i}`, statusCode: 200,
      });
      const flushed = globalThis.flowlens.flush();
      single.push(performance.now() - start);
      await flushed;
    }
    return { idle, recording, idleFlushMs, burstFlushMs, single };
  });
  console.log('== recording overhead per webRequest event (in the service worker)');
  const { idleFlushMs, burstFlushMs, single, ...perEvent } = result;
  for (const [name, costs] of Object.entries(perEvent)) {
    console.log(`${name.padEnd(10)} median ${median(costs).toFixed(4)} ms, p95 ${p95(costs).toFixed(4)} ms per event (${costs.length} batches of 100 events; budget: median < 0.1 ms)`);
  }
  console.log(`idle: one storage write for the burst of 4000 buffered events: ${idleFlushMs.toFixed(1)} ms (${(idleFlushMs / 4000).toFixed(4)} ms per event)`);
  console.log(`recording: one storage write for the burst of 4000 kept events: ${burstFlushMs.toFixed(1)} ms (${(burstFlushMs / 4000).toFixed(4)} ms per event)`);
  console.log(`recording, worst case (one event per task, a write each): median ${median(single).toFixed(3)} ms, p95 ${p95(single).toFixed(3)} ms per event (timer resolution 0.1 ms)`);
}

/** A recorded flow of 500 requests, then the popup opened on it. */
async function popupReady(context, sw, id) {
  const tab = 900003;
  await sw.evaluate(async (tabId) => {
    await globalThis.flowlens.ready();
    let t = Date.now();
    const feedRequest = (id, type, method, url, status, headers = []) => {
      const base = { requestId: id, tabId, frameId: 0, type, url };
      globalThis.flowlens.feed('before-request', { ...base, method, timeStamp: t += 1 });
      globalThis.flowlens.feed('send-headers', { ...base, timeStamp: t += 1, requestHeaders: [{ name: 'Accept', value: '*/*' }] });
      globalThis.flowlens.feed('headers-received', { ...base, timeStamp: t += 1, statusCode: status, responseHeaders: headers });
      if (status < 300 || status >= 400) globalThis.flowlens.feed('completed', { ...base, timeStamp: t += 1, statusCode: status });
    };
    const authorize = 'https://auth.acme.test/oauth/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.acme.test%2Fcb&state=s&code_challenge=x&code_challenge_method=S256';
    feedRequest('p-0', 'main_frame', 'GET', authorize, 302, [{ name: 'location', value: 'https://auth.acme.test/oauth/consent?id=1' }]);
    feedRequest('p-1', 'main_frame', 'GET', 'https://auth.acme.test/oauth/consent?id=1', 200);
    for (let i = 2; i < 499; i += 1) {
      feedRequest(`p-${i}`, i % 2 ? 'image' : 'xmlhttprequest', 'GET', `https://auth.acme.test/r/${i}`, 200);
    }
    feedRequest('p-499', 'main_frame', 'GET', 'https://app.acme.test/cb?code=abc&state=s', 200);
    // Let the storage writes land.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, tab);
  const times = [];
  const parts = [];
  const popup = await context.newPage();
  for (let i = 0; i < 7; i += 1) {
    await popup.goto(`chrome-extension://${id}/extension/popup.html?tab=${tab}`);
    await popup.waitForSelector('body[data-ready="true"]');
    times.push(Number(await popup.evaluate(() => document.body.dataset.readyMs)));
    parts.push(await popup.evaluate(() => document.body.dataset.timings));
  }
  const checks = await popup.locator('[data-check]').count();
  const hops = await popup.locator('#timeline [data-hop]').count();
  console.log('== popup ready (module load, storage read, analyze, render) for a trace of 500 requests');
  console.log(`ready in median ${median(times)} ms (runs: ${times.join(', ')}; ${checks} checks, ${hops} hops listed) (budget: < 150 ms)`);
  console.log(`parts of the last run: ${parts.at(-1)}`);
}

await sizes();
await startSim({ log: false });
const context = await launchBrowser({ extensionPath: REPO_ROOT });
try {
  const sw = await extensionServiceWorker(context);
  const id = await extensionId(context);
  await perEventCost(sw);
  await popupReady(context, sw, id);
} finally {
  await context.close();
  await stopSim();
}
