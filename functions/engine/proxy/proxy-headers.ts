/**
 * The headers of a Nango proxy call (`@nangohq/node`'s `nango.proxy()`): which connection to call
 * as, how to retry, where to go, and the headers to pass on to the provider. Names are matched in
 * any case, as HTTP header names are.
 */
import * as z from 'zod';
import { PROXY_MAX_RETRIES } from './limits.js';

/** The prefix of a header passed on to the provider, without it: `Nango-Proxy-X-Api-Version: 2` → `X-Api-Version: 2`. */
export const FORWARD_PREFIX = 'nango-proxy-';

/**
 * Headers a caller may not set on the provider request: the ones that describe this hop's
 * connection and framing (fetch sets them), not the request.
 */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-authorization', 'proxy-connection']);

/** The control headers, canonical spelling (as Nango's spec and clients write them). */
export const ProxyControlHeadersSchema = z.object({
  'Provider-Config-Key': z.string().min(1).max(255).meta({ description: 'The integration (its unique key) whose connection makes the call.' }),
  'Connection-Id': z.string().min(1).max(255).meta({ description: 'The connection whose credentials are injected.' }),
  Retries: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .transform((n) => Math.min(n ?? 0, PROXY_MAX_RETRIES))
    .meta({
      description: `Extra attempts on network errors, 429 and 5xx (and Retry-On), with backoff; default 0, at most ${PROXY_MAX_RETRIES}. Waits that would outlast the 25 s budget are not made.`,
    }),
  'Retry-On': z
    .string()
    .regex(/^\s*\d{3}\s*(,\s*\d{3}\s*)*$/, 'a comma-separated list of HTTP status codes')
    .optional()
    .meta({ description: 'Comma-separated status codes to retry on besides 429 and 5xx, e.g. `409,423`.' }),
  'Base-Url-Override': z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .optional()
    .meta({ description: "Call this base URL instead of the provider's (credentials are still injected). Empty means none." }),
  Decompress: z.enum(['true', 'false']).optional().meta({ description: 'The body always comes back decompressed; `false` asks the provider not to compress (`Accept-Encoding: identity`).' }),
});

export type ProxyControlHeaders = z.output<typeof ProxyControlHeadersSchema>;

/**
 * The headers passed on to the provider: every `Nango-Proxy-<name>` as `<name>` (lower-cased,
 * last one wins), and the request's own `Content-Type` unless a `Nango-Proxy-Content-Type` names
 * one (Nango's client sends both for a JSON body).
 */
export function forwardedHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const forwarded: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'content-type') contentType = value;
    if (!name.startsWith(FORWARD_PREFIX)) continue;
    const target = name.slice(FORWARD_PREFIX.length);
    if (target === '' || NOT_FORWARDED.has(target)) continue;
    forwarded[target] = value;
  }
  if (contentType !== undefined && forwarded['content-type'] === undefined) forwarded['content-type'] = contentType;
  return forwarded;
}

/** `Retry-On: 409, 423` → `[409, 423]`. */
export function parseRetryOn(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => Number(s.trim()));
}
