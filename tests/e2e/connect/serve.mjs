// Starts a server for `flowlens connect` tests and prints how to reach it as one JSON line on
// stdout; stops it when stdin closes (the test process exits or drops the pipe).
//
//   node connect/serve.mjs sim [SCENARIO]   the simulated Scalekit environment, SCENARIO by default
//   node connect/serve.mjs mcp-sdk          the MCP TypeScript SDK's demo server (--oauth-strict)
//
// The line: { url, connectTo: ['host:443:127.0.0.1:PORT', …], caPath?, … }. The simulator runs with
// its own run directory (certificates, NSS db), so several can run at once.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimServer } from '../sim/server.mjs';
import { ALL_HOSTNAMES, MCP_RESOURCE } from '../sim/constants.mjs';
import { start as startMcpSdk } from '../servers/mcp-sdk.mjs';

const [kind = 'sim', scenario = 'good'] = process.argv.slice(2);

async function startSim() {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'flowlens-sim-'));
  const sim = await startSimServer({ runDir, defaultScenario: scenario });
  const connectTo = ALL_HOSTNAMES.flatMap((host) => [
    `${host}:443:127.0.0.1:${sim.httpsPort}`,
    `${host}:80:127.0.0.1:${sim.httpPort}`,
  ]);
  return {
    description: { url: MCP_RESOURCE, scenario, caPath: sim.caPath, connectTo, hosts: ALL_HOSTNAMES },
    async stop() {
      await sim.close();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

async function startSdk() {
  const server = await startMcpSdk();
  return {
    description: { url: server.url, authUrl: server.authUrl, connectTo: [] },
    stop: () => server.stop(),
  };
}

const running = kind === 'mcp-sdk' ? await startSdk() : await startSim();
process.stdout.write(`${JSON.stringify(running.description)}\n`);
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
