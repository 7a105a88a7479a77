/**
 * Errors raised by the provider HTTP client. Messages and fields are built from already
 * redacted parts: they end up in run logs that end-customers' operators read.
 */

export interface ProviderHttpErrorInit {
  method: string;
  /** Full URL with secret-bearing query params removed. */
  url: string;
  /** Path only, used in the message so it stays short and free of query data. */
  path: string;
  /** Undefined when no response was received (network error or timeout). */
  status?: number | undefined;
  retries: number;
  /** First few hundred characters of the response body, secrets redacted. */
  bodyExcerpt?: string | undefined;
  /** Parsed body and headers, kept for scripts that read `error.response` like axios. */
  response?: { status: number; data: unknown; headers: Record<string, string> } | undefined;
  /** Short network failure reason, e.g. `ECONNRESET` or `timeout`. */
  networkError?: string | undefined;
  cause?: unknown;
}

/** A provider call that still failed after all its retries. */
export class ProviderHttpError extends Error {
  override readonly name = 'ProviderHttpError';
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly retries: number;
  readonly bodyExcerpt: string | undefined;
  /** axios-compatible view: Nango scripts often branch on `error.response.status`. */
  readonly response: ProviderHttpErrorInit['response'];

  constructor(init: ProviderHttpErrorInit) {
    const outcome = init.status !== undefined ? `${init.status}` : `network error (${init.networkError ?? 'unknown'})`;
    const tries = `after ${init.retries} ${init.retries === 1 ? 'retry' : 'retries'}`;
    super(`${init.method} ${init.path} failed with ${outcome} ${tries}`, { cause: init.cause });
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.retries = init.retries;
    this.bodyExcerpt = init.bodyExcerpt;
    this.response = init.response;
  }
}

/** A script passed a configuration the client cannot honour (bad endpoint, bad pagination). */
export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
}

/**
 * A host the caller may not reach: a link-local or metadata address always, a private, loopback
 * or reserved one where private addresses are not allowed (from the URL, or from what a name
 * resolved to at connect time). Never retried: asking again reaches the same host. Scripts see it
 * as the `ProxyConfigError` it always was (same name); the proxy tells it apart to answer 400.
 */
export class RefusedHostError extends ProxyConfigError {
  /**
   * The address refused, for the log only: when a name resolved to it, it describes the network
   * the request left from, which the caller is not told (the message says "a non-public address").
   */
  readonly refusedAddress: string | undefined;
  constructor(message: string, options?: ErrorOptions & { refusedAddress?: string }) {
    super(message, options);
    this.refusedAddress = options?.refusedAddress;
  }
}

/** The provider's answer is larger than the caller can pass on (the proxy's Lambda response limit). Never retried. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`the provider's response is larger than ${maxBytes} bytes`);
  }
}

/** The first error in `error`'s `cause` chain (itself included) that `match` accepts. */
export function findInCauses<T>(error: unknown, match: (candidate: unknown) => candidate is T): T | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    if (match(current)) return current;
    seen.add(current);
    if (typeof current !== 'object') break;
  }
  return undefined;
}

/** Replace every occurrence of each secret in `text`. */
export function redact(text: string, secrets: string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((out, s) => out.split(s).join('[redacted]'), text);
}

/** The URL without the API-key param or any param whose value contains a secret. */
export function redactUrl(url: URL, secrets: string[], secretParams: string[] = []): string {
  const safe = new URL(url.href);
  for (const name of secretParams) safe.searchParams.delete(name);
  for (const [key, value] of [...safe.searchParams]) {
    if (secrets.some((s) => s.length > 0 && value.includes(s))) safe.searchParams.delete(key);
  }
  return `${safe.origin}${safe.pathname}${safe.search}`;
}
