// Scalekit's side of "Auth for MCP" with Bring Your Own Auth, on whichever auth host the scenario uses
// (custom domain, auto-generated .scalekit.com, or .scalekit.dev):
//   AS metadata, DCR, /oauth/authorize → 302 to the customer's login endpoint, the BYOA partner:callback
//   (state matched byte for byte), the consent page, and /oauth/token.

import { createHash } from 'node:crypto';
import {
  CLIENT_ORIGIN, CONNECTION_ID, HOSTS, MCP_RESOURCE, RESOURCE_ID, SCOPE, issuerFor,
} from '../constants.mjs';
import {
  answerPreflight, corsHeaders, notFound, readForm, readJson, redirect, send, sendHtml, sendJson,
} from '../http.mjs';
import { ASSETS } from '../assets.mjs';
import { internalState, prefixedId, randomDigits, randomToken } from '../ids.mjs';
import { consentPage } from '../pages/consent.mjs';
import { scalekitErrorPage } from '../pages/scalekit-error.mjs';
import { LIFETIMES } from '../store.mjs';

const RESOURCE_PATH = `/resources/${RESOURCE_ID}`;
const REGISTRATION_PATH = `/api/v1/resources/${RESOURCE_ID}/clients:register`;
const PARTNER_CALLBACK = /^\/sso\/v1\/connections\/([^/]+)\/partner:callback$/;
const SESSION_COOKIE = '__Host-sk_session';

/** Headers on every page Scalekit renders: no framing, no referrer, no caching, HSTS. */
const PAGE_SECURITY_HEADERS = Object.freeze({
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: https://cdn.scalekit.com; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
});

function authorizationServerMetadata(authHost) {
  const origin = `https://${authHost}`;
  return {
    issuer: issuerFor(authHost),
    authorization_endpoint: `${origin}/oauth/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    registration_endpoint: `${origin}${REGISTRATION_PATH}`,
    jwks_uri: `${origin}/keys`,
    scopes_supported: [SCOPE, 'offline_access'],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
  };
}

/** Environment-level OIDC discovery: exists, but lacks registration_endpoint (reference §1.2). */
function environmentOpenIdConfiguration(authHost) {
  const origin = `https://${authHost}`;
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/oauth/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    jwks_uri: `${origin}/keys`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
  };
}

const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

/** https anywhere, or http on a loopback address (a native client's redirect listener). */
function acceptableRedirectUri(uri) {
  if (typeof uri !== 'string') return false;
  try {
    const url = new URL(uri);
    return !url.hash && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname)));
  } catch {
    return false;
  }
}

/** Exact match, except any port for a loopback IP redirect URI (RFC 8252 §7.3). */
function redirectUriMatches(registered, requested) {
  if (registered === requested) return true;
  try {
    const a = new URL(registered);
    const b = new URL(requested);
    const loopback = a.protocol === 'http:' && ['127.0.0.1', '[::1]'].includes(a.hostname);
    return loopback && b.protocol === a.protocol && b.hostname === a.hostname
      && b.pathname === a.pathname && b.search === a.search;
  } catch {
    return false;
  }
}

export function createScalekitHost(sim) {
  const { store, signJwt } = sim;

  function errorPage(res, status, errorCode) {
    sendHtml(res, status, scalekitErrorPage(errorCode), PAGE_SECURITY_HEADERS);
  }

  /** Error redirect back to the client, as OAuth allows once client_id and redirect_uri are trusted. */
  function redirectError(res, authHost, redirectUri, clientState, error, description) {
    const url = new URL(redirectUri);
    url.searchParams.set('error', error);
    url.searchParams.set('error_description', description);
    if (clientState) url.searchParams.set('state', clientState);
    url.searchParams.set('iss', issuerFor(authHost));
    redirect(res, 302, url.href, PAGE_SECURITY_HEADERS);
  }

  async function register(req, res, authHost) {
    const cors = corsHeaders(req, CLIENT_ORIGIN);
    let body;
    try {
      body = await readJson(req);
    } catch {
      return sendJson(res, 400, { error: 'invalid_client_metadata' }, cors);
    }
    const redirectUris = Array.isArray(body.redirect_uris) ? body.redirect_uris : [];
    if (redirectUris.length === 0 || !redirectUris.every(acceptableRedirectUri)) {
      return sendJson(res, 400, {
        error: 'invalid_redirect_uri',
        error_description: 'redirect URIs must be https, or http on a loopback address (RFC 8252)',
      }, cors);
    }
    const scenario = sim.scenarioFromRequest(req);
    if (scenario.registrationRefused) {
      return sendJson(res, 400, {
        error: 'invalid_client_metadata',
        error_description: 'dynamic registration is disabled for this resource',
      }, cors);
    }
    const clientId = prefixedId('m2m');
    const client = store.clients.set(clientId, {
      clientId,
      scenario: scenario.name,
      authHost,
      clientName: typeof body.client_name === 'string' ? body.client_name : clientId,
      redirectUris,
    });
    sendJson(res, 201, {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      client_name: client.clientName,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }, { ...cors, 'Cache-Control': 'no-store' });
  }

  function authorize(req, res, authHost, url) {
    const q = url.searchParams;
    const client = store.clients.get(q.get('client_id') ?? '');
    if (!client || client.authHost !== authHost) return errorPage(res, 400, 'invalid_client');
    const redirectUri = q.get('redirect_uri') ?? '';
    // Exact string match against the registered values (OAuth 2.1 §2.3.1 / RFC 9700 §2.1), except
    // the port of a loopback redirect URI, which a native client picks at run time (RFC 8252 §7.3).
    if (!client.redirectUris.some((registered) => redirectUriMatches(registered, redirectUri))) {
      return errorPage(res, 400, 'invalid_redirect_uri');
    }
    const scenario = sim.scenarioNamed(client.scenario);
    const clientState = q.get('state');
    if (q.get('response_type') !== 'code') {
      return redirectError(res, authHost, redirectUri, clientState, 'unsupported_response_type', 'only code is supported');
    }
    const codeChallenge = q.get('code_challenge');
    const codeChallengeMethod = q.get('code_challenge_method');
    if (codeChallenge && codeChallengeMethod !== 'S256') {
      return redirectError(res, authHost, redirectUri, clientState, 'invalid_request', 'code_challenge_method must be S256');
    }
    if (!codeChallenge && scenario.serverRequiresPkce) {
      return redirectError(res, authHost, redirectUri, clientState, 'invalid_request', 'code_challenge is required');
    }
    const resource = q.get('resource');
    if (resource !== null && resource !== MCP_RESOURCE) {
      return redirectError(res, authHost, redirectUri, clientState, 'invalid_target', 'unknown resource');
    }

    const loginRequestId = prefixedId('lri');
    const state = internalState(scenario.internalStateAlphabet);
    store.loginRequests.set(loginRequestId, {
      loginRequestId,
      scenario: scenario.name,
      authHost,
      clientId: client.clientId,
      redirectUri,
      clientState,
      codeChallenge,
      scope: q.get('scope') || SCOPE,
      resource: resource ?? MCP_RESOURCE,
      state,
      user: null,
    });
    store.loginRequestsByState.set(state, loginRequestId);

    const loginUrl = new URL(`${scenario.loginScheme}://${HOSTS.login}/login`);
    if (scenario.loginRequestIdInRedirect) loginUrl.searchParams.set('login_request_id', loginRequestId);
    loginUrl.searchParams.set('state', state);
    const session = randomToken(24);
    redirect(res, 302, loginUrl.href, {
      ...PAGE_SECURITY_HEADERS,
      'Set-Cookie': `${SESSION_COOKIE}=${session}; Secure; HttpOnly; SameSite=Lax; Path=/`,
    });
  }

  function partnerCallback(req, res, authHost, url, connectionId) {
    if (connectionId !== CONNECTION_ID) return errorPage(res, 404, 'unknown_connection');
    // URLSearchParams decodes exactly once, as Scalekit does; a value encoded twice stays encoded.
    const state = url.searchParams.get('state') ?? '';
    const loginRequestId = store.loginRequestsByState.get(state);
    const loginRequest = loginRequestId && store.loginRequests.get(loginRequestId);
    if (!loginRequest || loginRequest.authHost !== authHost) {
      return redirect(res, 302, '/a/auth/error?error=invalid_state', PAGE_SECURITY_HEADERS);
    }
    store.loginRequestsByState.delete(state);
    store.loginRequests.delete(loginRequestId);
    if (!loginRequest.user) return redirect(res, 302, '/a/auth/error?error=login_not_completed', PAGE_SECURITY_HEADERS);

    const consentRequestId = prefixedId('req');
    store.consentRequests.set(consentRequestId, {
      ...loginRequest,
      id: consentRequestId,
      csrfToken: randomToken(24),
    });
    redirect(res, 302, `/oauth/consent?request_id=${consentRequestId}`, PAGE_SECURITY_HEADERS);
  }

  function showConsent(req, res, authHost, url) {
    const consentRequest = store.consentRequests.get(url.searchParams.get('request_id') ?? '');
    if (!consentRequest || consentRequest.authHost !== authHost) return errorPage(res, 400, 'invalid_request');
    const client = store.clients.get(consentRequest.clientId);
    sendHtml(res, 200, consentPage({
      scenario: sim.scenarioNamed(consentRequest.scenario),
      authHost,
      client,
      consentRequest,
      csrfToken: consentRequest.csrfToken,
    }), PAGE_SECURITY_HEADERS);
  }

  function issueAccessToken(grant) {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = signJwt({
      iss: `https://${grant.authHost}`,
      sub: grant.user.sub,
      aud: [RESOURCE_ID, grant.resource],
      scope: grant.scope,
      client_id: grant.clientId,
      iat: now,
      exp: now + LIFETIMES.accessToken / 1000,
      jti: `tkn_${randomDigits(17)}`,
    });
    store.tokens.set(accessToken, { ...grant });
    return accessToken;
  }

  async function decideConsent(req, res, authHost) {
    const form = await readForm(req);
    const consentRequest = store.consentRequests.get(form.request_id ?? '');
    if (!consentRequest || consentRequest.authHost !== authHost) return errorPage(res, 400, 'invalid_request');
    const hasSession = (req.headers.cookie ?? '').split(/;\s*/).some((c) => c.startsWith(`${SESSION_COOKIE}=`));
    if (form.csrf_token !== consentRequest.csrfToken || !hasSession) return errorPage(res, 403, 'invalid_request');
    store.consentRequests.delete(consentRequest.id);

    const scenario = sim.scenarioNamed(consentRequest.scenario);
    const issuer = issuerFor(authHost);
    const target = new URL(consentRequest.redirectUri);
    if (form.decision !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      if (consentRequest.clientState) target.searchParams.set('state', consentRequest.clientState);
      target.searchParams.set('iss', issuer);
    } else if (scenario.consentResponse === 'fragment-token') {
      const fragment = new URLSearchParams({
        access_token: issueAccessToken(consentRequest),
        token_type: 'Bearer',
        expires_in: String(LIFETIMES.accessToken / 1000),
        scope: consentRequest.scope,
      });
      if (consentRequest.clientState) fragment.set('state', consentRequest.clientState);
      target.hash = fragment.toString();
    } else {
      const code = randomToken(32);
      store.codes.set(code, { ...consentRequest });
      target.searchParams.set('code', code);
      if (consentRequest.clientState) target.searchParams.set('state', consentRequest.clientState);
      target.searchParams.set('iss', issuer);
    }
    redirect(res, 303, target.href, PAGE_SECURITY_HEADERS);
  }

  /** The token response of a grant; a refresh token too when offline_access was granted (rotated on use). */
  function tokenResponse(grant) {
    const response = {
      access_token: issueAccessToken(grant),
      token_type: 'Bearer',
      expires_in: LIFETIMES.accessToken / 1000,
      scope: grant.scope,
    };
    if (grant.scope.split(' ').includes('offline_access')) {
      response.refresh_token = randomToken(32);
      store.refreshTokens.set(response.refresh_token, { ...grant });
    }
    return response;
  }

  async function refresh(form, headers, fail, res) {
    const grant = store.refreshTokens.get(form.refresh_token ?? '');
    // Rotation: a refresh token works once; its successor comes with the new access token.
    store.refreshTokens.delete(form.refresh_token ?? '');
    if (!grant) return fail('invalid_grant', 'unknown, expired or used refresh token');
    if (form.client_id !== grant.clientId) return fail('invalid_grant', 'client_id does not match the refresh token');
    if (form.resource !== undefined && form.resource !== grant.resource) return fail('invalid_target', 'resource');
    return sendJson(res, 200, tokenResponse(grant), headers);
  }

  async function token(req, res) {
    const headers = { ...corsHeaders(req, CLIENT_ORIGIN), 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    const fail = (error, description) => sendJson(res, 400, { error, error_description: description }, headers);
    const form = await readForm(req);
    if (form.grant_type === 'refresh_token') return refresh(form, headers, fail, res);
    if (form.grant_type !== 'authorization_code') return fail('unsupported_grant_type', 'only authorization_code and refresh_token');
    const grant = store.codes.get(form.code ?? '');
    // One-time codes: the first lookup deletes it, a replay finds nothing (unless the scenario is lax).
    if (!grant || !sim.scenarioNamed(grant.scenario).acceptsReplayedCodes) store.codes.delete(form.code ?? '');
    if (!grant) return fail('invalid_grant', 'unknown, expired or reused code');
    if (form.client_id !== grant.clientId) return fail('invalid_grant', 'client_id does not match the code');
    if (form.redirect_uri !== grant.redirectUri) return fail('invalid_grant', 'redirect_uri does not match');
    if (form.resource !== undefined && form.resource !== grant.resource) return fail('invalid_target', 'resource');
    if (grant.codeChallenge) {
      const computed = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
      if (computed !== grant.codeChallenge) return fail('invalid_grant', 'code_verifier does not match');
    }
    sendJson(res, 200, tokenResponse(grant), headers);
  }

  return async function handleScalekit(req, res, { host: authHost, url }) {
    const { pathname } = url;
    const method = req.method;
    if (method === 'OPTIONS') return answerPreflight(req, res, CLIENT_ORIGIN);

    if (method === 'GET' && ASSETS[pathname]) {
      const asset = ASSETS[pathname];
      return send(res, 200, asset.body, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=3600' });
    }
    if (method === 'GET' && (pathname === `/.well-known/oauth-authorization-server${RESOURCE_PATH}`
      || pathname === `${RESOURCE_PATH}/.well-known/oauth-authorization-server`)) {
      return sendJson(res, 200, authorizationServerMetadata(authHost), corsHeaders(req, CLIENT_ORIGIN));
    }
    if (method === 'GET' && pathname === '/.well-known/openid-configuration') {
      return sendJson(res, 200, environmentOpenIdConfiguration(authHost), corsHeaders(req, CLIENT_ORIGIN));
    }
    if (method === 'GET' && pathname === '/keys') return sendJson(res, 200, { keys: [] }, corsHeaders(req, CLIENT_ORIGIN));
    if (method === 'POST' && pathname === REGISTRATION_PATH) return register(req, res, authHost);
    if (method === 'GET' && pathname === '/oauth/authorize') return authorize(req, res, authHost, url);
    const callback = pathname.match(PARTNER_CALLBACK);
    if (method === 'GET' && callback) return partnerCallback(req, res, authHost, url, callback[1]);
    if (method === 'GET' && pathname === '/oauth/consent') return showConsent(req, res, authHost, url);
    if (method === 'POST' && pathname === '/oauth/consent') return decideConsent(req, res, authHost);
    if (method === 'POST' && pathname === '/oauth/token') return token(req, res);
    if (method === 'GET' && pathname === '/a/auth/error') {
      return errorPage(res, 400, url.searchParams.get('error') || 'unknown_error');
    }
    return notFound(res, corsHeaders(req, CLIENT_ORIGIN));
  };
}

/**
 * The customer's backend telling Scalekit who signed in (BYOA step 2). In reality a server-to-server
 * POST {env}/api/v1/connections/{conn}/auth-requests/{lri}/user; here a direct call, because the only
 * thing that matters to a browser-side observer is that the browser never makes it.
 */
export function recordLoginUser(store, loginRequestId, user) {
  const loginRequest = store.loginRequests.get(loginRequestId);
  if (!loginRequest) return null;
  loginRequest.user = user;
  return loginRequest;
}

/** Used by the login host to know where to send the browser back. */
export function partnerCallbackUrl(authHost) {
  return `https://${authHost}/sso/v1/connections/${CONNECTION_ID}/partner:callback`;
}

