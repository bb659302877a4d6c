/**
 * `npm run soak [-- --agents 8 --seconds 30 --fault-rate 0.05]`: many agents running whole jobs through two
 * HTTP instances against a sandbox with random faults (see soak/run.ts). Prints what happened; exits 1 on any
 * duplicate create or publish, token leak or protocol failure, or when no job completed.
 */
import { parseArgs } from 'node:util';
import { runSoak } from './soak/run.js';

const { values } = parseArgs({
  options: { agents: { type: 'string', default: '8' }, seconds: { type: 'string', default: '30' }, 'fault-rate': { type: 'string', default: '0.05' } },
});
const report = await runSoak({
  agents: Number(values.agents),
  seconds: Number(values.seconds),
  faultRate: Number(values['fault-rate']),
  log: (line) => process.stderr.write(`${line}\n`),
});
const errors = Object.entries(report.toolErrors).sort((a, b) => b[1] - a[1]);
console.log(
  [
    `Soak: ${report.agents} agents, ${report.seconds} s, two instances, ${report.faultsInjected} faults injected`,
    `  jobs completed:        ${report.jobsCompleted} (${report.jobsAbandoned} given up after an error a script cannot check)`,
    `  tool calls:            ${report.toolCalls}`,
    `  tool errors by kind:   ${errors.length ? errors.map(([kind, n]) => `${kind} ${n}`).join(', ') : 'none'}`,
    `  protocol failures:     ${report.protocolFailures.length}${report.protocolFailures.length ? `: ${report.protocolFailures.slice(0, 5).join('; ')}` : ''}`,
    `  duplicate creates:     ${report.duplicateCreates.length}${report.duplicateCreates.length ? `: ${report.duplicateCreates.join('; ')}` : ''}`,
    `  duplicate publishes:   ${report.duplicatePublishes.length}${report.duplicatePublishes.length ? `: ${report.duplicatePublishes.join('; ')}` : ''}`,
    `  token leaks:           ${report.tokenLeaks}`,
    `  instance RSS (MB):     start ${report.rssMb.start.join(', ')}; end ${report.rssMb.end.join(', ')}`,
  ].join('\n'),
);
const failed =
  report.duplicateCreates.length + report.duplicatePublishes.length + report.tokenLeaks + report.protocolFailures.length > 0 || report.jobsCompleted === 0;
process.exitCode = failed ? 1 : 0;
