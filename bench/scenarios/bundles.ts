/**
 * 7. Bundle sizes: every Lambda entry under functions/handlers (a file exporting `handler`)
 * bundled with the options of infra/constructs/syncline-function.ts — minified ESM for Node 22,
 * `module` before `main`, nango aliased, the AWS SDK bundled — and what fills each bundle.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BundleLine {
  entry: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Largest contributors, grouped by npm package (or "syncline" for this repository's code). */
  topPackages: { name: string; bytes: number }[];
  topFiles: { file: string; bytes: number }[];
}

export async function measureBundles(): Promise<BundleLine[]> {
  const entries = await lambdaEntries(join(ROOT, 'functions/handlers'));
  const lines: BundleLine[] = [];
  for (const entry of entries) {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      mainFields: ['module', 'main'],
      write: false,
      metafile: true,
      outfile: join(ROOT, 'cdk.out/bench-bundle/index.mjs'),
      logLevel: 'silent',
      alias: { nango: join(ROOT, 'functions/engine/sdk/nango-module.ts') },
      banner: { js: "import { createRequire as __synclineCreateRequire } from 'node:module'; const require = __synclineCreateRequire(import.meta.url);" },
    });
    const output = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!;
    const meta = Object.values(result.metafile.outputs)[0]!;
    const files = Object.entries(meta.inputs)
      .map(([file, info]) => ({ file, bytes: info.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes);
    const packages = new Map<string, number>();
    for (const { file, bytes } of files) packages.set(packageOf(file), (packages.get(packageOf(file)) ?? 0) + bytes);
    lines.push({
      entry: relative(ROOT, entry),
      minifiedBytes: output.contents.byteLength,
      gzipBytes: gzipSync(output.contents).byteLength,
      topPackages: [...packages]
        .map(([name, bytes]) => ({ name, bytes }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 6),
      topFiles: files.slice(0, 5),
    });
  }
  return lines;
}

function packageOf(file: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return match ? match[1]! : 'syncline';
}

/** Handler files that are Lambda entries (they export `handler`), not the shared logic beside them. */
async function lambdaEntries(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dirent of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!dirent.isFile() || !dirent.name.endsWith('.ts')) continue;
    const path = join(dirent.parentPath ?? (dirent as unknown as { path: string }).path, dirent.name);
    if (/export (const|async function|function) handler\b/.test(await readFile(path, 'utf8'))) found.push(path);
  }
  return found.sort();
}
