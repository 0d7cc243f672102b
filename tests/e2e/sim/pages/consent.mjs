// Scalekit's hosted consent page as the scenario configures it. Every value that comes from
// configuration or from the client (server name, client name, e-mail) goes through html``, which escapes
// it: the xss-name scenario checks exactly that the payload shows up as text.

import { html, raw } from '../http.mjs';
import { MISSING_FAVICON_PATH } from '../assets.mjs';

const SCOPE_DESCRIPTIONS = {
  'calendar:read': 'Read your calendars and events',
  offline_access: 'Stay connected when you are away (refresh tokens)',
};

export function consentPage({ scenario, authHost, client, consentRequest, csrfToken }) {
  const { branding, serverName } = scenario;
  const faviconHref = scenario.faviconBroken ? MISSING_FAVICON_PATH : branding.faviconHref;
  const redirectHost = new URL(consentRequest.redirectUri).host;
  const scopes = consentRequest.scope ? consentRequest.scope.split(' ') : [];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${branding.title(serverName)}</title>
<link rel="icon" href="${faviconHref}">
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: ${raw(branding.backgroundColor)}; color: #18181b; }
  main { max-width: 28rem; margin: 4rem auto; background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  .logo { height: 48px; }
  .primary { background: ${raw(branding.primaryColor)}; color: ${raw(branding.primaryTextColor)}; border: 0;
             border-radius: 8px; padding: .6rem 1.4rem; font-size: 1rem; }
  .secondary { background: transparent; border: 1px solid #d4d4d8; border-radius: 8px; padding: .6rem 1.4rem;
               font-size: 1rem; }
  .powered-by { text-align: center; color: #71717a; font-size: .8rem; margin-top: 1rem; }
</style>
</head>
<body data-page="consent" data-branding="${branding.kind}">
<main>
  <img class="logo" id="logo" src="${branding.logoSrc}" alt="${branding.logoAlt}">
  <h1><span id="client-name">${client.clientName}</span> wants to access
    <span id="server-name">${serverName}</span></h1>
  <p>Signed in as <strong id="user-email">${consentRequest.user.email}</strong>.
     After you allow it you will be sent to <strong id="redirect-host">${redirectHost}</strong>.</p>
  <p>Requested by <strong id="environment-domain">${authHost}</strong>.</p>
  <ul id="scopes">
    ${scopes.map((scope) => html`<li><code>${scope}</code> ${SCOPE_DESCRIPTIONS[scope] ?? ''}</li>`)}
  </ul>
  <form method="post" action="/oauth/consent" id="consent-form">
    <input type="hidden" name="request_id" value="${consentRequest.id}">
    <input type="hidden" name="csrf_token" value="${csrfToken}">
    <button type="submit" class="secondary" name="decision" value="deny" id="deny">Deny</button>
    <button type="submit" class="primary" name="decision" value="allow" id="allow">Allow</button>
  </form>
</main>
${scenario.poweredByFooter ? html`<footer class="powered-by" id="powered-by">Powered by Scalekit</footer>` : ''}
</body>
</html>
`;
}
