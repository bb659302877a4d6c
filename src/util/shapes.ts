import { z } from 'zod';

/**
 * Schema pieces shared by the tool files. Output objects are loose: the API's own fields pass through
 * unchanged, and only the ones an agent relies on are named.
 */

/**
 * Text that people will read. Control characters never belong in it (a model that emits them has gone wrong),
 * and the length bounds keep an empty or runaway argument from being sent on. All are checked by refinement,
 * which the published schema leaves out: they would cost tokens on every field in every conversation.
 */
export function text(max: number) {
  return z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      if (value.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      if (value.length > max) ctx.addIssue({ code: 'custom', message: `must be at most ${max} characters (got ${value.length})` });
      if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'must not contain control characters' });
      }
    });
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Prolific ids are UUIDs or 24-hex ObjectIds; refusing anything else keeps `../` and friends out of paths. A
 * refinement, not a published pattern: agents copy ids from results, and the pattern would cost tokens on
 * every id field.
 */
export function prolificId(what: string) {
  return z.string().refine((value) => ID.test(value), `must be a Prolific ${what} id (letters, digits and dashes)`);
}

const sketches = new WeakMap<z.ZodType, z.ZodType>();

/**
 * Checks with `strict` but publishes `sketch` in its place, for arguments whose full JSON Schema would cost many
 * tokens in every conversation (a layout's item union nested three levels deep): what is accepted, and every
 * error with its exact field, stay `strict`'s. Describe the sketch: `.describe()` on the result makes a copy,
 * which would be published in full.
 */
export function publishedAs<T extends z.ZodType>(strict: T, sketch: z.ZodType): T {
  sketches.set(strict, sketch);
  return strict;
}

/** The schema published in place of this one, if any (see publishedAs). */
export function sketchOf(schema: unknown): z.ZodType | undefined {
  return sketches.get(schema as z.ZodType);
}

export const taskDetails = z.strictObject({
  task_name: text(300),
  task_introduction: text(20_000).describe('Basic HTML allowed'),
  task_steps: text(20_000).describe('Basic HTML allowed'),
});

export const waitArgs = {
  wait: z.boolean().default(true).describe('Poll until READY or ERROR'),
  timeout_seconds: z.int().min(1).max(3600).optional().describe('Default 300'),
};

const status = z.string();

export const datasetOut = z.looseObject({ id: z.string(), status: status.optional(), total_datapoint_count: z.number().optional() });
export const batchOut = z.looseObject({ id: z.string(), name: z.string(), status });
export const studyOut = z.looseObject({ id: z.string(), name: z.string(), status });
export const instructionOut = z.looseObject({ id: z.string(), type: z.string(), description: z.string() });

/** Present when the API marked an endpoint as deprecated (the instructions endpoint is being sunset). */
export const deprecationOut = z.string().optional();

/**
 * Who may take part, as create_study, count_participants and rerun_contested take it. Published as a sketch:
 * src/job/filter-check.ts checks every entry against Prolific's catalogue and names each problem, which
 * a full schema of the three shapes (and nested groups) could not, at a cost in every conversation.
 */
export const filtersArg = z
  .array(z.looseObject({ filter_id: z.string() }))
  .max(50)
  .describe('Each {filter_id, selected_values:[choice ids or labels]}, {filter_id, selected_range:{lower,upper}}, or {filter_id:"and"|"or", selected_filters:[…]}; ids from find_filters');

/** Who may take part, in words, how many, and who was left out (src/job/audience.ts). */
export const audienceOut = z.looseObject({ who: z.array(z.string()) });
