/**
 * `npm run demo`: a whole annotation run, as an agent would drive it, through a real MCP client talking to the
 * built server over stdio in sandbox mode. Nothing leaves this machine and no money moves.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { startDemo, step, untilSubmitted, type DemoSession } from './demo-client.js';

const csv = fileURLToPath(new URL('../../scripts/demo-reviews.csv', import.meta.url));

let session: DemoSession | undefined;

async function main(): Promise<void> {
  // The whole job, labels, approvals, targeting and bonuses included: the run, results and audience sets.
  session = await startDemo('prolific-demo', ['run', 'results', 'audience']);
  const { client, call, exportDir } = session;
  const { tools } = await client.listTools();
  console.log(`Connected to the Prolific AI Task Builder MCP server (sandbox) over stdio: ${tools.length} tools.`);

  step('list_workspaces');
  const { workspaces } = await call('list_workspaces', {});
  console.log(`  workspace ${workspaces[0].title} (${workspaces[0].id}), project ${workspaces[0].projects[0]?.title}`);

  step('create_dataset');
  const dataset = await call('create_dataset', { name: 'Product reviews' });
  console.log(`  dataset ${dataset.id}: V${dataset.schema_version}, ${dataset.schema ? 'with a schema' : 'its schema comes from the first upload'}`);

  step('upload_file (scripts/demo-reviews.csv)');
  const upload = await call('upload_file', { dataset_id: dataset.id, file_path: csv });
  console.log(`  ${upload.filename}: ${upload.bytes} bytes → ${upload.total_datapoint_count} datapoints, import ${upload.status}: ${upload.summary}`);

  step('create_batch');
  const batch = await call('create_batch', {
    name: 'Review sentiment',
    dataset_id: dataset.id,
    task_details: {
      task_name: 'Rate the sentiment of product reviews',
      task_introduction: '<p>You will read short customer reviews of household products.</p>',
      task_steps: '<ol><li>Read the review.</li><li>Choose its sentiment.</li><li>Say which aspect it is about.</li></ol>',
    },
  });
  console.log(`  batch ${batch.id}: ${batch.status}`);

  step('set_instructions');
  const set = await call('set_instructions', {
    batch_id: batch.id,
    instructions: [
      {
        type: 'multiple_choice',
        description: 'What is the overall sentiment of this review?',
        options: [
          { label: 'Positive', value: 'positive' },
          { label: 'Neutral', value: 'neutral' },
          { label: 'Negative', value: 'negative' },
        ],
        answer_limit: 1,
      },
      {
        type: 'multiple_choice',
        description: 'Which aspects does it mention?',
        options: [
          { label: 'Quality', value: 'quality' },
          { label: 'Price', value: 'price' },
          { label: 'Delivery', value: 'delivery' },
          { label: 'Safety', value: 'safety' },
        ],
        answer_limit: -1,
      },
      { type: 'free_text', description: 'In a few words, why?', validation: { type: 'string', min: 3, max: 200 } },
    ],
  });
  const shown = set.fields_shown?.length ? `the dataset's ${set.fields_shown.join(', ')}, then ` : '';
  console.log(`  written as ${set.written_as}: one page showing ${shown}${set.instructions.length} questions`);
  if (set.deprecation) console.log(`  note: ${set.deprecation}`);

  step('setup_batch (every participant rates all 8 reviews)');
  const ready = await call('setup_batch', { batch_id: batch.id, tasks_per_group: 8 });
  console.log(`  batch ${ready.status}: ${ready.total_task_count} tasks in ${ready.total_task_groups} groups`);
  console.log(`  preview the annotator's screen: ${ready.preview_url}`);

  step('find_filters "UK residents whose first language is English"');
  const found = await call('find_filters', { query: 'UK residents whose first language is English' });
  for (const filter of found.filters) {
    console.log(`  ${filter.filter_id.padEnd(30)} ${filter.title}: ${Object.entries(filter.choices ?? {}).map(([id, label]) => `${label} = ${id}`).join(', ') || `${filter.min}..${filter.max}`}`);
  }
  const audience = [chosen(found.filters, /country of residence/i, 'United Kingdom'), chosen(found.filters, /first language/i, 'English')];
  console.log(`  → filters ${JSON.stringify(audience)}`);

  step('count_participants');
  const pool = await call('count_participants', { filters: audience });
  console.log(`  ${pool.eligible_participants} eligible: ${pool.who.join('; ')}`);

  step('create_study (5 annotators per review, UK residents whose first language is English)');
  const study = await call('create_study', {
    batch_id: batch.id,
    name: 'Rate the sentiment of product reviews',
    description: '<p>Read eight short product reviews and tell us how each customer felt.</p>',
    reward: 150,
    estimated_completion_time: 8,
    annotators_per_task: 5,
    filters: audience,
  });
  console.log(`  study ${study.id}: ${study.status}, ${study.total_available_places} places × ${study.reward}p`);
  console.log(`  who may take part: ${study.audience.who.join('; ')} (${study.audience.eligible_participants} eligible)`);
  console.log(`  quoted total: ${study.total_cost} ${study.currency} minor units (fees and VAT included)`);

  step('publish_study, first without confirmation');
  const quote = await call('publish_study', { study_id: study.id });
  console.log(`  published: ${quote.published} — ${quote.message}`);

  step(`publish_study with confirm_total_cost=${quote.total_cost} (the person agreed)`);
  const published = await call('publish_study', { study_id: study.id, confirm_total_cost: quote.total_cost });
  console.log(`  published: ${published.published}, study ${published.study.status}`);

  const progress = await untilSubmitted(session, study.id);
  console.log(`  study ${progress.status}: ${JSON.stringify(progress.submissions_by_status)}`);

  step('get_responses (first page)');
  const page = await call('get_responses', { batch_id: batch.id, limit: 5 });
  console.log(`  ${page.total} response records in all; the first: ${JSON.stringify(page.results[0]?.response)}`);

  step('read resource prolific://batches/{id}/report');
  const report = await client.readResource({ uri: `prolific://batches/${batch.id}/report` });
  const rows = parse((report.contents[0] as { text: string }).text, { columns: true }) as Record<string, string>[];
  console.log(`  CSV report: ${rows.length} rows; columns: ${Object.keys(rows[0] ?? {}).join(' | ')}`);
  const reviewOf = new Map(rows.map((row) => [row.task_id ?? '', row.review ?? '']));

  step('summarize_responses (method: majority)');
  const majority = await call('summarize_responses', { batch_id: batch.id, method: 'majority' });
  printLabels(majority, reviewOf);

  step('summarize_responses (5 ratings a review, 8 reviews an annotator: Dawid–Skene by default)');
  const summary = await call('summarize_responses', { batch_id: batch.id });
  printModelled(summary, majority, reviewOf);

  step('review_submissions APPROVE (pays everyone awaiting review)');
  const awaiting = await call('get_study', { study_id: study.id });
  console.log(`  ${awaiting.awaiting_review.length} submissions awaiting review`);
  const reviewed = await call('review_submissions', { study_id: study.id, action: 'APPROVE' });
  console.log(`  ${reviewed.message} Now: ${JSON.stringify(reviewed.submissions_by_status)}`);

  step('export_labels');
  const exported = await call('export_labels', { batch_id: batch.id, file_path: join(exportDir, 'review-labels.csv') });
  console.log(`  ${exported.rows} rows (${exported.method}) → ${exported.file_path}`);
  console.log(`  columns: ${exported.columns.join(' | ')}`);

  // The two least accurate annotators are left out: the threshold falls between the second and third worst.
  const [, second, third] = summary.participants.map((p: Record<string, any>) => p.estimated_accuracy ?? p.agreement_with_majority);
  const cut = Math.round(((second + third) / 2) * 1000) / 1000;
  step(`rerun_contested (below_confidence 0.9, exclude_below_accuracy ${cut}): a follow-up round without the least accurate annotators, quoted, not published`);
  console.log(`  a review is contested when any of its questions is below 0.9; below it: ${contestedOn(summary, 0.9)}`);
  const rerun = await call('rerun_contested', {
    batch_id: batch.id,
    study_id: study.id,
    below_confidence: 0.9,
    annotators_per_task: 3,
    reward: 150,
    estimated_completion_time: 8,
    exclude_below_accuracy: cut,
  });
  if (rerun.items === 0) console.log(`  ${rerun.message}`);
  else {
    console.log(`  ${rerun.items} contested reviews → dataset ${rerun.dataset_id}, batch ${rerun.batch_id}, study ${rerun.study_id} (${rerun.status})`);
    console.log(`  quoted: ${rerun.total_cost} ${rerun.currency} minor units for ${rerun.total_available_places} places; publish_study would spend it`);
    const left = rerun.audience.left_out;
    console.log(`  who may take part: ${rerun.audience.who.join('; ')}`);
    console.log(`  left out: ${left ? `${left.count} (${left.participant_ids.map((id: string) => id.slice(-6)).join(', ')})` : 'nobody'}; ${rerun.audience.eligible_participants} still eligible`);
  }

  // The best two (summarize_responses lists annotators worst first): at least the second best's accuracy.
  const best = Math.floor(summary.participants.map((p: Record<string, any>) => p.estimated_accuracy ?? p.agreement_with_majority).at(-2) * 1000) / 1000;
  step(`pay_bonuses (accuracy_at_least ${best}, 50p each): the best annotators' bonus, quoted, not paid`);
  const bonus = await call('pay_bonuses', { study_id: study.id, accuracy_at_least: best, amount: 50 });
  console.log(`  ${bonus.participants} annotators, ${bonus.total_cost} ${bonus.currency} minor units with fees and VAT; paid: ${bonus.paid}`);
  console.log(`  ${bonus.message}`);

  printAgreement(summary);
  await session.close();
}

/** The filter whose title matches and the id of its choice labelled `label`: what an agent reads off find_filters. */
function chosen(filters: Record<string, any>[], title: RegExp, label: string): { filter_id: string; selected_values: string[] } {
  for (const filter of filters) {
    const id = Object.entries(filter.choices ?? {}).find(([, text]) => text === label)?.[0];
    if (id !== undefined && title.test(filter.title)) return { filter_id: filter.filter_id, selected_values: [id] };
  }
  throw new Error(`find_filters found no ${title} filter with the choice ${label}`);
}

/** Per review: the annotators' votes on the sentiment question and the majority, as summarize_responses found them. */
function printLabels(summary: Record<string, any>, reviewOf: Map<string, string>): void {
  const sentiment = summary.instructions[0];
  console.log(`  "${sentiment.description}"`);
  for (const task of sentiment.tasks) {
    const majority = task.majority === null ? 'tie' : `${task.majority} (${Math.round(task.share * 100)}%)`;
    const votes = Object.entries(task.counts as Record<string, number>).map(([value, n]) => `${value}: ${n}`).join(', ');
    const review = reviewOf.get(task.task_id) ?? task.task_id;
    const shown = review.length > 48 ? `${review.slice(0, 47)}…` : review;
    console.log(`  ${shown.padEnd(49)} ${majority.padEnd(16)} [${votes}]`);
  }
}

/**
 * Per review: the Dawid–Skene label and confidence of both choice questions, the sentiment marked where it differs
 * from the majority. The multi-select's confidence covers all its option decisions at once, so it is often lower.
 */
function printModelled(summary: Record<string, any>, majority: Record<string, any>, reviewOf: Map<string, string>): void {
  const [sentiment, aspects] = summary.instructions;
  const votes = new Map((majority.instructions[0].tasks as Record<string, any>[]).map((task) => [task.task_id, task.majority ?? 'tie']));
  const aspectOf = new Map((aspects.tasks as Record<string, any>[]).map((task) => [task.task_id, task]));
  console.log(`  method: ${summary.method}`);
  console.log(`  ${'review'.padEnd(49)} ${'sentiment'.padEnd(20)}aspects (all options together)`);
  for (const task of sentiment.tasks) {
    const review = reviewOf.get(task.task_id) ?? task.task_id;
    const shown = review.length > 48 ? `${review.slice(0, 47)}…` : review;
    const aspect = aspectOf.get(task.task_id);
    const chosen = aspect ? `${[aspect.label].flat().join('+') || 'none'} (${aspect.confidence.toFixed(3)})` : '';
    const differs = votes.get(task.task_id) === task.label ? '' : `  ≠ majority ${votes.get(task.task_id)}`;
    console.log(`  ${shown.padEnd(49)} ${`${task.label} (${task.confidence.toFixed(3)})`.padEnd(20)}${chosen}${differs}`);
  }
  const worst = summary.participants.slice(0, 3).map((p: Record<string, any>) => `${p.participant_id.slice(-6)} ${fixed(p.estimated_accuracy)}`);
  console.log(`  least accurate annotators (estimated): ${worst.join(', ')}`);
}

/** Which questions put reviews below the threshold: rerun_contested takes a review's weakest question. */
function contestedOn(summary: Record<string, any>, below: number): string {
  const parts: string[] = [];
  for (const instruction of summary.instructions) {
    if (!Array.isArray(instruction.tasks)) continue;
    const low = (instruction.tasks as Record<string, any>[]).filter((task) => task.confidence < below).length;
    parts.push(`"${instruction.description}" ${low} of ${instruction.tasks.length}`);
  }
  return parts.join(', ');
}

/** The last word: how far the labels can be trusted. */
function printAgreement(summary: Record<string, any>): void {
  console.log('\n■ Majority labels and agreement (summarize_responses)');
  for (const instruction of summary.instructions) {
    if (!('krippendorff_alpha' in instruction)) {
      console.log(`  ${instruction.description}: ${instruction.answers} free-text answers, e.g. "${instruction.examples[0] ?? ''}"`);
      continue;
    }
    const labels = Object.entries(instruction.counts as Record<string, number>).map(([value, n]) => `${value} ${n}`).join(', ');
    console.log(`  ${instruction.description}${instruction.multi_select ? ' (multi-select, per option)' : ''}`);
    console.log(
      `    alpha ${fixed(instruction.krippendorff_alpha)}, Fleiss kappa ${fixed(instruction.fleiss_kappa)}, agreement ${fixed(instruction.percent_agreement)}; ${instruction.ties} ties of ${instruction.tasks_total} tasks; votes: ${labels}`,
    );
  }
  const worst = summary.participants.slice(0, 3).map((p: Record<string, any>) => `${p.participant_id.slice(-6)} ${fixed(p.agreement_with_majority)}`);
  console.log(`  annotators least in line with the others: ${worst.join(', ')}`);
  console.log(
    '  (Sandbox annotators do not read the text: the demo file states each review\'s answer in META_SANDBOX_ANSWER_ columns; most annotators are careful, a few careless, random or confusing one option for another.)',
  );
  console.log('\nDone: a whole annotation run, rehearsed against the sandbox. Nothing was spent.');
}

function fixed(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(3);
}

main().catch(async (error: unknown) => {
  console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
  await session?.close().catch(() => undefined);
  process.exit(1);
});
