import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration tests: real Prometheus, real HTTP, a real cluster, the bundled action as a subprocess.
//
// Two projects that run at the same time, each one file at a time: the files on the real cluster (testenv/cluster/),
// which keep its CPU busy, and the rest, which mostly wait on timed windows, scrapes and subprocesses. A file is on
// the real cluster when it imports the suite's cluster (support/suite-cluster.ts, or support/checkout-cluster.ts,
// which builds on it).
const root = '__tests__/integration';
const onRealCluster = /support\/(suite|checkout)-cluster\.js'/;
const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => join(root, file));
const clusterFiles = files.filter((file) => onRealCluster.test(readFileSync(file, 'utf8')));

const shared = {
  environment: 'node',
  testTimeout: 120_000,
  hookTimeout: 300_000,
  fileParallelism: false,
} as const;

export default defineConfig({
  test: {
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
