// One small page interface over Playwright's Page (Chromium) and Puppeteer's Page (Firefox over
// WebDriver BiDi), so that a spec or a flow is written once and runs in both browsers. Only what
// the specs need, with one meaning in both: `waitFor` waits until an element is attached (not
// visible), `click` and `fill` act like a user, `evaluate(fn, arg)` runs `fn(arg)` in the page.
// `raw` is the framework's own page for what only one browser can do.

/** The interface over a Playwright page. */
export function playwrightPage(page) {
  return {
    raw: page,
    url: () => page.url(),
    goto: (url, { timeout = 30_000 } = {}) => page.goto(url, { timeout }).then(() => {}),
    waitFor: (selector, { timeout = 30_000 } = {}) => page.waitForSelector(selector, { state: 'attached', timeout }).then(() => {}),
    waitForFunction: (fn, arg, { timeout = 30_000 } = {}) => page.waitForFunction(fn, arg, { timeout }).then(() => {}),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    click: (selector) => page.click(selector, { noWaitAfter: true }),
    fill: (selector, value) => page.fill(selector, value),
    uploadFile: (selector, file) => page.setInputFiles(selector, file),
    reload: () => page.reload().then(() => {}),
    /** Starts collecting the URLs this page requests; `stop()` resolves to them. */
    async watchRequests() {
      const urls = [];
      const listener = (request) => urls.push(request.url());
      page.on('request', listener);
      return {
        async stop() {
          page.off('request', listener);
          return urls;
        },
      };
    },
    screenshot: (file, options = {}) => page.screenshot({ path: file, ...options }),
    setViewport: (size) => page.setViewportSize(size),
    bringToFront: () => page.bringToFront(),
    close: () => page.close(),
  };
}

/**
 * The interface over a Puppeteer page in Firefox. A Firefox fact shapes it: BiDi does not report
 * navigations to moz-extension:// pages (they load, but a `goto` never finishes and Puppeteer's
 * `url()` stays at the page before). So `goto` does not wait for those (callers wait for the
 * page's own ready mark), `url()` answers the extension URL it was sent to, and `reload` of such
 * a page waits until the old document is gone.
 */
export function puppeteerPage(page) {
  const isExtensionUrl = (url) => url.startsWith('moz-extension:');
  const until = (fn, arg, timeout) => untilTrue(page, fn, arg, { timeout });
  let extensionUrl = null;
  return {
    raw: page,
    url: () => extensionUrl ?? page.url(),
    async goto(url, { timeout = 30_000 } = {}) {
      if (isExtensionUrl(url)) {
        extensionUrl = url;
        page.goto(url, { timeout }).catch(() => {});
        await until((wanted) => location.href === wanted, url, timeout);
        return;
      }
      extensionUrl = null;
      await page.goto(url, { timeout });
    },
    waitFor: (selector, { timeout = 30_000 } = {}) => page.waitForSelector(selector, { timeout }).then(() => {}),
    waitForFunction: (fn, arg, { timeout = 30_000 } = {}) => page.waitForFunction(fn, { timeout }, arg).then(() => {}),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    click: (selector) => page.locator(selector).click(),
    fill: (selector, value) => page.locator(selector).fill(value),
    async uploadFile(selector, file) {
      const input = await page.waitForSelector(selector);
      await input.uploadFile(file);
    },
    async reload() {
      if (!extensionUrl) {
        await page.reload();
        return;
      }
      await page.evaluate(() => { window.flowlensOldDocument = true; location.reload(); });
      await until(() => !window.flowlensOldDocument && document.readyState !== 'loading', undefined, 30_000);
    },
    /**
     * Starts collecting the URLs this page requests; `stop()` resolves to them. The driver
     * launches Firefox without BiDi network events (the specs read pages, not traffic), so this
     * subscribes to them for this page alone.
     */
    async watchRequests() {
      const connection = page.browser().connection;
      const context = page.mainFrame()._id;
      const urls = [];
      const listener = (event) => { if (event.context === context) urls.push(event.request.url); };
      connection.on('network.beforeRequestSent', listener);
      const { result } = await connection.send('session.subscribe', {
        events: ['network.beforeRequestSent'], contexts: [context],
      });
      return {
        async stop() {
          await connection.send('session.unsubscribe', { subscriptions: [result.subscription] });
          connection.off('network.beforeRequestSent', listener);
          return urls;
        },
      };
    },
    screenshot: (file, options = {}) => page.screenshot({ path: file, ...options }),
    setViewport: (size) => page.setViewport(size),
    bringToFront: () => page.bringToFront(),
    close: () => page.close(),
  };
}

/**
 * Resolves once fn(arg) is true in the page, polling (every 50 ms, up to `timeout`) instead of
 * Puppeteer's waitForFunction: while Firefox swaps the document for a moz-extension:// one, which
 * BiDi does not announce, an evaluation can fail with a protocol error that waitForFunction does
 * not retry. Such failures count as "not yet".
 */
export async function untilTrue(page, fn, arg, { timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
    await new Promise((resolve) => { setTimeout(resolve, 50); });
  }
}
