/** Serves the HTTP API app on a local address with Node's HTTP server (`npm start`, tests). */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ApiApp } from '../api/app.js';

export interface ApiServerOptions {
  app: ApiApp;
  /** 0 picks a free port. */
  port: number;
  /** Loopback by default: the local runtime is not meant to be reachable from the network. */
  hostname?: string;
}

export interface ApiServer {
  url: string;
  stop(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: options.app.fetch, port: options.port, hostname }, () => resolve(started));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
