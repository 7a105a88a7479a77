/**
 * Bundled code imports zod as a namespace (`import * as z from 'zod'`). esbuild can tree-shake
 * the namespace's unused members, but not the `z` object that `import { z }` pulls in whole —
 * all of zod, its ~250 KB of locales included, in every Lambda bundle (bench/scenarios/cold-start.ts
 * measured 348 KB and ~24 ms of the executor's cold start). One such import anywhere undoes it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('zod imports', () => {
  it('bundled code imports zod as a namespace, never `{ z }`', () => {
    const offenders = ['functions', 'integrations']
      .flatMap((dir) => sources(join(repoRoot, dir)))
      .filter((file) => /^import\s+\{[^}]*\bz\b[^}]*\}\s+from\s+'zod'/m.test(readFileSync(file, 'utf8')))
      .map((file) => relative(repoRoot, file));
    expect(offenders).toEqual([]);
  });
});
