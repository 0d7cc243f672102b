// Runs the simulator on its own, for poking at it by hand or with a locally loaded extension:
//   node sim/main.mjs [--scenario NAME] [--https-port 8443] [--http-port 8080]
// It prints the Chromium flags that reach it and logs every request.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startSimServer } from './server.mjs';
import { SCENARIO_NAMES } from './scenarios.mjs';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'good' },
    'https-port': { type: 'string', default: '8443' },
    'http-port': { type: 'string', default: '8080' },
  },
});

const runDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.run');
const sim = await startSimServer({
  runDir,
  httpsPort: Number(values['https-port']),
  httpPort: Number(values['http-port']),
  defaultScenario: values.scenario,
  log: (line) => console.log(line),
});

console.log(`simulator up: https on 127.0.0.1:${sim.httpsPort}, http on 127.0.0.1:${sim.httpPort}`);
console.log(`default scenario: ${sim.defaultScenario} (all: ${SCENARIO_NAMES.join(', ')})`);
console.log(`CA: ${sim.caPath}; trusted by the NSS db under HOME=${sim.homeDir}`);
console.log(`HOME=${sim.homeDir} chromium '${sim.hostResolverRules}' https://app.acme.test/?scenario=${sim.defaultScenario}`);
process.on('SIGINT', async () => {
  await sim.close();
  process.exit(0);
});
