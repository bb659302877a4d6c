import { z } from 'zod';
import { publishedAs, text } from '../util/shapes.js';

/**
 * The Task Builder instruction types, with the API's own field names and rules, so that a bad
 * instruction is refused with a named field before anything reaches Prolific.
 */

const short = text(500);
const long = text(5000);

const common = {
  id: z.string().refine((id) => id.length <= 64, 'must be an existing instruction id').optional(),
  description: long,
  helper_text: long.optional(),
};

const option = z.strictObject({ label: short, value: short, exclusive: z.boolean().optional() });

const choiceFields = {
  answer_limit: z.int().describe('1 single, -1 any, N ≤ options'),
  disable_dropdown: z.boolean().optional(),
};

const multipleChoice = z.strictObject({
  type: z.literal('multiple_choice'),
  ...common,
  options: z.array(option).min(1),
  ...choiceFields,
});

const multipleChoiceWithFreeText = z.strictObject({
  type: z.literal('multiple_choice_with_free_text'),
  ...common,
  options: z.array(option.extend({ heading: short })).min(1),
  ...choiceFields,
});

const validation = z.strictObject({ type: z.enum(['number', 'string']), min: z.number().optional(), max: z.number().optional() });

const freeText = z.strictObject({
  type: z.literal('free_text'),
  ...common,
  placeholder_text_input: short.optional(),
  validation: validation.optional().describe('For strings, min/max are lengths'),
});

const freeTextWithUnit = z.strictObject({
  type: z.literal('free_text_with_unit'),
  ...common,
  placeholder_text_input: short.optional(),
  // Published as any object: the same rule again would cost its tokens twice in every conversation.
  unit_options: z.array(z.strictObject({ label: short, value: short, validation: publishedAs(validation.clone(), z.looseObject({})).optional() })).min(1),
  unit_position: z.enum(['prefix', 'suffix']),
  default_unit: short.optional(),
});

const fileUpload = z.strictObject({
  type: z.literal('file_upload'),
  ...common,
  accepted_file_types: z.array(short).optional(),
  max_file_size_mb: z.number().positive().optional(),
  min_file_count: z.int().min(0).optional(),
  max_file_count: z.int().min(1).optional(),
});

/**
 * New with page layouts, and its fields are not documented anywhere we can read: only the common ones are
 * named, and whatever else is given is passed on for Prolific to judge.
 */
const videoNarration = z.looseObject({ type: z.literal('video_narration'), description: long });

/**
 * What agents read: each pair of types as one (multiple choice with or without free text, which differ only in
 * each option's heading; free text with or without a unit), with what only one of them takes said in words.
 * Arguments are still checked against the exact union, which names any field that does not belong.
 */
const published = z.discriminatedUnion('type', [
  multipleChoice.extend({
    type: z.enum(['multiple_choice', 'multiple_choice_with_free_text']),
    options: z.array(option.extend({ heading: short.optional().describe('Required with free text') })).min(1),
  }),
  freeTextWithUnit.extend({
    type: z.enum(['free_text', 'free_text_with_unit']),
    validation: validation.optional().describe('free_text only. For strings, min/max are lengths'),
    unit_options: freeTextWithUnit.shape.unit_options.optional().describe('Required with unit'),
    unit_position: freeTextWithUnit.shape.unit_position.optional().describe('Required with unit'),
  }),
  fileUpload,
  videoNarration,
]);

const exact = z
  .discriminatedUnion('type', [multipleChoice, multipleChoiceWithFreeText, freeText, freeTextWithUnit, fileUpload, videoNarration])
  .superRefine((item, ctx) => {
    if (item.type === 'multiple_choice' || item.type === 'multiple_choice_with_free_text') {
      const n = item.options.length;
      if (item.answer_limit === 0 || item.answer_limit < -1 || item.answer_limit > n) {
        ctx.addIssue({
          code: 'custom',
          path: ['answer_limit'],
          message: `must be 1 (single choice), -1 (any number) or at most the ${n} options; got ${item.answer_limit}`,
        });
      }
      const values = item.options.map((o) => o.value);
      const duplicate = values.find((value, index) => values.indexOf(value) !== index);
      if (duplicate !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: `option values must be unique; "${duplicate}" repeats` });
      }
    }
    if (item.type === 'free_text' && item.validation) checkValidation(item.validation, ['validation'], ctx);
    if (item.type === 'free_text_with_unit') {
      item.unit_options.forEach((unit, index) => {
        if (unit.validation) checkValidation(unit.validation, ['unit_options', index, 'validation'], ctx);
      });
    }
    if (item.type === 'free_text_with_unit' && item.default_unit !== undefined) {
      const values = item.unit_options.map((u) => u.value);
      if (!values.includes(item.default_unit)) {
        ctx.addIssue({
          code: 'custom',
          path: ['default_unit'],
          message: `must be one of the unit_options values (${values.join(', ')})`,
        });
      }
    }
    if (item.type === 'file_upload' && item.min_file_count !== undefined && item.max_file_count !== undefined) {
      if (item.max_file_count < item.min_file_count) {
        ctx.addIssue({ code: 'custom', path: ['max_file_count'], message: 'must be at least min_file_count' });
      }
    }
  });

export const instructionSchema = publishedAs(exact, published);

export type InstructionInput = z.output<typeof instructionSchema>;

function checkValidation(rule: z.output<typeof validation>, path: (string | number)[], ctx: z.RefinementCtx): void {
  const { min, max, type } = rule;
  if (min !== undefined && max !== undefined && min > max) {
    ctx.addIssue({ code: 'custom', path, message: `min (${min}) is greater than max (${max})` });
  }
  const notLength = (bound: number | undefined) => bound !== undefined && (bound < 0 || !Number.isInteger(bound));
  if (type === 'string' && (notLength(min) || notLength(max))) {
    ctx.addIssue({ code: 'custom', path, message: 'for strings, min and max are lengths: whole numbers ≥ 0' });
  }
}
