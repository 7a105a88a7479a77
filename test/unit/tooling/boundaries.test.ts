/**
 * The import boundaries that biome.jsonc enforces with per-folder `noRestrictedImports` overrides:
 * functions/engine imports no AWS SDK, CDK or Hono and nothing from adapters, handlers, local or
 * api; functions/api imports nothing from adapters. Biome runs as a child process, once on a
 * scratch tree in the OS temp dir (removed afterwards) and once on the real tree.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const biomeBin = join(repoRoot, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');

interface BoundaryCheck {
  status: number | null;
  /** `path:line` of each restricted import, relative to the checked root, sorted. */
  violations: string[];
  output: string;
}

function checkBoundaries(root: string): BoundaryCheck {
  const result = spawnSync(process.execPath, [biomeBin, 'lint', '--only=style/noRestrictedImports', '--reporter=github', '--max-diagnostics=none', 'functions'], {
    cwd: root,
    encoding: 'utf8',
  });
  const violations = [...result.stdout.matchAll(/^::error title=lint\/style\/noRestrictedImports,file=([^,]+),line=(\d+)/gm)].map(([, file, line]) => `${relative(root, file!)}:${line}`).sort();
  return { status: result.status, violations, output: result.stdout + result.stderr };
}

/** Files for the scratch tree: each forbidden one has its restricted import on line 1. */
const forbidden: Record<string, string> = {
  'functions/engine/runner/imports-adapter.ts': "import { DynamoRecordStore } from '../../adapters/dynamodb/record-store.js';",
  'functions/engine/runner/imports-adapter-type.ts': "import type { SqsRunQueue } from '../../adapters/sqs/run-queue.js';",
  'functions/engine/http/imports-aws-sdk.ts': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  'functions/engine/imports-cdk.ts': "import { Duration } from 'aws-cdk-lib';",
  'functions/engine/imports-hono.ts': "import { Hono } from 'hono';",
  'functions/engine/imports-handler.ts': "export { handler } from '../handlers/queue/executor.js';",
  'functions/engine/imports-local.ts': "const runtime = await import('../local/runtime.js');",
  'functions/engine/imports-api.ts': "import { createApiApp } from '../api/app.js';",
  'functions/api/routes/imports-adapter.ts': "import { InvalidCursorError } from '../../adapters/dynamodb/record-store.js';",
};

const allowed: Record<string, string> = {
  'functions/engine/runner/allowed.ts': [
    "import { randomUUID } from 'node:crypto';",
    "import { createSync } from 'nango';",
    "import { z } from 'zod';",
    "import { ProviderHttp } from '../http/provider-http.js';",
    "import type { RecordStore } from '../ports.js';",
  ].join('\n'),
  'functions/adapters/dynamodb/allowed.ts': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { runInvocation } from '../../engine/runner/run-invocation.js';",
  'functions/api/routes/allowed.ts': "import { Hono } from 'hono';\nimport type { RecordStore } from '../../engine/ports.js';",
  'functions/handlers/http/allowed.ts': "import { DynamoRecordStore } from '../../adapters/dynamodb/record-store.js';",
};

describe('import boundaries (biome.jsonc noRestrictedImports)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'syncline-boundaries-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('names every file that crosses a boundary, and only those', () => {
    copyFileSync(join(repoRoot, 'biome.jsonc'), join(scratch, 'biome.jsonc'));
    copyFileSync(join(repoRoot, '.gitignore'), join(scratch, '.gitignore'));
    for (const [path, source] of Object.entries({ ...forbidden, ...allowed })) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), `${source}\n`);
    }

    const check = checkBoundaries(scratch);

    expect(check.status, check.output).toBe(1);
    expect(check.violations).toEqual(
      Object.keys(forbidden)
        .map((path) => `${path}:1`)
        .sort(),
    );
  });

  it('passes on the real tree', () => {
    const check = checkBoundaries(repoRoot);

    expect(check.violations, check.output).toEqual([]);
    expect(check.status, check.output).toBe(0);
  });
});
