import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Integration scripts import the Nango-compatible SDK as `nango`, like on Nango itself.
    alias: { nango: fileURLToPath(new URL('./functions/engine/sdk/nango-module.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each test file makes its own uniquely named tables.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
