/**
 * How every Lambda bundle is built, defined once: the CDK construct (which runs the esbuild CLI
 * through `NodejsFunction`) and the benchmark (which calls esbuild's API to measure sizes and
 * cold starts) both derive their options from `lambdaBuildOptions`, so the bundle the benchmark
 * measures is the bundle that ships.
 */
import type { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The generated modules a bundle imports by name (written at synth, or by the benchmark). */
export interface GeneratedModules {
  /** `syncline-integrations`: the discovered integrations as static imports. */
  integrations: string;
  /** `syncline-console`: the web console's built files. */
  console: string;
}

/**
 * Node's flags in every function. Source maps make a stack trace in the logs point at the
 * TypeScript. On Node 20 (measured by bench/scenarios/cold-start.ts) the price is paid at load,
 * not at the first trace: Node reads and parses the bundle's whole map while it loads the
 * bundle — which is why the map carries no sources (`sourcesContent: false` below).
 */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/** The esbuild options of a Lambda bundle, for an entry given separately (API or CLI). */
export function lambdaBuildOptions(repoRoot: string, generated: GeneratedModules) {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    // Prefer the packages' ESM builds: better tree-shaking of the AWS SDK.
    mainFields: ['module', 'main'],
    // A stack trace needs the map's file names, lines and columns, not the sources: without them
    // the executor's map is 1.5 MB instead of 4.5 MB, read and parsed on every cold start.
    sourcesContent: false,
    // CommonJS dependencies bundled into ESM still call `require` for Node built-ins.
    banner: { js: "import { createRequire as __synclineCreateRequire } from 'node:module'; const require = __synclineCreateRequire(import.meta.url);" },
    // Integration scripts import the Nango SDK by name; the bundle gets Syncline's. The generated
    // modules replace the in-process versions that tsconfig's paths point at for `npm start`.
    alias: {
      nango: `${repoRoot}functions/engine/sdk/nango-module.ts`,
      '@nangohq/runner-sdk': `${repoRoot}functions/engine/sdk/nango-module.ts`,
      'syncline-integrations': generated.integrations,
      'syncline-console': generated.console,
    },
  } satisfies BuildOptions;
}

export type LambdaBuildOptions = ReturnType<typeof lambdaBuildOptions>;

/**
 * The same options as `NodejsFunction` bundling props: its typed props where it has them, and
 * the esbuild CLI flags for the rest.
 */
export function nodejsBundlingOptions(options: LambdaBuildOptions) {
  return {
    // The enum's value is esbuild's own name for the format.
    format: options.format as OutputFormat,
    minify: options.minify,
    sourceMap: options.sourcemap,
    sourcesContent: options.sourcesContent,
    target: options.target,
    mainFields: [...options.mainFields],
    banner: options.banner.js,
    esbuildArgs: {
      '--alias': Object.entries(options.alias).map(([name, path]) => `${name}=${path}`),
    },
  };
}
