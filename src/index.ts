// The action's main step (action.yml `main`). The Node.js check and the banner come before anything else
// loads, so an old Node gets one clear line and the log shows life at once; the rest loads lazily.
import { ACTION_REMEDY, nodeVersionProblem, workflowCommand } from './runtime-guard.js';

const problem = nodeVersionProblem(process.versions.node, ACTION_REMEDY);
if (problem !== undefined) {
  process.stdout.write(workflowCommand('error', problem));
  process.exitCode = 1;
} else {
  process.stdout.write('Shadowgate: SLO gate for a dark launch\n');
  try {
    const { main } = await import('./main.js');
    await main();
  } catch (error) {
    const core = await import('@actions/core');
    core.setFailed(
      `Shadowgate crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}
