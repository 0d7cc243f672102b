// One handle on the WebExtension API for Chrome and Firefox. Firefox's `browser` and Chrome's
// MV3 `chrome` both return promises when no callback is passed, so the rest of the extension
// calls `ext.*` the same way in both browsers.

export const ext = globalThis.browser ?? globalThis.chrome;

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
