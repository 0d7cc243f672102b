// Shared helpers for the end-to-end tests and scripts: start the simulated Scalekit environment, launch
// Debian's Chromium against it (optionally with the Flowlens extension), and drive a flow to its end.
// Framework-agnostic (plain async functions) so node scripts such as record-examples.mjs can use it too;
// fixtures.mjs wraps it for @playwright/test.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startSimServer } from './sim/server.mjs';
import { SCENARIOS, SCENARIO_NAMES, scenarioNamed } from './sim/scenarios.mjs';
import { walkFlow } from './drivers/flow.mjs';
import { playwrightPage } from './drivers/page.mjs';

export { HOSTS, TEST_USER } from './sim/constants.mjs';
export { SCENARIOS, SCENARIO_NAMES, scenarioNamed };
export { clientStartUrl } from './drivers/flow.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The repository root, which is the unpacked extension (manifest.json lives there). */
export const REPO_ROOT = path.resolve(HERE, '../..');
/** Per-run files: test PKI, the private HOME with its NSS db. Gitignored. */
export const RUN_DIR = path.join(HERE, '.run');
export const CHROMIUM_PATH = process.env.FLOWLENS_CHROMIUM ?? '/usr/bin/chromium';

/** Flags from shared/reference/toolchain.md: quiet, offline-friendly headless Chromium. */
export const BASE_CHROMIUM_ARGS = Object.freeze([
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]);

const SIM_ENV = 'FLOWLENS_SIM';
let runningSim = null;

/**
 * Starts the simulator in this process and publishes its description in process.env.FLOWLENS_SIM, which
 * Playwright hands from globalSetup to its workers. Options: { httpsPort, httpPort, defaultScenario, log }.
 * Returns { httpsPort, httpPort, caPath, homeDir, hostResolverRules, defaultScenario, close() }.
 */
export async function startSim(options = {}) {
  if (runningSim) throw new Error('the simulator is already running in this process');
  runningSim = await startSimServer({ runDir: RUN_DIR, ...options });
  const { close, ...description } = runningSim;
  process.env[SIM_ENV] = JSON.stringify(description);
  return runningSim;
}

export async function stopSim() {
  const sim = runningSim;
  runningSim = null;
  delete process.env[SIM_ENV];
  if (sim) await sim.close();
}

/** The simulator this process should talk to: its own, or the one globalSetup started. */
export function currentSim() {
  if (runningSim) return runningSim;
  if (process.env[SIM_ENV]) return JSON.parse(process.env[SIM_ENV]);
  throw new Error('no simulator: call startSim() first, or run through `npx playwright test` (global-setup.mjs)');
}

/**
 * The simulator's --host-resolver-rules with more hosts in front: `hostMap` is [[host, port], ...],
 * each host's :443 going to 127.0.0.1:port (the real servers of tests/e2e/servers/).
 */
export function withHostMap(hostResolverRules, hostMap = []) {
  if (hostMap.length === 0) return hostResolverRules;
  const prefix = '--host-resolver-rules=';
  const extra = hostMap.map(([host, port]) => `MAP ${host}:443 127.0.0.1:${port}`).join(', ');
  return `${prefix}${extra}, ${hostResolverRules.slice(prefix.length)}`;
}

/** Chromium command-line flags for a launch against the simulator (and `hostMap`'s hosts). */
export function chromiumArgs({ sim = currentSim(), extensionPath, incognito = false, hostMap = [] } = {}) {
  const args = [...BASE_CHROMIUM_ARGS, withHostMap(sim.hostResolverRules, hostMap)];
  if (extensionPath) args.push(`--disable-extensions-except=${extensionPath}`, `--load-extension=${extensionPath}`);
  if (incognito) args.push('--incognito');
  return args;
}

const consoleBuffers = new WeakMap();

function bufferConsole(context) {
  const lines = [];
  consoleBuffers.set(context, lines);
  const push = (source, text) => lines.push(`[${new Date().toISOString().slice(11, 23)}] ${source} ${text}`);
  const watchWorker = (worker) => worker.on('console', (m) => push(`worker ${worker.url()}`, `${m.type()}: ${m.text()}`));
  context.on('console', (m) => {
    if (m.page()) push(`page ${m.page().url()}`, `${m.type()}: ${m.text()}`);
  });
  context.on('weberror', (e) => push(`page ${e.page()?.url() ?? '?'}`, `uncaught: ${e.error().message}`));
  context.serviceWorkers().forEach(watchWorker);
  context.on('serviceworker', watchWorker);
  context.on('page', (page) => page.on('crash', () => push(`page ${page.url()}`, 'crashed')));
}

/** Browser console, page errors and service-worker console of a context launched by launchBrowser(). */
export function consoleLines(context) {
  return consoleBuffers.get(context) ?? [];
}

/**
 * Launches Debian's Chromium (never a downloaded one) as a persistent context pointed at the simulator.
 *   extensionPath  unpacked extension to load (e.g. REPO_ROOT); without it no extension is loaded
 *   incognito      start with --incognito (the first page is an incognito tab)
 *   userDataDir    profile directory to reuse; default: a fresh temporary one, deleted on close
 *   recordHar      passed through to Playwright ({ path, content: 'embed', ... })
 *   hostMap        [[host, port], ...]: more hosts on 127.0.0.1 (see withHostMap)
 *   extraArgs      more Chromium flags
 * Returns the Playwright BrowserContext. Its console output is buffered: see consoleLines(context).
 */
export async function launchBrowser({
  extensionPath, incognito = false, userDataDir, recordHar, extraArgs = [], sim = currentSim(), hostMap = [],
} = {}) {
  const profileDir = userDataDir ?? await mkdtemp(path.join(os.tmpdir(), 'flowlens-profile-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      // headless: false stops Playwright adding its own --headless; --headless=new comes with our args.
      headless: false,
      args: [...chromiumArgs({ sim, extensionPath, incognito, hostMap }), ...extraArgs],
      // Playwright always adds --disable-extensions; --disable-extensions-except overrides it, but drop
      // it anyway when an extension is wanted so nothing depends on switch precedence.
      ignoreDefaultArgs: extensionPath ? ['--disable-extensions'] : [],
      // Chromium reads trusted roots from $HOME/.pki/nssdb: the simulator's CA is there.
      env: { ...process.env, HOME: sim.homeDir },
      viewport: { width: 1100, height: 800 },
      recordHar,
      timeout: 30_000,
    });
  } catch (error) {
    if (!userDataDir) await rm(profileDir, { recursive: true, force: true });
    throw error;
  }
  bufferConsole(context);
  if (!userDataDir) {
    context.on('close', () => {
      rm(profileDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    });
  }
  return context;
}

/** The extension's service worker (a Playwright Worker); waits for it when it isn't up yet. */
export async function extensionServiceWorker(context, { timeout = 15_000 } = {}) {
  const isExtension = (worker) => worker.url().startsWith('chrome-extension://');
  const running = context.serviceWorkers().find(isExtension);
  if (running) return running;
  return context.waitForEvent('serviceworker', { predicate: isExtension, timeout });
}

/** The loaded extension's id (32 letters a-p), read from its service worker URL. */
export async function extensionId(context, options) {
  const worker = await extensionServiceWorker(context, options);
  return new URL(worker.url()).host;
}

/**
 * Switches on "Allow in Incognito" for an extension, headless, through chrome://extensions (measured
 * recipe from toolchain.md): developer mode first, or Chromium disables the extension. The setting is
 * kept in the profile, so relaunch the same userDataDir with { incognito: true } to use it.
 */
export async function allowExtensionInIncognito(context, id) {
  const page = await context.newPage();
  try {
    await page.goto(`chrome://extensions/?id=${id}`);
    const info = await page.evaluate(async (extensionIdToAllow) => {
      await chrome.developerPrivate.updateProfileConfiguration({ inDeveloperMode: true });
      await chrome.developerPrivate.updateExtensionConfiguration({ extensionId: extensionIdToAllow, incognitoAccess: true });
      // Changing incognito access reloads the extension: it reads DISABLED for a moment, then ENABLED.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const current = await chrome.developerPrivate.getExtensionInfo(extensionIdToAllow);
        if (current.state === 'ENABLED' || Date.now() > deadline) return current;
        await new Promise((resolve) => { setTimeout(resolve, 50); });
      }
    }, id);
    if (!info.incognitoAccess?.isActive || info.state !== 'ENABLED') {
      throw new Error(`could not allow ${id} in incognito: ${JSON.stringify(info.incognitoAccess)} ${info.state}`);
    }
  } finally {
    await page.close();
  }
}

/**
 * Runs a scenario's flow in `page` from the client start page to where it ends: the MCP result on the
 * client callback, Scalekit's error page, or the login page's 400. Signs in and consents on the way.
 * Options:
 *   decision   'allow' (default) or 'deny' on the consent page
 *   onConsent  async (page, consentFacts) => {}: called on the consent page before deciding
 *   stopAt     'consent': return on the consent page without deciding
 *   timeout    per stage, in ms
 * Returns {
 *   scenario, outcome: 'authorized' | 'client-error' | 'scalekit-error' | 'login-rejected' | 'consent',
 *   error,            // the error code / message for the error outcomes
 *   status,           // HTTP status of the last main-frame document
 *   finalUrl,         // page URL at the end (with fragment)
 *   resultText,       // text of #result on the client page
 *   navigations,      // main-frame document requests incl. each redirect: { method, url, status, location }
 *   frameUrls,        // main-frame URLs as committed (these keep the #fragment)
 *   consent,          // facts read from the consent page, or null
 *   dialogs,          // JavaScript dialogs that opened (dismissed), e.g. an alert from an XSS
 * }
 * The result's outcome/error/status can be compared with SCENARIOS[scenario].expected. The walk
 * through the pages is drivers/flow.mjs's walkFlow, shared with Firefox; this adds what Playwright
 * sees of the network.
 */
export async function runFlow(page, scenario, { decision = 'allow', onConsent, stopAt, timeout = 30_000 } = {}) {
  const navigations = [];
  const frameUrls = [];
  const dialogs = [];
  const failures = {};
  failures.promise = new Promise((_, reject) => { failures.reject = reject; });
  failures.promise.catch(() => {});

  const isMainDocument = (request) => request.isNavigationRequest() && request.frame() === page.mainFrame();
  const onResponse = (response) => {
    const request = response.request();
    if (!isMainDocument(request)) return;
    navigations.push({
      method: request.method(),
      url: request.url(),
      status: response.status(),
      location: response.headers().location ?? null,
    });
  };
  const onRequestFailed = (request) => {
    const errorText = request.failure()?.errorText ?? '';
    // ERR_ABORTED is a navigation replaced by the next one, which is normal in a redirecting flow.
    if (isMainDocument(request) && !errorText.includes('ERR_ABORTED')) {
      failures.reject(new Error(`navigation to ${request.url()} failed: ${errorText}`));
    }
  };
  const onFrameNavigated = (frame) => {
    if (frame === page.mainFrame()) frameUrls.push(frame.url());
  };
  const onDialog = (dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message() });
    dialog.dismiss().catch(() => {});
  };
  page.on('response', onResponse);
  page.on('requestfailed', onRequestFailed);
  page.on('framenavigated', onFrameNavigated);
  page.on('dialog', onDialog);

  let walked;
  try {
    walked = await walkFlow(playwrightPage(page), scenario, {
      decision,
      stopAt,
      timeout,
      failures,
      onConsent: onConsent && ((facts) => onConsent(page, facts)),
    });
  } finally {
    page.off('response', onResponse);
    page.off('requestfailed', onRequestFailed);
    page.off('framenavigated', onFrameNavigated);
    page.off('dialog', onDialog);
  }
  return {
    ...walked,
    status: navigations.at(-1)?.status ?? null,
    navigations,
    frameUrls,
    dialogs,
  };
}

/**
 * Records every response the page receives (documents, redirects, fetches, images) with both header
 * sets, for assertions about the traffic. Call stop() to detach; it resolves to the entries:
 *   { method, url, resourceType, navigation, status, postData, requestHeaders, responseHeaders }
 * Header names are lower-case; set-cookie is included (several values joined by newlines).
 */
export function recordTraffic(page) {
  const entries = [];
  const pendingHeaders = [];
  const onResponse = (response) => {
    const request = response.request();
    const entry = {
      method: request.method(),
      url: request.url(),
      resourceType: request.resourceType(),
      navigation: request.isNavigationRequest(),
      status: response.status(),
      postData: request.postData(),
      requestHeaders: request.headers(),
      responseHeaders: response.headers(),
    };
    entries.push(entry);
    // allHeaders() adds what the network stack set (cookies, security headers); it can fail once the
    // page has moved on, and then the provisional headers stay.
    pendingHeaders.push(Promise.all([request.allHeaders(), response.allHeaders()]).then(([sent, received]) => {
      entry.requestHeaders = sent;
      entry.responseHeaders = received;
    }, () => {}));
  };
  page.on('response', onResponse);
  return {
    entries,
    async stop() {
      page.off('response', onResponse);
      await Promise.all(pendingHeaders);
      return entries;
    },
  };
}
