// Records example HAR files of three simulated flows into the repository's examples/ folder, with
// Playwright's HAR recorder in plain Chromium (no extension):
//   node record-examples.mjs
// The HARs hold only the simulator's fake hosts, ids and tokens. The script refuses to write a file that
// mentions a local path or grows past the size limit.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, RUN_DIR, launchBrowser, runFlow, startSim, stopSim, SCENARIOS } from './harness.mjs';

const EXAMPLES = [
  { scenario: 'good', file: 'good-custom-domain-byoa.har' },
  { scenario: 'vendor-default', file: 'vendor-default-domain.har' },
  { scenario: 'state-altered', file: 'state-damaged.har' },
];
const MAX_BYTES = 300 * 1024;
const LOCAL_PATH_MARKERS = [REPO_ROOT, RUN_DIR, os.homedir(), os.tmpdir(), 'file://'];

async function record({ scenario, file }) {
  const target = path.join(REPO_ROOT, 'examples', file);
  const scratch = path.join(RUN_DIR, `recording-${file}`);
  const context = await launchBrowser({ recordHar: { path: scratch, content: 'embed', mode: 'full' } });
  try {
    const result = await runFlow(context.pages()[0] ?? await context.newPage(), scenario);
    const { expected } = SCENARIOS[scenario];
    if (result.outcome !== expected.outcome) {
      throw new Error(`${scenario} ended as ${result.outcome} (${result.error}), expected ${expected.outcome}`);
    }
  } finally {
    await context.close(); // writes the HAR
  }
  // Re-serialise with indentation so diffs between recordings are readable.
  const har = JSON.parse(await readFile(scratch, 'utf8'));
  har.log.comment = `Flowlens simulated Scalekit flow, scenario "${scenario}": ${SCENARIOS[scenario].summary}`
    + ' Recorded by tests/e2e/record-examples.mjs; all hosts, ids and tokens are fake.';
  const text = `${JSON.stringify(har, null, 1)}\n`;
  const leaked = LOCAL_PATH_MARKERS.filter((marker) => text.includes(marker));
  if (leaked.length > 0) throw new Error(`${file} mentions local paths: ${leaked.join(', ')}`);
  if (Buffer.byteLength(text) > MAX_BYTES) throw new Error(`${file} is ${Buffer.byteLength(text)} bytes, over ${MAX_BYTES}`);
  await writeFile(target, text);
  await rm(scratch, { force: true });
  console.log(`${path.relative(REPO_ROOT, target)}: ${har.log.entries.length} entries, ${Buffer.byteLength(text)} bytes`);
}

await mkdir(path.join(REPO_ROOT, 'examples'), { recursive: true });
await startSim();
try {
  for (const example of EXAMPLES) await record(example);
} finally {
  await stopSim();
}
