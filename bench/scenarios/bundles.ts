/**
 * 7. Bundle sizes: every Lambda entry under functions/handlers (a file exporting `handler`)
 * bundled with the options of infra/constructs/syncline-function.ts (`lambdaBuildOptions`, one
 * definition for both) — minified ESM for Node 22, `module` before `main`, nango aliased, the
 * generated integrations and console modules, the AWS SDK bundled — and what fills each bundle.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type OutputFile } from 'esbuild';
import { writeStaticConsoleAssets } from '../../functions/console/assets-static.js';
import { writeStaticRegistry } from '../../functions/discovery/static-registry.js';
import { projectRoots } from '../../functions/discovery/discover.js';
import { type GeneratedModules, lambdaBuildOptions } from '../../infra/bundling-options.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BundleLine {
  entry: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Largest contributors, grouped by npm package (or "syncline" for this repository's code). */
  topPackages: { name: string; bytes: number }[];
  topFiles: { file: string; bytes: number }[];
}

export interface LambdaBundle {
  /** The bundle as Lambda gets it (`index.mjs`). */
  code: OutputFile;
  /** Its source map (`index.mjs.map`), absent from the sizes: Node reads it only with `--enable-source-maps`. */
  sourceMap: OutputFile | undefined;
  metafile: Metafile;
}

/**
 * A scratch directory holding the generated modules a bundle imports (`syncline-integrations`,
 * `syncline-console`), written as `cdk synth` writes them but outside the repository.
 */
export async function withGeneratedModules<T>(fn: (generated: GeneratedModules, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'syncline-bundles-'));
  try {
    const generated = {
      integrations: writeStaticRegistry(projectRoots(), join(dir, 'integrations.ts')),
      console: writeStaticConsoleAssets(join(dir, 'console-assets.ts')),
    };
    return await fn(generated, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bundles one entry exactly as the construct does; `outDir` is where `index.mjs` would be written. */
export async function bundleLambda(entry: string, generated: GeneratedModules, outDir: string): Promise<LambdaBundle> {
  const result = await build({
    ...lambdaBuildOptions(ROOT, generated),
    entryPoints: [entry],
    // The construct runs esbuild from the repository root, so tsconfig.json is found the same way.
    absWorkingDir: ROOT,
    outfile: join(outDir, 'index.mjs'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!;
  return { code, sourceMap: result.outputFiles.find((f) => f.path.endsWith('.mjs.map')), metafile: result.metafile };
}

export async function measureBundles(): Promise<BundleLine[]> {
  const entries = await lambdaEntries(join(ROOT, 'functions/handlers'));
  return withGeneratedModules(async (generated, dir) => {
    const lines: BundleLine[] = [];
    for (const entry of entries) {
      const { code, metafile } = await bundleLambda(entry, generated, dir);
      const meta = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined)!;
      const files = Object.entries(meta.inputs)
        .map(([file, info]) => ({ file, bytes: info.bytesInOutput }))
        .sort((a, b) => b.bytes - a.bytes);
      const packages = new Map<string, number>();
      for (const { file, bytes } of files) packages.set(packageOf(file), (packages.get(packageOf(file)) ?? 0) + bytes);
      lines.push({
        entry: relative(ROOT, entry),
        minifiedBytes: code.contents.byteLength,
        gzipBytes: gzipSync(code.contents).byteLength,
        topPackages: [...packages]
          .map(([name, bytes]) => ({ name, bytes }))
          .sort((a, b) => b.bytes - a.bytes)
          .slice(0, 6),
        topFiles: files.slice(0, 5),
      });
    }
    return lines;
  });
}

function packageOf(file: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return match ? match[1]! : 'syncline';
}

/** Handler files that are Lambda entries (they export `handler`), not the shared logic beside them. */
export async function lambdaEntries(dir: string = join(ROOT, 'functions/handlers')): Promise<string[]> {
  const found: string[] = [];
  for (const dirent of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!dirent.isFile() || !dirent.name.endsWith('.ts')) continue;
    const path = join(dirent.parentPath ?? (dirent as unknown as { path: string }).path, dirent.name);
    if (/export (const|async function|function) handler\b/.test(await readFile(path, 'utf8'))) found.push(path);
  }
  return found.sort();
}
