// `npm test`: provisions the test environment (idempotent), then runs the unit and the integration suites
// and ends with one `Tests: N passed, N failed, N skipped` line over both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const reports = '.cache/test-reports';
mkdirSync(reports, { recursive: true });

function run(command, args) {
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  return status ?? 1;
}

if (run('bash', ['testenv/provision.sh']) !== 0) {
  console.error('Provisioning the test environment failed; see above.');
  process.exit(1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const [suite, config] of [
  ['unit', 'vitest.config.ts'],
  ['integration', 'vitest.config.itg.ts'],
]) {
  const outputFile = join(reports, `${suite}.json`);
  const status = run(process.execPath, [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--config',
    config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${outputFile}`,
  ]);
  if (status !== 0) exitCode = 1;
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  } catch {
    console.error(`No ${suite} test report was written.`);
    exitCode = 1;
  }
}
console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode || (totals.failed > 0 ? 1 : 0));
