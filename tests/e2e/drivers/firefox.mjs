// The Firefox driver: Debian's Firefox ESR (never a downloaded one) driven by puppeteer-core over
// WebDriver BiDi, with the extension installed as a temporary add-on, pointed at the simulator.
// Facts it rests on (measured, see shared/reference/toolchain.md):
// - Firefox has no --host-resolver-rules: the simulated hostnames reach the simulator through a
//   loopback proxy of our own (host-proxy.mjs), which refuses every other host; DNS over HTTPS
//   is off (network.trr.mode=5), and 127.0.0.1 is never proxied.
// - The simulator's test CA is trusted for real: the profile gets the NSS database (cert9.db)
//   the simulator made for Chromium.
// - moz-extension:// pages open only with --remote-allow-system-access, and the add-on's UUID
//   is random unless preset (extensions.webextensions.uuids).
// - What a user does in Firefox's own UI (allow in private windows, answer the permission
//   prompt, open a private window) is done in the browser window's privileged scope, which
//   BiDi reaches with "moz:scope": "chrome" under the same switch.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { ALL_HOSTNAMES } from '../sim/constants.mjs';
import { startHostProxy } from './host-proxy.mjs';
import { completeDriver } from './common.mjs';
import { puppeteerPage, untilTrue } from './page.mjs';

export const FIREFOX_PATH = process.env.FLOWLENS_FIREFOX ?? '/usr/bin/firefox-esr';

/** The gecko id of an unpacked extension (manifest.json's browser_specific_settings). */
function geckoId(extensionPath) {
  const manifest = JSON.parse(readFileSync(path.join(extensionPath, 'manifest.json'), 'utf8'));
  return manifest.browser_specific_settings?.gecko?.id ?? null;
}

function preferences({ proxyPort, uuids, hostAccess }) {
  return {
    // Every request but loopback goes to the mapping proxy; no DNS over HTTPS.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': proxyPort,
    'network.proxy.share_proxy_settings': false,
    'network.trr.mode': 5,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'extensions.webextensions.uuids': JSON.stringify(uuids),
    // Firefox 153 grants an MV3 add-on's host permissions at install unless this is false
    // (as for a user who declined them, or a profile where origin controls are strict).
    'extensions.originControls.grantByDefault': hostAccess,
    // The background page's console goes to Firefox's stdout, which the driver buffers.
    'devtools.console.stdout.chrome': true,
  };
}

/**
 * Launches Firefox ESR against the simulator.
 *   extensionPath   unpacked extension to install (temporary add-on), e.g. REPO_ROOT
 *   privateWindows  'allowed': the add-on may run in private windows ("Run in Private Windows")
 *   hostAccess      false: the add-on's host permissions are not granted at install
 *   sim             the simulator (currentSim())
 * Returns the driver (see index.mjs for the interface).
 */
export async function launchFirefox({ extensionPath, privateWindows, hostAccess = true, sim }) {
  const routes = Object.fromEntries(ALL_HOSTNAMES.map((host) => [host, { 443: sim.httpsPort, 80: sim.httpPort }]));
  const proxy = await startHostProxy({ routes });
  const profileDir = await mkdtemp(path.join(os.tmpdir(), 'flowlens-firefox-'));
  const downloadDir = path.join(profileDir, 'downloads');
  const id = extensionPath ? geckoId(extensionPath) : null;
  const uuid = randomUUID();
  const lines = [];
  const log = (source, text) => lines.push(`[${new Date().toISOString().slice(11, 23)}] ${source} ${text}`);

  let browser;
  try {
    for (const file of ['cert9.db', 'key4.db']) {
      await copyFile(path.join(sim.homeDir, '.pki/nssdb', file), path.join(profileDir, file));
    }
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir: profileDir,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: preferences({ proxyPort: proxy.port, uuids: id ? { [id]: uuid } : {}, hostAccess }),
      // The specs read pages, not traffic: BiDi network events would only cost time.
      networkEnabled: false,
      defaultViewport: { width: 1100, height: 800 },
      timeout: 60_000,
      protocolTimeout: 60_000,
    });
  } catch (error) {
    await proxy.close();
    await rm(profileDir, { recursive: true, force: true });
    throw error;
  }
  for (const stream of [browser.process()?.stdout, browser.process()?.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (text) => {
      for (const line of text.split('\n')) if (line.trim()) log('firefox', line);
    });
  }

  const connection = browser.connection;
  const chrome = await chromeScope(connection);
  await connection.send('browser.setDownloadBehavior', {
    downloadBehavior: { type: 'allowed', destinationFolder: downloadDir },
  });

  const installed = extensionPath ? await browser.installExtension(extensionPath) : null;
  if (installed && installed !== id) throw new Error(`installed ${installed}, expected the manifest's gecko id ${id}`);
  if (installed && privateWindows === 'allowed') {
    await chrome.run(`
      const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
      const policy = WebExtensionPolicy.getByID(${JSON.stringify(id)});
      await ExtensionPermissions.add(policy.id, { permissions: ['internal:privateBrowsingAllowed'], origins: [] }, policy.extension);
      if (!WebExtensionPolicy.getByID(policy.id).privateBrowsingAllowed) throw new Error('not allowed in private windows');
    `);
  }

  // Every page, whoever opened it: its console for failures, its dialogs (dismissed) for specs.
  const dialogs = [];
  const watched = new WeakSet();
  const watch = (page) => {
    if (watched.has(page)) return page;
    watched.add(page);
    page.on('console', (message) => log(`page ${page.url()}`, `${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => log(`page ${page.url()}`, `uncaught: ${error.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push({ type: dialog.type(), message: dialog.message() });
      dialog.dismiss().catch(() => {});
    });
    return page;
  };
  browser.on('targetcreated', (target) => {
    if (target.type() === 'page') target.page().then(watch, () => {});
  });
  const wrap = (page) => puppeteerPage(watch(page));
  const [initial] = await browser.pages();
  const first = wrap(initial);
  let helper = null;

  const driver = {
    engine: 'firefox',
    extensionOrigin: installed ? `moz-extension://${uuid}` : null,
    raw: browser,
    firstPage: async () => first,
    /** A new tab in the first (normal) window. */
    async newPage() {
      return wrap(await newTabBeside(browser, initial));
    },
    /**
     * Evaluates fn(arg) in an extension page (a background tab showing the add-on's manifest,
     * with the `browser` and `chrome` APIs), since BiDi does not reach the background page.
     */
    async inExtension(fn, arg) {
      helper ??= (async () => {
        const page = await newTabBeside(browser, initial, { background: true });
        const url = `${driver.extensionOrigin}/manifest.json`;
        page.goto(url).catch(() => {});
        await untilTrue(page, (wanted) => location.href === wanted && typeof browser === 'object', url);
        return page;
      })();
      return (await helper).evaluate(fn, arg);
    },
    /** Resolves once the background page runs with its listeners registered. */
    async extensionReady() {
      await driver.inExtension(async () => {
        const background = await browser.runtime.getBackgroundPage();
        await background.flowlens.ready();
      });
    },
    async download(page, selector) {
      const started = nextEvent(connection, 'browsingContext.downloadWillBegin');
      const ended = nextEvent(connection, 'browsingContext.downloadEnd');
      await page.click(selector);
      const [begin, end] = await Promise.all([started, ended]);
      if (end.status !== 'complete') throw new Error(`download of ${begin.suggestedFilename} ${end.status}`);
      return { name: begin.suggestedFilename, bytes: await readFile(end.filepath) };
    },
    /** Opens a private window as a user does (File → New Private Window); returns its tab. */
    async privatePage() {
      const known = new Set(await browser.pages());
      const opened = browser.waitForTarget(
        (target) => target.type() === 'page' && target.url() === 'about:privatebrowsing', { timeout: 30_000 });
      await chrome.run('OpenBrowserWindow({ private: true });');
      const page = await (await opened).page();
      if (known.has(page)) throw new Error('the private window reused a known tab');
      return wrap(page);
    },
    /** Suspends the event page, as Firefox does after it idled (it restarts on the next event). */
    async stopBackground() {
      await chrome.run(`await WebExtensionPolicy.getByID(${JSON.stringify(id)}).extension.terminateBackground();`);
    },
    /** Grants or revokes "Access your data for all websites" as a user does in about:addons. */
    async setHostAccess(granted) {
      await chrome.run(`
        const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
        const policy = WebExtensionPolicy.getByID(${JSON.stringify(id)});
        const perms = { permissions: [], origins: ['<all_urls>'] };
        await (${granted} ? ExtensionPermissions.add(policy.id, perms, policy.extension)
          : ExtensionPermissions.remove(policy.id, perms, policy.extension));
      `);
    },
    /**
     * Answers the browser's permission prompt for the add-on ("Allow" or "Don't allow") once it
     * is shown. Returns the prompt's text as the user reads it.
     */
    async answerPermissionPrompt({ accept }) {
      return chrome.poll(`
        for (const window of Services.wm.getEnumerator('navigator:browser')) {
          const prompt = window.PopupNotifications._currentNotifications
            .find((n) => n.id === 'addon-webext-permissions');
          const panel = window.document.getElementById('addon-webext-permissions-notification');
          const text = panel?.textContent.replace(/\\s+/g, ' ').trim();
          if (!prompt || !text) continue;
          (${accept} ? prompt.mainAction : prompt.secondaryActions[0]).callback({});
          return text;
        }
        return null;
      `);
    },
    dialogs: () => dialogs,
    consoleLines: () => (proxy.refused.length === 0 ? lines
      : [...lines, `host proxy refused: ${[...new Set(proxy.refused)].join(', ')}`]),
    refusedHosts: () => proxy.refused,
    async close() {
      await browser.close().catch(() => {});
      await proxy.close();
      await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  return completeDriver(driver);
}

/** A new tab in the same window as `page` (a private window may be the most recent one). */
async function newTabBeside(browser, page, { background = false } = {}) {
  const { result } = await browser.connection.send('browsingContext.create', {
    type: 'tab', referenceContext: page.mainFrame()._id, background,
  });
  const target = await browser.waitForTarget(
    async (t) => t.type() === 'page' && (await t.page()).mainFrame()._id === result.context, { timeout: 30_000 });
  return target.page();
}

function nextEvent(connection, name) {
  return new Promise((resolve) => {
    const listener = (params) => {
      connection.off(name, listener);
      resolve(params);
    };
    connection.on(name, listener);
  });
}

/**
 * Script in the browser window's privileged scope (the UI's own JavaScript: Services,
 * WebExtensionPolicy, PopupNotifications). `run(body)` runs an async function body and returns
 * its JSON value; `poll(body)` repeats it until it returns something other than null.
 */
async function chromeScope(connection) {
  const { result } = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const context = result.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml')?.context;
  if (!context) throw new Error('no browser window in the chrome scope: was Firefox started with --remote-allow-system-access?');
  const run = async (body) => {
    const { result: evaluated } = await connection.send('script.evaluate', {
      expression: `(async () => JSON.stringify(await (async () => { ${body} })() ?? null))()`,
      target: { context },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    if (evaluated.type === 'exception') throw new Error(`chrome scope: ${evaluated.exceptionDetails.text}`);
    return JSON.parse(evaluated.result.value);
  };
  const poll = async (body, { timeout = 15_000 } = {}) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await run(body);
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`chrome scope: nothing after ${timeout} ms`);
      await run('await new Promise((resolve) => setTimeout(resolve, 50));');
    }
  };
  return { run, poll };
}
