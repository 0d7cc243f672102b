// The customer's MCP server at mcp.acme.test: Protected Resource Metadata pointing at the scenario's
// Scalekit host, a 401 challenge without a token, and a JSON-RPC answer with a valid one.

import {
  CLIENT_ORIGIN, MCP_RESOURCE, PRM_URL, RESOURCE_ID, SCOPE, TEST_USER, issuerFor,
} from '../constants.mjs';
import { answerPreflight, corsHeaders, notFound, readJson, sendJson } from '../http.mjs';

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

export function createMcpHost(sim) {
  const { store } = sim;

  function protectedResourceMetadata(req, res, url) {
    const scenario = sim.scenarioCalled(url.searchParams.get('scenario')) ?? sim.scenarioFromRequest(req);
    sendJson(res, 200, {
      resource: MCP_RESOURCE,
      authorization_servers: [issuerFor(scenario.authHost)],
      scopes_supported: [SCOPE],
      bearer_methods_supported: ['header'],
    }, corsHeaders(req, CLIENT_ORIGIN));
  }

  function validToken(req) {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return null;
    const grant = store.tokens.get(match[1]);
    // Audience binding: the token must have been issued for this resource.
    return grant && grant.resource === MCP_RESOURCE ? grant : null;
  }

  async function rpc(req, res) {
    const cors = corsHeaders(req, CLIENT_ORIGIN);
    const grant = validToken(req);
    if (!grant) {
      return sendJson(res, 401, {
        jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Unauthorized' },
      }, { ...cors, 'WWW-Authenticate': challenge(sim.scenarioFromRequest(req), sim.defaultScenario) });
    }
    let request;
    try {
      request = await readJson(req);
    } catch {
      return sendJson(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, cors);
    }
    sendJson(res, 200, {
      jsonrpc: '2.0',
      id: request.id ?? null,
      result: {
        protocolVersion: request.params?.protocolVersion ?? '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'acme-calendar', version: '1.0.0' },
        instructions: `authorized as ${grant.user?.email ?? TEST_USER.email} for ${grant.scope} on ${RESOURCE_ID}`,
      },
    }, cors);
  }

  return async function handleMcp(req, res, { url }) {
    if (req.method === 'OPTIONS') return answerPreflight(req, res, CLIENT_ORIGIN);
    if (req.method === 'GET' && url.pathname === '/.well-known/oauth-protected-resource/mcp') {
      return protectedResourceMetadata(req, res, url);
    }
    if (req.method === 'POST' && url.pathname === '/mcp') return rpc(req, res);
    return notFound(res, corsHeaders(req, CLIENT_ORIGIN));
  };
}
