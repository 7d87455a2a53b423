import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The default output, then a plain `N passed, N failed` line for CI (test/summary-reporter.mjs).
    reporters: ['default', './test/summary-reporter.mjs'],
    // e2e tests spawn real node processes; 2-core CI machines are slow and shared
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
