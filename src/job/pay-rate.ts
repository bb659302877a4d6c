import type { ProlificClient } from '../prolific/client.js';
import { ProlificApiError } from '../prolific/errors.js';
import { ToolError } from '../errors.js';

/**
 * Prolific keeps a minimum hourly pay rate. Checking it here turns a late, opaque refusal into an early one
 * that names the reward to offer. Returns warnings for rates under the recommended one.
 */
export async function checkPayRate(
  client: ProlificClient,
  study: { workspace: string; currency: string; reward: number; minutes: number },
  signal: AbortSignal,
): Promise<string[]> {
  let recommendation;
  try {
    [recommendation] = await client.getRewardRecommendations(study.workspace, study.currency, signal);
  } catch (error) {
    if (error instanceof ProlificApiError && error.status !== 401) {
      return [`Could not check the hourly pay rate (${error.status}); Prolific will still refuse rates under its minimum.`];
    }
    throw error;
  }
  const hourly = Math.round((study.reward * 60) / study.minutes);
  const min = recommendation?.min_reward_per_hour;
  const recommended = recommendation?.recommended_reward_per_hour;
  if (typeof min === 'number' && hourly < min) {
    const needed = Math.ceil((min * study.minutes) / 60);
    throw new ToolError(
      `A reward of ${study.reward} for ${study.minutes} minutes pays ${hourly} ${study.currency} minor units per hour, under Prolific's minimum of ${min}. Offer a reward of at least ${needed} (or shorten estimated_completion_time if the task really is quicker).`,
    );
  }
  if (typeof recommended === 'number' && hourly < recommended) {
    return [`Pays ${hourly}/hour; Prolific recommends ${recommended}/hour for faster recruitment and better data.`];
  }
  return [];
}
