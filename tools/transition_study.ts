import { z } from 'zod';
import { defineTool } from '../src/tool.js';
import { prolificId, studyOut } from '../src/shapes.js';

export default defineTool({
  name: 'transition_study',
  title: 'Pause, resume or stop study',
  description: 'PAUSE an ACTIVE study, START (resume) a PAUSED one, or STOP it for good. Publishing is publish_study.',
  input: { study_id: prolificId('study'), action: z.enum(['PAUSE', 'START', 'STOP']) },
  output: studyOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run(args, { client, signal }) {
    return client.transitionStudy(args.study_id, args.action, signal);
  },
});
