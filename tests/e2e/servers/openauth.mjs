// OpenAuth (npm `@openauthjs/openauth`, installed unmodified) with its passwordless code
// provider: an email form, then a one-time-code form, then the redirect to the client, and no
// consent page. It answers `response_type=code` (PKCE) and `response_type=token` (the implicit
// flow: tokens and state in the fragment).
//
//   start({ tls, theme, allowedRedirectHosts }) -> { url, port, codeFor(email), stop() }
//
// The codes it "sends" are handed to the test: codeFor(email) resolves to the last one for that
// address. theme: OpenAuth's theme (title, logo, favicon, colors); acmeNotesTheme() points at
// assets this launcher serves under /brand/, so the pages are branded without another host.

import { issuer } from '@openauthjs/openauth';
import { CodeProvider } from '@openauthjs/openauth/provider/code';
import { MemoryStorage } from '@openauthjs/openauth/storage/memory';
import { CodeUI } from '@openauthjs/openauth/ui/code';
import { getRequestListener } from '@hono/node-server';
import { fileURLToPath } from 'node:url';
import {
  announce, forkServer, isServing, serve, serverOptions,
} from './listen.mjs';

export async function start(options = {}) {
  const server = await forkServer(fileURLToPath(import.meta.url), options);
  const codes = new Map();
  server.on('code', ({ email, code }) => codes.set(email, code));
  return {
    url: server.origin,
    port: server.port,
    /** The last code sent to `email`, once it was sent. */
    async codeFor(email, { timeout = 10_000 } = {}) {
      const deadline = Date.now() + timeout;
      while (!codes.has(email)) {
        if (Date.now() > deadline) throw new Error(`no code was sent to ${email}`);
        await new Promise((resolve) => { setTimeout(resolve, 20); });
      }
      return codes.get(email);
    },
    stop: server.stop,
  };
}

/** A theme for the launcher's /brand/ assets (logo in both color schemes, favicon). */
export function acmeNotesTheme(origin) {
  return {
    title: 'Acme Notes',
    logo: { light: `${origin}/brand/acme-notes-logo-light.svg`, dark: `${origin}/brand/acme-notes-logo-dark.svg` },
    favicon: `${origin}/brand/favicon.svg`,
    primary: '#0a66c2',
    background: { light: '#ffffff', dark: '#0b1540' },
    radius: 'md',
  };
}

/** A Standard Schema that accepts any object: the subject's shape is not what is tested. */
const anyObject = {
  '~standard': { version: 1, vendor: 'flowlens-e2e', validate: (value) => ({ value }) },
};

const LOGO = (color) => '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
  + `<rect width="40" height="40" rx="8" fill="${color}"/><text x="50" y="27" font-family="sans-serif" `
  + `font-size="20" fill="${color}">Acme Notes</text></svg>`;
const ICON = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" rx="6" fill="#0a66c2"/></svg>';
const BRAND_ASSETS = new Map([
  ['/brand/acme-notes-logo-light.svg', LOGO('#0b1540')],
  ['/brand/acme-notes-logo-dark.svg', LOGO('#ffffff')],
  ['/brand/favicon.svg', ICON],
]);

async function main() {
  const { host, port, tls, theme, allowedRedirectHosts } = serverOptions();
  const app = issuer({
    subjects: { user: anyObject },
    storage: MemoryStorage(),
    theme,
    providers: {
      code: CodeProvider(CodeUI({
        sendCode: async (claims, code) => { process.send?.({ type: 'code', email: claims.email, code }); },
      })),
    },
    allow: async ({ redirectURI }) => !allowedRedirectHosts
      || allowedRedirectHosts.includes(new URL(redirectURI).hostname),
    success: async (ctx, value) => ctx.subject('user', { email: value.claims.email }),
  });
  const listener = getRequestListener(async (request) => {
    const asset = BRAND_ASSETS.get(new URL(request.url).pathname);
    if (asset) {
      return new Response(asset, { headers: { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store' } });
    }
    return app.fetch(request);
  });
  announce(await serve(listener, { host, port, tls }));
}

if (isServing()) await main();
