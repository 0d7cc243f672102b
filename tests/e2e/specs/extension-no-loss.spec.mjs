// Nothing recorded is lost silently: not when the browser stops the service worker at any
// point of a flow, not when the flow is bigger than session storage, not when a storage
// write fails. What could not be kept is said in the popup.

import http from 'node:http';
import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT, extensionId, runFlow } from '../harness.mjs';
import { extensionReady, openPopup, recordingOf } from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

/** Seeded generator (mulberry32): a failing run is replayed with FLOWLENS_STOP_SEED. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The popup's timeline as comparable lines: role, method, host, status. CORS preflights are
 * left out: the browser caches them, so the same flow run twice makes them once.
 */
async function timeline(popup) {
  const hops = await popup.locator('#timeline [data-hop]').evaluateAll((items) => items.map((hop) => [
    hop.dataset.role,
    hop.querySelector('.method')?.textContent,
    hop.querySelector('.host')?.textContent,
    hop.querySelector('.http-status')?.textContent,
  ].join(' ')));
  return hops.filter((hop) => !hop.includes(' OPTIONS '));
}

/** The tab id of a page, asked from an extension page (the worker may be stopped). */
async function tabIdFrom(extensionPage, url) {
  return extensionPage.evaluate(async (wanted) => {
    const tabs = await chrome.tabs.query({});
    return tabs.find((tab) => tab.url === wanted)?.id ?? null;
  }, url);
}

/** Opens the popup for a tab and waits until its timeline is `expected` (or times out). */
async function timelineOfTab(context, tabId, expected, message) {
  const id = await extensionId(context);
  const popup = await context.newPage();
  let shown = [];
  await expect.poll(async () => {
    await popup.goto(`chrome-extension://${id}/extension/popup.html?tab=${tabId}`);
    await popup.waitForSelector('body[data-ready="true"]');
    shown = await timeline(popup);
    return shown;
  }, { timeout: 20_000, message }).toEqual(expected);
  return popup;
}

const RUNS = Number(process.env.FLOWLENS_STOP_RUNS) || 32;
const REQUEST_EVENTS = ['before-request', 'send-headers', 'headers-received', 'before-redirect', 'completed', 'error-occurred'];

/**
 * Waits until the extension's worker, if one runs, is idle: it has handled and stored what it
 * received and no event came for a while; and, when `url` is given, until the recording
 * holds that request (its `before-request` reached the worker before the request was held,
 * but may still be on its way). A worker that runs but cannot be reached is an error: a stop
 * now could cut an event in two. Answers whether a worker runs.
 */
async function workerSettled(context, statuses, url = null) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const worker = context.serviceWorkers().filter((w) => w.url().startsWith('chrome-extension://')).at(-1);
    const settled = await worker?.evaluate(async (wanted) => {
      await globalThis.flowlens.settled(150);
      if (wanted === null) return true;
      const stored = Object.entries(await chrome.storage.session.get(null))
        .filter(([key, value]) => /^flowlens\/[tb]\//.test(key) && typeof value === 'string');
      return stored.some(([, value]) => value.includes(wanted));
    }, url).catch(() => false);
    if (settled) return true;
    if (url === null && ![...statuses.values()].some((s) => s === 'running' || s === 'starting')) return false;
    if (Date.now() > deadline) {
      throw new Error(url === null ? 'the running worker could not be reached to let it settle'
        : `the recording never held ${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The running status of every service worker version, from CDP's ServiceWorker domain, and
 * how many times one was reported stopped (a worker may be started again by an event right
 * after it stopped: the stop happened all the same).
 */
function workerStatuses(cdp) {
  const status = new Map();
  status.stops = 0;
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const v of versions) {
      if (v.runningStatus === 'stopped' && status.get(v.versionId) !== 'stopped') status.stops += 1;
      status.set(v.versionId, v.runningStatus);
    }
  });
  return status;
}

const until = async (condition, what, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * Routes a page's requests, counting them; before the requests numbered in `points` leave the
 * browser, the worker is stopped between two events, as Chrome stops an idle worker: the
 * page's other requests are held, those already sent have finished, the worker has handled
 * and stored what it received, then it is stopped and the test waits until it is stopped,
 * not merely stopping. (A page's requests run in parallel: stopping the worker as soon as the
 * k-th request is routed would stop it in the middle of the others' events, which the
 * browser would hand to a worker it is tearing down, a loss no extension can prevent.)
 */
async function stopWorkerBefore(page, context, cdp, points, statuses) {
  let seen = 0;
  const stops = [];
  const order = [];
  /** Requests sent and not finished (redirect follow-ups included), and those held. */
  const inFlight = new Set();
  const held = new Set();
  page.on('request', (request) => inFlight.add(request));
  page.on('requestfinished', (request) => inFlight.delete(request));
  page.on('requestfailed', (request) => inFlight.delete(request));
  let gate = Promise.resolve();
  let failure = null;
  await page.route('**/*', async (route) => {
    seen += 1;
    const n = seen;
    const request = route.request();
    order.push(`${n} ${request.method()} ${request.url().split('?')[0]}`);
    held.add(request);
    if (points.includes(n)) {
      gate = gate.then(async () => {
        await until(() => [...inFlight].every((r) => held.has(r)), () => `the requests sent before request ${n} finished: ${
          [...inFlight].filter((r) => !held.has(r)).map((r) => `${r.method()} ${r.url()}`).join(', ')}`);
        // Page loads and API calls are stored at once (idle pages' images and scripts are
        // held in memory only, and are never hops).
        const stored = ['document', 'fetch', 'xhr'].includes(request.resourceType());
        const stopsBefore = statuses.stops;
        const running = await workerSettled(context, statuses, stored ? request.url() : null);
        await cdp.send('ServiceWorker.stopAllWorkers');
        if (running) {
          await until(() => statuses.stops > stopsBefore,
            () => `the worker is stopped: ${JSON.stringify([...statuses.entries()])}`);
        }
        stops.push(n);
      }).catch((error) => { failure ??= error; });
    }
    await gate;
    held.delete(request);
    await route.continue();
  });
  return { stops, order, seen: () => seen, failure: () => failure };
}

/**
 * Prints what a failed run needs to be understood: the requests in the order they were routed
 * (and where the worker was stopped), and what the recording holds, event by event.
 */
async function printRun(context, tabId, routed) {
  const { state, events } = await recordingOf(context, tabId);
  const at = (e) => (typeof e.time_stamp === 'number' ? e.time_stamp.toFixed(0) : '?');
  console.log([
    `requests routed (worker stopped before ${routed.stops.join(', ')}):`, ...routed.order,
    `recorder state: ${JSON.stringify(state)}`,
    `${events.length} recorded events:`,
    ...events.map((e) => `${at(e)} ${e.kind} ${e.request_id ?? ''} ${e.method ?? ''} ${String(e.url ?? '').split('?')[0]}`),
  ].join('\n'));
}

test('a worker stopped at random points of a flow loses no hop', async ({ context, page }, testInfo) => {
  test.setTimeout(20 * 60_000);
  const seed = Number(process.env.FLOWLENS_STOP_SEED) || Math.floor(Math.random() * 2 ** 31);
  console.log(`worker-stop test: seed ${seed} (replay with FLOWLENS_STOP_SEED=${seed})`);
  testInfo.annotations.push({ type: 'seed', description: String(seed) });
  const random = generator(seed);
  await extensionReady(context);
  const cdp = await context.newCDPSession(page);
  const statuses = workerStatuses(cdp);
  await cdp.send('ServiceWorker.enable');
  const id = await extensionId(context);
  const control = await context.newPage();
  await control.goto(`chrome-extension://${id}/extension/options.html`);

  // The reference: the same flow, routed the same way, with the worker left alone.
  const reference = await context.newPage();
  const counted = await stopWorkerBefore(reference, context, cdp, [], statuses);
  const result = await runFlow(reference, 'good');
  expect(result.outcome).toBe('authorized');
  const referenceTab = await tabIdFrom(control, reference.url());
  let expected = [];
  await expect.poll(async () => {
    const popup = await openPopup(context, referenceTab);
    expected = await timeline(popup);
    await popup.close();
    // The token request and the MCP call after the callback come in within the grace period.
    return expected.filter((h) => h.startsWith('token-request') || h.startsWith('mcp-request POST mcp.acme.test 200')).length;
  }, { message: 'the reference flow recorded its token request and MCP call' }).toBe(2);
  await reference.close();
  const requests = counted.seen();
  console.log(`reference flow: ${requests} requests, ${expected.length} hops in the popup`);

  let stops = 0;
  for (let run = 1; run <= RUNS; run += 1) {
    // One to three points, each "before the flow's k-th request leaves the browser".
    const points = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) },
      () => 1 + Math.floor(random() * requests)))].sort((a, b) => a - b);
    const described = `before request ${points.join(', ')} of ${requests}`;
    const tab = await context.newPage();
    const routed = await stopWorkerBefore(tab, context, cdp, points, statuses);
    const flow = await runFlow(tab, 'good');
    if (routed.failure()) throw routed.failure();
    expect(flow.outcome, `run ${run} (seed ${seed}; worker stopped ${described})`).toBe('authorized');
    stops += routed.stops.length;
    const tabId = await tabIdFrom(control, tab.url());
    let popup;
    try {
      popup = await timelineOfTab(context, tabId, expected,
        `run ${run} of seed ${seed} (worker stopped ${described}): every hop of the flow in the popup`);
      // The client's page loaded before the flow began is kept whole (the pre-flow buffer).
      const { events } = await recordingOf(context, tabId);
      const documents = (kinds) => events
        .filter((e) => kinds.includes(e.kind) && e.resource_type === 'document').map((e) => e.url);
      expect(documents(['before-request']), `run ${run} of seed ${seed} (worker stopped ${described}): the client's page load`)
        .toContain(flow.navigations[0].url);
      // Every other page load is recorded too, by any of its events: one the page starts
      // while the test is stopping the worker has its `before-request` dispatched before
      // Playwright can hold it, to a worker being torn down, and is recorded from its next
      // event on (its hop is in the popup, checked above).
      expect(documents(REQUEST_EVENTS), `run ${run} of seed ${seed} (worker stopped ${described}): every page load`)
        .toEqual(expect.arrayContaining(flow.navigations.map((n) => n.url)));
    } catch (error) {
      await printRun(context, tabId, routed);
      throw error;
    }
    console.log(`run ${run}: worker stopped ${described}: all ${expected.length} hops in the popup`);
    await popup.click('#clear');
    await popup.close();
    await tab.close();
  }
  testInfo.annotations.push({ type: 'runs', description: `${RUNS} runs, ${stops} worker stops` });
  console.log(`worker-stop test: ${RUNS} runs, ${stops} stops, seed ${seed}: every hop found every time`);
});

/**
 * A loopback OAuth-shaped flow that does not fit in session storage: pages of 1,500 images,
 * every response with 12 KB of headers, a login form with a 60 KB field.
 */
async function startHeavyFlowServer() {
  const IMAGES = 1500;
  const pad = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-pad-${i}`, 'p'.repeat(4096)]));
  let origin = '';
  let headerBytes = 0;
  const page = (res, body, status = 200) => {
    res.writeHead(status, { 'content-type': 'text/html', 'cache-control': 'no-store', ...pad(3) });
    res.end(`<!doctype html><meta charset="utf-8">${body}`);
  };
  const images = (name) => Array.from({ length: IMAGES }, (_, i) => `<img src="/img/${name}/${i}.gif" alt="">`).join('');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, origin);
    headerBytes += 3 * 4096;
    if (url.pathname.startsWith('/img/')) {
      res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store', ...pad(3) });
      res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
    } else if (url.pathname === '/app') {
      const authorize = `/authorize?response_type=code&client_id=heavy&redirect_uri=${encodeURIComponent(`${origin}/callback`)}`
        + '&state=st-123&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';
      page(res, `<title>Client</title><a id="go" href="${authorize}">Sign in</a>`);
    } else if (url.pathname === '/authorize') {
      res.writeHead(302, { location: '/login?state=st-123', ...pad(3) });
      res.end();
    } else if (url.pathname === '/login' && req.method === 'GET') {
      page(res, `<title>Sign in</title><h1>Sign in</h1>${images('login')}
        <form method="post" action="/login"><input type="hidden" name="blob" value="${'b'.repeat(60_000)}">
        <input name="email" value="user@heavy.test"><input type="password" name="password" value="hunter2">
        <button id="sign-in" type="submit">Sign in</button></form>`);
    } else if (url.pathname === '/login') {
      req.resume();
      req.on('end', () => { res.writeHead(302, { location: '/consent', ...pad(3) }); res.end(); });
    } else if (url.pathname === '/consent' && req.method === 'GET') {
      page(res, `<title>Authorize</title><h1>Heavy App wants access</h1>${images('consent')}
        <form method="post" action="/consent"><button id="deny" name="d" value="deny">Deny</button>
        <button id="allow" name="d" value="allow">Allow</button></form>`);
    } else if (url.pathname === '/consent') {
      req.resume();
      req.on('end', () => { res.writeHead(302, { location: '/callback?code=c-42&state=st-123', ...pad(3) }); res.end(); });
    } else if (url.pathname === '/callback') {
      page(res, '<title>Done</title><body data-done="ok">Signed in</body>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  const close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return { origin, close, headerBytes: () => headerBytes };
}

test('a flow bigger than session storage keeps every hop and says what it left out', async ({ context, page }) => {
  test.setTimeout(5 * 60_000);
  await extensionReady(context);
  const server = await startHeavyFlowServer();
  try {
    const documents = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) documents.push(request.url());
    });
    await page.goto(`${server.origin}/app`);
    await page.click('#go');
    await page.waitForSelector('#sign-in', { timeout: 60_000 });
    await page.waitForLoadState('load', { timeout: 60_000 });
    await page.click('#sign-in');
    await page.waitForSelector('#allow', { timeout: 60_000 });
    await page.waitForLoadState('load', { timeout: 60_000 });
    await page.click('#allow');
    await page.waitForSelector('body[data-done]', { state: 'attached', timeout: 60_000 });

    const id = await extensionId(context);
    const control = await context.newPage();
    await control.goto(`chrome-extension://${id}/extension/options.html`);
    const tabId = await tabIdFrom(control, page.url());
    const offered = server.headerBytes();
    const quota = await control.evaluate(() => chrome.storage.session.QUOTA_BYTES);
    console.log(`heavy flow: ${(offered / 2 ** 20).toFixed(1)} MB of headers offered, session storage quota ${(quota / 2 ** 20).toFixed(0)} MB`);
    expect(offered, 'the flow would not fit in session storage').toBeGreaterThan(quota);

    const { state, events } = await (async () => {
      await expect.poll(async () => (await recordingOf(context, tabId)).state?.phase,
        { timeout: 30_000, message: 'the callback was recorded' }).toBe('finishing');
      return recordingOf(context, tabId);
    })();
    const used = await control.evaluate(() => chrome.storage.session.getBytesInUse(null));
    console.log(`heavy flow: session storage holds ${(used / 2 ** 20).toFixed(1)} MB; left out: ${JSON.stringify(state.budget)}`);
    expect(used).toBeLessThan(quota);
    expect(state.lost_chunks, 'no refused write').toBe(0);
    expect(state.dropped, 'no hop dropped').toBe(0);
    expect(state.budget.subresources, 'subresources were given up first').toBeGreaterThan(0);
    const recorded = events.filter((e) => e.kind === 'before-request' && e.resource_type === 'document').map((e) => e.url);
    expect(recorded, 'every page load and redirect of the flow').toEqual(expect.arrayContaining(documents));
    expect(documents.length).toBeGreaterThanOrEqual(7);

    const popup = await openPopup(context, tabId);
    await expect(popup.locator('#notices')).toContainText('to keep every hop');
    await expect(popup.locator('#notices')).toContainText('subresource request(s)');
    const roles = await popup.locator('#timeline [data-role]').evaluateAll((hops) => hops.map((h) => h.dataset.role));
    expect(roles).toEqual(expect.arrayContaining(['authorize', 'client-callback']));
    expect(roles.length, `${roles.join(', ')}`).toBeGreaterThanOrEqual(documents.length - 1);
  } finally {
    await server.close();
  }
});

test('a storage write the browser refuses is retried, then reported in the popup', async ({ context, page }) => {
  const sw = await extensionReady(context);
  // Refuse the first write of a recorded chunk, and its two retries; let every other through
  // (a write that succeeds on a retry is covered by the same code path).
  await sw.evaluate(() => {
    const areas = new Set([globalThis.chrome?.storage?.session, globalThis.browser?.storage?.session]);
    let refused = null;
    let refusals = 0;
    for (const area of areas) {
      if (!area) continue;
      const set = area.set.bind(area);
      area.set = (items) => {
        const chunk = Object.keys(items).find((key) => key.startsWith('flowlens/t/'));
        refused ??= chunk ?? null;
        if (chunk !== undefined && chunk === refused && refusals < 3) {
          refusals += 1;
          return Promise.reject(new Error('QUOTA_BYTES quota exceeded (refused by the test)'));
        }
        return set(items);
      };
    }
  });
  const flow = await runFlow(page, 'good');
  expect(flow.outcome).toBe('authorized');
  const id = await extensionId(context);
  const control = await context.newPage();
  await control.goto(`chrome-extension://${id}/extension/options.html`);
  const tabId = await tabIdFrom(control, page.url());
  await expect.poll(async () => (await recordingOf(context, tabId)).state?.lost_chunks,
    { message: 'the recorder was told of the refused write' }).toBe(1);
  const popup = await openPopup(context, tabId);
  await expect(popup.locator('#notices')).toContainText('could not be saved');
  await expect(popup.locator('#notices')).toContainText('QUOTA_BYTES quota exceeded (refused by the test)');
  await expect(popup.locator('[data-check="capture-complete"]')).toHaveAttribute('data-status', 'warn');
});

test('the options page checks the profile as the CLI does and says what is wrong', async ({ context }) => {
  const id = await extensionId(context);
  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/extension/options.html`);
  await options.waitForSelector('body[data-ready="true"]');
  await options.fill('textarea[name="custom_domains"]', 'auth acme\nhttps://Login.Acme.test/x');
  await options.fill('input[name="login_endpoint"]', 'login.acme.test/login');
  await options.click('button[type="submit"]');
  const errors = options.locator('#profile-errors');
  await expect(errors).toContainText('custom_domains[0]: "auth acme" is not a host name');
  await expect(errors).toContainText('login_endpoint: "login.acme.test/login" is not an http(s) URL');
  await expect(options.locator('textarea[name="custom_domains"]')).toHaveAttribute('aria-invalid', 'true');
  expect(await options.evaluate(() => chrome.storage.local.get('flowlens/profile'))).toEqual({});

  await options.fill('textarea[name="custom_domains"]', 'https://Auth.Acme.test/oauth\nauth.acme.test.');
  await options.fill('input[name="login_endpoint"]', 'https://login.acme.test/login');
  await options.click('button[type="submit"]');
  await expect(options.locator('#saved')).toHaveText('Saved.');
  await expect(errors).toBeHidden();
  const { 'flowlens/profile': stored } = await options.evaluate(() => chrome.storage.local.get('flowlens/profile'));
  expect(stored.custom_domains).toEqual(['auth.acme.test']);
  expect(stored.login_endpoint).toBe('https://login.acme.test/login');
  await expect(options.locator('textarea[name="custom_domains"]')).toHaveValue('auth.acme.test');
});
