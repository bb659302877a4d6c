import { z } from 'zod';
import { defineTool } from '../src/tool.js';
import { prolificId, studyOut } from '../src/shapes.js';

export default defineTool({
  name: 'get_study',
  title: 'Get study',
  description: 'A study with its status, places taken and submissions counted by status.',
  input: { study_id: prolificId('study') },
  output: { ...studyOut.shape, submissions_by_status: z.record(z.string(), z.number()) },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const [study, submissions] = await Promise.all([
      client.getStudy(args.study_id, signal),
      client.listSubmissions(args.study_id, signal),
    ]);
    const submissions_by_status: Record<string, number> = {};
    for (const submission of submissions.results) {
      submissions_by_status[submission.status] = (submissions_by_status[submission.status] ?? 0) + 1;
    }
    return { ...study, submissions_by_status };
  },
});
