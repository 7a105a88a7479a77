/**
 * The console's only way to the backend: the Syncline HTTP API on the same origin, with the
 * session's API key as a Bearer token (never in a URL). A non-2xx answer becomes an
 * `ApiFailure` carrying the API's `{error: {code, message, errors}}`, so pages show the API's
 * own words; a network failure stays a plain `Error` (`ErrorBanner` tells them apart).
 */
/** Where the key lives: gone when the tab closes, never in a URL, a cookie or a log. */
export const API_KEY_STORAGE = 'syncline.apiKey';

export function readApiKey(): string | null {
  try {
    return sessionStorage.getItem(API_KEY_STORAGE);
  } catch {
    return null;
  }
}

/** Stores (or, with null, forgets) the key; `session.ts` wraps this with sign-in and sign-out. */
export function writeApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(API_KEY_STORAGE);
  else sessionStorage.setItem(API_KEY_STORAGE, key);
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | string[] | undefined;

export interface ApiCallOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FieldError {
  path: string;
  message: string;
}

export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** `path` relative to the API root (`/connections`); `query` values that are undefined are left out, lists repeat the name. */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, item);
    else params.append(name, String(value));
  }
  const search = params.toString();
  return `${path}${search ? `?${search}` : ''}`;
}

export async function apiCall<T>(method: HttpMethod, path: string, options: ApiCallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const key = readApiKey();
  // A caller's own Authorization wins: the sign-in page checks a key before keeping it.
  if (key && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers['Authorization'] = `Bearer ${key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(apiUrl(path, options.query), { method, headers, body, credentials: 'omit', cache: 'no-store' });
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) throw toFailure(response.status, parsed, text);
  return parsed as T;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toFailure(status: number, body: unknown, text: string): ApiFailure {
  const error = (body as { error?: { code?: unknown; message?: unknown; errors?: unknown } } | undefined)?.error;
  if (error && typeof error === 'object') {
    const errors = Array.isArray(error.errors)
      ? error.errors.filter((e): e is FieldError => typeof e === 'object' && e !== null && 'message' in e).map((e) => ({ path: String(e.path ?? ''), message: String(e.message) }))
      : [];
    return new ApiFailure(status, String(error.code ?? 'error'), String(error.message ?? `HTTP ${status}`), errors);
  }
  return new ApiFailure(status, 'http_error', text.trim().slice(0, 200) || `HTTP ${status}`);
}
