import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ServerDeps } from '../deps.js';
import { completeBatchId } from '../complete.js';
import { howToEnable } from '../../toolsets.js';

/** Whether this server offers the named tool (its set is on, and --read-only leaves it). */
export type Offers = (tool: string) => boolean;

/** The tools of a whole run up to the responses, all in the default set. */
const RUN = ['list_workspaces', 'create_dataset', 'upload_file', 'create_batch', 'set_instructions', 'setup_batch', 'create_study', 'publish_study', 'get_study'];
/** What a run does with its responses: the results set. */
const RESULTS = ['summarize_responses', 'rerun_contested', 'review_submissions', 'export_labels'];

/**
 * Prompts that walk an agent through a whole job in the order the tools expect, with the checks a careful
 * person would make: the cost against the budget before anything is spent, and the evidence before anyone's
 * work is rejected. A prompt names only tools the server offers, and is left out where the ones it is about
 * are not offered (a read-only server has none that create and spend).
 */
export function registerPrompts(mcp: McpServer, deps: ServerDeps, offers: Offers): void {
  const batchId = completable(z.string().describe('The batch the annotators worked on'), (value) => completeBatchId(deps, value));

  if (RUN.every(offers)) {
    mcp.registerPrompt(
      'run_annotation_job',
      {
        title: 'Run an annotation job',
        description: 'Label a dataset with human annotators on Prolific, from upload to exported labels with their confidence, within a budget.',
        argsSchema: {
          data: z.string().describe('Path of a local .csv/.jsonl file, or a description of the datapoints'),
          question: z.string().describe('What annotators are asked about each datapoint'),
          labels: z.string().describe('The answer options, comma-separated'),
          budget: z.string().describe('Most the whole job may cost, fees and VAT included, e.g. "£40"'),
        },
      },
      (args) => userMessage(runAnnotationJob(args, RESULTS.every(offers) ? undefined : howToEnable(deps.config.toolsets, 'results'))),
    );
  }

  if (offers('summarize_responses') && offers('get_study')) {
    mcp.registerPrompt(
      'review_annotation_quality',
      {
        title: 'Review annotation quality',
        description: "Summarise a batch's labels and agreement, flag weak annotators, and propose which submissions to approve.",
        argsSchema: {
          batch_id: batchId,
          study_id: z.string().optional().describe('The study that ran on the batch, if known'),
        },
      },
      (args) => userMessage(reviewAnnotationQuality(args, offers)),
    );
  }
}

function userMessage(text: string): GetPromptResult {
  return { messages: [{ role: 'user', content: { type: 'text', text } }] };
}

/** `resultsOff`: how to turn on the results set, when it is off. */
function runAnnotationJob(args: { data: string; question: string; labels: string; budget: string }, resultsOff: string | undefined): string {
  return `Run a human-annotation job on Prolific AI Task Builder with the prolific-task-builder tools.

Data: ${args.data}
Question for the annotators: ${args.question}
Labels: ${args.labels}
Budget: ${args.budget}, the whole job, fees and VAT included

Work through these steps in order. Stop and ask me whenever something is unclear; never guess about money.
1. list_workspaces: use the default workspace, or ask me which one if there are several.
2. create_dataset, then upload_file. A local .csv or .jsonl file goes in as file_path; datapoints you write yourself from a description go in as rows (one flat object per datapoint). Every column is shown to annotators except those starting with META_; keep ids there.
3. create_batch, bound to the dataset, with task_details that explain the job in plain words.
4. set_instructions: one multiple_choice instruction whose description is the question, one option per label (label and value), answer_limit 1 (or -1 if several labels may apply together). Add a free_text "Why?" only if explanations are worth paying for.
5. setup_batch; tasks_per_group sets how many datapoints one submission covers (10 to 20 keeps it short). Give me its preview_url, so I can see the annotator's screen before anything is spent.
6. create_study with annotators_per_task of at least 3, so that majorities and agreement mean something, and an estimated_completion_time that matches the work. Money is in minor units: pence or cents.
7. Cost check: compare the quoted total_cost with the budget. If it is over, do not publish: create a smaller study (fewer places or annotators) or ask me to raise the budget.
8. publish_study without confirm_total_cost to get the quote. Show me the total, the places and the reward, and publish with confirm_total_cost only after I agree.
9. get_study until the study is AWAITING REVIEW or COMPLETED.
${resultsOff === undefined ? RESULT_STEPS : resultsOffStep(resultsOff)}`;
}

const RESULT_STEPS = `10. summarize_responses. With 3 or more ratings a task and 10 or more answers an annotator it uses Dawid–Skene (say which method it used): tell me the labels and how many have a confidence below 0.9, the agreement (Krippendorff's alpha: 0.8 or more is reliable, below 0.667 doubtful), and the annotators with the lowest estimated_accuracy (or agreement_with_majority) and any gold_accuracy.
    If tasks stay contested (confidence below 0.9), offer a follow-up round for just those: rerun_contested with below_confidence 0.9 creates an UNPUBLISHED study and quotes it. Publish it only as in steps 7 and 8, with my agreement; once it has run, pass both batches as batch_ids to summarize_responses.
11. Propose approvals with review_submissions (APPROVE pays the participants). Reject nobody without my agreement, and then only with a rejection_category and a respectful message of at least 100 characters.
12. export_labels to a .csv or .jsonl file for the evaluation pipeline (with batch_ids when there was a follow-up round): one row per datapoint with its label and confidence. Tell me where it is.`;

function resultsOffStep(howToEnableResults: string): string {
  return `10. get_responses for the annotators' answers. Labels with their confidence and agreement, follow-up rounds, approvals and exports are in the results tool set, which is off on this server: tell me, so that I can restart it with ${howToEnableResults}.`;
}

function reviewAnnotationQuality(args: { batch_id: string; study_id?: string | undefined }, offers: Offers): string {
  const study = args.study_id ? `study ${args.study_id}` : 'the study that ran on it (ask me for its id if you do not have it)';
  // Where the results set is on, only --read-only leaves these out.
  const decide = offers('review_submissions')
    ? 'Call review_submissions only after I agree: APPROVE the accepted ones (it pays them), and REJECT only those I confirm, with a rejection_category and a message of at least 100 characters that tells the participant what was wrong.'
    : 'This server is read-only: list the approvals and rejections you propose, for me to carry out.';
  const exportLabels = offers('export_labels') ? 'export_labels for the pipeline' : 'an export for the pipeline (on a server that may write)';
  const followUp =
    offers('rerun_contested') && offers('publish_study')
      ? 'offer a follow-up round for the tasks with confidence below 0.9: rerun_contested creates an UNPUBLISHED study and quotes it; publish_study only with my agreement, then summarize both rounds with batch_ids'
      : 'propose a follow-up round for the tasks with confidence below 0.9 (on a server that may write)';
  return `Review the annotation quality of batch ${args.batch_id} and propose which submissions of ${study} to approve.

1. summarize_responses for the batch (say which method it used: Dawid–Skene when tasks have 3+ ratings and annotators 10+ answers, else majority). For every multiple-choice instruction report Krippendorff's alpha (0.8 or more reliable, 0.667 to 0.8 tentative, below 0.667 doubtful), Fleiss' kappa when given, percent agreement, and the most contested tasks (lowest confidence, or ties).
2. Flag weak annotators, with the best evidence first: gold_accuracy when the dataset has known answers (META_GOLD_ columns; gold_answers of 5 or more); then estimated_accuracy from Dawid–Skene, which also catches annotators who systematically give one option for another; then agreement_with_majority clearly below the rest (for instance under 0.6, or 0.2 below the median) over enough comparisons (compared of 5 or more). Someone clicking at random agrees about one time in the number of options.
3. get_study: the submissions awaiting review, with the seconds each took. Very fast work with low agreement is the strongest sign of carelessness; low agreement alone can also mean a hard or ambiguous task, so look at the contested tasks before blaming anyone.
4. Propose: approve everyone not flagged; for each flagged annotator show the evidence (agreement, comparisons, time) and suggest approve or reject.
5. ${decide}
6. Suggest next steps for the labels: ${exportLabels}, and ${followUp}.`;
}
