/**
 * `npm run demo:comparison`: a human preference evaluation of four models, as an agent would run it, through a
 * real MCP client talking to the built server over stdio in sandbox mode: a file of model outputs becomes a
 * blind, balanced comparison study; the sandbox's annotators judge it; the ranking, its intervals, the
 * position bias and the training pairs come back. Nothing leaves this machine and no money moves.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo, step, untilSubmitted, type DemoSession } from './demo-client.js';

const outputs = fileURLToPath(new URL('../../scripts/demo-comparison.jsonl', import.meta.url));

let session: DemoSession | undefined;

async function main(): Promise<void> {
  // The study and its preference pairs need the default set and the results set beside the evaluations set.
  session = await startDemo('prolific-demo-comparison', ['run', 'results', 'evaluations']);
  const { call, exportDir } = session;
  console.log('Connected to the Prolific AI Task Builder MCP server (sandbox) over stdio.');

  step('create_comparison (scripts/demo-comparison.jsonl: 4 models × 10 prompts, ties allowed)');
  const made = await call('create_comparison', { name: 'Four assistants, ten prompts', file_path: outputs, allow_ties: true, seed: 2026 });
  console.log(`  ${made.summary}`);
  console.log(`  ${made.pairs.model_pairs} pairs of models, ${made.pairs.comparisons_each.join('–')} comparisons each; sides off balance by at most ${made.pairs.side_imbalance_max}`);
  console.log(`  preview the annotator's screen (model names hidden): ${made.preview_url}`);
  console.log(`  next: ${made.next}`);

  step('create_study (5 annotators per comparison) and publish_study at the quoted cost');
  const study = await call('create_study', {
    batch_id: made.batch_id,
    name: 'Which answer is better?',
    description: '<p>Read a question and two answers to it, and choose the better answer.</p>',
    reward: 120,
    estimated_completion_time: 6,
    annotators_per_task: 5,
  });
  console.log(`  study ${study.id}: ${study.total_available_places} places, quoted ${study.total_cost} ${study.currency} minor units`);
  await call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost });

  const progress = await untilSubmitted(session, study.id);
  console.log(`  study ${progress.status}`);

  step('rank_models');
  const ranked = await call('rank_models', { batch_id: made.batch_id });
  printRanking(ranked);

  step('export_labels format "preference" (prompt / chosen / rejected)');
  const file = join(exportDir, 'preferences.jsonl');
  const exported = await call('export_labels', { batch_id: made.batch_id, file_path: file, format: 'preference' });
  console.log(`  ${exported.rows} training pairs; ${exported.no_winner} comparisons without a winner left out${exported.warning ? ` (${exported.warning})` : ''}`);
  const [first] = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
  if (first) {
    console.log(`  e.g. ${first.prompt_id}: chosen ${first.chosen_model} over ${first.rejected_model}, votes ${JSON.stringify(first.votes)}, agreement ${first.agreement}`);
    console.log(`       chosen:   "${clip(first.chosen, 90)}"`);
    console.log(`       rejected: "${clip(first.rejected, 90)}"`);
  }

  const hidden = new Map<string, number>();
  for (const line of (await readFile(outputs, 'utf8')).trim().split('\n')) {
    const row = JSON.parse(line) as { model: string; META_SANDBOX_QUALITY: number };
    hidden.set(row.model, row.META_SANDBOX_QUALITY);
  }
  const truth = [...hidden].sort((a, b) => b[1] - a[1]).map(([model]) => model);
  const found = (ranked.models as { model: string }[]).map((m) => m.model);
  console.log(`\n■ The sandbox's hidden quality order: ${truth.join(' > ')}`);
  console.log(`  rank_models found:                 ${found.join(' > ')} — ${truth.join() === found.join() ? 'the same' : 'different'}`);
  console.log('  (Sandbox annotators judge by the hidden META_SANDBOX_QUALITY of each output: most weigh the two, a few careless ones take the first response, a few always pick one side, a few click at random.)');
  console.log('\nDone: a blind pairwise evaluation, rehearsed against the sandbox. Nothing was spent.');
  await session.close();
}

function printRanking(ranked: Record<string, any>): void {
  console.log(`  ${ranked.judgements} judgements on ${ranked.comparisons_judged} comparisons: "${ranked.question}"`);
  console.log(`  ${'rank'.padEnd(8)}${'model'.padEnd(16)}${'score [95% interval]'.padEnd(26)}${'win rate'.padEnd(10)}W–L–T`);
  for (const model of ranked.models) {
    const rank = `${model.rank}${model.rank_range && model.rank_range[0] !== model.rank_range[1] ? ` (${model.rank_range.join('–')})` : ''}`;
    const score = `${signed(model.score)} [${signed(model.ci95[0])}, ${signed(model.ci95[1])}]`;
    console.log(`  ${rank.padEnd(8)}${model.model.padEnd(16)}${score.padEnd(26)}${`${Math.round(model.win_rate * 100)}%`.padEnd(10)}${model.wins}–${model.losses}–${model.ties}`);
  }
  if (ranked.win_rates) {
    const names: string[] = ranked.win_rates.models;
    console.log(`  win rates, row over column: ${''.padEnd(2)}${names.map((name) => name.slice(0, 8).padStart(9)).join('')}`);
    names.forEach((name, i) => {
      const cells = (ranked.win_rates.matrix[i] as (number | null)[]).map((rate) => (rate === null ? '–' : `${Math.round(rate * 100)}%`).padStart(9));
      console.log(`  ${name.padEnd(28)}${cells.join('')}`);
    });
  }
  const bias = ranked.position_bias;
  console.log(`  position bias: ${Math.round(bias.first_share * 100)}% of ${bias.decisive} decisive answers chose the response shown first (95% ${Math.round(bias.ci95[0] * 100)}–${Math.round(bias.ci95[1] * 100)}%)`);
  console.log(`  ${ranked.annotators.same_side} of ${ranked.annotators.total} annotators always chose the same side`);
  console.log(`  note: ${ranked.note}`);
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

main().catch(async (error: unknown) => {
  console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
  await session?.close().catch(() => undefined);
  process.exit(1);
});
