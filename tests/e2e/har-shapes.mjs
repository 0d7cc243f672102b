// Writes one real flow's HAR in the shape of each HAR writer Flowlens reads, into
// crates/flowlens-cli/tests/fixtures/writers/:
//   node har-shapes.mjs
//
// The flow is the oidc-provider code flow recorded by record-real-servers.mjs (Playwright's
// recordHar, Chromium 156). Each shape keeps the evidence its writer keeps and drops, renames
// or adds what its writer does, as observed in exports of these browsers:
//
//   playwright.har                 as recorded: `_resourceType`, `_frameref`, `_securityDetails`,
//                                  one page, cookies parsed, bodies embedded
//   chrome-devtools.har            Chrome DevTools "Export HAR (with sensitive data)": creator
//                                  WebInspector, `_resourceType` and `_initiator`, `_priority`,
//                                  a new `pageref` at every top-level navigation, `connection`
//   chrome-devtools-sanitized.har  Chrome 130+'s default "Export HAR (sanitized)": the same
//                                  without Cookie, Set-Cookie and Authorization headers and
//                                  without cookie lists
//   firefox-devtools.har           Firefox's Network panel "Save All As HAR": creator Firefox
//                                  and `browser`, no resource type, no initiator, `postData`
//                                  params decoded, text bodies of images base64-encoded
//
// crates/flowlens-cli/tests/har_writers.rs asserts that all four give the same statuses,
// except where a writer drops the evidence a check needs (said there, per check).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './harness.mjs';

const SOURCE = path.join(REPO_ROOT, 'crates/flowlens-cli/tests/fixtures/real/oidc-provider-code.har');
const TARGET = path.join(REPO_ROOT, 'crates/flowlens-cli/tests/fixtures/writers');
const SENSITIVE = ['cookie', 'set-cookie', 'authorization'];

const clone = (value) => JSON.parse(JSON.stringify(value));
const header = (entry, name) => entry.request.headers.find((h) => h.name.toLowerCase() === name)?.value;

function chromeDevtools(har) {
  const out = clone(har);
  out.log.creator = { name: 'WebInspector', version: '537.36' };
  delete out.log.browser;
  delete out.log.comment;
  const pages = [];
  let page = null;
  for (const entry of out.log.entries) {
    const navigation = entry._resourceType === 'document';
    if (navigation || !page) {
      page = { startedDateTime: entry.startedDateTime, id: `page_${pages.length + 1}`, title: entry.request.url, pageTimings: {} };
      pages.push(page);
    }
    entry.pageref = page.id;
    const referer = header(entry, 'referer');
    entry._initiator = navigation ? { type: 'other' } : { type: 'script', url: referer ?? page.title };
    entry._priority = navigation ? 'VeryHigh' : 'High';
    entry.connection = '443';
    for (const key of ['_frameref', '_monotonicTime', '_serverPort', '_securityDetails']) delete entry[key];
  }
  out.log.pages = pages;
  return out;
}

function sanitized(har) {
  const out = clone(har);
  for (const entry of out.log.entries) {
    for (const message of [entry.request, entry.response]) {
      message.headers = message.headers.filter((h) => !SENSITIVE.includes(h.name.toLowerCase()));
      message.cookies = [];
    }
  }
  return out;
}

function firefoxDevtools(har) {
  const out = clone(har);
  out.log.creator = { name: 'Firefox', version: '153.0' };
  out.log.browser = { name: 'Firefox', version: '153.0' };
  delete out.log.comment;
  const pages = [];
  for (const entry of out.log.entries) {
    if (entry._resourceType === 'document') {
      pages.push({ startedDateTime: entry.startedDateTime, id: `page_${pages.length + 1}`, title: entry.request.url, pageTimings: {} });
    }
    entry.pageref = pages.at(-1)?.id ?? 'page_1';
    for (const key of Object.keys(entry)) if (key.startsWith('_')) delete entry[key];
    delete entry.response._transferSize;
    const post = entry.request.postData;
    if (post?.text && post.mimeType?.startsWith('application/x-www-form-urlencoded')) {
      post.params = [...new URLSearchParams(post.text)].map(([name, value]) => ({ name, value }));
    }
    const content = entry.response.content;
    if (content?.text && content.mimeType?.startsWith('image/') && !content.encoding) {
      content.text = Buffer.from(content.text).toString('base64');
      content.encoding = 'base64';
    }
  }
  out.log.pages = pages;
  return out;
}

const har = JSON.parse(await readFile(SOURCE, 'utf8'));
await mkdir(TARGET, { recursive: true });
const shapes = {
  'playwright.har': har,
  'chrome-devtools.har': chromeDevtools(har),
  'chrome-devtools-sanitized.har': sanitized(chromeDevtools(har)),
  'firefox-devtools.har': firefoxDevtools(har),
};
for (const [file, shape] of Object.entries(shapes)) {
  await writeFile(path.join(TARGET, file), `${JSON.stringify(shape, null, 1)}\n`);
  console.log(`${file}: ${shape.log.entries.length} entries`);
}
