import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Builds dist/ui (the web UI) when missing or older than ui/, for the browser tests.
    globalSetup: ['test/support/ui-build.ts'],
  },
});
