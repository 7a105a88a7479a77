import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Shared by integration and e2e: one DynamoDB Local (a JVM) for both, see the file's header.
const withDynamoDbLocal = ['test/support/shared-dynamo-setup.ts'];

export default defineConfig({
  resolve: {
    // Integration scripts import the Nango-compatible SDK as `nango`, like on Nango itself.
    alias: {
      nango: fileURLToPath(new URL('./functions/engine/sdk/nango-module.ts', import.meta.url)),
      'syncline-integrations': fileURLToPath(new URL('./functions/discovery/project-integrations.ts', import.meta.url)),
      // The web console, built by esbuild in the test process on first request (see assets-contract.ts).
      'syncline-console': fileURLToPath(new URL('./functions/console/assets-in-process.ts', import.meta.url)),
    },
  },
  test: {
    // Settings every project inherits (`extends: true`). No `include` or `globalSetup` here:
    // Vitest concatenates arrays when a project extends the root, so each project sets its own.
    pool: 'forks',
    // The AWS SDK's notice that its 2027 releases need Node 22 would repeat in every test worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each layer runs alone with `vitest run --project NAME`; `unit` and `infra` need no Java.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: withDynamoDbLocal } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: withDynamoDbLocal } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
    ],
  },
});
