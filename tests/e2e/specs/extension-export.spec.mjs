// The popup's export bundle (one redacted zip), the manual items' ticks and notes, and the
// viewer page (a HAR, an export or a trace opened from a file, parsed in a Web Worker), in
// Chromium and in Firefox.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT, TEST_USER } from '../harness.mjs';
import {
  cliReport, extensionReady, isExtensionOwn, openInViewer, openPopup, recordFlow, shownStatuses, textOf,
  unzipStored,
} from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

const VALIDATOR = path.join(REPO_ROOT, 'tests/har-validate/validate.js');

/** Values that must never appear in a redacted export, read from the unredacted one. */
function secretsIn(har) {
  const secrets = new Set();
  const SECRET_PARAMS = ['code', 'code_verifier', 'access_token', 'refresh_token', 'id_token', 'password', 'client_secret'];
  const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie'];
  for (const entry of har.log.entries) {
    const url = new URL(entry.request.url);
    for (const name of SECRET_PARAMS) {
      for (const value of url.searchParams.getAll(name)) secrets.add(value);
      for (const value of new URLSearchParams(url.hash.slice(1)).getAll(name)) secrets.add(value);
    }
    for (const param of entry.request.postData?.params ?? []) {
      if (SECRET_PARAMS.includes(param.name.toLowerCase())) secrets.add(decodeURIComponent(param.value));
    }
    for (const header of [...entry.request.headers, ...entry.response.headers]) {
      const name = header.name.toLowerCase();
      if (name === 'authorization') secrets.add(header.value.replace(/^Bearer\s+/i, ''));
      else if (SECRET_HEADERS.includes(name)) {
        for (const pair of header.value.split(/;\s*/)) {
          const value = pair.split('=').slice(1).join('=');
          if (value) secrets.add(value);
        }
      }
    }
  }
  // Cookie attributes (Path=/, SameSite=Lax) and short values are not secrets.
  return [...secrets].filter((s) => s.length >= 12 && !/^(Lax|Strict|None|\/)$/.test(s));
}

/** Clicks Export (after the live-secrets confirmation when `live`); the zip's name and files. */
async function exportZip(driver, popup, { live = false } = {}) {
  let download;
  if (live) {
    await popup.click('#export-unredacted');
    await popup.click('#export');
    await popup.waitForFunction(() => document.getElementById('unredacted-confirm').checkVisibility());
    expect(await textOf(popup, '#unredacted-confirm')).toContain('contains live secrets');
    download = await driver.download(popup, '#confirm-unredacted');
  } else {
    download = await driver.download(popup, '#export');
  }
  return { name: download.name, bytes: download.bytes, files: unzipStored(download.bytes) };
}

test('export: one redacted zip (HAR, JSON, Markdown, screenshot) that the viewer reopens with the popup\'s statuses', async ({ driver }, testInfo) => {
  const flow = await recordFlow(driver, await driver.firstPage(), 'good');
  const popup = await openPopup(driver, flow.tabId);
  const requests = await popup.watchRequests();

  const redacted = await exportZip(driver, popup);
  expect(redacted.name).toMatch(/^flowlens-export-\d{8}T\d{6}\.zip$/);
  expect(Object.keys(redacted.files).sort()).toEqual(['README.txt', 'consent.jpg', 'flow.har', 'report.json', 'report.md']);
  expect([...redacted.files['consent.jpg'].subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  const md = redacted.files['report.md'].toString('utf8');
  expect(md).toContain('# Flowlens go-live checklist');
  expect(md).toContain('](consent.jpg)');
  const report = JSON.parse(redacted.files['report.json'].toString('utf8'));
  expect(report.schema).toBe('flowlens.report/v1');
  expect(redacted.files['README.txt'].toString('utf8')).toContain('REDACTED');

  const harText = redacted.files['flow.har'].toString('utf8');
  const harPath = testInfo.outputPath('flow.har');
  fs.writeFileSync(harPath, harText);
  expect(execFileSync('node', [VALIDATOR, harPath], { encoding: 'utf8' })).toContain('1 passed, 0 failed');

  // The unredacted export asks first, then holds the live values the redacted one replaced.
  const live = await exportZip(driver, popup, { live: true });
  expect(live.name).toMatch(/-UNREDACTED\.zip$/);
  expect(live.files['README.txt'].toString('utf8')).toContain('NOT REDACTED');
  const liveHar = JSON.parse(live.files['flow.har'].toString('utf8'));
  const secrets = secretsIn(liveHar);
  const kinds = (name) => liveHar.log.entries.some((e) => e.request.url.includes(`${name}=`));
  expect(kinds('code'), 'the flow has an authorization code').toBe(true);
  expect(secrets.length, `secrets found in the live export: ${secrets.join(' ')}`).toBeGreaterThanOrEqual(3);
  const redactedText = [harText, md, redacted.files['report.json'].toString('utf8')].join('\n');
  for (const secret of [...secrets, TEST_USER.password]) {
    expect(redactedText.includes(secret), `secret ${secret.slice(0, 6)}… absent from the redacted export`).toBe(false);
  }
  expect((await requests.stop()).filter((url) => !isExtensionOwn(url)), 'nothing leaves the browser').toEqual([]);

  // The viewer shows, for the exported HAR and for the zip itself, what the popup showed.
  const popupStatuses = await shownStatuses(popup);
  expect(Object.keys(popupStatuses).length).toBeGreaterThan(60);
  const zipPath = testInfo.outputPath('export.zip');
  fs.writeFileSync(zipPath, (await exportZip(driver, popup)).bytes);
  for (const file of [harPath, zipPath]) {
    const viewer = await openInViewer(driver, file);
    const shown = await viewer.evaluate(() => ({
      kind: document.getElementById('file-info').dataset.kind,
      authorizeHops: document.querySelectorAll('#timeline [data-role="authorize"]').length,
    }));
    expect(shown.kind).toBe(file.endsWith('.zip') ? 'bundle' : 'har');
    expect(await shownStatuses(viewer), `viewer of ${path.basename(file)}`).toEqual(popupStatuses);
    expect(shown.authorizeHops).toBe(1);
    await viewer.close();
  }
});

test('manual items: tick, note and review counts persist across popup reopen, reach the Markdown export, and skipped sections apply', async ({ driver }) => {
  const flow = await recordFlow(driver, await driver.firstPage(), 'good');
  let popup = await openPopup(driver, flow.tabId);
  const ITEM = '[data-check="manual-runbook"]';
  // The manual items are in the Review panel; an item's guidance and note open on demand.
  const openItem = async (page) => {
    await page.click('#tab-review');
    await page.click(`${ITEM} details.manual-more > summary`);
    await page.waitFor(`${ITEM} textarea.manual-note`);
  };
  const counts = (page) => page.evaluate((selector) => ({
    tab: document.getElementById('tab-review').textContent,
    section: document.querySelector(selector).closest('.review-section').querySelector('h3').textContent,
  }), ITEM);
  const manualItem = (page) => page.evaluate((selector) => {
    const item = document.querySelector(selector);
    return {
      status: item.dataset.status,
      ticked: item.dataset.ticked,
      summary: item.querySelector('.check-summary')?.textContent ?? '',
      boxChecked: item.querySelector('input.manual-tick').checked,
      note: item.querySelector('textarea.manual-note').value,
      manualCount: document.querySelectorAll('[data-status="manual"]').length,
      boldElements: document.querySelectorAll('b').length,
    };
  }, ITEM);
  await openItem(popup);
  const before = await manualItem(popup);
  expect(before).toMatchObject({ status: 'manual', ticked: 'false', manualCount: 69 });
  expect(before.summary).not.toBe('');
  expect(await counts(popup)).toEqual({
    tab: 'Review · 0 of 69 reviewed', section: expect.stringMatching(/^Monitoring and incident readiness: 0 of \d+ reviewed$/),
  });

  const note = '<b>runbook</b> at wiki/oncall & reviewed';
  await popup.click(`${ITEM} input.manual-tick`);
  await popup.fill(`${ITEM} textarea.manual-note`, note);
  await popup.evaluate(() => document.activeElement.blur());
  await popup.waitForFunction((selector) => document.querySelector(selector).dataset.ticked === 'true', ITEM);
  await expect.poll(() => driver.inExtension(() => chrome.storage.local.get(null)))
    .toEqual({ 'flowlens/manual/[[],null]': { 'manual-runbook': { ticked: true, note } } });

  expect(await counts(popup)).toEqual({
    tab: 'Review · 1 of 69 reviewed', section: expect.stringMatching(/^Monitoring and incident readiness: 1 of \d+ reviewed$/),
  });
  await popup.close();

  popup = await openPopup(driver, flow.tabId);
  // The counts as the popup opens, before anything is clicked.
  expect(await counts(popup)).toEqual({
    tab: 'Review · 1 of 69 reviewed', section: expect.stringMatching(/^Monitoring and incident readiness: 1 of \d+ reviewed$/),
  });
  await openItem(popup);
  expect(await manualItem(popup)).toMatchObject({ ticked: 'true', boxChecked: true, note, boldElements: 0 });

  const markdown = (await driver.download(popup, '#export-markdown')).bytes.toString('utf8');
  expect(markdown).toContain('- [x] Incident response runbook written — ');
  expect(markdown).toContain('_note:_ \\<b\\>runbook\\</b\\> at wiki/oncall \\& reviewed');
  const files = unzipStored((await driver.download(popup, '#export')).bytes);
  expect(files['report.md'].toString('utf8')).toContain('- [x] Incident response runbook written — ');
  const report = JSON.parse(files['report.json'].toString('utf8'));
  expect(report.checks.find((c) => c.id === 'manual-runbook')).toMatchObject({ ticked: true, note });

  // A section marked as not applying on the options page: all its items are skipped.
  const options = await driver.openExtensionPage('extension/options.html');
  await options.click('input[name="skip_sections"][value="enterprise-auth"]');
  await options.click('button[type="submit"]');
  await options.waitForFunction(() => document.getElementById('saved').textContent === 'Saved.');
  // Opened again, as a user would (after a reload, Firefox laid the page out with the Review
  // tab above the viewport, out of a click's reach).
  await popup.close();
  popup = await openPopup(driver, flow.tabId);
  await openItem(popup);
  const enterprise = await popup.evaluate(() => [...document.querySelectorAll('[data-section="enterprise-auth"] [data-check]')]
    .map((c) => c.dataset.status));
  expect(enterprise.length).toBeGreaterThan(0);
  expect(new Set(enterprise)).toEqual(new Set(['skipped']));
  // The answers follow the deployment, not the skipped sections.
  expect((await manualItem(popup)).ticked).toBe('true');
});


test('viewer: each example HAR shows the statuses of flowlens check --format json', async ({ driver }) => {
  await extensionReady(driver);
  const examples = fs.readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.har'));
  expect(examples.length).toBeGreaterThanOrEqual(3);
  for (const name of examples) {
    const file = path.join(REPO_ROOT, 'examples', name);
    const cli = cliReport(file);
    const latest = Math.max(-1, ...cli.flows.map((f) => f.index));
    const expected = Object.fromEntries(cli.checks
      .filter((c) => c.flow === null || c.flow === latest)
      .map((c) => [c.id, c.status]));
    const viewer = await openInViewer(driver, file);
    expect(await shownStatuses(viewer), name).toEqual(expected);
    if (name === examples[0]) {
      // An opened check explains itself in the viewer too (check-docs.json).
      // Folded among the passes: the section fold and the check opened, as clicks would.
      await viewer.evaluate(() => {
        const check = document.querySelector('[data-check="custom-domain-authorize"]');
        for (let d = check; d; d = d.parentElement?.closest('details')) d.open = true;
      });
      await viewer.waitFor('[data-check="custom-domain-authorize"] .doc.fix');
    }
    await viewer.close();
  }
});

test('viewer: a 100 MB HAR opens in a worker with progress while the page stays responsive', async ({ driver }, testInfo) => {
  test.setTimeout(90_000);
  await extensionReady(driver);
  // The good example with ~100 MB of subresource entries after the flow.
  const har = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'examples/good-custom-domain-byoa.har'), 'utf8'));
  const last = har.log.entries.at(-1);
  const filler = 'x'.repeat(21_000);
  const start = Date.parse(last.startedDateTime);
  for (let i = 0; i < 5_000; i += 1) {
    har.log.entries.push({
      startedDateTime: new Date(start + 1000 + i).toISOString(),
      time: 1,
      request: { method: 'GET', url: `https://app.acme.test/assets/chunk-${i}.js`, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], headers: [{ name: 'Content-Type', value: 'text/javascript' }], content: { size: filler.length, mimeType: 'text/javascript', text: filler }, redirectURL: '', headersSize: -1, bodySize: filler.length },
      cache: {},
      timings: { send: 0, wait: 1, receive: 0 },
    });
  }
  const file = testInfo.outputPath('large.har');
  fs.writeFileSync(file, JSON.stringify(har));
  const size = fs.statSync(file).size;
  expect(size).toBeGreaterThan(100 * 1024 * 1024);

  const viewer = await driver.openExtensionPage('extension/viewer.html');
  // A timer on the page: its longest gap is how long the page was unresponsive; progress
  // texts and phases are recorded as the worker reports them.
  await viewer.evaluate(() => {
    const probe = { ticks: 0, maxGap: 0, phases: new Set(), texts: [] };
    let last = performance.now();
    probe.timer = setInterval(() => {
      const now = performance.now();
      probe.maxGap = Math.max(probe.maxGap, now - last);
      last = now;
      probe.ticks += 1;
    }, 20);
    new MutationObserver(() => {
      const bar = document.getElementById('progress');
      if (bar.dataset.phase) probe.phases.add(bar.dataset.phase);
      probe.texts.push(document.getElementById('progress-text').textContent);
    }).observe(document.getElementById('progress-box'), { subtree: true, attributes: true, childList: true, characterData: true });
    window.probe = probe;
  });
  const started = Date.now();
  await viewer.uploadFile('#file', file);
  await viewer.waitForFunction(() => document.getElementById('progress-box').checkVisibility());
  await viewer.waitFor('body[data-loaded]', { timeout: 60_000 });
  const seconds = (Date.now() - started) / 1000;
  const loaded = await viewer.evaluate(() => ({
    loaded: document.body.dataset.loaded,
    info: document.getElementById('file-info').textContent,
    authorize: document.querySelector('[data-check="custom-domain-authorize"]')?.dataset.status,
  }));
  expect(loaded.loaded, loaded.info).toBe('true');
  const probe = await viewer.evaluate(() => {
    clearInterval(window.probe.timer);
    return { ...window.probe, phases: [...window.probe.phases] };
  });
  testInfo.annotations.push({ type: 'large HAR', description: `${(size / 1048576).toFixed(0)} MB in ${seconds.toFixed(1)} s; longest page stall ${probe.maxGap.toFixed(0)} ms; ${probe.texts.length} progress updates` });
  expect(probe.phases).toEqual(['reading', 'parsing']);
  expect(probe.texts.filter((t) => t.startsWith('parsing')).length).toBeGreaterThan(10);
  expect(probe.ticks).toBeGreaterThan(seconds * 10);
  expect(probe.maxGap, 'the page kept running its timers while the file was parsed').toBeLessThan(1000);
  expect(loaded.authorize).toBe('pass');
  expect(loaded.info).toContain('5018 requests');
});
