import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // kernel tests share one sandbox per file; files run one at a time so that
    // two sandboxes never compete for the two cores of a CI machine
    fileParallelism: false,
  },
});
