/**
 * V4 dataset schemas as the API takes them on POST and PATCH /datasets. The digest's rules (at least one
 * field, the six types, at most one `task_group_id`) are the CLI's checks; the sandbox enforces them on the
 * server side, and also requires `strict`, which the CLI always sends "so the payload always satisfies the
 * API contract": a client that leaves it out may be refused by Prolific, so the sandbox refuses it too.
 */
import { DATASET_FIELD_TYPES, type DatasetColumn, type DatasetFieldType, type DatasetSchema } from './model.js';
import type { Fields } from './validate.js';

const FIELD_KEYS = new Set(['type', 'label']);
const SCHEMA_KEYS = new Set(['strict', 'fields']);

export function readSchema(body: Fields, key: string, options: { required?: boolean } = {}): DatasetSchema | undefined {
  const schema = body.object(key, options);
  if (!schema) return undefined;
  for (const unknown of schema.keys().filter((name) => !SCHEMA_KEYS.has(name))) schema.fail(unknown, 'Unknown field.');
  if (!schema.has('strict')) schema.fail('strict', 'This field is required.');
  const strict = schema.boolean('strict');
  const fieldMap = schema.object('fields', { required: true });
  if (!fieldMap) return undefined;
  const names = fieldMap.keys();
  if (names.length === 0) fieldMap.fail('', 'A schema needs at least one field.');
  const fields: DatasetSchema['fields'] = {};
  for (const name of names) {
    if (!name.trim()) fieldMap.fail(name, 'Field names may not be blank.');
    const field = fieldMap.object(name);
    if (!field) continue;
    for (const unknown of field.keys().filter((k) => !FIELD_KEYS.has(k))) field.fail(unknown, 'Unknown field.');
    const type = field.choice<DatasetFieldType>('type', DATASET_FIELD_TYPES, { required: true });
    const label = field.string('label');
    if (type) fields[name] = label === undefined ? { type } : { type, label };
  }
  const groupFields = Object.values(fields).filter((field) => field.type === 'task_group_id').length;
  if (groupFields > 1) fieldMap.fail('', `At most one field may have type task_group_id (found ${groupFields}).`);
  return strict === undefined ? undefined : { strict, fields };
}

export function groupField(schema: DatasetSchema | null): string | undefined {
  return Object.entries(schema?.fields ?? {}).find(([, field]) => field.type === 'task_group_id')?.[0];
}

/** Shown to participants: everything but metadata and the grouping field. */
export function isHiddenType(type: DatasetFieldType): boolean {
  return type === 'metadata' || type === 'task_group_id';
}

/**
 * A V4 dataset's datapoints are stored like a V3 one's (columns and rows of text) so that the rest of the
 * sandbox reads both alike: one column per schema field, in the schema's order, hidden when not shown.
 */
export function schemaColumns(schema: DatasetSchema): DatasetColumn[] {
  return Object.entries(schema.fields).map(([name, field]) => ({ name, hidden: isHiddenType(field.type) }));
}
