import { isIP } from 'node:net';
import { bareHost, isLinkLocalOrMetadata, isMetadataHostName, isPrivateOrReserved } from '../net/address-ranges.js';
import { ProxyConfigError, RefusedHostError } from './errors.js';

/** fetch's own limit. */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * fetch, refusing link-local and cloud metadata hosts, in every environment. A base URL comes
 * from `${connectionConfig.*}` (customer input through the API) and `baseUrlOverride` from the
 * script, so without this a connection could point the executor at the metadata service and read
 * its credentials back through the script. Loopback and private hosts stay allowed: the local
 * sandbox is on 127.0.0.1 and a provider may live in the VPC.
 *
 * The check reads the URL's host, not a DNS answer: fetch resolves names itself and cannot be
 * pinned to a checked address without a dispatcher of its own, so literal addresses (the URL
 * parser normalises 2852039166 and [::ffff:169.254.169.254] to forms the check knows) and the
 * metadata services' names are what is refused; a name of one's own that resolves to 169.254.x.x
 * would need that pinned lookup to be caught. Redirects are followed here rather than by fetch so
 * that every hop is checked before it is requested; fetch's rules for a redirected request (303
 * and POST-after-301/302 become a bodiless GET, a cross-origin hop drops Authorization and
 * Cookie) are kept. A hop to anything but http(s) is refused too. A cross-origin hop also drops
 * every header whose value contains one of `secrets` (the credentials the caller injected: an
 * `X-Api-Key`, a provider template's header, a forwarded header carrying one), so a redirect
 * never hands a credential to another host. The next URL is the `Location` as sent, so a
 * credential in the first URL's query is not carried over either.
 *
 * `allowPrivate: false` (default true) also refuses private, loopback and reserved literal
 * addresses and `localhost`, for callers with no provider relationship (`uncontrolledFetch`);
 * like the metadata check it reads the URL, so a public name resolving to a private address
 * is not caught.
 */
export interface FetchGuardOptions {
  allowPrivate?: boolean;
  /** Credential values the request carries: headers containing one are dropped on a cross-origin redirect. */
  secrets?: readonly string[];
}

export async function fetchRefusingMetadata(fetchImpl: typeof fetch, url: URL, init: RequestInit, options: FetchGuardOptions = {}): Promise<Response> {
  let target = url;
  let request = init;
  for (let hop = 0; ; hop++) {
    assertHttp(target);
    assertNotMetadataHost(target);
    if (options.allowPrivate === false) assertNotPrivateHost(target);
    const res = await fetchImpl(target, { ...request, redirect: 'manual' });
    const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
    if (location === null) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new TypeError('redirect count exceeded');
    const next = new URL(location, target);
    request = redirectedRequest(request, res.status, target, next, options.secrets ?? []);
    target = next;
  }
}

function assertNotMetadataHost(url: URL): void {
  const host = bareHost(url);
  if (isMetadataHostName(host) || (isIP(host) !== 0 && isLinkLocalOrMetadata(host))) {
    throw new RefusedHostError(`Refusing to call ${host}: link-local and cloud metadata addresses are never a provider`);
  }
}

function assertHttp(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyConfigError(`Refusing to call a ${url.protocol} URL: only http and https are allowed`);
  }
}

function assertNotPrivateHost(url: URL): void {
  const host = bareHost(url).toLowerCase().replace(/\.+$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateOrReserved(host))) {
    throw new RefusedHostError(`Refusing to call ${host}: private, loopback and reserved addresses are not allowed here`);
  }
}

function redirectedRequest(init: RequestInit, status: number, from: URL, to: URL, secrets: readonly string[]): RequestInit {
  const headers = new Headers(init.headers);
  const method = (init.method ?? 'GET').toUpperCase();
  const next: RequestInit = { ...init, headers };
  if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    next.method = 'GET';
    delete next.body;
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  }
  if (from.origin !== to.origin) {
    for (const name of ['authorization', 'proxy-authorization', 'cookie']) headers.delete(name);
    const carried = secrets.filter((secret) => secret.length > 0);
    // Collected first: deleting while iterating Headers skips entries.
    const credentialHeaders = [...headers].filter(([, value]) => carried.some((secret) => value.includes(secret))).map(([name]) => name);
    for (const name of credentialHeaders) headers.delete(name);
  }
  return next;
}
