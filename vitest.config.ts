import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real daemons; say which test hangs instead of waiting forever.
    teardownTimeout: 10_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
