// The customer's own login page (BYOA "Login Endpoint URL"). It posts to its own backend, which tells
// Scalekit who signed in (server to server) and sends the browser back to Scalekit.

import { html } from '../http.mjs';

export function loginPage({ loginRequestId, state }) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in · Acme</title></head>
<body data-page="login">
<main>
  <h1>Sign in to Acme</h1>
  <form method="post" action="/login/submit" id="login-form">
    <label>Email <input type="email" name="email" id="email" autocomplete="username" required></label>
    <label>Password <input type="password" name="password" id="password" autocomplete="current-password" required></label>
    <input type="hidden" name="login_request_id" value="${loginRequestId}">
    <input type="hidden" name="state" value="${state}">
    <button type="submit" id="sign-in">Sign in</button>
  </form>
</main>
</body>
</html>
`;
}

export function loginRejectedPage(missing) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Bad request · Acme</title></head>
<body data-page="login-rejected" data-missing="${missing.join(' ')}">
<main>
  <h1>Bad request</h1>
  <p id="login-error">Missing ${missing.join(' and ')}.</p>
</main>
</body>
</html>
`;
}
