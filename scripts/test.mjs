// `npm test`: provisions the test environment (idempotent), then runs the unit and the integration suites
// and ends with one `Tests: N passed, N failed, N skipped` line over both. `node scripts/test.mjs integration`
// runs the integration suite alone, on an environment already provisioned.
//
// The integration suite's two projects (vitest.config.itg.ts) run side by side, in a vitest process each: vitest
// itself runs projects that take one file at a time one after another. Each line they print starts with its
// project's name. The real cluster's project runs at nice 10, so that the host project's latency measurements get
// the CPU when they need it; its own files that judge real latencies wait until the host project is done
// (__tests__/support/after-host-project.ts), for which this writes a file.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const reports = '.cache/test-reports';
mkdirSync(reports, { recursive: true });
const integrationOnly = process.argv[2] === 'integration';

/** Runs a command; with a prefix, each line it prints carries it. Resolves with its exit status. */
function run(command, args, prefix, env = {}) {
  const child = spawn(command, args, {
    stdio: prefix ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    // A terminal keeps its colours through the pipe.
    env: { ...process.env, ...(prefix && process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}), ...env },
  });
  if (prefix) {
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) =>
        to.write(`${prefix} ${line}\n`),
      );
    }
  }
  return new Promise((resolve) => child.on('close', (status) => resolve(status ?? 1)));
}

/** One vitest run, which writes its JSON report to `.cache/test-reports/<report>.json`. */
function vitest(report, config, { project, nice, env } = {}) {
  // Not a report an earlier run left, should this one write none.
  rmSync(join(reports, `${report}.json`), { force: true });
  return {
    report,
    status: run(
      nice ? 'nice' : process.execPath,
      [
        ...(nice ? ['-n', String(nice), process.execPath] : []),
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        config,
        ...(project ? ['--project', project] : []),
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(reports, `${report}.json`)}`,
      ],
      project && `[${project}]`,
      env,
    ),
  };
}

if (!integrationOnly && (await run('bash', ['testenv/provision.sh'])) !== 0) {
  console.error('Provisioning the test environment failed; see above.');
  process.exit(1);
}

const runs = [];
if (!integrationOnly) {
  const unit = vitest('unit', 'vitest.config.ts');
  await unit.status;
  runs.push(unit);
}
// Absolute, as the real-cluster project's files get it from the environment.
const hostProjectDone = join(process.cwd(), reports, 'host-project.done');
rmSync(hostProjectDone, { force: true });
const onRealCluster = vitest('integration-real-cluster', 'vitest.config.itg.ts', {
  project: 'real-cluster',
  nice: 10,
  env: { SHADOWGATE_HOST_PROJECT_DONE: hostProjectDone },
});
const onHost = vitest('integration-host', 'vitest.config.itg.ts', { project: 'host' });
onHost.status.then(() => writeFileSync(hostProjectDone, ''));
await Promise.all([onRealCluster.status, onHost.status]);
runs.push(onRealCluster, onHost);

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const { report, status } of runs) {
  if ((await status) !== 0) exitCode = 1;
  try {
    const result = JSON.parse(readFileSync(join(reports, `${report}.json`), 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
  } catch {
    console.error(`No ${report} test report was written.`);
    exitCode = 1;
  }
}
console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode || (totals.failed > 0 ? 1 : 0));
