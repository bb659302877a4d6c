import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, studyOut } from '../src/util/shapes.js';
import { createOnce } from '../src/job/create-once.js';

const TARGET = { PAUSE: 'PAUSED', START: 'ACTIVE', STOP: 'COMPLETED' } as const;

export default defineTool({
  name: 'transition_study',
  toolset: 'run',
  title: 'Pause, resume or stop study',
  description: 'PAUSE an ACTIVE study, START (resume) a PAUSED one, or STOP it for good. Publishing is publish_study.',
  input: { study_id: prolificId('study'), action: z.enum(['PAUSE', 'START', 'STOP']) },
  output: studyOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run(args, { client, signal }) {
    // START on a draft would publish it, spending without the quote and confirmation publish_study insists on,
    // so the status is read first rather than trusting Prolific to refuse.
    if (args.action === 'START') {
      const study = await client.getStudy(args.study_id, signal);
      if (study.status === 'ACTIVE') return study;
      if (study.status !== 'PAUSED') {
        const next =
          study.status === 'UNPUBLISHED' || study.status === 'SCHEDULED'
            ? 'To open it to participants, use publish_study, which quotes the cost and asks for confirmation.'
            : 'Only a PAUSED study can be resumed.';
        throw new ToolError(`Study ${args.study_id} is ${study.status}, and START only resumes a PAUSED study; nothing was sent. ${next}`);
      }
    }
    return createOnce({
      what: `${args.action} of study ${args.study_id}`,
      attempt: () => client.transitionStudy(args.study_id, args.action, signal),
      find: async () => {
        const study = await client.getStudy(args.study_id, signal);
        return study.status === TARGET[args.action] ? study : undefined;
      },
      howToCheck: 'Check its status with get_study before trying again.',
    });
  },
});
