// Records every top-level document request of the simulated flow and the redirects between them into
// chrome.storage.session (the worker may be stopped at any time; memory alone would lose them).

const filter = { urls: ['<all_urls>'], types: ['main_frame'] };

// Events arrive faster than storage round-trips: chain the read-modify-writes so none is lost.
let writes = Promise.resolve();
function append(entry) {
  writes = writes.then(async () => {
    const { hops = [] } = await chrome.storage.session.get('hops');
    hops.push(entry);
    await chrome.storage.session.set({ hops });
  });
}

chrome.webRequest.onBeforeRedirect.addListener((details) => {
  append({ url: details.url, status: details.statusCode, redirectUrl: details.redirectUrl, tabId: details.tabId });
}, filter);

chrome.webRequest.onCompleted.addListener((details) => {
  append({ url: details.url, status: details.statusCode, tabId: details.tabId });
}, filter);
