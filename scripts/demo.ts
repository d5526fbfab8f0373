// `npm run demo [-- experiment.yaml]`: the local demo, with no cluster and no Prometheus. `shadowgate run`
// (dist/cli.js) starts a good live and a regressed dark version of samples/app, mirrors generated traffic to
// dark through its own proxy, evaluates what the proxy measured and prints the report: verdict fail.
// `npm run demo -- samples/demo/pass.yaml` is the same with a dark version as good as live: verdict pass.
// `npm run demo -- samples/demo/diff.yaml` replays recorded traffic to a dark version whose only regression is one
// changed JSON field: verdict fail, naming the field.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const file = process.argv[2] ?? 'samples/demo/experiment.yaml';
const expected: Readonly<Record<string, string>> = {
  'samples/demo/experiment.yaml': 'fail',
  'samples/demo/pass.yaml': 'pass',
  'samples/demo/diff.yaml': 'fail',
};

console.log(`Running: shadowgate run ${file}\n`);
const run = spawn(process.execPath, ['dist/cli.js', 'run', file], { stdio: 'inherit' });
const [status] = (await once(run, 'exit')) as [number | null];
const verdict = ['pass', 'fail', 'inconclusive'][status ?? -1] ?? `exit status ${status}`;
const expectation = expected[file];
if (expectation === undefined) {
  process.exit(status ?? 1);
}
console.log(
  `\nDemo finished: verdict ${verdict}${
    expectation === 'fail'
      ? `; the dark version's regression was ${verdict === 'fail' ? 'caught' : 'NOT caught'}.`
      : `; the dark version ${verdict === 'pass' ? 'passed, as it should' : 'should have passed'}.`
  }`,
);
process.exit(verdict === expectation ? 0 : 1);
