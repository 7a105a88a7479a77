/**
 * The SSRF guard for webhook URLs. A subscription URL is customer input that Syncline's Lambda
 * will POST to from inside the customer's AWS account, so it must not reach what only that
 * account can reach: the instance metadata service, VPC-private hosts, loopback.
 *
 * The guard resolves the host and refuses the URL if ANY address is in a blocked range; the
 * sender then connects to the checked address itself (a pinned `lookup`), so a DNS answer that
 * changes between the check and the connection (DNS rebinding) cannot slip through. It runs at
 * subscription creation (a clear 400) and again before every attempt (DNS may have changed).
 *
 * Blocked: 0.0.0.0/8, 10/8, 100.64/10 (carrier NAT), 127/8, 169.254/16 (link-local, metadata),
 * 172.16/12, 192.168/16, 192.0.0/24, 198.18/15, multicast and reserved 224/3; IPv6 ::, ::1,
 * fc00::/7 (unique local, incl. fd00:ec2::254 metadata), fe80::/10, ff00::/8, and IPv4 addresses
 * embedded in IPv6 (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96) judged by their IPv4 part.
 *
 * `allowPrivate` lifts the address check (local development: a receiver on 127.0.0.1);
 * `allowHttp` lets plain http through. Both are off in AWS.
 */
import { BlockList, isIP } from 'node:net';
import type { HostResolver } from './ports.js';

export interface UrlGuardOptions {
  allowPrivate: boolean;
  allowHttp: boolean;
  resolve: HostResolver;
}

export type GuardResult =
  | { ok: true; url: URL; address: string; family: 4 | 6 }
  | { ok: false; reason: string; retryable: boolean };

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
] as const) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) blocked.addSubnet(network, prefix, 'ipv6');

/** True when the address may not be the target of a webhook. Unparseable input is blocked. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const embedded = embeddedIpv4(address);
  if (embedded !== null) return blocked.check(embedded, 'ipv4');
  return blocked.check(address, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const words = expandIpv6(address);
  if (words === null) return null;
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0);
  if (!mapped && !nat64) return null;
  return [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff].join('.');
}

/** Eight 16-bit words of an IPv6 address (a trailing dotted IPv4 part is converted). */
function expandIpv6(address: string): number[] | null {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, -dotted[1]!.length)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return null;
  const words = [...left, ...Array<number>(fill).fill(0), ...right];
  return words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

export async function checkWebhookUrl(raw: string, options: UrlGuardOptions): Promise<GuardResult> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid URL', retryable: false };
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    return { ok: false, reason: options.allowHttp ? 'the URL must use http or https' : 'the URL must use https', retryable: false };
  }
  if (url.username || url.password) return { ok: false, reason: 'the URL must not carry credentials', retryable: false };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: { address: string; family: 4 | 6 }[];
  const literal = isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal as 4 | 6 }];
  } else {
    try {
      addresses = await options.resolve(host);
    } catch (error) {
      // DNS trouble may pass; the attempt is retried like a network error.
      return { ok: false, reason: `the host ${host} could not be resolved: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
    }
    if (addresses.length === 0) return { ok: false, reason: `the host ${host} has no address`, retryable: true };
  }
  if (!options.allowPrivate) {
    const bad = addresses.find((a) => isBlockedAddress(a.address));
    if (bad) return { ok: false, reason: `the host ${host} resolves to ${bad.address}, a private, loopback, link-local or metadata address`, retryable: false };
  }
  const chosen = addresses[0]!;
  return { ok: true, url, address: chosen.address, family: chosen.family };
}
