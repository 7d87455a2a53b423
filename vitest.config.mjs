import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests spawn real node processes; 2-core CI machines are slow and shared
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
