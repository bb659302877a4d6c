/**
 * The asynchronous jobs of Task Builder: a dataset being processed after an upload, and a batch being set up
 * into tasks (both pass through PROCESSING for `processingMs`, then end READY or ERROR), and a READY batch's
 * sync jobs, which add the datapoints appended since as tasks.
 */
import type { BatchRecord, DatasetRecord, PendingOutcome, SyncRecord, TaskPlan } from './model.js';
import { derivedRandom } from './random.js';
import type { SandboxStore } from './store.js';

export function startProcessing(
  record: DatasetRecord | BatchRecord,
  state: SandboxStore,
  outcome: 'READY' | 'ERROR',
  reason?: string,
): void {
  const pending: PendingOutcome = { until: state.now() + state.settings.processingMs, outcome };
  if (reason !== undefined) pending.reason = reason;
  record.status = 'PROCESSING';
  record.pending = pending;
}

export function advanceDatasets(state: SandboxStore, now: number): void {
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

export function advanceBatches(state: SandboxStore, now: number): void {
  for (const batch of state.batches.values()) {
    const pending = batch.pending;
    if (pending && now >= pending.until) {
      batch.status = pending.outcome;
      delete batch.pending;
    }
    for (const sync of batch.syncs) if (!sync.result && now >= sync.endsAt) finishSync(state, batch, sync);
    if (batch.autoSync && batch.status === 'READY' && batch.setup && batch.syncs.every((sync) => sync.result)) {
      const dataset = state.datasets.get(batch.setup.datasetId);
      if (dataset && dataset.totalDatapointCount > batch.setup.plan.taskCount) startSync(state, batch, dataset.id);
    }
  }
}

/**
 * Queues a sync. Syncs of one batch run one after another; each spends a third of `processingMs` queued (so
 * the state is seen) and the rest processing, and takes in the datapoints there are when it ends.
 */
export function startSync(state: SandboxStore, batch: BatchRecord, datasetId: string): SyncRecord {
  const now = state.now();
  const previous = batch.syncs.at(-1);
  const startsAt = Math.max(now, previous?.endsAt ?? now) + Math.round(state.settings.processingMs / 3);
  const sync: SyncRecord = { id: state.newUuid(), datasetId, createdAt: now, startsAt, endsAt: startsAt + state.settings.processingMs };
  batch.syncs.push(sync);
  return sync;
}

/**
 * New datapoints become tasks: with fixed-size groups the last, partly filled group is topped up first and then
 * new groups are made; with keyed groups a datapoint joins the group with its key or starts a new one.
 */
function finishSync(state: SandboxStore, batch: BatchRecord, sync: SyncRecord): void {
  const plan = batch.setup?.plan;
  const dataset = state.datasets.get(sync.datasetId);
  const total = dataset?.totalDatapointCount ?? 0;
  if (!plan || total <= plan.taskCount) {
    sync.result = { tasksCreated: 0, datapointsProcessed: 0, groupsCreated: 0, groupsExpanded: 0 };
    return;
  }
  const before = plan.taskCount;
  const groupsBefore = taskGroupCount(plan);
  let expanded = 0;
  if (plan.kind === 'chunked') {
    expanded = before % plan.tasksPerGroup === 0 ? 0 : 1;
    plan.taskCount = total;
  } else {
    const touched = new Set<number>();
    for (let task = before; task < total; task += 1) {
      const key = dataset?.groupIds?.[task] ?? '';
      const group = key ? plan.keys.indexOf(key) : -1;
      if (group >= 0) {
        plan.groups[group]?.push(task);
        if (group < groupsBefore) touched.add(group);
      } else {
        plan.groups.push([task]);
        plan.keys.push(key);
      }
    }
    plan.taskCount = total;
    expanded = touched.size;
  }
  sync.result = {
    tasksCreated: total - before,
    datapointsProcessed: total - before,
    groupsCreated: taskGroupCount(plan) - groupsBefore,
    groupsExpanded: expanded,
  };
}

/**
 * Groups the dataset's datapoints into task groups: by META_TASK_GROUP_ID when the dataset has that column
 * (a datapoint without a value forms a group of its own), otherwise tasks shuffled and cut into groups of
 * `tasksPerGroup`, as the API "randomly assigns" tasks to groups.
 */
export function buildTaskPlan(state: SandboxStore, batchId: string, dataset: DatasetRecord, tasksPerGroup: number): TaskPlan {
  const taskCount = dataset.totalDatapointCount;
  if (dataset.groupIds) {
    const byKey = new Map<string, number[]>();
    const groups: number[][] = [];
    const keys: string[] = [];
    dataset.groupIds.slice(0, taskCount).forEach((key, task) => {
      const existing = key ? byKey.get(key) : undefined;
      if (existing) {
        existing.push(task);
        return;
      }
      const group = [task];
      groups.push(group);
      keys.push(key);
      if (key) byKey.set(key, group);
    });
    return { kind: 'grouped', taskCount, groups, keys };
  }
  const random = derivedRandom(state.settings.seed, batchId, 'task-plan');
  let multiplier = 1;
  if (taskCount > 2) {
    do multiplier = 1 + random.int(taskCount - 1);
    while (greatestCommonDivisor(multiplier, taskCount) !== 1);
  }
  return { kind: 'chunked', taskCount, tasksPerGroup, shuffled: taskCount, multiplier, offset: random.int(Math.max(taskCount, 1)) };
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
    tasks.push(position < plan.shuffled ? (plan.multiplier * position + plan.offset) % plan.shuffled : position);
  }
  return tasks;
}

/** Task ids are derived rather than stored, so that a batch of millions of tasks costs no memory. */
export function taskId(state: SandboxStore, batchId: string, task: number): string {
  return derivedRandom(state.settings.seed, batchId, 'task', task).uuid();
}

export function taskGroupId(state: SandboxStore, batchId: string, group: number): string {
  return derivedRandom(state.settings.seed, batchId, 'task-group', group).uuid();
}

function greatestCommonDivisor(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}
