/**
 * What a simulated participant answers. Each task has a hidden "truth" per instruction, drawn from the seed;
 * most participants give it and some stray, so that results agree the way real annotations mostly do.
 */
import type { AnswerItem, ChoiceOption, InstructionFields, OptionValue, ValidationRule } from './model.js';
import { Random } from './random.js';

/** How often a participant gives the task's hidden answer rather than another one. */
const AGREEMENT = 0.8;

const SENTENCES = [
  'The response answers the question directly and stays on topic.',
  'Mostly accurate, although the second claim is not supported by the text.',
  'The tone is neutral and the wording is clear.',
  'It misses an important detail mentioned in the prompt.',
  'Clear and concise; I would not change much.',
  'The answer is plausible but a little vague in places.',
  'Contains a factual error about the date.',
  'Well structured, with a helpful example at the end.',
];

const EXPLANATIONS = [
  'This option fits the text best.',
  'The wording points clearly to this choice.',
  'It was a close call, but this seemed most accurate.',
  'Based on the second sentence of the item.',
];

/**
 * @param truth  drawn from the task and instruction only, so every participant of a task shares it
 * @param participant  drawn from the participant, task and instruction
 */
export function simulateAnswer(fields: InstructionFields, truth: Random, participant: Random, fileKeyPrefix: string): AnswerItem[] {
  switch (fields.type) {
    case 'multiple_choice':
      return chooseOptions(fields, truth, participant).map((option) => ({ value: option.value }));
    case 'multiple_choice_with_free_text':
      return chooseOptions(fields, truth, participant).map((option) => ({
        value: option.value,
        explanation: participant.pick(EXPLANATIONS),
      }));
    case 'free_text':
      return [{ value: freeText(fields.validation ?? undefined, truth, participant) }];
    case 'free_text_with_unit':
      return [withUnit(fields, truth, participant)];
    case 'file_upload':
      return uploadedFiles(fields, participant, fileKeyPrefix);
  }
}

function chooseOptions(fields: InstructionFields, truth: Random, participant: Random): ChoiceOption[] {
  const options = fields.options ?? [];
  if (options.length === 0) return [];
  const limit = fields.answer_limit === -1 || fields.answer_limit === undefined ? options.length : fields.answer_limit;
  const truthIndex = truth.int(options.length);
  const agrees = participant.chance(AGREEMENT);
  const firstIndex = agrees || options.length === 1 ? truthIndex : otherThan(truthIndex, options.length, participant);
  const chosen = [firstIndex];
  if (limit > 1) {
    // Multi-select tasks have a second "true" option some of the time; participants add it, or a stray one.
    const secondTruth = truth.chance(0.4) ? otherThan(truthIndex, options.length, truth) : undefined;
    for (let index = 0; index < options.length && chosen.length < limit; index += 1) {
      if (chosen.includes(index)) continue;
      const probability = index === secondTruth ? 0.75 : 0.08;
      if (participant.chance(probability)) chosen.push(index);
    }
  }
  const picked = chosen.sort((a, b) => a - b).map((index) => options[index]).filter((option) => option !== undefined);
  const exclusive = picked.find((option) => option.exclusive);
  return exclusive ? [exclusive] : picked;
}

function otherThan(index: number, count: number, random: Random): number {
  return (index + 1 + random.int(count - 1)) % count;
}

function freeText(validation: ValidationRule | undefined, truth: Random, participant: Random): string {
  if (validation?.type === 'number') return String(numberAnswer(validation, truth, participant));
  const sentence = participant.chance(AGREEMENT) ? SENTENCES[truth.int(SENTENCES.length)] ?? '' : participant.pick(SENTENCES);
  return fitLength(sentence, validation);
}

function fitLength(text: string, validation: ValidationRule | undefined): string {
  const min = validation?.min ?? 0;
  const max = validation?.max ?? Number.POSITIVE_INFINITY;
  let out = text;
  while (out.length < min) out = `${out} ${text}`;
  return out.length > max ? out.slice(0, Math.max(0, max)).trimEnd() : out;
}

/** A number near the task's hidden value, inside the validation bounds, whole when the bounds are. */
function numberAnswer(validation: ValidationRule | undefined, truth: Random, participant: Random): number {
  const min = validation?.min ?? 0;
  const max = validation?.max ?? Math.max(min + 100, 100);
  const span = max - min;
  const target = min + truth.next() * span;
  const value = Math.min(max, Math.max(min, target + (participant.next() - 0.5) * span * 0.1));
  const whole = Number.isInteger(min) && Number.isInteger(max);
  return whole ? Math.min(max, Math.max(min, Math.round(value))) : Math.round(value * 100) / 100;
}

function withUnit(fields: InstructionFields, truth: Random, participant: Random): AnswerItem {
  const units = fields.unit_options ?? [];
  const defaultUnit = units.find((unit) => String(unit.value) === fields.default_unit);
  const truthUnit = defaultUnit ?? units[truth.int(units.length)];
  const unit = participant.chance(AGREEMENT) || units.length < 2 ? truthUnit : participant.pick(units);
  const value: OptionValue | undefined = unit?.value;
  return { value: String(numberAnswer(unit?.validation, truth, participant)), unit: value ?? null };
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
};

function uploadedFiles(fields: InstructionFields, participant: Random, fileKeyPrefix: string): AnswerItem[] {
  const minCount = fields.min_file_count ?? 1;
  const maxCount = Math.min(fields.max_file_count ?? 10, minCount + 2);
  const count = minCount + participant.int(maxCount - minCount + 1);
  const types = fields.accepted_file_types?.length ? fields.accepted_file_types : ['.jpg'];
  const maxSize = Math.min(fields.max_file_size_mb ?? 25, 8);
  return Array.from({ length: count }, (_, index) => {
    const extension = participant.pick(types).toLowerCase();
    const fileName = `upload_${index + 1}${extension}`;
    return {
      file_key: `${fileKeyPrefix}/${fileName}`,
      file_name: fileName,
      file_size_mb: Math.round(participant.between(0.1, maxSize) * 100) / 100,
      content_type: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    };
  });
}
