// One handle on the WebExtension API for Chrome and Firefox, and the one place where the two
// browsers differ for Flowlens. Firefox's `browser` and Chrome's MV3 `chrome` both return
// promises when no callback is passed, so the rest of the extension calls `ext.*` the same way
// in both. Differences, each handled here (extension/README.md lists them with the tests that
// pin them):
// - webRequest: Chrome hides Set-Cookie, Cookie and Referer unless 'extraHeaders' is asked for;
//   Firefox shows them always and rejects the unknown value (extraInfoSpec).
// - Host permissions: Firefox MV3 treats `<all_urls>` as opt-in (the user may decline it at
//   install or withdraw it), as a Chrome user can restrict site access; without it webRequest
//   sees nothing (hostAccess, requestHostAccess, onHostAccessChange).
// - tabs.captureVisibleTab: Firefox leaves it undefined in a page that first reads it without
//   the host permission (captureVisibleTab).
// - storage.session: Chrome states its quota (QUOTA_BYTES); Firefox enforces the same 10 MB
//   without stating it (SESSION_QUOTA_BYTES).
// - The background is a service worker in Chrome and an event page in Firefox (the manifest
//   names the same module for both); both may be stopped when idle and are woken by events.

export const ext = globalThis.browser ?? globalThis.chrome;

/**
 * 'firefox' or 'chrome', for the popup's words and menu paths ("private window" or
 * "incognito", about:addons or chrome://extensions). runtime.getBrowserInfo is Firefox's own.
 */
export const BROWSER = typeof ext.runtime?.getBrowserInfo === 'function' ? 'firefox' : 'chrome';

/**
 * The `extraInfoSpec` for a webRequest listener. Chrome hides `Set-Cookie`, `Referer` and a few
 * other headers unless 'extraHeaders' is asked for; Firefox shows them always and rejects the
 * unknown value, so it is only added where the browser declares it.
 */
export function extraInfoSpec(event, ...wanted) {
  const declared = ext.webRequest?.[`${event}Options`];
  const spec = wanted.filter((w) => w !== 'extraHeaders');
  if (wanted.includes('extraHeaders') && declared?.EXTRA_HEADERS) spec.push(declared.EXTRA_HEADERS);
  return spec;
}

/** The host permission that lets Flowlens see the requests of a flow on any site. */
const ALL_SITES = Object.freeze({ origins: ['<all_urls>'] });

/** Whether Flowlens may see requests on all sites; null when the browser cannot say. */
export function hostAccess() {
  return ext.permissions.contains(ALL_SITES).catch(() => null);
}

/**
 * Asks the browser for access to all sites (Firefox's prompt, Chrome's dialog); resolves to
 * whether it was granted. Call it straight from a click handler, before any `await`: Firefox
 * accepts a permission request only while it handles the user's input.
 */
export function requestHostAccess() {
  return ext.permissions.request(ALL_SITES).catch(() => false);
}

/** Calls `listener` whenever a permission is granted or withdrawn (in the browser's settings too). */
export function onHostAccessChange(listener) {
  ext.permissions.onAdded?.addListener(listener);
  ext.permissions.onRemoved?.addListener(listener);
}

/**
 * A JPEG data URL of a window's visible tab, or null where the browser gives none: Firefox
 * resolves tabs.captureVisibleTab when a page first reads it, to undefined if the add-on lacks
 * its host permission then (measured on ESR 153: it stays so until the page is reloaded).
 */
export function captureVisibleTab(windowId, options) {
  if (typeof ext.tabs?.captureVisibleTab !== 'function') return Promise.resolve(null);
  return ext.tabs.captureVisibleTab(windowId, options);
}

/**
 * How many bytes storage.session holds at most. Chrome states it (QUOTA_BYTES: 10 MB); Firefox
 * 153 leaves QUOTA_BYTES undefined but enforces the same 10 MB (measured: the write that passes
 * it fails with QuotaExceededError).
 */
export const SESSION_QUOTA_BYTES = ext.storage?.session?.QUOTA_BYTES ?? 10 * 1024 * 1024;
