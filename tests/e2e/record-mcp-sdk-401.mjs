// Records a HAR fixture of the MCP TypeScript SDK's demo server (npm @modelcontextprotocol/sdk,
// its examples/server/simpleStreamableHttp.js with --oauth, unmodified) answering 401 to a form
// that a web page submits to its MCP endpoint: a navigation, not a script's request, so CORS
// does not apply to it even though the browser sends an Origin. Written to
// crates/flowlens-cli/tests/fixtures/mcp-sdk-401-form-navigation.har:
//   node record-mcp-sdk-401.mjs

import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, RUN_DIR, launchBrowser, startSim, stopSim } from './harness.mjs';
import { start } from './servers/mcp-sdk.mjs';

const TARGET = path.join(REPO_ROOT, 'crates/flowlens-cli/tests/fixtures/mcp-sdk-401-form-navigation.har');

const server = await start({ strict: false });
await startSim();
const scratch = path.join(RUN_DIR, 'recording-mcp-sdk.har');
try {
  const mcp = server.url;
  const context = await launchBrowser({
    recordHar: { path: scratch, content: 'embed', mode: 'full' },
    extraArgs: [],
  });
  const page = context.pages()[0] ?? await context.newPage();
  // A web page with a form posting to the MCP endpoint (served by Playwright, no host needed).
  await page.route('https://tools.example.test/**', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>Connect</title><form method="post" action="${mcp}">`
      + '<input type="hidden" name="q" value="connect"><button>Connect</button></form>',
  }));
  await page.goto('https://tools.example.test/connect');
  await Promise.all([page.waitForNavigation(), page.click('button')]);
  await context.close();
  const har = JSON.parse(await readFile(scratch, 'utf8'));
  har.log.comment = 'Flowlens fixture: the MCP TypeScript SDK demo server (simpleStreamableHttp.js --oauth, '
    + 'unmodified) answering 401 to a form-submitted navigation. Recorded by tests/e2e/record-mcp-sdk-401.mjs.';
  const text = `${JSON.stringify(har, null, 1)}\n`.replaceAll(REPO_ROOT, '[repo]');
  await writeFile(TARGET, text);
  console.log(`${path.basename(TARGET)}: ${har.log.entries.length} entries`);
} finally {
  await rm(scratch, { force: true });
  await server.stop();
  await stopSim();
}
