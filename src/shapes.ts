import { z } from 'zod';

/**
 * Schema pieces shared by the tool files. Output objects are loose: the API's own fields pass through
 * unchanged, and only the ones an agent relies on are named.
 */

/** Prolific ids are UUIDs or 24-hex ObjectIds; refusing anything else keeps `../` and friends out of paths. */
export function prolificId(what: string) {
  return z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, `must be a Prolific ${what} id (letters, digits and dashes)`);
}

export const taskDetails = z.strictObject({
  task_name: z.string().trim().min(1).max(300),
  task_introduction: z.string().trim().min(1).describe('Basic HTML allowed'),
  task_steps: z.string().trim().min(1).describe('Basic HTML allowed'),
});

export const waitArgs = {
  wait: z.boolean().default(true).describe('Poll until READY or ERROR'),
  timeout_seconds: z.int().min(1).max(3600).optional().describe('Default 300'),
};

const status = z.string();

export const datasetOut = z.looseObject({ id: z.string(), status, total_datapoint_count: z.number().optional() });
export const batchOut = z.looseObject({ id: z.string(), name: z.string(), status });
export const studyOut = z.looseObject({ id: z.string(), name: z.string(), status });
export const instructionOut = z.looseObject({ id: z.string(), type: z.string(), description: z.string() });

/** Present when the API marked an endpoint as deprecated (the instructions endpoint is being sunset). */
export const deprecationOut = z.string().optional();
