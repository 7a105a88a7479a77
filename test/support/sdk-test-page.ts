/**
 * An app's page using Nango's frontend SDK (`@nangohq/frontend`, pinned), served on its own
 * origin on 127.0.0.1 — as a customer's frontend would be, apart from Syncline's API. The SDK's
 * ES modules come unchanged from `node_modules`; the page puts `Nango` on `window` and records
 * every Connect UI event in `window.connectEvents`.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface SdkTestPage {
  url: string;
  stop(): Promise<void>;
}

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>An app using Nango's frontend SDK</title></head>
<body><h1>My app</h1><script type="module" src="/app.js"></script></body></html>`;

const APP = `import Nango from '/sdk/index.js';
window.Nango = Nango;
window.connectEvents = [];
document.body.dataset.ready = 'true';`;

export async function startSdkTestPage(): Promise<SdkTestPage> {
  const sdkDir = dirname(createRequire(import.meta.url).resolve('@nangohq/frontend'));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (path === '/') return send(200, 'text/html; charset=utf-8', PAGE);
    if (path === '/app.js') return send(200, 'text/javascript', APP);
    const module = /^\/sdk\/([a-zA-Z]+\.js)$/.exec(path)?.[1];
    if (!module) return send(404, 'text/plain', 'not found');
    readFile(join(sdkDir, module), 'utf8').then(
      (source) => send(200, 'text/javascript', source),
      () => send(404, 'text/plain', 'not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
