/**
 * The two asynchronous jobs of Task Builder: a dataset being processed after an upload, and a batch being
 * set up into tasks. Both pass through PROCESSING for `processingMs`, then end READY or ERROR.
 */
import type { BatchRecord, DatasetRecord, PendingOutcome, TaskPlan } from './model.js';
import { derivedRandom } from './random.js';
import type { SandboxState } from './state.js';

export function startProcessing(
  record: DatasetRecord | BatchRecord,
  state: SandboxState,
  outcome: 'READY' | 'ERROR',
  reason?: string,
): void {
  const pending: PendingOutcome = { until: state.now() + state.settings.processingMs, outcome };
  if (reason !== undefined) pending.reason = reason;
  record.status = 'PROCESSING';
  record.pending = pending;
}

export function advanceDatasets(state: SandboxState, now: number): void {
  for (const dataset of state.datasets.values()) {
    const pending = dataset.pending;
    if (!pending || now < pending.until) continue;
    dataset.status = pending.outcome;
    if (pending.outcome === 'READY') {
      dataset.totalDatapointCount = dataset.rowCount;
      delete dataset.failureReason;
    } else {
      dataset.failureReason = pending.reason ?? 'Processing failed.';
    }
    delete dataset.pending;
  }
}

export function advanceBatches(state: SandboxState, now: number): void {
  for (const batch of state.batches.values()) {
    const pending = batch.pending;
    if (!pending || now < pending.until) continue;
    batch.status = pending.outcome;
    delete batch.pending;
  }
}

/**
 * Groups the dataset's datapoints into task groups: by META_TASK_GROUP_ID when the dataset has that column
 * (a datapoint without a value forms a group of its own), otherwise tasks shuffled and cut into groups of
 * `tasksPerGroup`, as the API "randomly assigns" tasks to groups.
 */
export function buildTaskPlan(state: SandboxState, batchId: string, dataset: DatasetRecord, tasksPerGroup: number): TaskPlan {
  const taskCount = dataset.totalDatapointCount;
  if (dataset.groupIds) {
    const byKey = new Map<string, number[]>();
    const groups: number[][] = [];
    dataset.groupIds.slice(0, taskCount).forEach((key, task) => {
      const existing = key ? byKey.get(key) : undefined;
      if (existing) {
        existing.push(task);
        return;
      }
      const group = [task];
      groups.push(group);
      if (key) byKey.set(key, group);
    });
    return { kind: 'grouped', taskCount, groups };
  }
  const random = derivedRandom(state.settings.seed, batchId, 'task-plan');
  let multiplier = 1;
  if (taskCount > 2) {
    do multiplier = 1 + random.int(taskCount - 1);
    while (greatestCommonDivisor(multiplier, taskCount) !== 1);
  }
  return { kind: 'chunked', taskCount, tasksPerGroup, multiplier, offset: random.int(Math.max(taskCount, 1)) };
}

export function taskGroupCount(plan: TaskPlan): number {
  return plan.kind === 'grouped' ? plan.groups.length : Math.ceil(plan.taskCount / plan.tasksPerGroup);
}

/** The datapoint indexes (= task indexes) of one task group. */
export function tasksInGroup(plan: TaskPlan, group: number): number[] {
  if (plan.kind === 'grouped') return plan.groups[group] ?? [];
  const tasks: number[] = [];
  const end = Math.min(plan.taskCount, (group + 1) * plan.tasksPerGroup);
  for (let position = group * plan.tasksPerGroup; position < end; position += 1) {
    tasks.push((plan.multiplier * position + plan.offset) % plan.taskCount);
  }
  return tasks;
}

/** Task ids are derived rather than stored, so that a batch of millions of tasks costs no memory. */
export function taskId(state: SandboxState, batchId: string, task: number): string {
  return derivedRandom(state.settings.seed, batchId, 'task', task).uuid();
}

function greatestCommonDivisor(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}
