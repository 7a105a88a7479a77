/**
 * The address ranges Syncline's outbound guards share: the webhook URL guard and the provider
 * HTTP client. Both send requests to customer-chosen hosts from inside the customer's AWS account.
 *
 * Two tiers:
 * - Link-local and cloud metadata addresses are refused in every mode, local development
 *   included. The instance metadata service (169.254.169.254, fd00:ec2::254), the ECS task
 *   credentials endpoint (169.254.170.2) and their kin hand out the caller's own credentials, and
 *   no receiver or provider a customer runs lives on a link-local address, so nothing legitimate
 *   is lost.
 * - Private, loopback and reserved ranges are refused only where the caller asks (webhooks in
 *   AWS): local development needs 127.0.0.1 for its receivers and sandbox APIs.
 *
 * An IPv4 address embedded in IPv6 (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96) reaches the
 * IPv4 host, so it is judged by its IPv4 part as well. The deprecated IPv4-compatible ::/96 and
 * the local-use NAT64 prefix 64:ff9b:1::/48 (whose IPv4 part sits where the operator chose) are
 * reserved whole: no provider is reached through them, and no stack is trusted to treat them
 * alike. (Neither is link-local: only the private tier refuses them.) Unparseable input counts
 * as inside every range.
 */
import { BlockList, isIP } from 'node:net';

const privateOrReserved = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  privateOrReserved.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1): never a provider, whatever IPv4 it embeds.
  ['::', 96],
  // Local-use NAT64 (RFC 8215): translates into the operator's own network.
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  privateOrReserved.addSubnet(network, prefix, 'ipv6');

const linkLocalOrMetadata = new BlockList();
linkLocalOrMetadata.addSubnet('169.254.0.0', 16, 'ipv4');
// Alibaba Cloud's metadata service sits outside 169.254/16, in carrier-grade NAT space.
linkLocalOrMetadata.addAddress('100.100.100.200', 'ipv4');
linkLocalOrMetadata.addSubnet('fe80::', 10, 'ipv6');
// EC2's IPv6 metadata endpoint is a unique-local address, so the link-local prefix misses it.
linkLocalOrMetadata.addAddress('fd00:ec2::254', 'ipv6');

/**
 * Host names of metadata services. They resolve to a link-local address only inside the cloud,
 * so a caller that leaves DNS to someone else (fetch) can only recognise them by name.
 */
const METADATA_HOST_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** True for a private, loopback, link-local, metadata, multicast or reserved address. */
export function isPrivateOrReserved(address: string): boolean {
  return isInRanges(address, privateOrReserved);
}

/** True for a link-local or cloud metadata address: never a legitimate outbound target. */
export function isLinkLocalOrMetadata(address: string): boolean {
  return isInRanges(address, linkLocalOrMetadata);
}

/** True for a well-known metadata service name (case and a trailing dot ignored). */
export function isMetadataHostName(host: string): boolean {
  return METADATA_HOST_NAMES.has(host.toLowerCase().replace(/\.+$/, ''));
}

/** A URL's host as a resolver or `isIP` expects it: IPv6 without its brackets. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function isInRanges(address: string, ranges: BlockList): boolean {
  const bare = address.split('%')[0]!; // an IPv6 zone id does not change the range
  const family = isIP(bare);
  if (family === 4) return ranges.check(bare, 'ipv4');
  if (family !== 6) return true;
  if (ranges.check(bare, 'ipv6')) return true;
  const embedded = embeddedIpv4(bare);
  return embedded !== null && ranges.check(embedded, 'ipv4');
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
  let text = address.toLowerCase();
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
