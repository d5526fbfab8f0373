import { defineConfig } from 'vitest/config';

// Integration tests: real Prometheus, real HTTP, the bundled action as a subprocess.
export default defineConfig({
  test: {
    include: ['__tests__/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
