/**
 * Item 5: what going through MCP adds to a call. get_batch over stdio against the same requests made directly
 * with the project's HTTP client: for a batch without a layout get_batch reads the batch, then asks the legacy
 * instructions endpoint, so the direct side does too; a single GET would charge the second request, which is
 * the tool's content, to MCP. That
 * single GET is timed as well and shown for the record. Calls alternate one by one, so that load on the
 * machine falls on all of them alike.
 */
import { figure, info, median, ms, type Figure } from './report.js';
import type { UploadSetup } from './upload.js';

const CALLS = 200;
const WARM_UP = 20;

export async function measureOverhead({ server, api, workspaceId }: UploadSetup): Promise<Figure[]> {
  const batch = await api.createBatch({
    name: 'bench overhead',
    workspace_id: workspaceId,
    task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Choose a sentiment.' },
  });
  const timings = { mcp: [] as number[], same: [] as number[], single: [] as number[] };
  const time = async (into: number[], call: () => Promise<unknown>, warm: boolean) => {
    const started = performance.now();
    await call();
    if (!warm) into.push(performance.now() - started);
  };
  for (let call = 0; call < WARM_UP + CALLS; call += 1) {
    const warm = call < WARM_UP;
    await time(timings.same, async () => api.getLegacyInstructions((await api.getBatch(batch.id)).id), warm);
    await time(timings.mcp, () => server.call('get_batch', { batch_id: batch.id }), warm);
    await time(timings.single, () => api.getBatch(batch.id), warm);
  }
  const [mcp, same, single] = [median(timings.mcp), median(timings.same), median(timings.single)];
  return [
    figure(5, `get_batch, median of ${CALLS}: MCP stdio ${ms(mcp)} vs the same two GETs direct ${ms(same)}`, mcp - same, ms, '≤ 1.5 ms', (v) => v <= 1.5, {
      mcp_median_ms: mcp,
      same_gets_median_ms: same,
      single_get_median_ms: single,
    }),
    info(5, `for the record: vs the batch GET alone (${ms(single)})`, `+${ms(mcp - single)}`),
  ];
}
