/**
 * The public-only fetch against a server on 127.0.0.1 that counts its requests: names resolving
 * to private addresses and literal private addresses are refused before a connection is made.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicOnlyFetch, type Lookup, refusingPrivateAnswers } from '../../../functions/adapters/http/public-only-fetch.js';
import { findInCauses, RefusedHostError } from '../../../functions/engine/http/errors.js';

let server: Server;
let port: number;
let hits = 0;

beforeAll(async () => {
  server = createServer((_, res) => {
    hits++;
    res.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A resolver answering `addresses` for every name, as dns.lookup answers. */
const resolvingTo =
  (...addresses: string[]): Lookup =>
  (_host, options, callback) => {
    const answers = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, answers);
    else callback(null, answers[0]!.address, answers[0]!.family);
  };

async function refusal(promise: Promise<unknown>): Promise<RefusedHostError | undefined> {
  try {
    await promise;
  } catch (error) {
    return findInCauses(error, (e): e is RefusedHostError => e instanceof RefusedHostError);
  }
  return undefined;
}

describe('createPublicOnlyFetch', () => {
  it('refuses localhost, which resolves to loopback', async () => {
    const fetchPublic = createPublicOnlyFetch();
    expect(await refusal(fetchPublic(`http://localhost:${port}/`))).toBeInstanceOf(RefusedHostError);
    expect(hits).toBe(0);
  });

  it.each(['10.0.0.5', '127.0.0.1', '169.254.169.254', '::1', '::ffff:127.0.0.1', 'fd00:ec2::254'])('refuses a public-looking name resolving to %s', async (address) => {
    const fetchPublic = createPublicOnlyFetch({ lookup: resolvingTo(address) });
    expect(await refusal(fetchPublic(`http://api.rebind.example:${port}/`))).toBeInstanceOf(RefusedHostError);
    expect(hits).toBe(0);
  });

  it('names the host in the refusal, not the address it resolved to, which is kept for the log', async () => {
    const fetchPublic = createPublicOnlyFetch({ lookup: resolvingTo('10.77.66.55') });
    const error = await refusal(fetchPublic(`http://internal.rebind.example:${port}/`));
    expect(error?.message).toMatch(/^Refusing to call internal\.rebind\.example: it resolved to a non-public address/);
    expect(error?.message).not.toContain('10.77.66.55');
    expect(error?.refusedAddress).toBe('10.77.66.55');
    expect(hits).toBe(0);
  });

  it('refuses a name when any of its answers is private', async () => {
    const fetchPublic = createPublicOnlyFetch({ lookup: resolvingTo('93.184.216.34', '127.0.0.1') });
    expect(await refusal(fetchPublic(`http://mixed.example:${port}/`))).toBeInstanceOf(RefusedHostError);
    expect(hits).toBe(0);
  });

  it.each(['127.0.0.1', '[::ffff:127.0.0.1]', '10.0.0.1', '169.254.169.254'])('refuses the literal address %s without resolving', async (host) => {
    const fetchPublic = createPublicOnlyFetch({ lookup: () => expect.fail('a literal address is not resolved') });
    expect(await refusal(fetchPublic(`http://${host}:${port}/`))).toBeInstanceOf(RefusedHostError);
    expect(hits).toBe(0);
  });

  it('passes public answers on as the socket asks for them (one address, or all)', async () => {
    const lookup = refusingPrivateAnswers(resolvingTo('93.184.216.34', '2606:2800:220:1::1'));
    const one = await new Promise((resolve, reject) => lookup('example.com', {}, (error, address, family) => (error ? reject(error) : resolve([address, family]))));
    expect(one).toEqual(['93.184.216.34', 4]);
    const all = await new Promise((resolve, reject) => lookup('example.com', { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
    expect(all).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });

  it('passes a resolver error on', async () => {
    const lookup = refusingPrivateAnswers((_host, _options, callback) => callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), []));
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('nowhere.invalid', {}, (e) => resolve(e)));
    expect(error?.code).toBe('ENOTFOUND');
  });
});
