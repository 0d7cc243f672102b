// `flowlens connect` as a user runs it against the simulator, then its saved HAR in the viewer:
// the viewer shows the statuses `flowlens check` gives the same file, active checks included.
// The flows themselves, every status and the bad situations are tested by the CLI's Rust tests
// (crates/flowlens-cli/tests/connect.rs); this spec covers what only a browser can show.

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { test, expect } from '../fixtures.mjs';
import { REPO_ROOT, currentSim } from '../harness.mjs';
import { ALL_HOSTNAMES, MCP_RESOURCE } from '../sim/constants.mjs';
import {
  extensionReady, flowlensBinary, openInViewer, shownStatuses,
} from './extension-support.mjs';

test.use({ extensionPath: REPO_ROOT });

test('viewer: a flowlens connect recording shows the statuses of flowlens check', async ({ context }, testInfo) => {
  const bin = flowlensBinary();
  test.skip(!bin, 'no built flowlens CLI (cargo build -p flowlens-cli)');
  const sim = currentSim();
  const har = testInfo.outputPath('connect.har');
  const reach = ALL_HOSTNAMES.flatMap((host) => [
    '--connect-to', `${host}:443:127.0.0.1:${sim.httpsPort}`,
    '--connect-to', `${host}:80:127.0.0.1:${sim.httpPort}`,
  ]);
  const started = Date.now();
  const { stdout } = await promisify(execFile)(bin, [
    'connect', MCP_RESOURCE, ...reach, '--cacert', sim.caPath, '--headless', '--quiet',
    '--steps', path.join(REPO_ROOT, 'tests/e2e/connect/sim-steps.toml'),
    '--format', 'json', '--save-har', har,
  ], { env: { ...process.env, FLOWLENS_TEST_PASSWORD: 'any password works here' }, timeout: 120_000, maxBuffer: 16 << 20 });
  testInfo.annotations.push({ type: 'flowlens connect', description: `${((Date.now() - started) / 1000).toFixed(1)} s` });
  const connected = JSON.parse(stdout);
  expect(connected.counts.fail).toBe(0);

  let checked;
  try {
    checked = JSON.parse(execFileSync(bin, ['check', '--format', 'json', har], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  } catch (error) {
    checked = JSON.parse(error.stdout);
  }
  const statuses = (report) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
  expect(statuses(checked)).toEqual(statuses(connected));

  await extensionReady(context);
  const viewer = await openInViewer(context, har);
  const shown = await shownStatuses(viewer);
  expect(shown).toEqual(statuses(checked));
  // The active checks' results are shown, in the place of the manual items they answer.
  for (const id of ['oauth-code-replay', 'oauth-refresh', 'mcp-authorized-call', 'mcp-invalid-token', 'mcp-session-id']) {
    expect(shown[id], id).toBe('pass');
  }
  expect(shown['manual-invalid-codes']).toBeUndefined();
});
