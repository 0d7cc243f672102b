// Walks a simulated scenario's flow through its pages as a user would (sign in, consent), on the
// page interface of page.mjs, so the same walk runs in Chromium and in Firefox. harness.mjs's
// runFlow adds what only Playwright observes (every main-frame response, committed URLs).

import { CLIENT_ORIGIN, TEST_USER } from '../sim/constants.mjs';
import { scenarioNamed } from '../sim/scenarios.mjs';

/** The client page that starts a scenario's flow. */
export function clientStartUrl(scenario) {
  return `${CLIENT_ORIGIN}/?scenario=${encodeURIComponent(scenario)}`;
}

// Pages where a flow rests: either the test has to act (login, consent) or the flow is over.
const STAGE_SELECTORS = {
  login: 'body[data-page="login"]',
  'login-rejected': 'body[data-page="login-rejected"]',
  consent: 'body[data-page="consent"]',
  'scalekit-error': 'body[data-page="scalekit-error"]',
  done: 'body[data-done]',
};

/** The stage a page shows, with its `<body>` data attributes, or null while it shows none. */
function stageShown(page, selector) {
  return page.evaluate((wanted) => {
    const body = document.querySelector(wanted);
    return body ? { ...body.dataset } : null;
  }, selector).catch(() => null); // the document was replaced while it was read
}

async function waitForStage(page, stages, { timeout, failures }) {
  const selector = stages.map((stage) => STAGE_SELECTORS[stage]).join(', ');
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = deadline - Date.now();
    await Promise.race([page.waitFor(selector, { timeout: Math.max(left, 1) }), failures.promise]).catch((error) => {
      throw new Error(`flow stuck waiting for ${stages.join(' | ')} at ${page.url()}: ${error.message}`);
    });
    const data = await stageShown(page, selector);
    if (data) return data.done ? { stage: 'done', ...data } : { stage: data.page, ...data };
  }
}

function readConsentFacts(page) {
  return page.evaluate(() => {
    const text = (selector) => document.querySelector(selector)?.textContent ?? null;
    return {
      url: location.href,
      title: document.title,
      serverName: text('#server-name'),
      clientName: text('#client-name'),
      redirectHost: text('#redirect-host'),
      environmentDomain: text('#environment-domain'),
      faviconHref: document.querySelector('link[rel~="icon"]')?.href ?? null,
      logoSrc: document.querySelector('#logo')?.src ?? null,
      poweredBy: Boolean(document.querySelector('#powered-by')),
      branding: document.body.dataset.branding,
      backgroundColor: getComputedStyle(document.body).backgroundColor,
      primaryButtonColor: getComputedStyle(document.querySelector('#allow')).backgroundColor,
    };
  });
}

/**
 * Runs a scenario's flow on `page` (a page.mjs interface) from the client start page to where it
 * ends: the MCP result on the client callback, Scalekit's error page, or the login page's 400.
 * Options:
 *   decision   'allow' (default) or 'deny' on the consent page
 *   onConsent  async (consentFacts) => {}: called on the consent page before deciding
 *   stopAt     'consent': return on the consent page without deciding
 *   timeout    per stage, in ms
 *   failures   { promise } that rejects when the caller sees the flow fail (a navigation error)
 * Returns { scenario, outcome: 'authorized' | 'client-error' | 'scalekit-error' | 'login-rejected'
 * | 'consent', error, finalUrl, resultText, consent } (see harness.mjs runFlow).
 */
export async function walkFlow(page, scenario, {
  decision = 'allow', onConsent, stopAt, timeout = 30_000, failures = { promise: new Promise(() => {}) },
} = {}) {
  scenarioNamed(scenario);
  const waitOptions = { timeout, failures };
  let consent = null;
  await page.goto(clientStartUrl(scenario), { timeout });
  let reached = await waitForStage(page, ['login', 'login-rejected', 'scalekit-error', 'done'], waitOptions);
  if (reached.stage === 'login') {
    await page.fill('#email', TEST_USER.email);
    await page.fill('#password', TEST_USER.password);
    await page.click('#sign-in');
    reached = await waitForStage(page, ['consent', 'scalekit-error', 'login-rejected', 'done'], waitOptions);
  }
  if (reached.stage === 'consent') {
    consent = await readConsentFacts(page);
    if (onConsent) await onConsent(consent);
    if (stopAt !== 'consent') {
      await page.click(decision === 'allow' ? '#allow' : '#deny');
      reached = await waitForStage(page, ['done', 'scalekit-error'], waitOptions);
    }
  }

  const resultText = await page.evaluate(() => document.querySelector('#result')?.textContent ?? null).catch(() => null);
  const outcome = {
    done: reached.done === 'ok' ? 'authorized' : 'client-error',
    'scalekit-error': 'scalekit-error',
    'login-rejected': 'login-rejected',
    consent: 'consent',
  }[reached.stage];
  const error = {
    'client-error': resultText,
    'scalekit-error': reached.error,
    'login-rejected': `missing ${reached.missing}`,
  }[outcome] ?? null;
  return { scenario, outcome, error, finalUrl: page.url(), resultText, consent };
}
