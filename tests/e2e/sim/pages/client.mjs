// Pages of the browser-side MCP client at app.acme.test. The logic lives in ../client/oauth-client.js,
// served as a module that runs the step matching the page's data-page; the pages carry no inline script.

import { html } from '../http.mjs';

function clientPage({ page, title }) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body data-page="${page}">
<h1>${title}</h1>
<p id="status">Working…</p>
<pre id="result"></pre>
<script type="module" src="/oauth-client.js"></script>
</body>
</html>
`;
}

export const clientStartPage = () => clientPage({ page: 'client-start', title: 'Acme MCP client' });
export const clientCallbackPage = () => clientPage({ page: 'client-callback', title: 'Acme MCP client: finishing sign-in' });
