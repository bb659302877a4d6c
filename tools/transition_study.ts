import { z } from 'zod';
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
