import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Property tests try 10,000 inputs each, some with a file or socket per input: on a loaded
    // 2-core machine that has taken over 30 s, with nothing hanging.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real daemons; say which test hangs instead of waiting forever.
    teardownTimeout: 10_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
