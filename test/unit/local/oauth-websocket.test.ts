/**
 * The local runtime's WebSocket for Nango's frontend SDK: on the SDK's default path (`/`) of the
 * API's own server, `connection_ack` with a fresh client id, then the one outcome for that id,
 * after which the socket closes. Other paths are refused; publishing to an unknown id is false.
 */
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ApiServer, startApiServer } from '../../../functions/local/api-server.js';
import { createOAuthWebSocket, type OAuthWebSocket } from '../../../functions/local/oauth-websocket.js';

let server: ApiServer | undefined;
let socket: OAuthWebSocket | undefined;

afterEach(async () => {
  socket?.close();
  await server?.stop();
});

async function start(): Promise<string> {
  socket = createOAuthWebSocket();
  const app = new Hono().get('/health', (c) => c.text('ok'));
  server = await startApiServer({ app: app as never, port: 0, onUpgrade: (req, s, head) => socket!.handleUpgrade(req, s, head) });
  return server.url.replace('http://', 'ws://');
}

/** Connects; `next()` gives the messages one by one, in order, waiting when none is there yet. */
function connect(url: string): { messages: unknown[]; closed: Promise<number>; next: () => Promise<unknown> } {
  const ws = new WebSocket(url);
  const messages: unknown[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    wake?.();
  });
  const next = async (): Promise<unknown> => {
    while (read >= messages.length) await new Promise<void>((resolve) => (wake = resolve));
    return messages[read++];
  };
  return { messages, closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))), next };
}

describe('OAuth WebSocket (local runtime)', () => {
  it('acknowledges with a client id, delivers the outcome to that client only, then closes it', async () => {
    const url = await start();
    const a = connect(`${url}/`);
    const b = connect(`${url}/`);
    const ackA = (await a.next()) as { message_type: string; ws_client_id: string };
    const ackB = (await b.next()) as { message_type: string; ws_client_id: string };
    expect(ackA.message_type).toBe('connection_ack');
    expect(ackA.ws_client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ackB.ws_client_id).not.toBe(ackA.ws_client_id);

    const success = { message_type: 'success', provider_config_key: 'github', connection_id: 'c-1', is_pending: false } as const;
    expect(socket!.publish(ackA.ws_client_id, success)).toBe(true);
    expect(await a.next()).toEqual(success);
    expect(await a.closed).toBe(1000);
    // Closed and forgotten: a second outcome goes nowhere.
    expect(socket!.publish(ackA.ws_client_id, success)).toBe(false);
    expect(b.messages).toHaveLength(1);
    expect(socket!.publish('not-a-client', success)).toBe(false);
  });

  it('refuses upgrades on other paths and still serves HTTP', async () => {
    const url = await start();
    const other = new WebSocket(`${url}/oauth/callback`);
    const refused = await new Promise<string>((resolve) => other.once('error', (error) => resolve(error.message)));
    expect(refused).toMatch(/404/);
    expect(await (await fetch(`${server!.url}/health`)).text()).toBe('ok');
  });
});
