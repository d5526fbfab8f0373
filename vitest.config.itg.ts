import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Integration tests: real Prometheus, real HTTP, a real cluster, the bundled action as a subprocess.
//
// Two projects, each one file at a time, which scripts/test.mjs runs side by side: the files on the real cluster
// (testenv/cluster/), which keep its CPU busy, and the rest, which mostly wait on timed windows, scrapes and
// subprocesses. A file is on the real cluster when it imports the suite's cluster (support/suite-cluster.ts, or
// support/checkout-cluster.ts, which builds on it). Of those, the ones that judge real latencies wait for the host
// project's end (support/after-host-project.ts) and so run last.
const root = '__tests__/integration';
const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => join(root, file));
const source = (file: string) => readFileSync(file, 'utf8');
const clusterFiles = files.filter((file) => /support\/(suite|checkout)-cluster\.js'/.test(source(file)));
const afterHostProject = clusterFiles.filter((file) => source(file).includes('afterTheHostProject'));
// Of those, the Knative ones last: their revisions' pods drain for 30 s after the file (queue-proxy's drain), and
// real-gateway-api, run next, measured a mirrored share of 0.91 where it asks for over 0.95.
const usesKnative = new Set(afterHostProject.filter((file) => source(file).includes('startKnative(')));
const rank = (file: TestSpecification): number => {
  const path = relative(process.cwd(), file.moduleId);
  if (!afterHostProject.includes(path)) return 0;
  return usesKnative.has(path) ? 2 : 1;
};

class AfterHostProjectLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // A stable sort: the default order within each rank.
    return sorted.toSorted((a, b) => rank(a) - rank(b));
  }
}

const shared = {
  environment: 'node',
  testTimeout: 120_000,
  hookTimeout: 300_000,
  fileParallelism: false,
} as const;

export default defineConfig({
  test: {
    // Only a root config may name the sequencer; the host project has no file that waits.
    sequence: { sequencer: AfterHostProjectLast },
    projects: [
      {
        test: {
          ...shared,
          name: 'real-cluster',
          include: clusterFiles,
          // One real cluster for every file of this project: starting it takes seconds, not per file.
          globalSetup: ['__tests__/support/real-cluster-setup.ts'],
        },
      },
      {
        test: { ...shared, name: 'host', include: files.filter((file) => !clusterFiles.includes(file)) },
      },
    ],
  },
});
