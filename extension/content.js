// Page facts for Flowlens: injected (scripting.executeScript) only into tabs whose
// authorization flow is being recorded, in the isolated world, without wasm. It fills the
// fields of flowlens_core::trace::PageSnapshot (crates/flowlens-core/src/trace/snapshot.rs)
// and sends them to the worker as a 'page-snapshot' message (see messages.js).
//
// It only reads: no element is added, changed or removed (favicons are probed with detached
// `new Image()` objects). Work is bounded on huge pages, every string is cut at 1 KB, and a
// part that throws is skipped (and the snapshot marked truncated) rather than losing the rest.
// A classic script, not a module: executeScript files cannot be modules.

(() => {
  const ext = globalThis.browser ?? globalThis.chrome;
  const MAX_TEXT = 1024;
  const MAX_URL = 64 * 1024;
  const MAX_IMAGES_SCANNED = 2000;
  const MAX_LOGOS = 50;
  const MAX_FAVICONS = 10;
  const MAX_LIST = 30;
  const MAX_TEXT_NODES = 5000;
  const PROBE_TIMEOUT_MS = 1500;
  const SETTLE_TIMEOUT_MS = 1500;

  let truncated = false;

  const cut = (value, max = MAX_TEXT) => {
    if (typeof value !== 'string') return null;
    const text = value.replace(/\s+/g, ' ').trim();
    if (text.length > max) {
      truncated = true;
      return text.slice(0, max);
    }
    return text;
  };

  /** Runs one part of the snapshot; a page that throws costs that part only. */
  const attempt = (part, fallback) => {
    try {
      return part();
    } catch {
      truncated = true;
      return fallback;
    }
  };

  const take = (list, max) => {
    if (list.length > max) truncated = true;
    return list.slice(0, max);
  };

  const isVisible = (element) => {
    const rects = element.getClientRects();
    if (rects.length === 0) return false;
    const style = getComputedStyle(element);
    return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) !== 0
      && rects[0].width > 0 && rects[0].height > 0;
  };

  /** Whether an image URL loads, without touching the page: a detached Image object. */
  const probe = (href) => new Promise((resolve) => {
    const image = new Image();
    const timer = setTimeout(() => resolve(null), PROBE_TIMEOUT_MS);
    image.onload = () => { clearTimeout(timer); resolve(image.naturalWidth > 0); };
    image.onerror = () => { clearTimeout(timer); resolve(false); };
    image.src = href;
  });

  async function favicons() {
    const links = [...document.querySelectorAll('link[rel]')].filter((link) => {
      const rel = link.rel.toLowerCase().split(/\s+/);
      return rel.includes('icon') || rel.includes('apple-touch-icon');
    });
    const declared = take(links, MAX_FAVICONS).map((link) => ({
      href: cut(link.href, MAX_URL), rel: cut(link.getAttribute('rel')), implicit: false,
    }));
    const list = declared.length > 0 ? declared
      : [{ href: new URL('/favicon.ico', location.href).href, rel: 'icon', implicit: true }];
    const loaded = await Promise.all(list.map((f) => (f.href ? probe(f.href) : null)));
    return list.map((f, i) => ({ ...f, loaded: loaded[i] }));
  }

  const LOGO_WORDS = /logo|brand/i;

  function logos() {
    const images = document.images;
    if (images.length > MAX_IMAGES_SCANNED) truncated = true;
    const candidates = [];
    const scanned = Math.min(images.length, MAX_IMAGES_SCANNED);
    for (let i = 0; i < scanned && candidates.length < MAX_LOGOS; i += 1) {
      const img = images[i];
      const file = (img.getAttribute('src') ?? '').split(/[?#]/)[0].split('/').pop();
      const named = LOGO_WORDS.test(img.alt) || LOGO_WORDS.test(img.className) || LOGO_WORDS.test(img.id)
        || LOGO_WORDS.test(file);
      const inHeader = candidates.length === 0 && img.closest('header, main, [role=banner]') !== null && i < 5;
      if (!named && !inHeader) continue;
      candidates.push({
        src: cut(img.currentSrc || img.src, MAX_URL) ?? '',
        alt: cut(img.getAttribute('alt')),
        natural_width: img.naturalWidth,
        natural_height: img.naturalHeight,
        loaded: img.complete ? img.naturalWidth > 0 : null,
        visible: attempt(() => isVisible(img), null),
      });
    }
    return candidates.sort((a, b) => b.natural_width * b.natural_height - a.natural_width * a.natural_height);
  }

  const TRANSPARENT = /^(transparent|rgba\(0, 0, 0, 0\))$/;

  function colors() {
    let background = getComputedStyle(document.body).backgroundColor;
    if (TRANSPARENT.test(background)) background = getComputedStyle(document.documentElement).backgroundColor;
    const buttons = [...document.querySelectorAll('button[type=submit], input[type=submit], button:not([type])')]
      .slice(0, MAX_LIST)
      .filter((b) => attempt(() => isVisible(b), false));
    const primary = buttons.find((b) => !TRANSPARENT.test(getComputedStyle(b).backgroundColor)) ?? buttons[0];
    const style = primary ? getComputedStyle(primary) : null;
    return {
      background: cut(background),
      primary_button: style ? cut(style.backgroundColor) : null,
      primary_button_text: style ? cut(style.color) : null,
    };
  }

  const NAME_SELECTOR = '[id*="server-name" i], [class*="server-name" i], [id*="app-name" i], '
    + '[class*="app-name" i], [data-server-name], [data-app-name]';

  /** The name the user is shown: a marked name element, else the main heading. */
  function appName() {
    const marked = document.querySelector(NAME_SELECTOR);
    const heading = document.querySelector('h1');
    return cut((marked ?? heading)?.textContent ?? null);
  }

  function poweredBy() {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let visited = 0;
    for (; visited < MAX_TEXT_NODES && found.length < MAX_LIST; visited += 1) {
      const node = walker.nextNode();
      if (!node) break;
      if (/powered\s+by/i.test(node.nodeValue) && node.parentElement && isVisible(node.parentElement)) {
        found.push(cut(node.parentElement.textContent));
      }
    }
    if (visited >= MAX_TEXT_NODES) truncated = true;
    const images = document.images;
    for (let i = 0; i < Math.min(images.length, MAX_IMAGES_SCANNED) && found.length < MAX_LIST; i += 1) {
      if (/powered\s+by/i.test(images[i].alt)) found.push(cut(images[i].alt));
    }
    return found;
  }

  const texts = (selector) => take([...document.querySelectorAll(selector)], MAX_LIST)
    .map((element) => cut(element.innerText ?? element.textContent ?? element.value ?? ''))
    .filter((text) => text);

  async function snapshot() {
    const facts = {
      time_ms: Date.now(),
      url: cut(location.href, MAX_URL) ?? '',
      title: attempt(() => cut(document.title), null),
      favicons: await favicons().catch(() => { truncated = true; return []; }),
      logos: attempt(logos, []),
      colors: attempt(colors, {}),
      app_name: attempt(appName, null),
      powered_by: attempt(poweredBy, []),
      hidden_fields: attempt(() => take([...document.querySelectorAll('input[type=hidden]')], MAX_LIST)
        .map((input) => ({ name: cut(input.name) ?? '', value: cut(input.value) ?? '' })), []),
      has_password_field: attempt(() => [...document.querySelectorAll('input[type=password]')]
        .slice(0, MAX_LIST).some(isVisible), false),
      buttons: attempt(() => [
        ...texts('button, [role=button]'),
        ...take([...document.querySelectorAll('input[type=submit], input[type=button]')], MAX_LIST)
          .map((input) => cut(input.value)).filter((text) => text),
      ], []),
      headings: attempt(() => texts('h1, h2'), []),
      image_count: attempt(() => document.images.length, 0),
    };
    facts.truncated = truncated;
    return facts;
  }

  /** Waits for the page's images (natural sizes), briefly; a page about to go away goes now. */
  const settled = () => new Promise((resolve) => {
    if (document.readyState === 'complete') return resolve();
    const timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
    const done = () => { clearTimeout(timer); resolve(); };
    addEventListener('load', done, { once: true });
    addEventListener('pagehide', done, { once: true });
  });

  settled()
    .then(snapshot)
    .then((facts) => ext.runtime.sendMessage({ type: 'page-snapshot', snapshot: facts }))
    .catch(() => {
      // The worker was restarting or the page is gone: this page's facts are not observed.
    });
})();
