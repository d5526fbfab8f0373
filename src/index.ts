// One bundle serves both `main` and `post` in action.yml; saved state tells them apart (as actions/checkout
// does). The banner goes out before the first import so the log shows life at once; the rest loads lazily.
const isPost = process.env.STATE_isPost === 'true';
process.stdout.write(`Shadowgate${isPost ? ' post' : ''}: SLO gate for a dark launch\n`);

try {
  if (isPost) {
    const { post } = await import('./post.js');
    await post();
  } else {
    const { main } = await import('./main.js');
    await main();
  }
} catch (error) {
  const core = await import('@actions/core');
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (isPost) core.warning(`Shadowgate post step: ${message}`);
  else core.setFailed(`Shadowgate crashed: ${message}`);
}
