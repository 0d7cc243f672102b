// The simulated environment: one HTTPS and one HTTP listener on 127.0.0.1 that route on the Host header
// to the MCP server, Scalekit (three possible hosts), the customer's login service and the browser client.
// Chromium reaches them through --host-resolver-rules, so pages show clean URLs like https://auth.acme.test/.

import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { ALL_HOSTNAMES, AUTH_HOSTS, HOSTS, SCENARIO_HEADER } from './constants.mjs';
import { createTestPki } from './certs.mjs';
import { send } from './http.mjs';
import { createTokenSigner } from './jwt.mjs';
import { SCENARIOS, scenarioNamed } from './scenarios.mjs';
import { SimStore } from './store.mjs';
import { createClientHost } from './hosts/client.mjs';
import { createLoginHost } from './hosts/login.mjs';
import { createMcpHost } from './hosts/mcp.mjs';
import { createScalekitHost } from './hosts/scalekit.mjs';
import { createVendorCdnHost } from './hosts/cdn.mjs';

/**
 * One args element for Chromium: every simulated host on :443 goes to the HTTPS listener and on :80 to
 * the HTTP one; anything else fails to resolve, so a test can never reach past loopback.
 */
export function hostResolverRules({ httpsPort, httpPort }) {
  const rules = ALL_HOSTNAMES.flatMap((host) => [
    `MAP ${host}:443 127.0.0.1:${httpsPort}`,
    `MAP ${host}:80 127.0.0.1:${httpPort}`,
  ]);
  rules.push('MAP * ~NOTFOUND', 'EXCLUDE localhost', 'EXCLUDE 127.0.0.1');
  return `--host-resolver-rules=${rules.join(', ')}`;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/**
 * Starts the simulator. Ports default to 0 (free ports), so concurrent runs on one machine don't clash.
 * Returns { httpsPort, httpPort, caPath, homeDir, hostResolverRules, defaultScenario, close() }.
 */
export async function startSimServer({ runDir, httpsPort = 0, httpPort = 0, defaultScenario = 'good', log = () => {} }) {
  scenarioNamed(defaultScenario);
  const pki = createTestPki(runDir, ALL_HOSTNAMES);

  const sim = {
    store: new SimStore(),
    signJwt: createTokenSigner(),
    scenarioNamed,
    defaultScenario,
    /** The scenario of this name, or null. */
    scenarioCalled: (name) => SCENARIOS[name] ?? null,
    /** The scenario a pre-registration request asks for; the default one when it names none. */
    scenarioFromRequest(req) {
      const name = req.headers[SCENARIO_HEADER.toLowerCase()];
      return SCENARIOS[name] ?? scenarioNamed(defaultScenario);
    },
  };

  const handlers = new Map([
    [HOSTS.mcp, createMcpHost(sim)],
    [HOSTS.login, createLoginHost(sim)],
    [HOSTS.client, createClientHost(sim)],
    [HOSTS.vendorCdn, createVendorCdnHost()],
    ...AUTH_HOSTS.map((host) => [host, createScalekitHost(sim)]),
  ]);

  function handlerFor(scheme) {
    return async (req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      const url = new URL(req.url, `${scheme}://${host || 'invalid'}`);
      log(`${req.method} ${scheme}://${host}${req.url}`);
      try {
        if (scheme === 'http' && host !== HOSTS.login) {
          // Only the login service is reachable over plain HTTP (http-hop scenario); the rest upgrades.
          return send(res, 301, '', { Location: `https://${host}${req.url}` });
        }
        const handle = handlers.get(host);
        if (!handle) return send(res, 421, `no simulated host ${host}\n`, { 'Content-Type': 'text/plain' });
        await handle(req, res, { host, url });
      } catch (error) {
        log(`error: ${error.stack ?? error}`);
        if (!res.headersSent) send(res, 500, 'simulator error\n', { 'Content-Type': 'text/plain' });
        else res.destroy();
      }
    };
  }

  const httpsServer = createHttpsServer({ key: pki.key, cert: pki.cert }, handlerFor('https'));
  const httpServer = createHttpServer(handlerFor('http'));
  const ports = {
    httpsPort: await listen(httpsServer, httpsPort),
    httpPort: await listen(httpServer, httpPort),
  };

  return {
    ...ports,
    caPath: pki.caPath,
    homeDir: pki.homeDir,
    defaultScenario,
    hostResolverRules: hostResolverRules(ports),
    async close() {
      for (const server of [httpsServer, httpServer]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
