// What the launchers of tests/e2e/servers/ share.
//
// Each launcher module is both a library (start() in the test process) and a script: start()
// forks the module itself, which serves in its own Node process with the options it was given.
// The servers then run as they would in production (their own process, their own logging,
// which goes nowhere unless FLOWLENS_SERVER_LOG is set), and stop() ends exactly that process.

import { fork } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';

/**
 * Forks `modulePath` as a server with `options` (JSON; `tls` as {keyPath, certPath}) and waits
 * until it listens. Returns { port, origin, send(message), on(type, fn), stop() }.
 */
export async function forkServer(modulePath, options, { timeout = 20_000 } = {}) {
  const log = process.env.FLOWLENS_SERVER_LOG ? 'inherit' : 'ignore';
  const child = fork(modulePath, ['--serve'], {
    env: { ...process.env, FLOWLENS_SERVER_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', log, log, 'ipc'],
  });
  const listeners = new Map();
  child.on('message', (message) => listeners.get(message?.type)?.(message));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${modulePath} did not start within ${timeout} ms`)), timeout);
    listeners.set('listening', (m) => { clearTimeout(timer); resolve(m); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${modulePath} exited (${code}) before listening`)); });
  });
  return {
    port: ready.port,
    origin: ready.origin,
    on: (type, fn) => listeners.set(type, fn),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** In the forked process: the options start() gave, TLS files read. */
export function serverOptions() {
  const options = JSON.parse(process.env.FLOWLENS_SERVER_OPTIONS ?? '{}');
  if (options.tls) {
    options.tls = { key: readFileSync(options.tls.keyPath), cert: readFileSync(options.tls.certPath) };
  }
  return options;
}

/** Serves `handler` on 127.0.0.1 (a free port by default). Returns { port, origin, stop() }. */
export async function serve(handler, { host = '127.0.0.1', port = 0, tls } = {}) {
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    port: actual,
    origin: `${tls ? 'https' : 'http'}://${host}:${actual}`,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** In the forked process: tells the parent where it listens, and stops on SIGTERM. */
export function announce(running) {
  process.send({ type: 'listening', port: running.port, origin: running.origin });
  process.on('SIGTERM', () => { running.stop().then(() => process.exit(0)); });
}

/** True when the module runs as the forked server, not as an import. */
export const isServing = () => process.argv.includes('--serve');
