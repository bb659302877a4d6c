/**
 * The legacy instructions endpoint, past its Sunset (1 Sep 2026). By default it answers as after the sunset:
 * 410 Gone, pointing to batch_items (the digest allows 404, 410 or 422; 410 says it on purpose). With the
 * `legacyInstructions` setting it works as before for legacy batches: GET lists, POST appends, PUT replaces
 * the whole set, refused once the batch has been set up. Either way a batch laid out with batch_items gets
 * 422, as the docs say, and every answer carries the Deprecation and Sunset headers.
 */
import { ApiError, badRequest } from '../errors.js';
import { validateInstruction } from '../instruction-rules.js';
import type { BatchRecord, InstructionFields, InstructionRecord } from '../model.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { apiRoute, json, list, readJson, type Route } from './route.js';
import { iso } from '../time.js';
import { ONE_SOURCE } from '../batch-items.js';

const PATH = '/api/v1/data-collection/batches/:batchId/instructions';

const SUNSET = 'Tue, 01 Sep 2026 23:59:59 GMT';
const DEPRECATION_HEADERS = { Deprecation: 'true', Sunset: SUNSET };

export function instructionRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(
      state,
      'GET',
      PATH,
      ({ params }) => list(legacyBatch(state, params.batchId ?? '').instructions.map(instructionView)),
      DEPRECATION_HEADERS,
    ),
    apiRoute(
      state,
      'POST',
      PATH,
      async ({ request, params }) => {
        const batch = editableBatch(state, params.batchId ?? '');
        const items = parseItems(await readJson(request), 1);
        const created = items.map((item) => state.newInstruction(batch, item.fields));
        batch.instructions.push(...created);
        return json(created.map(instructionView), 201);
      },
      DEPRECATION_HEADERS,
    ),
    apiRoute(
      state,
      'PUT',
      PATH,
      async ({ request, params }) => {
        const batch = editableBatch(state, params.batchId ?? '');
        const items = parseItems(await readJson(request), 0);
        const kept = new Set<string>();
        batch.instructions = items.map((item) => {
          const existing = batch.instructions.find((instruction) => instruction.id === item.id && !kept.has(instruction.id));
          if (!existing) return state.newInstruction(batch, item.fields);
          kept.add(existing.id);
          existing.fields = item.fields;
          return existing;
        });
        return json(batch.instructions.map(instructionView));
      },
      DEPRECATION_HEADERS,
    ),
  ];
}

function instructionView(instruction: InstructionRecord): Record<string, unknown> {
  return {
    id: instruction.id,
    created_at: iso(instruction.createdAt),
    created_by: instruction.createdBy,
    parent_id: instruction.batchId,
    parent_type: 'batch',
    ...instruction.fields,
  };
}

/** The batch, when this endpoint still serves it. */
function legacyBatch(state: SandboxState, batchId: string): BatchRecord {
  const batch = state.findBatch(batchId);
  if (batch.batchItems) {
    throw new ApiError(422, `${ONE_SOURCE} This batch is laid out with batch_items: change its questions with PATCH /batches/${batch.id} batch_items.`);
  }
  if (!state.settings.legacyInstructions) {
    throw new ApiError(
      410,
      `The batch instructions endpoint passed its Sunset date (${SUNSET}) and is gone. Put the questions in the batch's layout instead: PATCH /api/v1/data-collection/batches/${batch.id} with batch_items.`,
    );
  }
  return batch;
}

function editableBatch(state: SandboxState, batchId: string): BatchRecord {
  const batch = legacyBatch(state, batchId);
  if (batch.setup) throw badRequest('Instructions can no longer be changed once the batch has been set up.');
  return batch;
}

function parseItems(body: Record<string, unknown>, minLength: number): { id?: string; fields: InstructionFields }[] {
  const fields = new Fields(body);
  const raw = fields.array('instructions', { required: true, minLength }) ?? [];
  const items: { id?: string; fields: InstructionFields }[] = [];
  raw.forEach((value, index) => {
    const item = fields.nested(`instructions[${index}]`, value);
    const parsed = item && validateInstruction(item);
    if (!item || !parsed) return;
    const id = item.raw('id');
    items.push(typeof id === 'string' ? { id, fields: parsed } : { fields: parsed });
  });
  fields.done();
  return items;
}
