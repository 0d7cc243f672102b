// The MCP TypeScript SDK's demo server (@modelcontextprotocol/sdk, examples/server/
// simpleStreamableHttp.js --oauth): a Streamable HTTP MCP server on http://localhost:PORT/mcp
// with its demo authorization server on http://localhost:PORT2 (metadata, dynamic registration,
// /authorize that approves at once without any page, /token, introspection).
//
// The example listens on every interface; it runs in a child process whose net listeners are
// forced onto 127.0.0.1, so nothing leaves loopback. Both ports are free ones picked per start.
//
//   const server = await start();            // { url, authUrl, stop() }
//   start({ strict: true })                  // --oauth-strict: tokens must name this server

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
// The package's exports map hides its examples: find its folder from its main entry.
const SDK_ROOT = (() => {
  const entry = require.resolve('@modelcontextprotocol/sdk/server/mcp.js');
  const marker = `${path.sep}@modelcontextprotocol${path.sep}sdk${path.sep}`;
  return entry.slice(0, entry.indexOf(marker) + marker.length);
})();
const SDK_SERVER = path.join(SDK_ROOT, 'dist/esm/examples/server/simpleStreamableHttp.js');

/** Loopback only: every listen() without a host gets 127.0.0.1. Then the example runs. */
const BOOTSTRAP = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
await import(process.env.FLOWLENS_SDK_SERVER);
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the demo server. Resolves once both listeners are up:
 *   { url: 'http://localhost:PORT/mcp', authUrl: 'http://localhost:PORT2', stop() }
 */
export async function start({ strict = true, timeoutMs = 20_000, log = () => {} } = {}) {
  const [mcpPort, authPort] = [await freePort(), await freePort()];
  const args = ['--input-type=module', '-e', BOOTSTRAP, '--', '--oauth'];
  if (strict) args.push('--oauth-strict');
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      FLOWLENS_SDK_SERVER: SDK_SERVER,
      MCP_PORT: String(mcpPort),
      MCP_AUTH_PORT: String(authPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => { child.once('exit', resolve); });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the MCP SDK demo server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      text.split('\n').filter(Boolean).forEach((line) => log(line));
      if (output.includes(`listening on port ${mcpPort}`) && output.includes(`listening on port ${authPort}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the MCP SDK demo server exited (${code}) at start:\n${output}`));
    });
  });
  return {
    url: `http://localhost:${mcpPort}/mcp`,
    authUrl: `http://localhost:${authPort}`,
    mcpPort,
    authPort,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
