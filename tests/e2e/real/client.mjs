// A browser-based OAuth client (a single-page app, like a web MCP client) for the real servers of
// tests/e2e/servers/: discovery, PKCE, state and the token request all run in the page, so a
// browser-side observer sees the whole flow. Served on several hostnames (one per server), it is
// our test code, not one of the servers under test.
//
// Start page: https://<client host>/?issuer=…&app=<client id>&scopes=…&type=code|token
//   [&mode=form_post][&audience=<resource>] (names of its own, so that the start page is not
//   mistaken for an authorization request)
// Callback: /callback (GET: query or fragment; POST: form_post, shown back to the page's script).
// <body data-done="ok|error"> marks the end; #result says what came back.

import { serve } from '../servers/listen.mjs';

const SECURITY_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Strict-Transport-Security': 'max-age=63072000',
};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="icon" href="data:,"></head><body><main><h1>${title}</h1><p id="status"></p><pre id="result"></pre>${body}</main>
<script src="/client.js"></script></body></html>`;

// The page's script: everything the client does.
const CLIENT_JS = `
const KEY = 'flowlens-real-client';
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const s256 = async (v) => b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(v))));
const finish = (outcome, text) => { document.getElementById('result').textContent = text; document.body.dataset.done = outcome; };

async function metadata(issuer) {
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    const response = await fetch(issuer + path, { headers: { Accept: 'application/json' } });
    if (response.ok) return response.json();
  }
  throw new Error('no authorization-server metadata');
}

async function start() {
  const q = new URLSearchParams(location.search);
  const issuer = q.get('issuer');
  const meta = await metadata(issuer);
  if (meta.issuer !== issuer) throw new Error('issuer mismatch: ' + meta.issuer);
  const verifier = random(32);
  const state = random(32);
  const flow = { issuer, meta, verifier, state, clientId: q.get('app'), resource: q.get('audience') };
  sessionStorage.setItem(KEY, JSON.stringify(flow));
  const url = new URL(meta.authorization_endpoint);
  const params = {
    response_type: q.get('type') ?? 'code', client_id: flow.clientId,
    redirect_uri: location.origin + '/callback', scope: q.get('scopes') ?? '', state,
  };
  if (params.response_type === 'code') Object.assign(params, { code_challenge: await s256(verifier), code_challenge_method: 'S256' });
  if (q.get('mode')) params.response_mode = q.get('mode');
  if (flow.resource) params.resource = flow.resource;
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  // "Redirecting you to sign in…" for a moment: HAR recorders (Playwright's, Chrome's DevTools)
  // read response bodies after the fact, and lose the metadata's when the page is gone at once.
  document.getElementById('status').textContent = 'Redirecting you to sign in…';
  await new Promise((resolve) => { setTimeout(resolve, 300); });
  location.assign(url);
}

async function callback() {
  const flow = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  const posted = document.getElementById('form-post');
  const answer = posted ? new URLSearchParams(posted.dataset.fields)
    : new URLSearchParams(location.hash ? location.hash.slice(1) : location.search);
  if (!flow) return finish('error', 'no flow in this tab');
  if (answer.get('state') !== flow.state) return finish('error', 'state mismatch');
  if (answer.get('error')) return finish('error', answer.get('error'));
  if (answer.get('access_token')) return finish('ok', 'token from the fragment (implicit flow)');
  if (answer.get('iss') && answer.get('iss') !== flow.issuer) return finish('error', 'iss mismatch');
  const body = new URLSearchParams({
    grant_type: 'authorization_code', code: answer.get('code'), redirect_uri: location.origin + '/callback',
    client_id: flow.clientId, code_verifier: flow.verifier,
  });
  if (flow.resource) body.set('resource', flow.resource);
  const response = await fetch(flow.meta.token_endpoint, { method: 'POST', body });
  const tokens = await response.json();
  if (!response.ok || !tokens.access_token) return finish('error', 'token request: ' + JSON.stringify(tokens));
  finish('ok', 'access token received');
}

(location.pathname === '/callback' ? callback() : start()).catch((e) => finish('error', String(e)));
`;

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
  });
}

/** Serves the client on every hostname Chromium maps to it. Returns { port, stop() }. */
export async function startClient({ tls }) {
  return serve(async (req, res) => {
    const url = new URL(req.url, 'https://client.invalid');
    if (url.pathname === '/client.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      return res.end(CLIENT_JS);
    }
    if (url.pathname === '/callback' && req.method === 'POST') {
      // response_mode=form_post: the authorization server's page POSTed the response here.
      const fields = await readBody(req);
      res.writeHead(200, SECURITY_HEADERS);
      return res.end(page('Signed in', `<div id="form-post" data-fields="${escape(fields)}"></div>`));
    }
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/callback')) {
      res.writeHead(200, SECURITY_HEADERS);
      return res.end(page(url.pathname === '/' ? 'Acme Notes' : 'Signed in', ''));
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('not found');
  }, { tls });
}
