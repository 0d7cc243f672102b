// The customer's MCP server at mcp.acme.test (Streamable HTTP): Protected Resource Metadata pointing at
// the scenario's Scalekit host, a 401 challenge without a token (with error="invalid_token" for a token
// it refuses), and JSON-RPC with a valid one: initialize opens a session (Mcp-Session-Id), tools/list
// lists the calendar tools, DELETE ends the session.
//
// A session is state, never a credential: every request must carry a valid token, and a session
// belongs to the user who opened it (it survives a token refresh). The lax-tokens scenario breaks all of
// that on purpose: it accepts any well-formed JWT (no signature, no expiry check) and a known session id
// without a token.

import { randomUUID } from 'node:crypto';
import {
  CLIENT_ORIGIN, MCP_RESOURCE, PRM_URL, RESOURCE_ID, SCOPE, TEST_USER, issuerFor,
} from '../constants.mjs';
import { answerPreflight, corsHeaders, notFound, readJson, send, sendJson } from '../http.mjs';

/**
 * The 401 challenge. A scenario other than the simulator's default names itself in the
 * metadata URL, as a multi-tenant server would name the tenant: the metadata then answers for
 * that scenario to anyone, a client with the scenario header or not (the extension re-reads
 * the document without it).
 */
function challenge(scenario, defaultScenario) {
  const url = scenario.name === defaultScenario ? PRM_URL : `${PRM_URL}?scenario=${encodeURIComponent(scenario.name)}`;
  return `Bearer realm="OAuth", resource_metadata="${url}", scope="${SCOPE}"`;
}
const invalidTokenChallenge = (description) =>
  `Bearer realm="OAuth", error="invalid_token", error_description="${description}", resource_metadata="${PRM_URL}"`;

const TOOLS = Object.freeze([
  { name: 'list_events', description: 'List the events of a calendar', inputSchema: { type: 'object', properties: { day: { type: 'string' } } } },
  { name: 'create_event', description: 'Create an event', inputSchema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } },
]);

/** The claims of a JWT, unverified (what a careless server trusts). */
function unverifiedClaims(token) {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

export function createMcpHost(sim) {
  const { store } = sim;
  /** Mcp-Session-Id → { sub, scenario } */
  const sessions = new Map();

  function protectedResourceMetadata(req, res, url) {
    const scenario = sim.scenarioCalled(url.searchParams.get('scenario')) ?? sim.scenarioFromRequest(req);
    sendJson(res, 200, {
      resource: MCP_RESOURCE,
      authorization_servers: [issuerFor(scenario.authHost)],
      scopes_supported: [SCOPE],
      bearer_methods_supported: ['header'],
    }, corsHeaders(req, CLIENT_ORIGIN));
  }

  /** The scenario a token speaks for: its grant's, or (for a token the server never issued) its client's. */
  function scenarioOfToken(token) {
    const grant = store.tokens.get(token);
    if (grant) return sim.scenarioNamed(grant.scenario);
    const client = store.clients.get(unverifiedClaims(token)?.client_id ?? '');
    return client ? sim.scenarioNamed(client.scenario) : null;
  }

  /** { grant } for a valid token, { error } for a refused one, {} without one. */
  function authenticate(req) {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return {};
    const token = match[1];
    const grant = store.tokens.get(token);
    // Audience binding: the token must have been issued for this resource.
    if (grant && grant.resource === MCP_RESOURCE) return { grant };
    const scenario = scenarioOfToken(token);
    if (scenario?.mcpTrustsUnverifiedJwts) {
      const claims = unverifiedClaims(token);
      if (claims?.sub) return { grant: { user: { sub: claims.sub, email: TEST_USER.email }, scope: claims.scope, scenario: scenario.name } };
    }
    return { error: grant ? 'the token was issued for another resource' : 'the token is invalid or expired' };
  }

  async function rpc(req, res) {
    const cors = corsHeaders(req, CLIENT_ORIGIN);
    const sessionId = req.headers['mcp-session-id'];
    const session = sessionId ? sessions.get(sessionId) : undefined;
    let { grant, error } = authenticate(req);
    if (!grant && session && !error && sim.scenarioNamed(session.scenario).mcpSessionsAuthenticate) {
      grant = { user: { sub: session.sub, email: TEST_USER.email }, scope: SCOPE, scenario: session.scenario };
    }
    if (!grant) {
      return sendJson(res, 401, {
        jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Unauthorized' },
      }, { ...cors, 'WWW-Authenticate': error ? invalidTokenChallenge(error) : challenge(sim.scenarioFromRequest(req), sim.defaultScenario) });
    }
    if (sessionId && (!session || session.sub !== grant.user.sub)) {
      return sendJson(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }, cors);
    }
    let request;
    try {
      request = await readJson(req);
    } catch {
      return sendJson(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, cors);
    }
    if (request.id === undefined) return send(res, 202, '', cors); // a notification
    const answer = (result, headers = {}) => sendJson(res, 200, { jsonrpc: '2.0', id: request.id, result }, { ...cors, ...headers });
    switch (request.method) {
      case 'initialize': {
        const id = randomUUID();
        sessions.set(id, { sub: grant.user.sub, scenario: grant.scenario });
        return answer({
          protocolVersion: request.params?.protocolVersion ?? '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'acme-calendar', version: '1.0.0' },
          instructions: `authorized as ${grant.user?.email ?? TEST_USER.email} for ${grant.scope} on ${RESOURCE_ID}`,
        }, { 'Mcp-Session-Id': id });
      }
      case 'tools/list':
        return answer({ tools: TOOLS });
      default:
        return sendJson(res, 200, { jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'Method not found' } }, cors);
    }
  }

  function endSession(req, res) {
    const { grant } = authenticate(req);
    const session = sessions.get(req.headers['mcp-session-id'] ?? '');
    if (!grant) return sendJson(res, 401, { error: 'unauthorized' }, { 'WWW-Authenticate': challenge(sim.scenarioFromRequest(req), sim.defaultScenario) });
    if (!session || session.sub !== grant.user.sub) return sendJson(res, 404, { error: 'session not found' });
    sessions.delete(req.headers['mcp-session-id']);
    return send(res, 204, '');
  }

  return async function handleMcp(req, res, { url }) {
    if (req.method === 'OPTIONS') return answerPreflight(req, res, CLIENT_ORIGIN);
    if (req.method === 'GET' && url.pathname === '/.well-known/oauth-protected-resource/mcp') {
      return protectedResourceMetadata(req, res, url);
    }
    if (req.method === 'POST' && url.pathname === '/mcp') return rpc(req, res);
    if (req.method === 'DELETE' && url.pathname === '/mcp') return endSession(req, res);
    return notFound(res, corsHeaders(req, CLIENT_ORIGIN));
  };
}
