import type { ToolDefinition } from '../src/mcp/tool.js';
import createDataset from './create_dataset.js';
import uploadFile from './upload_file.js';
import getDataset from './get_dataset.js';
import createBatch from './create_batch.js';
import getBatch from './get_batch.js';
import listBatches from './list_batches.js';
import updateBatch from './update_batch.js';
import duplicateBatch from './duplicate_batch.js';
import setInstructions from './set_instructions.js';
import setupBatch from './setup_batch.js';
import syncBatch from './sync_batch.js';
import createStudy from './create_study.js';
import getStudy from './get_study.js';
import publishStudy from './publish_study.js';
import transitionStudy from './transition_study.js';
import getResponses from './get_responses.js';
import listWorkspaces from './list_workspaces.js';
import summarizeResponses from './summarize_responses.js';
import exportLabels from './export_labels.js';
import exportBatch from './export_batch.js';
import rerunContested from './rerun_contested.js';
import reviewSubmissions from './review_submissions.js';
import findFilters from './find_filters.js';
import countParticipants from './count_participants.js';
import payBonuses from './pay_bonuses.js';
import createComparison from './create_comparison.js';
import rankModels from './rank_models.js';

/** Every tool, in the order of the walkthrough; the catalogue lists them in this order. */
export const allTools = [
  listWorkspaces,
  createDataset,
  uploadFile,
  getDataset,
  createBatch,
  setInstructions,
  setupBatch,
  getBatch,
  listBatches,
  updateBatch,
  duplicateBatch,
  syncBatch,
  createStudy,
  publishStudy,
  getStudy,
  transitionStudy,
  getResponses,
  summarizeResponses,
  exportLabels,
  exportBatch,
  rerunContested,
  reviewSubmissions,
  findFilters,
  countParticipants,
  payBonuses,
  createComparison,
  rankModels,
] as unknown as ToolDefinition[];
