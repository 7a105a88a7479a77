/**
 * A fetch whose response bodies stop at a size: the proxy buffers the provider's answer to hand
 * it back in one Lambda result, so a body larger than that result can carry is cut off while it
 * downloads (or refused from its `Content-Length`), never read whole into memory first.
 */
import { ResponseTooLargeError } from '../http/errors.js';
import { NULL_BODY_STATUSES } from '../http/read-response.js';

/**
 * `fetchImpl`, with each response body limited to `maxBytes(contentType)`: a larger declared
 * `Content-Length` rejects at once, and a body that grows past the limit errors the stream with
 * `ResponseTooLargeError` (the reader, `arrayBuffer()`, rejects with it).
 */
export function fetchLimitingResponse(fetchImpl: typeof fetch, maxBytes: (contentType: string | null) => number): typeof fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, init);
    if (res.body === null || NULL_BODY_STATUSES.has(res.status)) return res;
    const limit = maxBytes(res.headers.get('content-type'));
    // A compressed body's length says nothing of its decoded size, which is what is passed on.
    const declared = res.headers.get('content-encoding') ? Number.NaN : Number(res.headers.get('content-length'));
    if (declared > limit) {
      await res.body.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(limit);
    }
    let size = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > limit) controller.error(new ResponseTooLargeError(limit));
        else controller.enqueue(chunk);
      },
    });
    return new Response(res.body.pipeThrough(counter), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
