// Bad conditions for the recorder: the worker stopped mid-flow, two flows at once, a tab closed
// mid-flow, a page with 10,000 images, a megabyte URL. The recorder keeps working, nothing it
// recorded is lost, and the popup says what was not observed.

import http from 'node:http';
import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT, runFlow } from '../harness.mjs';
import {
  expectChecks, extensionReady, openPopup, recordFlow, recordingOf, tabIdOf, timelineRoles, waitForRecording,
} from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

/** Main-frame requests of a page as Playwright saw them (each redirect hop is one). */
function watchDocuments(page) {
  const urls = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) urls.push(request.url());
  });
  return urls;
}

const recordedDocuments = (events) => events
  .filter((e) => e.kind === 'before-request' && e.resource_type === 'document')
  .map((e) => e.url);

test('a worker stopped mid-flow loses no event', async ({ context, page }) => {
  await extensionReady(context);
  const seen = watchDocuments(page);
  const atConsent = await runFlow(page, 'good', { stopAt: 'consent' });
  expect(atConsent.outcome).toBe('consent');
  const tabId = await tabIdOf(context, page);
  await waitForRecording(context, tabId, ({ events }) => events.some((e) => e.kind === 'snapshot'));

  // Chrome stops idle workers; do it now, between two hops of the flow.
  const cdp = await context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await page.click('#allow', { noWaitAfter: true });
  await page.waitForSelector('body[data-done]', { state: 'attached' });

  const { state, events } = await waitForRecording(context, tabId,
    ({ state: s }) => s?.phase !== 'recording', { message: 'the restarted worker saw the callback' });
  expect(state.restarts).toBeGreaterThanOrEqual(1);
  expect(recordedDocuments(events)).toEqual(expect.arrayContaining(seen));
  expect(seen.length).toBeGreaterThanOrEqual(8);

  const popup = await openPopup(context, tabId);
  expect(await timelineRoles(popup)).toEqual(expect.arrayContaining(['authorize', 'consent-page', 'client-callback']));
  await expect(popup.locator('#notices')).toContainText('restarted');
});

test('two flows in two tabs at once are recorded apart', async ({ context, page }, testInfo) => {
  const other = await context.newPage();
  const [good, noPkce] = await Promise.all([
    recordFlow(context, page, 'good'),
    recordFlow(context, other, 'no-pkce'),
  ]);
  expect(good.tabId).not.toBe(noPkce.tabId);
  const goodPopup = await openPopup(context, good.tabId);
  await expectChecks(goodPopup, { 'oauth-pkce-s256': 'pass' }, testInfo);
  const noPkcePopup = await openPopup(context, noPkce.tabId);
  await expectChecks(noPkcePopup, { 'oauth-pkce-s256': 'fail' }, testInfo);
  await expect(goodPopup.locator('#flow-select')).toHaveCount(0); // one flow per tab
});

test('a tab closed mid-flow keeps what was recorded and says the tab closed', async ({ context, page }) => {
  await extensionReady(context);
  const flow = await runFlow(page, 'good', { stopAt: 'consent' });
  expect(flow.outcome).toBe('consent');
  const tabId = await tabIdOf(context, page);
  await page.close();
  await waitForRecording(context, tabId, ({ state }) => state?.closed === true);
  const popup = await openPopup(context, tabId);
  await expect(popup.locator('#notices')).toContainText('The tab was closed');
  expect(await timelineRoles(popup)).toEqual(expect.arrayContaining(['authorize', 'consent-page']));
});

/** A local page server for huge pages (127.0.0.1 only). */
async function startHugePageServer() {
  const server = http.createServer({ maxHeaderSize: 4 * 1024 * 1024 }, (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/images') {
      // One cached source: the point is the content script's bounded work on a huge DOM
      // (the recorder's subresource budget is covered by the core's recorder tests).
      const images = Array.from({ length: 10_000 }, () => '<img src="/dot.gif" alt="">').join('');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>Ten thousand images</title><h1>Many</h1>${images}`);
    } else if (url.pathname === '/dot.gif') {
      res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'max-age=3600' });
      res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>Long URL</title><p>${url.search.length} characters of query</p>`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  // closeAllConnections: the browser keeps connections alive, which would hold close() open.
  const close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return { origin: `http://127.0.0.1:${server.address().port}`, close };
}

test('a page with 10,000 images and a megabyte URL: bounded work, honest notes', async ({ context, page }) => {
  await extensionReady(context);
  const server = await startHugePageServer();
  try {
    await page.goto(`${server.origin}/`);
    const tabId = await tabIdOf(context, page);
    // Record by hand (no authorization flow here), as a user would with the popup's button.
    const popup = await openPopup(context, tabId);
    await test.step('record by hand', async () => {
      await popup.click('#record', { timeout: 10_000 });
      await waitForRecording(context, tabId, ({ state }) => state?.phase === 'recording');
    });

    await test.step('load 10,000 images', () => page.goto(`${server.origin}/images`, { timeout: 20_000 }));
    const { state, events } = await waitForRecording(context, tabId,
      ({ events: e }) => e.some((x) => x.kind === 'snapshot' && x.snapshot.image_count === 10_000),
      { timeout: 30_000, message: 'the snapshot of the huge page' });
    const shot = events.find((x) => x.kind === 'snapshot' && x.snapshot.image_count === 10_000).snapshot;
    expect(shot.truncated).toBe(true);
    expect(shot.images.length).toBeLessThanOrEqual(100);
    expect(state.dropped).toBe(0);

    const megabyte = `${server.origin}/long?junk=${'a'.repeat(1024 * 1024)}`;
    await test.step('load a megabyte URL', () => page.goto(megabyte, { timeout: 20_000 }));
    await waitForRecording(context, tabId, ({ state: s }) => s?.cut_fields > 0, { message: 'the cut URL' });

    await test.step('reopen the popup', async () => {
      await popup.reload({ timeout: 20_000 });
      await popup.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    });
    const notices = popup.locator('#notices');
    await expect(notices).toContainText('were cut');
    await expect(notices).toContainText('Record button');
    const after = await recordingOf(context, tabId);
    expect(after.state.dropped).toBe(0);
  } finally {
    await server.close();
  }
});
