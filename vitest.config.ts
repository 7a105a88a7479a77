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
    // The AWS SDK's notice that its 2027 releases need Node 22 would repeat in every test worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
