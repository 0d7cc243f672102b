// The browser-side MCP client at app.acme.test: two pages and the module that runs the flow.

import { readFileSync } from 'node:fs';
import { ACME_FAVICON } from '../assets.mjs';
import { notFound, send, sendHtml } from '../http.mjs';
import { clientCallbackPage, clientStartPage } from '../pages/client.mjs';

const CLIENT_SCRIPT = readFileSync(new URL('../client/oauth-client.js', import.meta.url));

export function createClientHost() {
  return async function handleClient(req, res, { url }) {
    if (req.method !== 'GET') return notFound(res);
    if (url.pathname === '/') return sendHtml(res, 200, clientStartPage(), { 'Cache-Control': 'no-store' });
    if (url.pathname === '/callback') return sendHtml(res, 200, clientCallbackPage(), { 'Cache-Control': 'no-store' });
    if (url.pathname === '/oauth-client.js') {
      return send(res, 200, CLIENT_SCRIPT, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
    }
    if (url.pathname === '/favicon.ico') return send(res, 200, ACME_FAVICON.body, { 'Content-Type': ACME_FAVICON.type });
    return notFound(res);
  };
}
