/**
 * A webhook receiver on 127.0.0.1 for tests: records every request (headers and raw body) and
 * answers with what `respond` says for the n-th request (1-based).
 */
import { createHmac, createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<ReceivedWebhook[]>;
  stop(): Promise<void>;
}

export async function startReceiver(respond: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      const answer = respond(received.length);
      res.writeHead(answer.status, answer.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    waitFor: (count, timeoutMs) =>
      vi.waitFor(
        () => {
          if (received.length < count) throw new Error(`expected ${count} webhook(s) within ${timeoutMs} ms, got ${received.length}`);
          return received.slice(0, count);
        },
        { timeout: timeoutMs, interval: 25 },
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Checks all three signatures the way a receiver would; returns which ones verified. */
export function verifySignatures(webhook: ReceivedWebhook, secret: string) {
  const header = (name: string) => String(webhook.headers[name] ?? '');
  const hmac = createHmac('sha256', secret).update(webhook.body).digest('hex') === header('x-nango-hmac-sha256');
  // The legacy check, as receivers wrote it: re-serialize the parsed payload.
  const legacy =
    createHash('sha256')
      .update(`${secret}${JSON.stringify(webhook.json)}`)
      .digest('hex') === header('x-nango-signature');
  // Standard Webhooks through the official library, given the secret exactly as the API returns it
  // (`whsec_…`); it also refuses a timestamp more than 5 minutes from now.
  return { hmac, legacy, standard: verifiesWithStandardWebhooks(webhook, secret) };
}

function verifiesWithStandardWebhooks(webhook: ReceivedWebhook, secret: string): boolean {
  const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, String(webhook.headers[name] ?? '')]));
  try {
    new Webhook(secret).verify(webhook.body, headers);
    return true;
  } catch {
    return false;
  }
}
