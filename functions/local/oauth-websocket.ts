/**
 * The WebSocket Nango's frontend SDK listens on during `nango.auth()` (local runtime only: API
 * Gateway HTTP APIs carry no WebSockets). The SDK connects to its `websocketsPath` (default `/`)
 * on the API's host before it opens the popup; the server answers
 * `{message_type: 'connection_ack', ws_client_id}`, the SDK appends `ws_client_id` to the
 * `/oauth/connect` URL, and the callback later sends one `success` or `error` message to that
 * client (Nango's `WebSocketPublisher`, `@nangohq/types` WebSocketConnection*).
 *
 * The client id is a random UUID the server makes; a socket may only listen, never send
 * anything the server acts on. Sockets are closed after their outcome, or after `idleMs`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { OAuthOutcomePublisher, OAuthSocketMessage } from '../engine/connect/oauth-outcome.js';

export interface OAuthWebSocket extends OAuthOutcomePublisher {
  /** For the HTTP server's `upgrade` event: takes upgrades to `path`, refuses the rest. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export function createOAuthWebSocket(options: { path?: string; idleMs?: number; maxClients?: number } = {}): OAuthWebSocket {
  const path = options.path ?? '/';
  const idleMs = options.idleMs ?? 15 * 60_000;
  const maxClients = options.maxClients ?? 1_000;
  const clients = new Map<string, WebSocket>();
  // Small frames only: the SDK never sends anything.
  const server = new WebSocketServer({ noServer: true, maxPayload: 1_024 });

  server.on('connection', (ws: WebSocket) => {
    const id = randomUUID();
    clients.set(id, ws);
    const timer = setTimeout(() => ws.close(1000, 'idle'), idleMs);
    timer.unref();
    ws.on('close', () => {
      clearTimeout(timer);
      clients.delete(id);
    });
    ws.on('error', () => ws.terminate());
    ws.send(JSON.stringify({ message_type: 'connection_ack', ws_client_id: id } satisfies OAuthSocketMessage));
  });

  return {
    handleUpgrade(request, socket, head) {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (pathname !== path || clients.size >= maxClients) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    },
    publish(wsClientId, message) {
      const ws = clients.get(wsClientId);
      if (!ws) return false;
      ws.send(JSON.stringify(message));
      // One outcome per flow, as Nango unsubscribes after it; the SDK closes its side too.
      if (message.message_type !== 'connection_ack') {
        clients.delete(wsClientId);
        ws.close(1000, 'done');
      }
      return true;
    },
    close() {
      for (const ws of clients.values()) ws.terminate();
      clients.clear();
      server.close();
    },
  };
}
