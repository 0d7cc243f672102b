// Playwright global setup: one simulator for the whole run, in the runner process. Its description goes
// to the workers through process.env.FLOWLENS_SIM (see harness.mjs currentSim()).

import { startSim, stopSim } from './harness.mjs';

export default async function globalSetup() {
  await startSim();
  return async function globalTeardown() {
    await stopSim();
  };
}
