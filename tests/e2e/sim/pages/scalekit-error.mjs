// Scalekit's hosted error page (/a/auth/error), and the plain error page shown instead of a redirect
// when the client_id or redirect_uri cannot be trusted (OAuth 2.1: the AS must not redirect then).

import { html } from '../http.mjs';

const DESCRIPTIONS = {
  invalid_state: 'The login request could not be matched to its state. It may have expired or been altered.',
  invalid_client: 'The client_id is not registered for this resource.',
  invalid_redirect_uri: 'The redirect_uri does not match any registered redirect URI.',
  unknown_connection: 'The connection ID is invalid.',
  login_not_completed: 'The login service did not report a user for this login request.',
  invalid_request: 'The request is missing a parameter or has an invalid one.',
};

export function scalekitErrorPage(errorCode) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Something went wrong</title><link rel="icon" href="/favicon.ico"></head>
<body data-page="scalekit-error" data-error="${errorCode}">
<main>
  <h1>Something went wrong</h1>
  <p id="error-code">${errorCode}</p>
  <p id="error-description">${DESCRIPTIONS[errorCode] ?? 'Please try again.'}</p>
</main>
</body>
</html>
`;
}
