// The real open-source authorization servers of the e2e environment, on their own hostnames over
// trusted HTTPS (a leaf certificate from the run's test CA), with the browser-based client of
// client.mjs. Chromium reaches them through the host map given to launchBrowser({ hostMap }).
//
//   oidc-provider  https://id.oidc.test      client https://app.oidc.test
//   OpenAuth       https://auth.notes.test   client https://app.notes.test
//
// The simulator stays for Scalekit's own shapes (BYOA, partner callback, vendor domains).

import path from 'node:path';
import { issueLeaf } from '../sim/certs.mjs';
import { RUN_DIR } from '../harness.mjs';
import * as oidcProvider from '../servers/oidc-provider.mjs';
import * as openauth from '../servers/openauth.mjs';
import { startClient } from './client.mjs';

export const REAL_HOSTS = Object.freeze({
  oidcProvider: 'id.oidc.test',
  oidcClient: 'app.oidc.test',
  openauth: 'auth.notes.test',
  openauthClient: 'app.notes.test',
});

/** The client id both servers know the test client by. */
export const CLIENT_ID = 'acme-notes-web';
/** The resource (an MCP server URL) the oidc-provider client asks for. */
export const OIDC_RESOURCE = 'https://mcp.oidc.test/mcp';
/** The resource the OpenAuth client names (OpenAuth itself ignores `resource`). */
export const NOTES_RESOURCE = 'https://mcp.notes.test/mcp';
export const TEST_EMAIL = 'alice@acme.test';

/**
 * Starts both servers and the client. Returns { hostMap, oidc: {issuer, clientStart(opts)},
 * openauth: {issuer, codeFor(email), clientStart(opts)}, stop() }.
 */
export async function startRealServers() {
  const tlsFiles = { keyPath: path.join(RUN_DIR, 'pki', 'real.key'), certPath: path.join(RUN_DIR, 'pki', 'real.pem') };
  const tls = issueLeaf(RUN_DIR, 'real', Object.values(REAL_HOSTS));
  const oidcIssuer = `https://${REAL_HOSTS.oidcProvider}`;
  const openauthIssuer = `https://${REAL_HOSTS.openauth}`;
  const oidcClientOrigin = `https://${REAL_HOSTS.oidcClient}`;
  const openauthClientOrigin = `https://${REAL_HOSTS.openauthClient}`;
  const [oidc, notes, client] = await Promise.all([
    oidcProvider.start({
      tls: tlsFiles,
      publicUrl: oidcIssuer,
      resource: OIDC_RESOURCE,
      clients: [{
        client_id: CLIENT_ID,
        client_name: 'Acme Notes',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${oidcClientOrigin}/callback`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      }],
    }),
    openauth.start({
      tls: tlsFiles,
      theme: openauth.acmeNotesTheme(openauthIssuer),
      allowedRedirectHosts: [REAL_HOSTS.openauthClient],
    }),
    startClient({ tls }),
  ]);
  const start = (origin, params) => `${origin}/?${new URLSearchParams(params)}`;
  return {
    hostMap: [
      [REAL_HOSTS.oidcProvider, oidc.port],
      [REAL_HOSTS.openauth, notes.port],
      [REAL_HOSTS.oidcClient, client.port],
      [REAL_HOSTS.openauthClient, client.port],
    ],
    oidc: {
      issuer: oidcIssuer,
      clientStart: (extra = {}) => start(oidcClientOrigin, {
        issuer: oidcIssuer, app: CLIENT_ID, scopes: 'openid profile email', audience: OIDC_RESOURCE, ...extra,
      }),
    },
    openauth: {
      issuer: openauthIssuer,
      codeFor: (email) => notes.codeFor(email),
      clientStart: (extra = {}) => start(openauthClientOrigin, {
        issuer: openauthIssuer, app: CLIENT_ID, audience: NOTES_RESOURCE, ...extra,
      }),
    },
    async stop() {
      await Promise.all([oidc.stop(), notes.stop(), client.stop()]);
    },
  };
}
