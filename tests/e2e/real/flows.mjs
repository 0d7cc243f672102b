// Real flows through the real servers, as a user goes through them in headless Chromium.
// `beforeEach(stage)` runs on every page the user acts on before acting (the extension specs
// wait there for the page snapshot, as a user spends seconds on a page).

/** oidc-provider: its sign-in page (any login and password), then its consent page. */
export async function oidcProviderFlow(page, env, { responseMode, beforeAction = async () => {} } = {}) {
  await page.goto(env.oidc.clientStart(responseMode ? { mode: responseMode } : {}));
  await page.waitForSelector('input[name="password"]');
  await beforeAction('sign-in', page);
  await page.fill('input[name="login"]', 'alice');
  await page.fill('input[name="password"]', 'correct horse battery staple');
  await page.click('button[type="submit"]', { noWaitAfter: true });
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  await beforeAction('consent', page);
  await page.click('button[type="submit"]', { noWaitAfter: true });
  return finished(page);
}

/** OpenAuth's passwordless sign-in: the email form, then the one-time-code form. */
export async function openauthFlow(page, env, { responseType = 'code', email = 'alice@acme.test', beforeAction = async () => {} } = {}) {
  await page.goto(env.openauth.clientStart({ type: responseType }));
  await page.waitForSelector('input[name="email"]');
  await beforeAction('email', page);
  await page.fill('input[name="email"]', email);
  await page.click('button[data-component="button"]', { noWaitAfter: true });
  await page.waitForSelector('input[autocomplete="one-time-code"]');
  await beforeAction('code', page);
  await page.fill('input[autocomplete="one-time-code"]', await env.openauth.codeFor(email));
  await page.click('form:has(input[name="code"]) button[data-component="button"]', { noWaitAfter: true });
  return finished(page);
}

async function finished(page) {
  const body = await page.waitForSelector('body[data-done]', { state: 'attached', timeout: 30_000 });
  return { done: await body.getAttribute('data-done'), result: await page.textContent('#result'), url: page.url() };
}
