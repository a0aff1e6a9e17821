import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/globalSetup.ts'],
    // Tensor-heavy and physics tests run a few seconds each on a 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
