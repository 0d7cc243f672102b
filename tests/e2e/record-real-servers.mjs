// Records HAR fixtures of real flows through the real open-source servers (tests/e2e/servers/)
// into crates/flowlens-cli/tests/fixtures/real/, with Playwright's HAR recorder in plain
// Chromium (no extension):
//   node record-real-servers.mjs
// The CLI's snapshot tests (crates/flowlens-cli/tests/real_servers.rs) check them, and
// docs/real-servers.md justifies every status. All hosts are test names mapped to loopback;
// tokens and codes are from throwaway servers. The script refuses to write a file that
// mentions a local path or grows past the size limit.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, RUN_DIR, launchBrowser, startSim, stopSim } from './harness.mjs';
import { startRealServers } from './real/environment.mjs';
import { oidcProviderFlow, openauthFlow } from './real/flows.mjs';

export const RECORDINGS = [
  { file: 'oidc-provider-code.har', what: 'oidc-provider: sign-in and consent pages, code flow with PKCE', run: (page, env) => oidcProviderFlow(page, env) },
  { file: 'oidc-provider-form-post.har', what: 'oidc-provider: the same with response_mode=form_post', run: (page, env) => oidcProviderFlow(page, env, { responseMode: 'form_post' }) },
  { file: 'openauth-code.har', what: 'OpenAuth: passwordless sign-in (email, then one-time code), code flow with PKCE', run: (page, env) => openauthFlow(page, env) },
  { file: 'openauth-implicit.har', what: 'OpenAuth: the same sign-in, implicit flow (tokens and state in the fragment)', run: (page, env) => openauthFlow(page, env, { responseType: 'token' }) },
];

const TARGET_DIR = path.join(REPO_ROOT, 'crates', 'flowlens-cli', 'tests', 'fixtures', 'real');
const MAX_BYTES = 400 * 1024;
const LOCAL_PATH_MARKERS = [REPO_ROOT, RUN_DIR, os.homedir(), os.tmpdir(), 'file://'];

async function record(env, { file, what, run }) {
  const scratch = path.join(RUN_DIR, `recording-${file}`);
  const context = await launchBrowser({ hostMap: env.hostMap, recordHar: { path: scratch, content: 'embed', mode: 'full' } });
  try {
    const result = await run(context.pages()[0] ?? await context.newPage(), env);
    if (result.done !== 'ok') throw new Error(`${file}: the flow ended in error: ${result.result}`);
  } finally {
    await context.close(); // writes the HAR
  }
  const har = JSON.parse(await readFile(scratch, 'utf8'));
  har.log.comment = `Flowlens e2e, real server flow: ${what}. Recorded by tests/e2e/record-real-servers.mjs; `
    + 'the hosts are test names on loopback, the codes and tokens are from throwaway servers.';
  const text = `${JSON.stringify(har, null, 1)}\n`;
  const leaked = LOCAL_PATH_MARKERS.filter((marker) => text.includes(marker));
  if (leaked.length > 0) throw new Error(`${file} mentions local paths: ${leaked.join(', ')}`);
  if (Buffer.byteLength(text) > MAX_BYTES) throw new Error(`${file} is ${Buffer.byteLength(text)} bytes, over ${MAX_BYTES}`);
  await writeFile(path.join(TARGET_DIR, file), text);
  await rm(scratch, { force: true });
  console.log(`${file}: ${har.log.entries.length} entries, ${Buffer.byteLength(text)} bytes`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await mkdir(TARGET_DIR, { recursive: true });
  await startSim();
  const env = await startRealServers();
  try {
    for (const recording of RECORDINGS) await record(env, recording);
  } finally {
    await env.stop();
    await stopSim();
  }
}
