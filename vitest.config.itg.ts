import { defineConfig } from 'vitest/config';

// Integration tests: real Prometheus, real HTTP, a real cluster, the bundled action as a subprocess.
export default defineConfig({
  test: {
    include: ['__tests__/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    // One real cluster (testenv/cluster/) for the whole suite: starting it takes seconds, not per file.
    globalSetup: ['__tests__/support/real-cluster-setup.ts'],
  },
});
