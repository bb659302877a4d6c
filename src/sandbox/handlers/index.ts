/** The sandbox API as one list of msw handlers: every endpoint, then the 404/405 answers for the rest. */
import type { HttpHandler } from 'msw';

import type { SandboxState } from '../state.js';
import { accountRoutes } from './account.js';
import { batchRoutes } from './batches.js';
import { bonusRoutes } from './bonuses.js';
import { datasetRoutes } from './datasets.js';
import { exportRoutes } from './exports.js';
import { filterSetRoutes } from './filter-sets.js';
import { filterRoutes } from './filters.js';
import { instructionRoutes } from './instructions.js';
import { participantGroupRoutes } from './participant-groups.js';
import { pricingRoutes } from './pricing.js';
import { apiFallback, storageFallback } from './route.js';
import { storageHandlers } from './storage.js';
import { studyRoutes } from './studies.js';
import { submissionRoutes } from './submissions.js';

export function createSandboxHandlers(state: SandboxState): HttpHandler[] {
  const routes = [
    ...accountRoutes(state),
    ...datasetRoutes(state),
    ...batchRoutes(state),
    ...exportRoutes(state),
    ...instructionRoutes(state),
    ...studyRoutes(state),
    ...pricingRoutes(state),
    ...submissionRoutes(state),
    ...filterRoutes(state),
    ...filterSetRoutes(state),
    ...participantGroupRoutes(state),
    ...bonusRoutes(state),
  ];
  return [
    ...routes.map((route) => route.handler),
    apiFallback(state, routes),
    ...storageHandlers(state),
    storageFallback(state),
  ];
}
