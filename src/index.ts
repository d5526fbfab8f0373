import * as core from '@actions/core';

// One bundle serves both `main` and `post` in action.yml; saved state tells them apart (as actions/checkout does).
const isPost = core.getState('isPost') === 'true';

try {
  if (isPost) {
    const { post } = await import('./post.js');
    await post();
  } else {
    core.saveState('isPost', 'true');
    const { main } = await import('./main.js');
    await main();
  }
} catch (error) {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (isPost) core.warning(`Shadowgate post step: ${message}`);
  else core.setFailed(`Shadowgate crashed: ${message}`);
}
