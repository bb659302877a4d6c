/**
 * The sandbox's filter catalogue, what `GET /api/v1/filters/` lists (digest §1.1): select filters whose
 * choices are keyed by choice id, ranges with their bounds, and the include/exclude lists (§1.3) whose choices
 * are the workspace's own participant groups and studies. The people behind the answers are in population.ts.
 *
 * Choices of the sandbox's own making:
 * - Ids of the screeners follow the pattern of the ones public code uses (`current-country-of-residence`,
 *   `fluent-languages`, `approval_rate`, `approval_numbers`, `age`, `handedness`, `ai-taskers`); the rest are
 *   slugs of their titles, as the spec says filter ids are.
 * - The previous-studies allowlist is `previous_studies_allowlist` (titled "Previous Studies AllowList"), not the
 *   docs example's `previous_studies` (digest §15 item 1): a client that hard-codes either instead of reading the
 *   catalogue meets a 400 here as it may on Prolific.
 * - `custom_blocklist` is listed beside `custom_allowlist`, though only the latter is confirmed (digest §1.3).
 * - The list is answered whole (no paging): the CLI reads it in one request (digest §1.1).
 */
import { COUNTRIES, DEGREE_SUBJECTS, INDUSTRIES, LANGUAGES, PROGRAMMING_LANGUAGES, US_STATES } from './filter-lists.js';

interface FilterText {
  filter_id: string;
  title: string;
  description: string;
  question: string;
  category: string;
  subcategory: string;
  researcher_help_text: string;
  participant_help_text: string;
  tags: string[];
}

/** A screener participants answered; `multiple` when one person may hold several of its choices. */
export interface SelectScreener extends FilterText {
  type: 'select';
  kind: 'screener';
  choices: readonly string[];
  multiple: boolean;
}

/** Bounds are numbers; a date range counts whole days since 1970-01-01 and its max is "today" on the sandbox clock. */
export interface RangeScreener extends FilterText {
  type: 'range';
  kind: 'screener';
  data_type: 'integer' | 'float' | 'date';
  min: number;
  max: number | 'today';
}

/** A list whose choices are the account's own objects: participant groups, studies, or participant ids. */
export interface ListFilter extends FilterText {
  type: 'select';
  kind: 'list';
  data_type: 'ParticipantGroupID' | 'StudyID' | 'ParticipantID';
  /** allow: only those listed (or in a listed group or study) may take part; block: they may not. */
  effect: 'allow' | 'block';
}

export type CatalogueFilter = SelectScreener | RangeScreener | ListFilter;

const DAY_MS = 86_400_000;

export function dayNumber(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function text(
  filter_id: string,
  title: string,
  question: string,
  description: string,
  category: string,
  subcategory: string,
  tags: string[] = [],
): FilterText {
  return {
    filter_id,
    title,
    question,
    description,
    category,
    subcategory,
    researcher_help_text: `Participants answered "${question}" in their About You section.`,
    participant_help_text: 'Keep your answers up to date so that you see the studies meant for you.',
    tags,
  };
}

function select(base: FilterText, choices: readonly string[], multiple = false): SelectScreener {
  return { ...base, type: 'select', kind: 'screener', choices, multiple };
}

function range(base: FilterText, data_type: RangeScreener['data_type'], min: number, max: number | 'today'): RangeScreener {
  return { ...base, type: 'range', kind: 'screener', data_type, min, max };
}

function list(base: FilterText, data_type: ListFilter['data_type'], effect: ListFilter['effect']): ListFilter {
  return { ...base, type: 'select', kind: 'list', data_type, effect };
}

const YES_NO = ['Yes', 'No'];

export const FILTERS: readonly CatalogueFilter[] = [
  select(
    text('current-country-of-residence', 'Current Country of Residence', 'In which country do you currently reside?', 'The country participants live in now.', 'Geography', 'Location', ['recommended']),
    COUNTRIES,
  ),
  select(
    text('uk-country-of-residence', 'UK Country of Residence', 'Which country of the United Kingdom do you live in?', 'Asked only of participants who live in the United Kingdom.', 'Geography', 'Location'),
    ['England', 'Scotland', 'Wales', 'Northern Ireland'],
  ),
  select(
    text('us-state-of-residence', 'US State of Residence', 'In which US state do you currently reside?', 'Asked only of participants who live in the United States.', 'Geography', 'Location'),
    US_STATES,
  ),
  select(text('country-of-birth', 'Country of Birth', 'In which country were you born?', 'The country participants were born in.', 'Geography', 'Origin'), COUNTRIES),
  select(text('nationality', 'Nationality', 'What is your nationality?', 'The nationality participants hold (the first, if several).', 'Geography', 'Origin'), COUNTRIES),
  select(
    text('first-language', 'First Language', 'What is your first language?', 'The language participants learned first and speak best.', 'Languages', 'Language', ['recommended']),
    LANGUAGES,
  ),
  select(
    text('fluent-languages', 'Fluent languages', 'Which of the following languages are you fluent in?', 'Every language a participant says they are fluent in; selecting several admits speakers of any of them.', 'Languages', 'Language'),
    LANGUAGES,
    true,
  ),
  select(
    text('sex', 'Sex', 'What is your sex, as recorded on legal or official documents?', 'Sex as recorded on official documents.', 'Demographics', 'Basic'),
    ['Male', 'Female'],
  ),
  select(
    text('gender-identity', 'Gender identity', 'Which of the following best describes your gender identity?', 'How participants describe their gender.', 'Demographics', 'Basic'),
    ['Man', 'Woman', 'Non-binary', 'Other', 'Rather not say'],
  ),
  range(text('age', 'Age', 'What is your age?', 'Age in whole years, kept current from the date of birth participants gave.', 'Demographics', 'Basic', ['recommended']), 'integer', 18, 100),
  select(
    text('ethnicity-simplified', 'Ethnicity (simplified)', 'What is your ethnic group?', 'A simplified ethnic group, in five categories.', 'Demographics', 'Background'),
    ['White', 'Black', 'Asian', 'Mixed', 'Other'],
  ),
  select(
    text('highest-education-level-completed', 'Highest education level completed', 'What is the highest level of education you have completed?', 'The highest qualification participants hold.', 'Education', 'Qualifications'),
    [
      'No formal qualifications',
      'Secondary education (e.g. GED/GCSE)',
      'High school diploma/A-levels',
      'Technical/community college',
      'Undergraduate degree (BA/BSc/other)',
      'Graduate degree (MA/MSc/MPhil/other)',
      'Doctorate degree (PhD/other)',
      "Don't know / not applicable",
    ],
  ),
  select(text('student-status', 'Student Status', 'Are you a student?', 'Whether participants are studying at present.', 'Education', 'Student'), YES_NO),
  select(
    text('degree-subject', 'Degree subject', 'What subject is your degree in?', 'Asked of participants with a university degree.', 'Education', 'Qualifications'),
    DEGREE_SUBJECTS,
  ),
  select(
    text('employment-status', 'Employment Status', 'What is your employment status?', 'Whether and how much participants work.', 'Work', 'Employment'),
    [
      'Full-Time',
      'Part-Time',
      'Due to start a new job within the next month',
      'Unemployed (and job seeking)',
      'Not in paid work (e.g. homemaker, retired or disabled)',
      'Other',
    ],
  ),
  select(text('industry', 'Industry', 'Which industry do you work in?', 'Asked of participants in work.', 'Work', 'Employment'), INDUSTRIES),
  select(
    text('programming-languages', 'Programming languages', 'Which programming languages are you proficient in?', 'Every programming language a participant says they are proficient in.', 'Work', 'Skills'),
    PROGRAMMING_LANGUAGES,
    true,
  ),
  select(text('handedness', 'Handedness', 'Are you left or right handed?', 'Which hand participants write with.', 'Health', 'Physical'), ['Left-handed', 'Right-handed', 'Ambidextrous']),
  select(
    text('vision', 'Normal or corrected-to-normal vision', 'Do you have normal or corrected-to-normal vision?', 'Whether participants see normally, with glasses or lenses if they need them.', 'Health', 'Physical'),
    ['Yes', 'No', "Don't know"],
  ),
  range(text('hours-of-sleep', 'Hours of sleep', 'How many hours do you sleep on a typical night?', 'Typical hours of sleep a night, to the quarter hour.', 'Health', 'Lifestyle'), 'float', 0, 24),
  range(text('household-size', 'Household size', 'How many people live in your household, including you?', 'The number of people in the household.', 'Demographics', 'Household'), 'integer', 1, 20),
  range(
    text('approval_rate', 'Approval Rate', 'What share of your submissions have researchers approved?', 'The percentage of a participant\'s submissions that researchers approved.', 'Prolific', 'Participation history', ['recommended']),
    'integer',
    0,
    100,
  ),
  range(
    text('approval_numbers', 'Approvals', 'How many of your submissions have researchers approved?', 'The number of a participant\'s submissions that researchers approved, over all studies.', 'Prolific', 'Participation history'),
    'integer',
    0,
    100_000,
  ),
  range(
    text('joined-prolific', 'Joined Prolific', 'When did you join Prolific?', 'The date participants joined Prolific, as an ISO 8601 date.', 'Prolific', 'Participation history'),
    'date',
    dayNumber('2014-04-01'),
    'today',
  ),
  select(
    text('ai-taskers', 'AI Taskers', 'Have you passed Prolific\'s AI task assessment?', 'Participants vetted for AI training and evaluation work: annotation, rating and writing.', 'Specialist pools', 'Custom groups', ['custom-group', 'allow-distribution']),
    ['AI Taskers'],
  ),
  select(
    text('fact-checkers', 'Fact checkers', 'Have you passed Prolific\'s fact-checking assessment?', 'Participants vetted for checking claims against sources.', 'Specialist pools', 'Custom groups', ['custom-group', 'allow-distribution']),
    ['Fact checkers'],
  ),
  list(
    text('participant_group_allowlist', 'Participant Group AllowList', 'Which participant groups may take part?', 'Only members of the selected participant groups may take part; membership changes apply to published studies at once.', 'Custom lists', 'Participant groups'),
    'ParticipantGroupID',
    'allow',
  ),
  list(
    text('participant_group_blocklist', 'Participant Group BlockList', 'Which participant groups may not take part?', 'Members of the selected participant groups may not take part; membership changes apply to published studies at once.', 'Custom lists', 'Participant groups'),
    'ParticipantGroupID',
    'block',
  ),
  list(
    text('previous_studies_allowlist', 'Previous Studies AllowList', 'Which of your previous studies must participants have taken part in?', 'Only participants of the selected studies may take part.', 'Custom lists', 'Previous studies'),
    'StudyID',
    'allow',
  ),
  list(
    text('previous_studies_blocklist', 'Previous Studies BlockList', 'Which of your previous studies exclude participants?', 'Participants of the selected studies may not take part, including those who returned their place or timed out.', 'Custom lists', 'Previous studies'),
    'StudyID',
    'block',
  ),
  list(
    text('custom_allowlist', 'Custom AllowList', 'Which Prolific IDs may take part?', 'Only the listed Prolific participant IDs may take part.', 'Custom lists', 'Participant IDs'),
    'ParticipantID',
    'allow',
  ),
  list(
    text('custom_blocklist', 'Custom BlockList', 'Which Prolific IDs may not take part?', 'The listed Prolific participant IDs may not take part.', 'Custom lists', 'Participant IDs'),
    'ParticipantID',
    'block',
  ),
];

const BY_ID = new Map(FILTERS.map((filter) => [filter.filter_id, filter]));

export function catalogueFilter(filterId: string): CatalogueFilter | undefined {
  return BY_ID.get(filterId);
}

/** A screener's choices as the API keys them. */
export function choiceMap(choices: readonly string[]): Record<string, string> {
  return Object.fromEntries(choices.map((label, index) => [String(index), label]));
}
