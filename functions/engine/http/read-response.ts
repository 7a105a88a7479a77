/**
 * Turning a fetch `Response` into what a script reads from `response.data`, per `responseType`,
 * the way axios hands it to Nango scripts.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { ProxyResponseType } from './proxy-config.js';

/**
 * How much of a failed streamed response is read for the error; the rest is discarded unread,
 * so an error page the size of the download it replaced is never buffered.
 */
const STREAM_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Statuses whose response carries no body: fetch builds no body for them (and refuses to build
 * a Response with one), and the proxy sends none back.
 */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/** Response headers as a record with lower-case names. */
export function headersOf(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return headers;
}

/**
 * The body of a 2xx answer: a `Readable` for `stream` (nothing buffered; the consumer's pace is
 * the download's), a `Buffer` for `arraybuffer`, a string for `text`, parsed JSON otherwise.
 */
export async function readSuccessBody(res: Response, responseType: ProxyResponseType): Promise<unknown> {
  if (responseType === 'stream') return res.body ? Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>) : Readable.from([]);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (responseType === 'arraybuffer') return bytes;
  const raw = bytes.toString('utf8');
  return responseType === 'text' ? raw : parseJson(raw);
}

/**
 * The body of a failed answer, read for the error: its text (for the redacted excerpt) and the
 * value `error.response.data` carries. A streamed call's error body is read up to a cap and
 * parsed like JSON, since the script never gets to read it as a stream.
 */
export async function readFailureBody(res: Response, responseType: ProxyResponseType): Promise<{ raw: string; data: unknown }> {
  if (responseType === 'stream') {
    const raw = (await readAtMost(res, STREAM_ERROR_BODY_BYTES)).toString('utf8');
    return { raw, data: parseJson(raw) };
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  const raw = bytes.toString('utf8');
  return { raw, data: responseType === 'arraybuffer' ? bytes : responseType === 'text' ? raw : parseJson(raw) };
}

/** axios-like: JSON when it parses, the text otherwise (including an empty body). */
export function parseJson(raw: string): unknown {
  if (raw === '') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readAtMost(res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}
