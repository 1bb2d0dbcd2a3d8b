import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['ctxpress-source'] }, // our packages' sources (a name of our own: third-party packages export a "source" condition too)
  test: {
    include: ['packages/*/src/**/*.test.ts', 'bench/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
