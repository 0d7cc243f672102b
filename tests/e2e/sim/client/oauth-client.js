// A browser-side MCP client (think MCP Inspector) that runs the whole MCP authorization flow in the page,
// so every discovery, registration and token request is visible to a browser-side observer.
//
// Start page (https://app.acme.test/?scenario=NAME):
//   POST /mcp → 401 → WWW-Authenticate resource_metadata → PRM → AS metadata (spec order for an issuer
//   with a path) → DCR → PKCE S256 + state → navigate to the authorization endpoint.
// Callback page (https://app.acme.test/callback):
//   check state and iss → token request → POST /mcp with the bearer token → show the result.
// The page's <body> gets data-done="ok" or data-done="error" when the client has finished.

const MCP_URL = 'https://mcp.acme.test/mcp';
const REDIRECT_URI = `${location.origin}/callback`;
const STORAGE_KEY = 'flowlens-sim-client';
const PROTOCOL_VERSION = '2025-11-25';
// Test knob, not part of MCP: tells the simulator which scenario to play until a client_id exists.
const SCENARIO_HEADER = 'X-Flowlens-Scenario';

function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomBase64url(byteCount) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

async function s256(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function step(text) {
  console.info(`[client] ${text}`);
  document.getElementById('status').textContent = text;
}

function finish(outcome, text) {
  document.getElementById('result').textContent = text;
  document.body.dataset.done = outcome;
  console.info(`[client] done: ${outcome}`);
}

/** Parses `Bearer realm="OAuth", resource_metadata="…", scope="…"` into its parameters. */
function parseBearerChallenge(header) {
  if (!header || !/^Bearer\s/i.test(header)) throw new Error(`no Bearer challenge in WWW-Authenticate: ${header}`);
  const params = {};
  for (const match of header.slice(7).matchAll(/([a-zA-Z_]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) {
    params[match[1]] = match[2] ?? match[3];
  }
  return params;
}

async function fetchJson(url, init = {}) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}`);
  return response.json();
}

function initializeRequest() {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'acme-browser-client', version: '1.0.0' },
    },
  };
}

function mcpPost(body, extraHeaders) {
  return fetch(MCP_URL, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': PROTOCOL_VERSION,
      ...extraHeaders,
    },
    body: JSON.stringify(body),
  });
}

/** Authorization server metadata URLs in the order the MCP spec gives for an issuer with or without a path. */
function metadataUrls(issuer) {
  const { origin, pathname } = new URL(issuer);
  const path = pathname === '/' ? '' : pathname.replace(/\/$/, '');
  if (!path) {
    return [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`];
  }
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}

async function discoverAuthorizationServer(issuer) {
  for (const url of metadataUrls(issuer)) {
    const response = await fetch(url);
    if (!response.ok) continue;
    const metadata = await response.json();
    // 2026-07-28: the issuer in the document must be the one the URL was built from.
    if (metadata.issuer !== issuer) throw new Error(`issuer mismatch: ${metadata.issuer} != ${issuer}`);
    return metadata;
  }
  throw new Error(`no authorization server metadata for ${issuer}`);
}

export async function startFlow() {
  const scenario = new URLSearchParams(location.search).get('scenario') || 'good';
  const scenarioHeaders = { [SCENARIO_HEADER]: scenario };
  try {
    step('Calling the MCP server without a token');
    const unauthenticated = await mcpPost(initializeRequest(), scenarioHeaders);
    if (unauthenticated.status !== 401) throw new Error(`expected 401 from MCP server, got ${unauthenticated.status}`);
    const challenge = parseBearerChallenge(unauthenticated.headers.get('WWW-Authenticate'));
    if (!challenge.resource_metadata) throw new Error('401 challenge without resource_metadata');

    step('Reading protected resource metadata');
    const resourceMetadata = await fetchJson(challenge.resource_metadata, {
      headers: { 'MCP-Protocol-Version': PROTOCOL_VERSION, ...scenarioHeaders },
    });
    const issuer = resourceMetadata.authorization_servers?.[0];
    if (!issuer) throw new Error('protected resource metadata has no authorization_servers');

    step('Reading authorization server metadata');
    const metadata = await discoverAuthorizationServer(issuer);
    if (!metadata.code_challenge_methods_supported?.includes('S256')) {
      throw new Error('authorization server does not advertise PKCE S256');
    }

    step('Registering the client');
    const scope = challenge.scope || resourceMetadata.scopes_supported?.join(' ') || '';
    const registration = await fetchJson(metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...scenarioHeaders },
      body: JSON.stringify({
        client_name: 'Acme Browser Client',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        scope,
      }),
    });

    const usePkce = scenario !== 'no-pkce';
    const codeVerifier = usePkce ? randomBase64url(32) : null;
    const state = randomBase64url(32);
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({
      scenario,
      issuer,
      issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
      tokenEndpoint: metadata.token_endpoint,
      clientId: registration.client_id,
      resource: resourceMetadata.resource,
      codeVerifier,
      state,
    }));

    const authorizeUrl = new URL(metadata.authorization_endpoint);
    authorizeUrl.searchParams.set('response_type', 'code');
    authorizeUrl.searchParams.set('client_id', registration.client_id);
    authorizeUrl.searchParams.set('redirect_uri', REDIRECT_URI);
    if (usePkce) {
      authorizeUrl.searchParams.set('code_challenge', await s256(codeVerifier));
      authorizeUrl.searchParams.set('code_challenge_method', 'S256');
    }
    authorizeUrl.searchParams.set('state', state);
    authorizeUrl.searchParams.set('scope', scope);
    authorizeUrl.searchParams.set('resource', resourceMetadata.resource);
    step('Redirecting to the authorization server');
    location.href = authorizeUrl.href;
  } catch (error) {
    finish('error', String(error?.message ?? error));
  }
}

async function exchangeCode(saved, code) {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: saved.clientId,
    resource: saved.resource,
  });
  if (saved.codeVerifier) form.set('code_verifier', saved.codeVerifier);
  const tokens = await fetchJson(saved.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return tokens.access_token;
}

export async function finishFlow() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (!saved) throw new Error('no pending authorization in this tab');
    // A state is good for one response only.
    sessionStorage.removeItem(STORAGE_KEY);
    const query = new URLSearchParams(location.search);
    const fragment = new URLSearchParams(location.hash.slice(1));

    let accessToken;
    if (fragment.has('access_token')) {
      // Implicit-style response; a careful client would refuse it. This one takes it so the flow completes
      // and an observer has to notice the token in the URL.
      step('Reading the token from the URL fragment');
      if (fragment.get('state') !== saved.state) throw new Error('state mismatch in fragment response');
      accessToken = fragment.get('access_token');
    } else {
      if (query.get('state') !== saved.state) throw new Error('state mismatch in authorization response');
      const iss = query.get('iss');
      if (iss !== null && iss !== saved.issuer) throw new Error(`iss mismatch: ${iss}`);
      if (iss === null && saved.issParameterSupported) throw new Error('authorization response lacks iss');
      if (query.has('error')) throw new Error(`authorization failed: ${query.get('error')}`);
      step('Exchanging the code for a token');
      accessToken = await exchangeCode(saved, query.get('code'));
    }

    step('Calling the MCP server with the token');
    const response = await mcpPost(initializeRequest(), { Authorization: `Bearer ${accessToken}` });
    if (!response.ok) throw new Error(`MCP server answered ${response.status}`);
    const body = await response.json();
    step('Connected');
    finish('ok', `authorized\n${JSON.stringify(body.result, null, 2)}`);
  } catch (error) {
    finish('error', String(error?.message ?? error));
  }
}

if (document.body.dataset.page === 'client-start') startFlow();
if (document.body.dataset.page === 'client-callback') finishFlow();
