/**
 * A `fetch` that reaches public addresses only: what the proxy uses in AWS, where a request sent
 * from inside the customer's account must not be pointed (by a base URL override, a
 * connection's config, a redirect, or a DNS name someone controls) at the VPC, the Lambda's own
 * loopback or the metadata service.
 *
 * The URL check (`fetchRefusingMetadata` with `allowPrivate: false`) sees literal addresses
 * only; a name is judged here by what it resolves to, at connect time, on the very addresses the
 * socket then connects to — so a name that answers public to one lookup and private to the next
 * (DNS rebinding) cannot slip between a check and the connection. A name with any private or
 * reserved address among its answers is refused whole. Literal addresses are checked too, since
 * connecting to one resolves nothing.
 *
 * Built on undici's own `fetch` and `Agent`: Node's global fetch takes no per-connection lookup.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { RefusedHostError } from '../../engine/http/errors.js';
import { bareHost, isPrivateOrReserved } from '../../engine/net/address-ranges.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** `dns.lookup`'s shape, as `net.connect` calls it. */
export type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export interface PublicOnlyFetchOptions {
  /** The resolver; tests pass their own. @default dns.lookup */
  lookup?: Lookup;
}

export function createPublicOnlyFetch(options: PublicOnlyFetchOptions = {}): typeof fetch {
  const agent = new Agent({ connect: { lookup: refusingPrivateAnswers(options.lookup ?? (dnsLookup as unknown as Lookup)) } });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const host = bareHost(url);
    // A literal address is the caller's own input: naming it in the error tells them nothing new.
    if (isIP(host) !== 0 && isPrivateOrReserved(host)) throw refusal(`Refusing to call ${host}: private, loopback, link-local and reserved addresses are not allowed here`, host);
    return undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent }) as unknown as Response;
  }) as typeof fetch;
}

/** The public-only fetch of this process, one connection pool for every proxied call. */
export const publicOnlyFetch = createPublicOnlyFetch();

/** `lookup`, failing with `RefusedHostError` for a name with any private or reserved answer. */
export function refusingPrivateAnswers(lookup: Lookup): Lookup {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, answers) => {
      if (error) return callback(error, []);
      const addresses = answers as LookupAddress[];
      const blocked = addresses.find((a) => isPrivateOrReserved(a.address));
      if (blocked || addresses.length === 0) {
        // What a name resolved to is the network's, not the caller's: the address is logged, never answered.
        const message = blocked
          ? `Refusing to call ${hostname}: it resolved to a non-public address (private, loopback, link-local or reserved), which is not allowed here`
          : `Refusing to call ${hostname}: it resolved to no address`;
        return callback(refusal(message, blocked?.address ?? 'no address'), []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function refusal(message: string, address: string): RefusedHostError & NodeJS.ErrnoException {
  const error: RefusedHostError & NodeJS.ErrnoException = new RefusedHostError(message, { refusedAddress: address });
  error.code = 'EADDRNOTPUBLIC';
  return error;
}
