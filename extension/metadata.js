// The public discovery documents of a recorded flow, fetched by the extension itself: by the
// popup and the side panel for what they show, by the service worker for the toolbar badge's
// verdict, so that all three judge the flow with the same documents.
//
// A browser extension sees a flow's requests but not their response bodies, so the
// protected-resource and authorization-server metadata a browser-based MCP client read would
// stay unread, and custom-domain-metadata and mcp-discovery could not be judged. Rust
// (metadataRequests, flowlens_core::discovery) names the documents: only URLs the recorded
// flow itself requested, so only hosts it already talked to. This module GETs them once per
// page (the worker: once while it runs), read-only and without cookies or credentials, and hands the answers back to Rust,
// which puts the bodies into the trace (and into the export's HAR) and says so in the notes.

const TIMEOUT_MS = 5000;
const MAX_BYTES = 1024 * 1024;

/** One credential-free GET; never throws. */
async function fetchDocument(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method: 'GET',
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
      headers: { Accept: 'application/json' },
      signal: controller.signal,
    });
    const text = await response.text();
    return {
      url,
      status: response.status,
      content_type: response.headers.get('content-type'),
      text: text.length > MAX_BYTES ? text.slice(0, MAX_BYTES) : text,
      truncated: text.length > MAX_BYTES,
      time_ms: started,
      error: null,
    };
  } catch (error) {
    const reason = controller.signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : String(error?.message ?? error);
    return { url, status: 0, content_type: null, text: null, truncated: false, time_ms: started, error: reason };
  } finally {
    clearTimeout(timer);
  }
}

/** The documents fetched so far, by URL; each URL is fetched at most once. */
export class MetadataDocuments {
  #documents = new Map();
  /** URL -> the fetch under way. */
  #pending = new Map();

  /** Every document fetched so far. */
  all() {
    return [...this.#documents.values()];
  }

  /** What is already known of these URLs. */
  known(urls) {
    return urls.filter((url) => this.#documents.has(url)).map((url) => this.#documents.get(url));
  }

  /**
   * Fetches the URLs not tried yet and waits for those under way; resolves to true when it
   * waited for anything (it is then known), false when everything was known already.
   */
  async fetchMissing(urls) {
    for (const url of urls) {
      if (this.#documents.has(url) || this.#pending.has(url)) continue;
      this.#pending.set(url, fetchDocument(url).then((doc) => {
        this.#documents.set(url, doc);
        this.#pending.delete(url);
      }));
    }
    const waiting = urls.map((url) => this.#pending.get(url)).filter(Boolean);
    if (waiting.length === 0) return false;
    await Promise.all(waiting);
    return true;
  }
}
