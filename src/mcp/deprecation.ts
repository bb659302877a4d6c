import type { Deprecation } from '../prolific/types.js';

/** Tells the agent, in the result, that Prolific has scheduled the endpoint it just used for removal. */
export function describeDeprecation(deprecation: Deprecation | undefined): string | undefined {
  if (!deprecation) return undefined;
  const when = deprecation.sunset ? ` (Sunset: ${deprecation.sunset})` : '';
  return `Prolific marks the batch instructions endpoint as deprecated${when}; newer batches use page layouts (batch_items).`;
}
