/**
 * POSTs a signed webhook to the address the URL guard checked (the `WebhookSender` port).
 *
 * Pinning: node's `request` gets a `lookup` that answers with the checked address whatever the
 * host name, so the TCP connection goes exactly where the guard looked; the URL's host name is
 * still used for the Host header and for TLS (SNI and certificate checks), so https works
 * normally. No redirect is followed (node's http never follows them; a 3xx is reported as is).
 * The whole exchange is bounded by `timeoutMs`; the answer body is read (at most 64 KiB, then
 * dropped) so the socket can be reused and a slow-drip answer still times out.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HostResolver, SendResult, WebhookRequest, WebhookSender } from '../../engine/webhooks/ports.js';

const MAX_BODY_BYTES = 64 * 1024;

/** DNS through the OS resolver (what node's `request` would use), all addresses. */
export const dnsResolver: HostResolver = async (hostname) => {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

export class PinnedWebhookSender implements WebhookSender {
  async send(req: WebhookRequest): Promise<SendResult> {
    const pinned: LookupFunction = (_hostname, options, callback) => {
      // `all: true` callers (happy eyeballs) want a list; others want one address.
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: req.address, family: req.family }]);
      else callback(null, req.address, req.family);
    };
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const done = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const request = send(
        req.url,
        {
          method: 'POST',
          lookup: pinned,
          headers: { ...req.headers, 'Content-Length': String(Buffer.byteLength(req.body)) },
          agent: false,
        },
        (response: IncomingMessage) => {
          const statusCode = response.statusCode ?? null;
          const retryAfter = headerValue(response.headers['retry-after']);
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_BODY_BYTES) response.destroy();
          });
          const finish = () => done({ statusCode, retryAfter, error: null });
          response.on('end', finish);
          response.on('close', finish);
          response.on('error', finish);
        },
      );
      const timer = setTimeout(() => {
        request.destroy(new Error(`no answer within ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      request.on('error', (error) => done({ statusCode: null, retryAfter: null, error: describe(error) }));
      request.end(req.body);
    });
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
