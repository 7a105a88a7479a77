/**
 * The proxy's limits, chosen for where it runs in AWS: API Gateway (HTTP API) in front of one
 * Lambda. The same limits apply locally so that what works on a laptop works when deployed.
 *
 * - Buffered, not streamed. An HTTP API cannot stream a Lambda's response: the Lambda returns
 *   the whole body in its result, so the proxy reads the provider's answer into memory and
 *   caps it.
 * - Lambda's synchronous invocation payload is 6 MB each way (API Gateway's own 10 MB is never
 *   the binding one). A request or response body that is not text travels base64-encoded,
 *   4 bytes for every 3, inside a JSON envelope with the headers.
 * - API Gateway gives up on its integration after 30 s (the HTTP API maximum) and answers 503
 *   by itself; the proxy must answer before that, retries and their waits included.
 */

/**
 * The request body /proxy accepts (the rest of the API keeps its 256 KiB): 4.5 MB, whose base64
 * (6,000,000 characters) still fits Lambda's 6 MB request payload with room for the headers.
 */
export const PROXY_MAX_REQUEST_BYTES = 4_500_000;

/**
 * The provider answers the proxy downloads: text (JSON, XML, text/*) up to 5 MB, anything else
 * up to 4.5 MB, cut off while it arrives. Above: 502 `response_too_large`.
 */
export const PROXY_MAX_TEXT_RESPONSE_BYTES = 5_000_000;
export const PROXY_MAX_BINARY_RESPONSE_BYTES = 4_500_000;

/**
 * What the body may take inside the Lambda result, leaving Lambda's 6 MB (6,291,456 bytes) room
 * for the envelope and headers. A binary body is base64 (4.5 MB encodes to exactly this); a text
 * body is a JSON string, where every `"` and `\` takes two bytes and a control character six, so
 * 5 MB of quote-dense JSON can take 10 MB: its escaped length is what is held to this cap.
 */
export const PROXY_MAX_LAMBDA_BODY_BYTES = 6_000_000;

/**
 * The whole call's time budget: every attempt, every retry wait and a token refresh fit in it,
 * leaving API Gateway's 30 s window 5 s for the Lambda's own work and the reply. An attempt's
 * timeout is what remains of it; a retry whose wait would end past it is not made, and the last
 * provider answer is passed back instead.
 */
export const PROXY_TIME_BUDGET_MS = 25_000;

/** `Retries` above this are read as this: 10 attempts cannot fit the budget anyway. */
export const PROXY_MAX_RETRIES = 10;

/**
 * Content types the API Lambda returns as text (the rule of `hono/aws-lambda`); everything
 * else is base64-encoded and gets the smaller cap.
 */
export function isTextContentType(contentType: string | null | undefined): boolean {
  if (!contentType) return true;
  return /^text\/(?:plain|html|css|javascript|csv)|(?:\/|\+)(?:json|xml)\s*(?:;|$)/i.test(contentType);
}

/**
 * The bytes `body` takes in the API Lambda's result: base64 for a binary type; for text, the
 * JSON string of the body decoded as UTF-8 (as `hono/aws-lambda` reads it, invalid bytes
 * becoming U+FFFD), escapes included.
 */
export function lambdaBodyBytes(contentType: string | null | undefined, body: Uint8Array): number {
  if (!isTextContentType(contentType)) return Math.ceil(body.byteLength / 3) * 4;
  return Buffer.byteLength(JSON.stringify(new TextDecoder().decode(body)));
}

/** The largest body of this content type the proxy downloads. */
export function maxResponseBytes(contentType: string | null | undefined): number {
  return isTextContentType(contentType) ? PROXY_MAX_TEXT_RESPONSE_BYTES : PROXY_MAX_BINARY_RESPONSE_BYTES;
}
