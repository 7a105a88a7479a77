/**
 * Webhook signatures. One secret per subscription, `whsec_<base64 of 32 random bytes>` (the
 * Standard Webhooks format), used three ways over the exact bytes sent:
 *
 * - `X-Nango-Hmac-Sha256`: hex HMAC-SHA256 keyed with the secret string, over the body — what
 *   Nango's docs tell receivers to check today;
 * - `X-Nango-Signature`: hex SHA-256 of secret + body — Nango's legacy header, still checked by
 *   many receivers (by re-serializing the parsed body, hence compact JSON);
 * - Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (unix
 *   seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
 *   where the key is the base64-decoded part after `whsec_`, so the official libraries verify it.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The Standard Webhooks HMAC key: the bytes after `whsec_`, base64-decoded. */
export function standardWebhooksKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

export interface SignedHeaders {
  'Content-Type': string;
  'X-Nango-Hmac-Sha256': string;
  'X-Nango-Signature': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signWebhook(input: { secret: string; deliveryId: string; timestampS: number; body: string }): SignedHeaders {
  const { secret, deliveryId, timestampS, body } = input;
  const bodyBytes = Buffer.from(body, 'utf8');
  const standard = createHmac('sha256', standardWebhooksKey(secret)).update(`${deliveryId}.${timestampS}.`).update(bodyBytes).digest('base64');
  return {
    'Content-Type': 'application/json',
    'X-Nango-Hmac-Sha256': createHmac('sha256', secret).update(bodyBytes).digest('hex'),
    'X-Nango-Signature': createHash('sha256').update(secret).update(bodyBytes).digest('hex'),
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': `v1,${standard}`,
  };
}
