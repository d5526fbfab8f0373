import { defineConfig } from 'vitest/config';

// Unit tests: no child processes and no network beyond a scripted server on 127.0.0.1.
export default defineConfig({
  test: {
    include: ['__tests__/unit/**/*.test.ts'],
    environment: 'node',
    clearMocks: true,
  },
});
