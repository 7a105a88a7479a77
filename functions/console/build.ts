/**
 * Builds the console: esbuild bundles `main.tsx` (Preact, minified) and the stylesheet it imports
 * into `app.<hash>.js` and `app.<hash>.css`, and writes the `index.html` that loads them. Nothing
 * touches the disk: the result is held in memory (`npm start`, tests) or embedded in a module at
 * synth (`assets-static.ts`), so the API serves it from the same origin in both places.
 *
 * Every file is also gzipped once here: the API answers `Accept-Encoding: gzip` with those bytes
 * (API Gateway's HTTP API does not compress), and the sizes are what a browser downloads.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { CONSOLE_ASSETS_PATH, type ConsoleAsset, type ConsoleAssets } from './assets-contract.js';

const ENTRY = fileURLToPath(new URL('./main.tsx', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Synchronous (esbuild's `buildSync`, ~0.1 s) so that synth, which is synchronous, can call it too. */
export function buildConsole(): ConsoleAssets {
  const result = buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // `app.<hash>.js` and the stylesheet main.tsx imports as `app.<hash>.css`.
    entryNames: 'app.[hash]',
    outdir: '/console-out',
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets: Record<string, ConsoleAsset> = {};
  for (const file of result.outputFiles) {
    const name = file.path.split('/').pop()!;
    const extension = name.slice(name.lastIndexOf('.'));
    assets[name] = toAsset(CONTENT_TYPES[extension] ?? 'application/octet-stream', file.text);
  }
  const script = Object.keys(assets).find((name) => name.endsWith('.js'));
  const stylesheet = Object.keys(assets).find((name) => name.endsWith('.css'));
  if (!script || !stylesheet) throw new Error(`the console build produced ${Object.keys(assets).join(', ') || 'nothing'}: expected app.<hash>.js and app.<hash>.css`);
  const indexHtml = toAsset(CONTENT_TYPES['.html']!, renderIndexHtml(script, stylesheet));
  const sizes = [['index.html', indexHtml] as const, ...Object.entries(assets)].map(([file, asset]) => ({ file, bytes: Buffer.byteLength(asset.body), gzipBytes: asset.gzip.byteLength }));
  return { indexHtml, assets, sizes };
}

function toAsset(contentType: string, body: string): ConsoleAsset {
  return { contentType, body, gzip: gzipSync(body, { level: 9 }) };
}

/**
 * No inline script or style: the CSP allows only files from this origin. The empty `data:` icon
 * stops the browser asking for `/favicon.ico`, which the API answers with a 401.
 */
function renderIndexHtml(script: string, stylesheet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Syncline console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CONSOLE_ASSETS_PATH}/${stylesheet}">
<script type="module" src="${CONSOLE_ASSETS_PATH}/${script}"></script>
</head>
<body>
<div id="app"><p>Loading the console… If this stays, reload the page.</p></div>
<noscript><p>The Syncline console needs JavaScript. The API itself is documented at <a href="/docs">/docs</a>.</p></noscript>
</body>
</html>
`;
}

/** `app.1A2B.js  41.2 kB (gzip 14.9 kB)`, one line per file. */
export function describeSizes(sizes: ConsoleAssets['sizes']): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  return sizes.map((s) => `${s.file} ${kb(s.bytes)} (gzip ${kb(s.gzipBytes)})`).join(', ');
}
