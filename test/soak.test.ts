/**
 * A short soak (the full one is `npm run soak`): agents running whole jobs through two HTTP instances against
 * random API faults. Only invariants are asserted, never throughput: the machine may be busy.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../scripts/soak/run.js';

const BIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));

describe('soak: 4 agents, two instances, 5 % random faults', () => {
  it('completes jobs with no duplicate create or publish, no protocol failure and no token anywhere', async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
    const report = await runSoak({ agents: 4, seconds: 8, graceSeconds: 3, serverEntry: BIN });
    expect(report.protocolFailures).toEqual([]);
    expect(report.duplicateCreates).toEqual([]);
    expect(report.duplicatePublishes).toEqual([]);
    expect(report.tokenLeaks).toBe(0);
    expect(report.faultsInjected).toBeGreaterThan(0);
    expect(report.jobsCompleted).toBeGreaterThan(0);
  }, 40_000);
});
