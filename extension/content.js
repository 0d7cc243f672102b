// Page facts for Flowlens: injected (scripting.executeScript) only into tabs whose
// authorization flow is being recorded, in the isolated world, without wasm. It fills the
// fields of flowlens_core::trace::PageSnapshot (crates/flowlens-core/src/trace/snapshot.rs)
// and sends them to the worker as a 'page-snapshot' message (see messages.js).
//
// It collects what the page has (forms and their fields, buttons with their colors, links,
// images, headings, title, text) and decides nothing: what the page is for, which image is
// its logo, which button the primary one and which name it shows are chosen in Rust
// (flowlens_core::page), the same way as for a page read from a HAR's HTML.
//
// It only reads: no element is added, changed or removed (favicons are probed with detached
// `new Image()` objects). Work is bounded on huge pages, every string is cut at 1 KB, and a
// part that throws is skipped (and the snapshot marked truncated) rather than losing the rest.
// A classic script, not a module: executeScript files cannot be modules.

(() => {
  const ext = globalThis.browser ?? globalThis.chrome;
  const MAX_TEXT = 1024;
  const MAX_URL = 64 * 1024;
  const MAX_BODY_TEXT = 8 * 1024;
  const MAX_IMAGES_SCANNED = 2000;
  const MAX_IMAGES = 100;
  const MAX_FAVICONS = 10;
  const MAX_FORMS = 20;
  const MAX_FIELDS = 200;
  const MAX_LIST = 60;
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

  const textOf = (element) => cut(element.innerText ?? element.textContent ?? '') ?? '';

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

  /** The page's images in document order, capped. */
  function images() {
    const all = document.images;
    const scanned = Math.min(all.length, MAX_IMAGES);
    if (all.length > MAX_IMAGES) truncated = true;
    const list = [];
    for (let i = 0; i < scanned; i += 1) {
      const img = all[i];
      const hint = [...img.attributes]
        .filter((a) => a.name === 'id' || a.name === 'class' || a.name.startsWith('data-'))
        .map((a) => a.value).join(' ');
      list.push({
        src: cut(img.currentSrc || img.src, MAX_URL) ?? '',
        alt: cut(img.getAttribute('alt')),
        hint: cut(hint) ?? '',
        in_header: img.closest('header, [role=banner]') !== null,
        natural_width: img.naturalWidth,
        natural_height: img.naturalHeight,
        loaded: img.complete ? img.naturalWidth > 0 : null,
        visible: attempt(() => isVisible(img), null),
      });
    }
    return list;
  }

  const TRANSPARENT = /^(transparent|rgba\(0, 0, 0, 0\))$/;

  /**
   * The background the page paints behind its content: the first opaque background of the
   * element at the top-left of the viewport and its ancestors up to body (a full-page
   * container), else body's (which CSS paints over the whole canvas), else html's;
   * transparent when none has one.
   */
  function background() {
    let element = document.elementFromPoint(4, 4);
    for (let depth = 0; element && depth < 50; depth += 1, element = element.parentElement) {
      if (element === document.body || element === document.documentElement) break;
      const color = getComputedStyle(element).backgroundColor;
      if (!TRANSPARENT.test(color)) return cut(color);
    }
    const body = getComputedStyle(document.body).backgroundColor;
    return cut(TRANSPARENT.test(body) ? getComputedStyle(document.documentElement).backgroundColor : body);
  }

  /** Forms and their fields; inputs outside any form go in a form without method. */
  function forms() {
    const formList = [...document.forms];
    const list = take(formList, MAX_FORMS).map((form) => ({
      method: (form.getAttribute('method') ?? 'get').trim().toLowerCase(),
      action: cut(form.action, MAX_URL) ?? '',
      fields: [],
    }));
    for (const field of take([...document.querySelectorAll('input, select, textarea')], MAX_FIELDS)) {
      const type = field.tagName === 'INPUT'
        ? (field.getAttribute('type') ?? 'text').trim().toLowerCase() : field.tagName.toLowerCase();
      if (['submit', 'image', 'button', 'reset'].includes(type)) continue;
      let index = field.form ? formList.indexOf(field.form) : -1;
      if (index >= list.length) continue;
      if (index < 0) {
        index = list.findIndex((f) => f.method === '');
        if (index < 0) {
          if (list.length >= MAX_FORMS) { truncated = true; continue; }
          list.push({ method: '', action: '', fields: [] });
          index = list.length - 1;
        }
      }
      const maxLength = Number.parseInt(field.getAttribute('maxlength') ?? '', 10);
      const label = field.getAttribute('placeholder') ?? field.getAttribute('aria-label')
        ?? field.labels?.[0]?.innerText ?? null;
      list[index].fields.push({
        type,
        name: cut(field.name) ?? '',
        autocomplete: (field.getAttribute('autocomplete') ?? '').trim().toLowerCase(),
        inputmode: (field.getAttribute('inputmode') ?? '').trim().toLowerCase(),
        max_length: Number.isInteger(maxLength) && maxLength >= 0 ? maxLength : null,
        label: type === 'hidden' ? null : cut(label),
        // Values only where they are choices, never what the user typed.
        value: ['hidden', 'checkbox', 'radio'].includes(type) ? cut(field.value) : null,
        visible: type === 'hidden' ? false : attempt(() => isVisible(field), null),
      });
    }
    return list;
  }

  /** Buttons with their form and computed colors. */
  function buttons() {
    const formList = [...document.forms];
    const elements = take([...document.querySelectorAll(
      'button, input[type=submit], input[type=button], input[type=image], [role=button]')], MAX_LIST);
    return elements.map((b) => {
      const isInput = b.tagName === 'INPUT';
      const type = (b.getAttribute('type') ?? (b.tagName === 'BUTTON' ? 'submit' : 'button')).toLowerCase();
      const visible = attempt(() => isVisible(b), null);
      const style = visible ? attempt(() => getComputedStyle(b), null) : null;
      const form = b.form ? formList.indexOf(b.form) : -1;
      return {
        text: isInput ? cut(b.value) ?? '' : textOf(b),
        kind: type === 'submit' || type === 'image' ? 'submit' : 'button',
        name: cut(b.getAttribute('name') ?? '') ?? '',
        value: cut(b.getAttribute('value') ?? '') ?? '',
        form: form >= 0 && form < MAX_FORMS ? form : null,
        visible,
        background: style ? cut(style.backgroundColor) : null,
        color: style ? cut(style.color) : null,
      };
    });
  }

  const links = () => take([...document.querySelectorAll('a[href]')], MAX_LIST)
    .map((a) => ({ text: textOf(a), href: cut(a.href, MAX_URL) ?? '' }));

  const headings = () => take([...document.querySelectorAll('h1, h2, h3')], MAX_LIST)
    .map((h) => ({ level: Number(h.tagName[1]), text: textOf(h) }))
    .filter((h) => h.text);

  const NAME_SELECTOR = '[id*="name" i], [class*="name" i], [data-server-name], [data-app-name], '
    + '[data-client-name], [data-resource-name]';

  /** Elements whose id, class or data-* attribute names mention a name. */
  const nameHints = () => take([...document.querySelectorAll(NAME_SELECTOR)], MAX_LIST)
    .filter((element) => !['INPUT', 'SELECT', 'TEXTAREA', 'META'].includes(element.tagName))
    .map((element) => ({
      hint: cut([...element.attributes]
        .filter((a) => ((a.name === 'id' || a.name === 'class') && /name/i.test(a.value))
          || (a.name.startsWith('data-') && a.name.includes('name')))
        .map((a) => (a.name.startsWith('data-') ? a.name : a.value)).join(' ')) ?? '',
      text: textOf(element),
    }))
    .filter((h) => h.text);

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
    const all = document.images;
    for (let i = 0; i < Math.min(all.length, MAX_IMAGES_SCANNED) && found.length < MAX_LIST; i += 1) {
      if (/powered\s+by/i.test(all[i].alt)) found.push(cut(all[i].alt));
    }
    return found;
  }

  async function snapshot() {
    const facts = {
      time_ms: Date.now(),
      url: cut(location.href, MAX_URL) ?? '',
      title: attempt(() => cut(document.title), null),
      favicons: await favicons().catch(() => { truncated = true; return []; }),
      images: attempt(images, []),
      colors: { background: attempt(background, null) },
      powered_by: attempt(poweredBy, []),
      hidden_fields: attempt(() => take([...document.querySelectorAll('input[type=hidden]')], MAX_LIST)
        .map((input) => ({ name: cut(input.name) ?? '', value: cut(input.value) ?? '' })), []),
      has_password_field: attempt(() => [...document.querySelectorAll('input[type=password]')]
        .slice(0, MAX_LIST).some(isVisible), false),
      forms: attempt(forms, []),
      buttons: attempt(buttons, []),
      links: attempt(links, []),
      headings: attempt(headings, []),
      name_hints: attempt(nameHints, []),
      list_items: attempt(() => take([...document.querySelectorAll('li')], MAX_LIST).map(textOf)
        .filter((text) => text), []),
      text: attempt(() => cut(document.body?.innerText ?? '', MAX_BODY_TEXT), null),
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
