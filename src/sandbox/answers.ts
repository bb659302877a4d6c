/**
 * What a simulated participant answers. Each task has a hidden "truth" per instruction, drawn from the seed.
 * Participants differ in diligence: most are careful and give the hidden answer most of the time, a few are
 * careless, a few click at random, and a few are systematic confusers who mostly give one wrong option in
 * place of another (the next option but `shift`, the same for every task), as someone who misreads the scale
 * would. So agreement figures, per-annotator quality and label models mean something and can be checked
 * against the truth; confusers are where Dawid–Skene and majority vote part ways.
 */
import type { AnnotatorProfile, AnswerItem, ChoiceOption, InstructionFields, OptionValue, ValidationRule } from './model.js';
import { Random } from './random.js';

/** Shares of careless, random and confusing annotators; everyone else is careful. */
const CARELESS_SHARE = 0.12;
const RANDOM_SHARE = 0.08;
const CONFUSER_SHARE = 0.1;

/** How often a multi-select task's truth has a second option. */
const SECOND_TRUTH = 0.4;

export function drawProfile(random: Random): AnnotatorProfile {
  const roll = random.next();
  if (roll < RANDOM_SHARE) return { diligence: 'random', reliability: 0 };
  if (roll < RANDOM_SHARE + CARELESS_SHARE) return { diligence: 'careless', reliability: hundredths(random.between(0.45, 0.65)) };
  if (roll < RANDOM_SHARE + CARELESS_SHARE + CONFUSER_SHARE) {
    return { diligence: 'confuser', reliability: hundredths(random.between(0.1, 0.25)), shift: hundredths(random.next()) };
  }
  return { diligence: 'careful', reliability: hundredths(random.between(0.85, 0.98)) };
}

/** Confusers answer everything but choices with care. */
const CONFUSER_TEXT_RELIABILITY = 0.9;

function hundredths(value: number): number {
  return Math.round(value * 100) / 100;
}

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
 * @param hidden  the hidden option indexes when the dataset states them; drawn from `truth` otherwise
 */
export function simulateAnswer(
  fields: InstructionFields,
  truth: Random,
  participant: Random,
  profile: AnnotatorProfile,
  fileKeyPrefix: string,
  hidden?: number[],
): AnswerItem[] {
  const reliability = profile.diligence === 'confuser' ? CONFUSER_TEXT_RELIABILITY : profile.reliability;
  switch (fields.type) {
    case 'multiple_choice':
      return chooseOptions(fields, truth, participant, profile, hidden).map((option) => ({ value: option.value }));
    case 'multiple_choice_with_free_text':
      return chooseOptions(fields, truth, participant, profile, hidden).map((option) => ({
        value: option.value,
        explanation: participant.pick(EXPLANATIONS),
      }));
    case 'free_text':
      return [{ value: freeText(fields.validation ?? undefined, truth, participant, reliability) }];
    case 'free_text_with_unit':
      return [withUnit(fields, truth, participant, reliability)];
    case 'file_upload':
      return uploadedFiles(fields, participant, fileKeyPrefix);
  }
}

/**
 * The option indexes a choice task hides: one, and for multi-select sometimes a second. An exclusive option
 * ("none of the above") is always alone.
 */
export function hiddenChoices(fields: InstructionFields, truth: Random): number[] {
  const options = fields.options ?? [];
  if (options.length === 0) return [];
  const first = truth.int(options.length);
  if (options[first]?.exclusive || !isMultiSelect(fields) || !truth.chance(SECOND_TRUTH)) return [first];
  const second = otherThan(first, options.length, truth);
  return options[second]?.exclusive ? [first] : [first, second].sort((a, b) => a - b);
}

function isMultiSelect(fields: InstructionFields): boolean {
  return fields.answer_limit !== 1;
}

function chooseOptions(fields: InstructionFields, truth: Random, participant: Random, profile: AnnotatorProfile, stated?: number[]): ChoiceOption[] {
  const options = fields.options ?? [];
  if (options.length === 0) return [];
  let hidden = stated ?? hiddenChoices(fields, truth);
  let { reliability } = profile;
  if (profile.diligence === 'confuser' && options.length > 1) {
    // What they mostly see is the wrong option, and they answer it as carefully as anyone answers what they see.
    const shift = 1 + Math.floor((profile.shift ?? 0) * (options.length - 1));
    if (!participant.chance(reliability)) hidden = hidden.map((index) => (index + shift) % options.length);
    reliability = 1;
  }
  let chosen: number[];
  if (!isMultiSelect(fields)) {
    chosen = [participant.chance(reliability) ? (hidden[0] ?? 0) : participant.int(options.length)];
  } else {
    // Each option is a yes/no decision: the hidden one with probability `reliability`, a coin toss otherwise.
    const decided = options.map((_, index) => (participant.chance(reliability) ? hidden.includes(index) : participant.chance(0.5)));
    chosen = options.map((_, index) => index).filter((index) => decided[index]);
    if (chosen.length === 0) chosen = [participant.chance(reliability) ? (hidden[0] ?? 0) : participant.int(options.length)];
    const limit = fields.answer_limit === undefined || fields.answer_limit === -1 ? options.length : fields.answer_limit;
    // Over the limit, the hidden options are kept first.
    chosen = [...chosen.filter((index) => hidden.includes(index)), ...chosen.filter((index) => !hidden.includes(index))].slice(0, limit);
  }
  const picked = chosen.sort((a, b) => a - b).map((index) => options[index]).filter((option) => option !== undefined);
  const exclusive = picked.find((option) => option.exclusive);
  return exclusive ? [exclusive] : picked;
}

function otherThan(index: number, count: number, random: Random): number {
  return (index + 1 + random.int(count - 1)) % count;
}

function freeText(validation: ValidationRule | undefined, truth: Random, participant: Random, reliability: number): string {
  if (validation?.type === 'number') return String(numberAnswer(validation, truth, participant, reliability));
  const hidden = SENTENCES[truth.int(SENTENCES.length)] ?? '';
  return fitLength(participant.chance(reliability) ? hidden : participant.pick(SENTENCES), validation);
}

function fitLength(text: string, validation: ValidationRule | undefined): string {
  const min = validation?.min ?? 0;
  const max = validation?.max ?? Number.POSITIVE_INFINITY;
  let out = text;
  while (out.length < min) out = `${out} ${text}`;
  return out.length > max ? out.slice(0, Math.max(0, max)).trimEnd() : out;
}

/**
 * A number near the task's hidden value (within 5% of the range) for a reliable answer, anywhere in the range
 * otherwise; inside the validation bounds, whole when the bounds are.
 */
function numberAnswer(validation: ValidationRule | undefined, truth: Random, participant: Random, reliability: number): number {
  const min = validation?.min ?? 0;
  const max = validation?.max ?? Math.max(min + 100, 100);
  const span = max - min;
  const target = min + truth.next() * span;
  const guess = participant.chance(reliability) ? target + (participant.next() - 0.5) * span * 0.1 : min + participant.next() * span;
  const value = Math.min(max, Math.max(min, guess));
  const whole = Number.isInteger(min) && Number.isInteger(max);
  return whole ? Math.min(max, Math.max(min, Math.round(value))) : Math.round(value * 100) / 100;
}

function withUnit(fields: InstructionFields, truth: Random, participant: Random, reliability: number): AnswerItem {
  const units = fields.unit_options ?? [];
  const defaultUnit = units.find((unit) => String(unit.value) === fields.default_unit);
  const truthUnit = defaultUnit ?? units[truth.int(units.length)];
  const unit = participant.chance(reliability) || units.length < 2 ? truthUnit : participant.pick(units);
  const value: OptionValue | undefined = unit?.value;
  return { value: String(numberAnswer(unit?.validation, truth, participant, reliability)), unit: value ?? null };
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
