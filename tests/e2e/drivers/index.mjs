// One driver per browser, with one interface, so that an extension spec is written once and runs
// in Chromium (Playwright) and in Firefox ESR (puppeteer-core over WebDriver BiDi):
//
//   engine                        'chromium' | 'firefox'
//   extensionOrigin               'chrome-extension://<id>' | 'moz-extension://<uuid>'
//   firstPage() / newPage()       a page (page.mjs) in a normal window
//   openExtensionPage(path, {ready})  a new page showing one of the extension's pages, once
//                                 `ready` (a selector) is attached
//   inExtension(fn, arg)          fn(arg) where the extension's APIs are (`chrome.*` in both)
//   extensionReady()              the background (service worker or event page) listens
//   tabIdOf(page)                 the browser tab id of a page
//   download(page, selector)      clicks, returns the download: { name, bytes }
//   privatePage()                 a tab in a private (incognito) window (launch option)
//   stopBackground()              stops the background as the browser does when it idles
//   setHostAccess(granted)        the user grants or restricts site access in the browser's UI
//   answerPermissionPrompt({accept})  the user answers the browser's permission prompt (Firefox)
//   dialogs()                     JavaScript dialogs any page opened (all dismissed)
//   consoleLines(), refusedHosts(), close(), raw (the framework's own browser object)
//
// A page (page.mjs) has url, goto, waitFor, waitForFunction, evaluate, click, fill, uploadFile,
// reload, watchRequests, screenshot, setViewport, bringToFront, close, and raw (the framework's own page).

import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';

export const ENGINES = Object.freeze(['chromium', 'firefox']);

/**
 * Launches a browser against the simulator. Options: { engine, extensionPath, privateWindows:
 * 'allowed' | 'not-allowed', hostAccess: boolean, sim } (see chromium.mjs and firefox.mjs).
 */
export async function launchDriver({ engine, ...options }) {
  const launch = { chromium: launchChromium, firefox: launchFirefox }[engine];
  if (!launch) throw new Error(`unknown browser engine ${engine}: one of ${ENGINES.join(', ')}`);
  return launch(options);
}
