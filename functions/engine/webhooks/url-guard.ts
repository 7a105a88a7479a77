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
 * Refused in every mode: link-local and cloud metadata addresses (169.254/16, fe80::/10,
 * fd00:ec2::254, 100.100.100.200, and their IPv4-mapped / NAT64 forms) and the metadata
 * services' host names. Refused unless `allowPrivate`: 0.0.0.0/8, 10/8, 100.64/10 (carrier NAT),
 * 127/8, 172.16/12, 192.168/16, 192.0.0/24, 198.18/15, multicast and reserved 224/3; IPv6 ::, ::1,
 * fc00::/7, ff00::/8, and IPv4 addresses embedded in IPv6 judged by their IPv4 part. The ranges
 * live in `net/address-ranges.ts`, shared with the provider HTTP client.
 *
 * `allowPrivate` lifts the private-address check (local development: a receiver on 127.0.0.1)
 * but never the metadata one: a developer's machine on EC2 or a cloud workstation has a metadata
 * service too, and a local subscription must not read its credentials. `allowHttp` lets plain
 * http through. Both are off in AWS.
 */
import { isIP } from 'node:net';
import { bareHost, isLinkLocalOrMetadata, isMetadataHostName, isPrivateOrReserved } from '../net/address-ranges.js';
import type { HostResolver } from './ports.js';

export interface UrlGuardOptions {
  allowPrivate: boolean;
  allowHttp: boolean;
  resolve: HostResolver;
}

export type GuardResult = { ok: true; url: URL; address: string; family: 4 | 6 } | { ok: false; reason: string; retryable: boolean };

/** True when the address may not be the target of a webhook in AWS. Unparseable input is blocked. */
export function isBlockedAddress(address: string): boolean {
  return isPrivateOrReserved(address);
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
  const host = bareHost(url);
  if (isMetadataHostName(host)) return { ok: false, reason: `the host ${host} is a cloud metadata service`, retryable: false };
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
  const metadata = addresses.find((a) => isLinkLocalOrMetadata(a.address));
  if (metadata) return { ok: false, reason: `the host ${host} resolves to ${metadata.address}, a link-local or cloud metadata address`, retryable: false };
  if (!options.allowPrivate) {
    const bad = addresses.find((a) => isBlockedAddress(a.address));
    if (bad) return { ok: false, reason: `the host ${host} resolves to ${bad.address}, a private, loopback or reserved address`, retryable: false };
  }
  const chosen = addresses[0]!;
  return { ok: true, url, address: chosen.address, family: chosen.family };
}
