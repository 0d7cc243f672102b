// The public discovery documents of a recorded flow, fetched by the popup itself.
//
// A browser extension sees a flow's requests but not their response bodies, so the
// protected-resource and authorization-server metadata a browser-based MCP client read would
// stay unread, and custom-domain-metadata and mcp-discovery could not be judged. Rust
// (metadataRequests, flowlens_core::discovery) names the documents: only URLs the recorded
// flow itself requested, so only hosts it already talked to. This module GETs them once per
// popup, read-only and without cookies or credentials, and hands the answers back to Rust,
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
  #pending = new Set();

  /** What is already known of these URLs. */
  known(urls) {
    return urls.filter((url) => this.#documents.has(url)).map((url) => this.#documents.get(url));
  }

  /** Fetches the URLs not tried yet; resolves to true when anything new arrived. */
  async fetchMissing(urls) {
    const missing = urls.filter((url) => !this.#documents.has(url) && !this.#pending.has(url));
    if (missing.length === 0) return false;
    missing.forEach((url) => this.#pending.add(url));
    const documents = await Promise.all(missing.map(fetchDocument));
    for (const doc of documents) {
      this.#documents.set(doc.url, doc);
      this.#pending.delete(doc.url);
    }
    return true;
  }
}
