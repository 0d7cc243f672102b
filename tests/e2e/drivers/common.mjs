// What every driver does the same way on top of its browser's own methods (see index.mjs).

/** Adds openExtensionPage() and tabIdOf() to a driver. */
export function completeDriver(driver) {
  return Object.assign(driver, {
    async openExtensionPage(relative, { ready = 'body[data-ready="true"]', timeout = 30_000 } = {}) {
      const page = await driver.newPage();
      await page.goto(`${driver.extensionOrigin}/${relative}`, { timeout });
      await page.waitFor(ready, { timeout });
      return page;
    },
    async tabIdOf(page) {
      const url = page.url();
      const id = await driver.inExtension(async (wanted) => {
        const tabs = await chrome.tabs.query({});
        return tabs.find((tab) => tab.url === wanted)?.id ?? null;
      }, url);
      if (id === null) throw new Error(`no tab shows ${url}`);
      return id;
    },
  });
}
