/**
 * How simulated participants answer a pairwise comparison ("Which response is better?"), so that a model
 * ranking can be rehearsed against a known truth.
 *
 * A dataset opts in with two hidden columns, META_SANDBOX_QUALITY_A and META_SANDBOX_QUALITY_B: the quality
 * of the response shown first and of the one shown second (create_comparison writes them from a
 * META_SANDBOX_QUALITY column of the model outputs). Qualities are on the Bradley–Terry scale: a response of
 * quality qa is preferred to one of quality qb with probability 1 / (1 + e^(qb − qa)). A question is a
 * comparison when it is single-choice and its option values are `a` and `b`, and perhaps `tie`. Every other
 * question, and every datapoint without both qualities, is answered as before (answers.ts).
 *
 * The participant's profile (answers.ts) decides how they compare, so that the crowd has the faults a real
 * one has:
 * - careful: by quality as above; where ties are allowed, a close call is sometimes a tie;
 * - careless: with probability 1 − reliability they take the response shown first without weighing the
 *   two (a position bias), and otherwise judge as the careful do;
 * - confuser: always the same side whatever is shown: the first for most (a `shift` under 0.7), as the
 *   pull of the first option is the commoner one, the second for the rest;
 * - random: any option, evenly.
 * All draws come from the participant's own generator, so the answers depend only on the seed.
 */
import type { AnnotatorProfile, AnswerItem, DatasetRecord, InstructionFields } from './model.js';
import type { Random } from './random.js';

const QUALITY_A = 'META_SANDBOX_QUALITY_A';
const QUALITY_B = 'META_SANDBOX_QUALITY_B';
/** Confusers with a `shift` below this always choose the first response; the others the second. */
const FIRST_SIDE_CONFUSERS = 0.7;
/** A tie's chance on an even call; it falls off as the qualities part. */
const TIE_ON_EVEN = 0.3;

/** Answers one comparison question for one datapoint, or undefined when it is not a comparison. */
export type ComparisonJudge = (fields: InstructionFields, datapoint: number, participant: Random, profile: AnnotatorProfile) => AnswerItem[] | undefined;

/** A judge for the dataset's comparisons; undefined when the dataset states no qualities. */
export function comparisonJudge(dataset: DatasetRecord | undefined): ComparisonJudge | undefined {
  if (!dataset) return undefined;
  const names = dataset.columns.map((column) => column.name);
  const columnA = names.indexOf(QUALITY_A);
  const columnB = names.indexOf(QUALITY_B);
  if (columnA < 0 || columnB < 0) return undefined;
  return (fields, datapoint, participant, profile) => {
    const values = comparisonValues(fields);
    if (!values) return undefined;
    const row = dataset.rows[datapoint];
    const qa = Number.parseFloat(row?.[columnA] ?? '');
    const qb = Number.parseFloat(row?.[columnB] ?? '');
    if (!Number.isFinite(qa) || !Number.isFinite(qb)) return undefined;
    return [{ value: choose(values, qa - qb, participant, profile) }];
  };
}

interface SideValues {
  a: string;
  b: string;
  tie?: string;
}

/** The option values of a comparison question as sent (the case kept), or undefined for any other question. */
function comparisonValues(fields: InstructionFields): SideValues | undefined {
  if (fields.type !== 'multiple_choice' || fields.answer_limit !== 1) return undefined;
  const values = (fields.options ?? []).map((option) => String(option.value));
  const find = (wanted: string) => values.find((value) => value.toLowerCase() === wanted);
  const a = find('a');
  const b = find('b');
  const tie = find('tie');
  if (!a || !b || values.length !== (tie ? 3 : 2)) return undefined;
  return { a, b, ...(tie ? { tie } : {}) };
}

function choose(values: SideValues, difference: number, participant: Random, profile: AnnotatorProfile): string {
  switch (profile.diligence) {
    case 'random': {
      const options = values.tie ? [values.a, values.b, values.tie] : [values.a, values.b];
      return participant.pick(options);
    }
    case 'confuser':
      return (profile.shift ?? 0) < FIRST_SIDE_CONFUSERS ? values.a : values.b;
    case 'careless':
      if (!participant.chance(profile.reliability)) return values.a;
      return weigh(values, difference, participant);
    case 'careful':
      return weigh(values, difference, participant);
  }
}

function weigh(values: SideValues, difference: number, participant: Random): string {
  if (values.tie && participant.chance(TIE_ON_EVEN * Math.exp(-2 * Math.abs(difference)))) return values.tie;
  return participant.chance(1 / (1 + Math.exp(-difference))) ? values.a : values.b;
}
