/**
 * The simulated people behind the filter catalogue: a fixed population, drawn from the seed, each with a
 * Prolific id, an annotator profile (careful, careless, …, kept from study to study) and an answer to every
 * screener they were asked. Answers hang together the way real ones do: most UK residents' first language is
 * English, only UK residents say which UK country they live in, careless annotators have lower approval rates.
 * So targeting changes who takes part, and a filter on approval rate changes the quality of the answers.
 *
 * People are kept in "activity order": index 0 is the most eager to take a new study. Every study offers its
 * places along that order (recruiting.ts), so studies with the same targeting are taken by largely the same
 * people, as on Prolific where the most active participants fill most studies; which is what makes leaving
 * someone out of a follow-up round observable.
 *
 * Answers are stored by filter as columns; a population is a pure function of the seed, made once per process.
 */
import { drawProfile } from './answers.js';
import { COUNTRIES, DEGREE_SUBJECTS, INDUSTRIES, LANGUAGES, PROGRAMMING_LANGUAGES, US_STATES } from './filter-lists.js';
import { catalogueFilter, dayNumber, FILTERS } from './filter-catalogue.js';
import type { AnnotatorProfile } from './model.js';
import { derivedRandom, type Random } from './random.js';

/** Enough that ordinary targeting leaves thousands, and narrow targeting fewer than the count's floor of 25. */
export const POPULATION_SIZE = 30_000;

export interface Population {
  readonly size: number;
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly profiles: readonly AnnotatorProfile[];
  /**
   * Select screeners: the choice index each person gave (−1: never asked or not answered); for screeners with
   * `multiple`, every choice index they gave.
   */
  readonly single: ReadonlyMap<string, Int16Array>;
  readonly multiple: ReadonlyMap<string, readonly (readonly number[])[]>;
  /** Range screeners: each person's value (NaN: not answered); dates as day numbers. */
  readonly ranges: ReadonlyMap<string, Float64Array>;
}

const cache = new Map<number, Population>();

/** The answer of everyone who holds none of a multiple-choice screener's choices. */
const NONE: readonly number[] = Object.freeze([]);

export function populationOf(seed: number): Population {
  let population = cache.get(seed);
  if (!population) {
    population = drawPopulation(seed);
    cache.set(seed, population);
  }
  return population;
}

type Weights = Readonly<Record<string, number>>;

/** A weighted draw, its running totals worked out once: the population is drawn one person at a time. */
class Weighted<T> {
  private readonly items: T[];
  private readonly totals: number[];

  constructor(entries: readonly (readonly [T, number])[]) {
    this.items = entries.map((entry) => entry[0]);
    let sum = 0;
    this.totals = entries.map((entry) => (sum += entry[1]));
  }

  /** Over 0, 1, 2, …, with the weights given in that order. */
  static indexes(weights: readonly number[]): Weighted<number> {
    return new Weighted(weights.map((weight, index) => [index, weight] as const));
  }

  /** Over the ids of a select screener's choices, weighted by label. */
  static choices(filterId: string, weights: Weights): Weighted<number> {
    return new Weighted(Object.entries(weights).map(([label, weight]) => [choiceIndex(filterId, label), weight] as const));
  }

  draw(random: Random): T {
    const last = this.totals.length - 1;
    const roll = random.next() * (this.totals[last] ?? 0);
    let index = 0;
    while (index < last && roll >= (this.totals[index] as number)) index += 1;
    return this.items[index] as T;
  }
}

function choiceIndex(filterId: string, label: string): number {
  const filter = catalogueFilter(filterId);
  const index = filter?.kind === 'screener' && filter.type === 'select' ? filter.choices.indexOf(label) : -1;
  if (index < 0) throw new Error(`population.ts names "${label}", which ${filterId} does not have`);
  return index;
}

function perCountry(tables: Readonly<Record<string, Weights>>, filterId: string): Map<number, Weighted<number>> {
  return new Map(Object.entries(tables).map(([name, weights]) => [choiceIndex(RESIDENCE_ID, name), Weighted.choices(filterId, weights)]));
}

const RESIDENCE_ID = 'current-country-of-residence';

/** Where Prolific's participants live; countries not named here have no residents in the sandbox. */
const RESIDENCE = Weighted.choices(RESIDENCE_ID, {
  'United Kingdom': 30, 'United States': 30, 'South Africa': 5, Canada: 4, Poland: 4, Portugal: 4, Italy: 3, Spain: 3,
  Germany: 3, Australia: 2, Mexico: 2, Greece: 1.5, Netherlands: 1.5, France: 1.5, Hungary: 1, Chile: 1,
  'New Zealand': 1, Ireland: 1, 'Czech Republic': 0.5, Sweden: 0.5, Belgium: 0.5, Austria: 0.3, Finland: 0.3,
  Denmark: 0.3, Norway: 0.3, Israel: 0.3, Estonia: 0.2, Latvia: 0.2, Slovenia: 0.2, Switzerland: 0.2, Japan: 0.2,
  'South Korea': 0.2,
});
const UK = choiceIndex(RESIDENCE_ID, 'United Kingdom');
const US = choiceIndex(RESIDENCE_ID, 'United States');

/** First languages of people born where they live. */
const NATIVE_LANGUAGES = perCountry(
  {
    'United Kingdom': { English: 0.97, Welsh: 0.02, Other: 0.01 },
    'United States': { English: 0.9, Spanish: 0.1 },
    'South Africa': { English: 0.3, Zulu: 0.25, Afrikaans: 0.15, Xhosa: 0.15, Setswana: 0.08, Sesotho: 0.07 },
    Canada: { English: 0.78, French: 0.22 },
    Poland: { Polish: 1 },
    Portugal: { Portuguese: 1 },
    Italy: { Italian: 1 },
    Spain: { Spanish: 0.88, Catalan: 0.09, Galician: 0.03 },
    Germany: { German: 1 },
    Australia: { English: 1 },
    Mexico: { Spanish: 1 },
    Greece: { Greek: 1 },
    Netherlands: { Dutch: 1 },
    France: { French: 1 },
    Hungary: { Hungarian: 1 },
    Chile: { Spanish: 1 },
    'New Zealand': { English: 0.96, Maori: 0.04 },
    Ireland: { English: 0.97, Irish: 0.03 },
    'Czech Republic': { Czech: 1 },
    Sweden: { Swedish: 1 },
    Belgium: { Dutch: 0.57, French: 0.4, German: 0.03 },
    Austria: { German: 1 },
    Finland: { Finnish: 0.94, Swedish: 0.06 },
    Denmark: { Danish: 1 },
    Norway: { Norwegian: 1 },
    Israel: { Hebrew: 0.8, Arabic: 0.2 },
    Estonia: { Estonian: 0.7, Russian: 0.3 },
    Latvia: { Latvian: 0.62, Russian: 0.38 },
    Slovenia: { Slovenian: 1 },
    Switzerland: { German: 0.63, French: 0.28, Italian: 0.09 },
    Japan: { Japanese: 1 },
    'South Korea': { Korean: 1 },
  },
  'first-language',
);

/** First languages of people who moved to the country they live in. */
const MIGRANT_LANGUAGES = Weighted.choices('first-language', {
  English: 3, Spanish: 2, Polish: 1.5, Arabic: 1.5, Hindi: 1, Urdu: 1, Punjabi: 1, 'Chinese (Mandarin)': 1,
  Cantonese: 0.5, Portuguese: 1, Romanian: 1, Russian: 1, Tagalog: 0.8, Vietnamese: 0.5, French: 0.8, Italian: 0.6,
  German: 0.6, Bengali: 0.6, Turkish: 0.6, Somali: 0.3, Yoruba: 0.4, Ukrainian: 0.6,
});
const ENGLISH = choiceIndex('first-language', 'English');
const RATHER_NOT_SAY = choiceIndex('first-language', 'Rather not say');

const MIGRANT_SHARE = new Map(
  Object.entries({ 'United Kingdom': 0.14, 'United States': 0.14, Canada: 0.2, Australia: 0.25, 'New Zealand': 0.2, Ireland: 0.15 }).map(
    ([name, share]) => [choiceIndex(RESIDENCE_ID, name), share],
  ),
);

const ETHNICITY = perCountry(
  {
    'United Kingdom': { White: 0.82, Black: 0.04, Asian: 0.09, Mixed: 0.03, Other: 0.02 },
    'United States': { White: 0.62, Black: 0.12, Asian: 0.06, Mixed: 0.1, Other: 0.1 },
    'South Africa': { Black: 0.78, White: 0.09, Mixed: 0.09, Asian: 0.03, Other: 0.01 },
    Mexico: { Mixed: 0.6, White: 0.25, Other: 0.15 },
    Chile: { Mixed: 0.5, White: 0.4, Other: 0.1 },
  },
  'ethnicity-simplified',
);
const OTHER_ETHNICITY = Weighted.choices('ethnicity-simplified', { White: 0.85, Asian: 0.05, Mixed: 0.05, Black: 0.02, Other: 0.03 });

const UK_NATIONS = Weighted.choices('uk-country-of-residence', { England: 0.84, Scotland: 0.08, Wales: 0.05, 'Northern Ireland': 0.03 });
/** The most populous states by population, the rest evenly. */
const US_STATE = Weighted.choices('us-state-of-residence', {
  ...Object.fromEntries(US_STATES.map((state) => [state, 0.9])),
  California: 12, Texas: 9, Florida: 7, 'New York': 6, Pennsylvania: 4, Illinois: 4, Ohio: 3.5, Georgia: 3.2,
  'North Carolina': 3.2, Michigan: 3,
});

const AGE_BANDS = new Weighted<readonly [number, number]>([
  [[18, 24], 0.2],
  [[25, 34], 0.33],
  [[35, 44], 0.22],
  [[45, 54], 0.13],
  [[55, 64], 0.08],
  [[65, 85], 0.04],
]);

const EDUCATION = Weighted.indexes([0.02, 0.08, 0.25, 0.12, 0.33, 0.15, 0.03, 0.02]);
/** Undergraduate, graduate and doctorate: the education levels whose holders are asked their degree subject. */
const DEGREE_LEVELS = new Set([4, 5, 6]);
/** By choice id of employment-status: in work full-time or part-time. */
const IN_WORK = new Set([0, 1]);
const STUDENT_WORK = Weighted.indexes([0.1, 0.35, 0, 0.15, 0.4, 0]);
const RETIRED_WORK = Weighted.indexes([0.05, 0.1, 0, 0.02, 0.8, 0.03]);
const WORK = Weighted.indexes([0.5, 0.2, 0.02, 0.1, 0.13, 0.05]);
const HANDEDNESS = Weighted.choices('handedness', { 'Left-handed': 0.1, 'Right-handed': 0.88, Ambidextrous: 0.02 });
const VISION = Weighted.indexes([0.93, 0.05, 0.02]);
const HOUSEHOLD = new Weighted([[1, 0.28], [2, 0.34], [3, 0.16], [4, 0.14], [5, 0.05], [6, 0.015], [7, 0.01], [8, 0.005]]);
const CAREFUL_APPROVAL = new Weighted([[100, 0.4], [99, 0.3], [98, 0.2], [97, 0.1]]);

/** Psychology, computer science and business are the commonest degrees; the rest share evenly. */
const SUBJECTS = Weighted.choices('degree-subject', {
  ...Object.fromEntries(DEGREE_SUBJECTS.map((subject) => [subject, 1])),
  Psychology: 6, 'Computer science': 5, 'Business and management': 5,
});
const PROGRAMMING = Weighted.choices('programming-languages', {
  ...Object.fromEntries(PROGRAMMING_LANGUAGES.map((name) => [name, 1])),
  Python: 8, JavaScript: 6, SQL: 5, Java: 3, TypeScript: 3,
});

const JOINED_FIRST = dayNumber('2014-04-01');
const JOINED_LAST = dayNumber('2026-06-30');

function drawPopulation(seed: number): Population {
  const single = new Map<string, Int16Array>();
  const multiple = new Map<string, (readonly number[])[]>();
  const ranges = new Map<string, Float64Array>();
  for (const filter of FILTERS) {
    if (filter.kind !== 'screener') continue;
    if (filter.type === 'range') ranges.set(filter.filter_id, new Float64Array(POPULATION_SIZE).fill(Number.NaN));
    else if (filter.multiple) multiple.set(filter.filter_id, new Array<readonly number[]>(POPULATION_SIZE).fill(NONE));
    else single.set(filter.filter_id, new Int16Array(POPULATION_SIZE).fill(-1));
  }
  const column = <T>(columns: Map<string, T>, filterId: string): T => columns.get(filterId) as T;
  const residenceOf = column(single, RESIDENCE_ID);
  const birthOf = column(single, 'country-of-birth');
  const nationalityOf = column(single, 'nationality');
  const ukNationOf = column(single, 'uk-country-of-residence');
  const usStateOf = column(single, 'us-state-of-residence');
  const firstLanguageOf = column(single, 'first-language');
  const fluentOf = column(multiple, 'fluent-languages');
  const sexOf = column(single, 'sex');
  const genderOf = column(single, 'gender-identity');
  const ageOf = column(ranges, 'age');
  const ethnicityOf = column(single, 'ethnicity-simplified');
  const educationOf = column(single, 'highest-education-level-completed');
  const studentOf = column(single, 'student-status');
  const subjectOf = column(single, 'degree-subject');
  const employmentOf = column(single, 'employment-status');
  const industryOf = column(single, 'industry');
  const programmingOf = column(multiple, 'programming-languages');
  const handednessOf = column(single, 'handedness');
  const visionOf = column(single, 'vision');
  const sleepOf = column(ranges, 'hours-of-sleep');
  const householdOf = column(ranges, 'household-size');
  const approvalRateOf = column(ranges, 'approval_rate');
  const approvalsOf = column(ranges, 'approval_numbers');
  const joinedOf = column(ranges, 'joined-prolific');
  const aiTaskerOf = column(single, 'ai-taskers');
  const factCheckerOf = column(single, 'fact-checkers');

  const ids: string[] = [];
  const profiles: AnnotatorProfile[] = [];
  for (let i = 0; i < POPULATION_SIZE; i += 1) {
    const random = derivedRandom(seed, 'person', i);
    ids.push(random.objectId());
    const profile = drawProfile(random);
    profiles.push(profile);

    const residence = RESIDENCE.draw(random);
    const migrant = random.chance(MIGRANT_SHARE.get(residence) ?? 0.05);
    const birth = migrant ? (residence + 1 + random.int(COUNTRIES.length - 1)) % COUNTRIES.length : residence;
    residenceOf[i] = residence;
    birthOf[i] = birth;
    nationalityOf[i] = migrant && random.chance(0.5) ? residence : birth;
    if (residence === UK) ukNationOf[i] = UK_NATIONS.draw(random);
    if (residence === US) usStateOf[i] = US_STATE.draw(random);
    const first = random.chance(0.005) ? RATHER_NOT_SAY : (migrant ? MIGRANT_LANGUAGES : (NATIVE_LANGUAGES.get(residence) as Weighted<number>)).draw(random);
    firstLanguageOf[i] = first;
    const fluent = first === RATHER_NOT_SAY ? [] : [first];
    if (first !== ENGLISH && random.chance(0.8)) fluent.push(ENGLISH);
    const other = random.chance(0.2) ? 1 + random.int(LANGUAGES.length - 2) : -1;
    if (other >= 0 && !fluent.includes(other)) fluent.push(other);
    fluentOf[i] = fluent;

    const sex = random.chance(0.49) ? 0 : 1;
    sexOf[i] = sex;
    const roll = random.next();
    // Man and Woman are choices 0 and 1, as Male and Female are of sex.
    genderOf[i] = roll < 0.97 ? sex : roll < 0.99 ? 2 : roll < 0.995 ? 3 : 4;
    const [youngest, oldest] = AGE_BANDS.draw(random);
    const age = youngest + random.int(oldest - youngest + 1);
    ageOf[i] = age;
    ethnicityOf[i] = (ETHNICITY.get(residence) ?? OTHER_ETHNICITY).draw(random);
    const education = EDUCATION.draw(random);
    educationOf[i] = education;
    const student = random.chance(age <= 24 ? 0.55 : age <= 34 ? 0.12 : 0.03);
    studentOf[i] = student ? 0 : 1;
    if (DEGREE_LEVELS.has(education)) subjectOf[i] = SUBJECTS.draw(random);
    const employment = (student ? STUDENT_WORK : age >= 65 ? RETIRED_WORK : WORK).draw(random);
    employmentOf[i] = employment;
    if (IN_WORK.has(employment)) industryOf[i] = random.int(INDUSTRIES.length);
    if (random.chance(0.22)) {
      const known: number[] = [];
      for (let count = 1 + random.int(3); known.length < count; ) {
        const language = PROGRAMMING.draw(random);
        if (!known.includes(language)) known.push(language);
      }
      programmingOf[i] = known;
    }
    handednessOf[i] = HANDEDNESS.draw(random);
    visionOf[i] = VISION.draw(random);
    sleepOf[i] = Math.round(Math.min(12, Math.max(3, 7 + (random.next() + random.next() + random.next() - 1.5) * 2.2)) * 4) / 4;
    householdOf[i] = HOUSEHOLD.draw(random);
    approvalRateOf[i] = drawApprovalRate(random, profile);
    approvalsOf[i] = Math.floor(Math.exp(random.between(0, Math.log(profile.diligence === 'careful' ? 12_000 : 4_000)))) - 1;
    joinedOf[i] = JOINED_FIRST + random.int(JOINED_LAST - JOINED_FIRST + 1);
    if (random.chance(AI_TASKER_SHARE[profile.diligence])) aiTaskerOf[i] = 0;
    if (profile.diligence === 'careful' && random.chance(0.06)) factCheckerOf[i] = 0;
  }
  return { size: POPULATION_SIZE, ids, indexOf: new Map(ids.map((id, index) => [id, index])), profiles, single, multiple, ranges };
}

/** Prolific's AI-task assessment keeps most careless and random annotators out. */
const AI_TASKER_SHARE: Record<AnnotatorProfile['diligence'], number> = { careful: 0.25, confuser: 0.1, careless: 0.03, random: 0 };

function drawApprovalRate(random: Random, profile: AnnotatorProfile): number {
  switch (profile.diligence) {
    case 'careful':
      return CAREFUL_APPROVAL.draw(random);
    case 'confuser':
      return 94 + random.int(7);
    case 'careless':
      return 88 + random.int(12);
    case 'random':
      return 65 + random.int(32);
  }
}
