/** Serves the HTTP API app on a local address with Node's HTTP server (`npm start`, tests). */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import type { ApiApp } from '../api/app.js';

export interface ApiServerOptions {
  /**
   * The app, or what builds it once the server listens and its URL is known — the API's public
   * URL (connect links, the OAuth redirect URI) when the port is picked at start.
   */
  app: ApiApp | ((url: string) => ApiApp);
  /** 0 picks a free port. */
  port: number;
  /** Loopback by default: the local runtime is not meant to be reachable from the network. */
  hostname?: string;
  /** WebSocket upgrades (Nango's frontend SDK during an OAuth flow); without it they are refused. */
  onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface ApiServer {
  url: string;
  stop(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  let app: ApiApp | undefined = typeof options.app === 'function' ? undefined : options.app;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      {
        fetch: (request, env) => {
          if (!app) return new Response('starting', { status: 503 });
          return app.fetch(request, env);
        },
        port: options.port,
        hostname,
      },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostname}:${port}`;
  if (!app) app = (options.app as (url: string) => ApiApp)(url);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (options.onUpgrade) options.onUpgrade(request, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
