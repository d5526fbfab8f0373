import { defineConfig } from 'vitest/config';

// Unit tests: pure logic, no network, no child processes.
export default defineConfig({
  test: {
    include: ['__tests__/unit/**/*.test.ts'],
    environment: 'node',
    clearMocks: true,
  },
});
