// The action's post step (action.yml `post`): an entry of its own, so it never runs the main step's code and
// needs nothing the main step saved. Whatever happened before, it only cleans up and only warns: a failure
// here, even while loading, is a warning and exit status 0.
import { ACTION_REMEDY, nodeVersionProblem, workflowCommand } from './runtime-guard.js';

const problem = nodeVersionProblem(process.versions.node, ACTION_REMEDY);
if (problem !== undefined) {
  process.stdout.write(workflowCommand('warning', `Shadowgate post step skipped: ${problem}`));
} else {
  process.stdout.write('Shadowgate post: cleanup after the SLO gate\n');
  try {
    const { post } = await import('./post.js');
    await post();
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stdout.write(workflowCommand('warning', `Shadowgate post step: ${message}`));
  }
}
