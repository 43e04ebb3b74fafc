// Loaded by mocha before every suite (see .mocharc.json).
import './network-guard.js';
import { backendSummary, stopSharedMongo } from './databases.js';

process.env.NODE_ENV = process.env.NODE_ENV === 'production' ? 'production' : 'test';
process.env.LOG_LEVEL ??= 'silent';

/** Root hooks (mocha picks up `mochaHooks` from --require'd files). */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    const ran = backendSummary();
    if (ran) console.log(`\n${ran}`);
    await stopSharedMongo();
  },
};
