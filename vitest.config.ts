import { defineConfig } from 'vitest/config';

// Every test file runs in its own forked process: servers, native SQLite handles and sockets never leak
// between files. Two workers match the 2-core machine CI runs on.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
