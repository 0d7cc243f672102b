// The customer's BYOA login service at login.acme.test (served over HTTPS, and over plain HTTP for the
// http-hop scenario). GET /login shows the form; POST /login/submit reports the user to Scalekit
// server-side and sends the browser back to Scalekit's partner:callback with the state — which a
// scenario may damage on the way.

import { TEST_USER } from '../constants.mjs';
import { ACME_FAVICON } from '../assets.mjs';
import { notFound, readForm, redirect, send, sendHtml } from '../http.mjs';
import { loginPage, loginRejectedPage } from '../pages/login.mjs';
import { partnerCallbackUrl, recordLoginUser } from './scalekit.mjs';

/** Changes one character in the middle to another base64url character. */
function alterOneCharacter(state) {
  const i = Math.floor(state.length / 2);
  const replacement = state[i] === 'A' ? 'B' : 'A';
  return state.slice(0, i) + replacement + state.slice(i + 1);
}

function returnedStateQuery(state, damage) {
  switch (damage) {
    case 'altered':
      return `state=${encodeURIComponent(alterOneCharacter(state))}`;
    case 'double-encoded':
      return `state=${encodeURIComponent(encodeURIComponent(state))}`;
    default:
      return `state=${encodeURIComponent(state)}`;
  }
}

export function createLoginHost(sim) {
  const { store } = sim;

  function showLogin(req, res, url) {
    const loginRequestId = url.searchParams.get('login_request_id');
    const state = url.searchParams.get('state');
    const missing = [!loginRequestId && 'login_request_id', !state && 'state'].filter(Boolean);
    // Same behaviour as Scalekit's BYOA demo handler: both parameters or 400.
    if (missing.length > 0) return sendHtml(res, 400, loginRejectedPage(missing));
    sendHtml(res, 200, loginPage({ loginRequestId, state }), { 'Cache-Control': 'no-store' });
  }

  async function submitLogin(req, res) {
    const form = await readForm(req);
    const missing = ['login_request_id', 'state'].filter((name) => !form[name]);
    if (missing.length > 0) return sendHtml(res, 400, loginRejectedPage(missing));
    // Any password is accepted: the sim's login service exists to produce the redirects, not to guard.
    const user = { sub: TEST_USER.sub, email: form.email || TEST_USER.email };
    const loginRequest = recordLoginUser(store, form.login_request_id, user);
    if (!loginRequest) return sendHtml(res, 400, loginRejectedPage(['a valid login_request_id']));
    const scenario = sim.scenarioNamed(loginRequest.scenario);
    const target = `${partnerCallbackUrl(loginRequest.authHost)}?${returnedStateQuery(form.state, scenario.stateOnReturn)}`;
    // 303 after a credential POST, never 307 (RFC 9700 §4.12).
    redirect(res, 303, target, { 'Cache-Control': 'no-store' });
  }

  return async function handleLogin(req, res, { url }) {
    if (req.method === 'GET' && url.pathname === '/login') return showLogin(req, res, url);
    if (req.method === 'POST' && url.pathname === '/login/submit') return submitLogin(req, res);
    if (req.method === 'GET' && url.pathname === '/favicon.ico') {
      return send(res, 200, ACME_FAVICON.body, { 'Content-Type': ACME_FAVICON.type });
    }
    return notFound(res);
  };
}
