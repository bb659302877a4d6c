/**
 * The API's rules for one instruction, by type. Returns the fields to store, with the documented defaults
 * filled in, or reports problems into `fields` as `instructions[i].field`.
 */
import type { ChoiceOption, InstructionFields, InstructionType, UnitOption, ValidationRule } from './model.js';
import type { Fields } from './validate.js';

const INSTRUCTION_TYPES: readonly InstructionType[] = [
  'multiple_choice',
  'multiple_choice_with_free_text',
  'free_text',
  'free_text_with_unit',
  'file_upload',
];

/** video_narration exists in batch layouts only. */
const LAYOUT_TYPES: readonly InstructionType[] = [...INSTRUCTION_TYPES, 'video_narration'];

const COMMON_KEYS = new Set(['id', 'type', 'description', 'helper_text', 'placeholder_text_input']);

const DEFAULT_FILE_TYPES = ['.jpg', '.jpeg', '.png', '.heic', '.heif'];

export function validateInstruction(item: Fields, options: { layout?: boolean } = {}): InstructionFields | undefined {
  const type = item.choice('type', options.layout ? LAYOUT_TYPES : INSTRUCTION_TYPES, { required: true });
  const description = item.string('description', { required: true });
  const helperText = item.string('helper_text', { blank: true });
  const placeholder = item.string('placeholder_text_input', { blank: true });
  if (!type || description === undefined) return undefined;
  const fields: InstructionFields = { type, description };
  if (helperText !== undefined) fields.helper_text = helperText;
  if (placeholder !== undefined) fields.placeholder_text_input = placeholder;
  switch (type) {
    case 'multiple_choice':
    case 'multiple_choice_with_free_text':
      return choiceRules(item, fields);
    case 'free_text': {
      const validation = validationRule(item, 'validation');
      if (validation) fields.validation = validation;
      return fields;
    }
    case 'free_text_with_unit':
      return unitRules(item, fields);
    case 'file_upload':
      return fileRules(item, fields);
    case 'video_narration':
      return narrationRules(item, fields);
  }
}

/**
 * No source documents video_narration's own fields (digest §8), so the sandbox keeps whatever JSON values come
 * with the common ones and checks nothing more.
 */
function narrationRules(item: Fields, fields: InstructionFields): InstructionFields {
  const extra: Record<string, unknown> = {};
  for (const key of item.keys()) if (!COMMON_KEYS.has(key)) extra[key] = item.raw(key);
  if (Object.keys(extra).length) fields.extra = extra;
  return fields;
}

function choiceRules(item: Fields, fields: InstructionFields): InstructionFields {
  const withText = fields.type === 'multiple_choice_with_free_text';
  const rawOptions = item.array('options', { required: true, minLength: 1 }) ?? [];
  const options: ChoiceOption[] = [];
  rawOptions.forEach((raw, index) => {
    const option = item.nested(`options[${index}]`, raw);
    if (!option) return;
    const label = option.string('label', { required: true });
    const value = optionValue(option, 'value');
    const heading = option.string('heading', { required: withText });
    const exclusive = option.boolean('exclusive');
    if (label === undefined || value === undefined) return;
    const parsed: ChoiceOption = { label, value };
    if (heading !== undefined) parsed.heading = heading;
    if (exclusive !== undefined) parsed.exclusive = exclusive;
    options.push(parsed);
  });
  const values = options.map((option) => String(option.value));
  if (new Set(values).size !== values.length) item.fail('options', 'Option values must be unique.');
  const answerLimit = item.integer('answer_limit', { required: true });
  if (answerLimit !== undefined && answerLimit !== 1 && answerLimit !== -1) {
    if (answerLimit > rawOptions.length) {
      item.fail('answer_limit', 'answer_limit exceeds number of options');
    } else if (answerLimit < 2) {
      item.fail('answer_limit', `Use 1 (single choice), -1 (no limit) or a number from 2 to the number of options (${rawOptions.length}).`);
    }
  }
  const disableDropdown = item.boolean('disable_dropdown');
  fields.options = options;
  fields.answer_limit = answerLimit ?? 1;
  if (disableDropdown !== undefined) fields.disable_dropdown = disableDropdown;
  return fields;
}

function unitRules(item: Fields, fields: InstructionFields): InstructionFields {
  const rawUnits = item.array('unit_options', { required: true, minLength: 1 }) ?? [];
  const units: UnitOption[] = [];
  rawUnits.forEach((raw, index) => {
    const unit = item.nested(`unit_options[${index}]`, raw);
    if (!unit) return;
    const label = unit.string('label', { required: true });
    const value = optionValue(unit, 'value');
    const validation = validationRule(unit, 'validation');
    if (label === undefined || value === undefined) return;
    const parsed: UnitOption = { label, value };
    if (validation) parsed.validation = validation;
    units.push(parsed);
  });
  const position = item.choice('unit_position', ['prefix', 'suffix'] as const, { required: true });
  const defaultUnit = item.string('default_unit');
  if (defaultUnit !== undefined && !units.some((unit) => String(unit.value) === defaultUnit)) {
    item.fail('default_unit', `"${defaultUnit}" is not the value of one of the unit_options.`);
  }
  fields.unit_options = units;
  if (position) fields.unit_position = position;
  fields.default_unit = defaultUnit ?? null;
  return fields;
}

function fileRules(item: Fields, fields: InstructionFields): InstructionFields {
  const types = item.stringArray('accepted_file_types');
  for (const type of types ?? []) {
    if (!type.startsWith('.')) item.fail('accepted_file_types', `"${type}" must be a file extension starting with a dot.`);
  }
  const maxSize = item.number('max_file_size_mb', { positive: true });
  const minCount = item.integer('min_file_count', { min: 1 });
  const maxCount = item.integer('max_file_count', { min: 1 });
  if (maxCount !== undefined && maxCount < (minCount ?? 1)) {
    item.fail('max_file_count', 'Ensure this value is greater than or equal to min_file_count.');
  }
  fields.accepted_file_types = types?.length ? types : DEFAULT_FILE_TYPES;
  fields.max_file_size_mb = maxSize ?? 25;
  fields.min_file_count = minCount ?? 1;
  fields.max_file_count = maxCount ?? 10;
  return fields;
}

function validationRule(parent: Fields, key: string): ValidationRule | undefined {
  const rule = parent.object(key);
  if (!rule) return undefined;
  const type = rule.choice('type', ['number', 'string'] as const, { required: true });
  const isString = type === 'string';
  const min = isString ? rule.integer('min', { min: 0 }) : rule.number('min');
  const max = isString ? rule.integer('max', { min: 0 }) : rule.number('max');
  if (min !== undefined && max !== undefined && min > max) rule.fail('max', 'Ensure max is greater than or equal to min.');
  if (!type) return undefined;
  return { type, min: min ?? null, max: max ?? null };
}

function optionValue(option: Fields, key: string): string | number | boolean | undefined {
  const value = option.raw(key);
  if (value === undefined || value === null) {
    option.fail(key, 'This field is required.');
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    option.fail(key, 'Must be a string, number or boolean.');
    return undefined;
  }
  return value;
}
