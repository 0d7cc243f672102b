// panva's oidc-provider (npm `oidc-provider`, installed unmodified), with its own development
// sign-in and consent pages (devInteractions): a standard OpenID provider that is not Scalekit.
//
//   start({ publicUrl, tls, clients, resource }) -> { url, issuer, port, stop() }
//
// publicUrl: the issuer as the browser sees it (https://id.oidc.test, mapped to this port by
// Chromium's host rules); default http://127.0.0.1:<port>. tls: {keyPath, certPath}.
// clients: oidc-provider client metadata (public clients use PKCE, the provider's default).
// resource: an MCP-style resource server URL; the provider then issues JWT access tokens for
// it (RFC 8707) and its consent page lists it with `scope`.

import { fileURLToPath } from 'node:url';
import {
  announce, forkServer, isServing, serve, serverOptions,
} from './listen.mjs';

export async function start(options = {}) {
  const server = await forkServer(fileURLToPath(import.meta.url), options);
  const issuer = options.publicUrl ?? server.origin;
  return { url: issuer, issuer, port: server.port, stop: server.stop };
}

async function main() {
  // Imported here, in the server's process only (it warns about the Node version on import).
  const { default: Provider } = await import('oidc-provider');
  const {
    host, port, tls, publicUrl, clients = [], resource, scope = 'mcp:tools',
  } = serverOptions();
  let provider = null;
  const running = await serve((req, res) => provider.callback()(req, res), { host, port, tls });
  provider = new Provider(publicUrl ?? running.origin, {
    clients,
    // Only for tests: a fixed cookie key.
    cookies: { keys: ['flowlens-e2e-only'] },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: Boolean(resource),
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope, audience: resource, accessTokenTTL: 600, accessTokenFormat: 'jwt' }),
      },
    },
  });
  announce(running);
}

if (isServing()) await main();
