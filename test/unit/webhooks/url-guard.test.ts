import { describe, expect, it } from 'vitest';
import { dnsResolver } from '../../../functions/adapters/http/webhook-sender.js';
import type { HostResolver } from '../../../functions/engine/webhooks/ports.js';
import { isLinkLocalOrMetadata, isMetadataHostName } from '../../../functions/engine/net/address-ranges.js';
import { checkWebhookUrl, isBlockedAddress } from '../../../functions/engine/webhooks/url-guard.js';

const publicResolver: HostResolver = async () => [{ address: '93.184.216.34', family: 4 }];
const guardOn = { allowPrivate: false, allowHttp: true, resolve: publicResolver };

describe('URL guard', () => {
  it.each([
    'http://169.254.169.254/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://127.0.0.1:8080/',
    'http://0.0.0.0/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://[::1]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a00:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
  ])('refuses %s', async (url) => {
    const result = await checkWebhookUrl(url, guardOn);

    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  it('refuses a hostname that resolves to loopback (localhost, real DNS)', async () => {
    const result = await checkWebhookUrl('http://localhost:9999/hook', { ...guardOn, resolve: dnsResolver });

    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/resolves to (127\.0\.0\.1|::1)/);
  });

  it('refuses a host when any of its addresses is private', async () => {
    const mixed: HostResolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];

    expect((await checkWebhookUrl('https://rebind.example/', { ...guardOn, resolve: mixed })).ok).toBe(false);
  });

  it('accepts a public https URL and pins the checked address', async () => {
    const result = await checkWebhookUrl('https://hooks.example.com/syncline', { ...guardOn, allowHttp: false });

    expect(result).toMatchObject({ ok: true, address: '93.184.216.34', family: 4 });
  });

  it('requires https unless http is allowed; refuses credentials in the URL', async () => {
    expect(await checkWebhookUrl('http://hooks.example.com/', { ...guardOn, allowHttp: false })).toMatchObject({ ok: false, reason: 'the URL must use https' });
    expect(await checkWebhookUrl('ftp://hooks.example.com/', guardOn)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('https://user:pw@hooks.example.com/', guardOn)).toMatchObject({ ok: false });
  });

  it('allowPrivate lifts the address check (local development)', async () => {
    expect(await checkWebhookUrl('http://127.0.0.1:4000/', { ...guardOn, allowPrivate: true })).toMatchObject({ ok: true, address: '127.0.0.1' });
  });

  it('DNS failure is retryable', async () => {
    const failing: HostResolver = async () => {
      throw new Error('ENOTFOUND');
    };

    expect(await checkWebhookUrl('https://nowhere.example/', { ...guardOn, resolve: failing })).toMatchObject({ ok: false, retryable: true });
  });

  it.each(['8.8.8.8', '2606:4700::1111', '172.32.0.1', '192.169.0.1'])('lets %s through', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('URL guard with private addresses allowed (local development)', () => {
  const guardLocal = { allowPrivate: true, allowHttp: true, resolve: publicResolver };
  /** A fake DNS answering `address` for every name, recording what it was asked. */
  const answering = (address: string, family: 4 | 6 = 4) => {
    const asked: string[] = [];
    const resolve: HostResolver = async (host) => {
      asked.push(host);
      return [{ address, family }];
    };
    return { asked, resolve };
  };

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.170.2/v2/credentials',
    'http://169.254.0.1/',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0251.0376.0251.0376/',
    'http://169.254.169.254./',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[febf::1]/',
    'http://100.100.100.200/',
  ])('still refuses the link-local or metadata address %s', async (url) => {
    const result = await checkWebhookUrl(url, guardLocal);

    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/link-local or cloud metadata/) });
  });

  it.each([
    ['169.254.169.254', 4],
    ['::ffff:169.254.169.254', 6],
    ['::ffff:a9fe:a9fe', 6],
    ['64:ff9b::a9fe:a9fe', 6],
    ['fd00:ec2::254', 6],
    ['fe80::1%eth0', 6],
  ] as const)('still refuses a host name that resolves to %s', async (address, family) => {
    const dns = answering(address, family);

    const result = await checkWebhookUrl('http://rebind.example/hook', { ...guardLocal, resolve: dns.resolve });

    expect(result).toMatchObject({ ok: false, retryable: false, reason: `the host rebind.example resolves to ${address}, a link-local or cloud metadata address` });
  });

  it('refuses a host when any of its addresses is link-local', async () => {
    const mixed: HostResolver = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];

    expect(await checkWebhookUrl('http://rebind.example/', { ...guardLocal, resolve: mixed })).toMatchObject({ ok: false, retryable: false });
  });

  it.each(['http://metadata.google.internal/computeMetadata/v1/', 'http://METADATA.google.internal./', 'http://metadata/', 'http://instance-data/latest/', 'http://metadata.goog/'])(
    'refuses the metadata service name %s without asking DNS',
    async (url) => {
      const dns = answering('127.0.0.1');

      const result = await checkWebhookUrl(url, { ...guardLocal, resolve: dns.resolve });

      expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/is a cloud metadata service$/) });
      expect(dns.asked).toEqual([]);
    },
  );

  it.each(['http://127.0.0.1:4000/hook', 'http://10.0.0.7/', 'http://192.168.1.20:8080/', 'http://[::1]:4000/', 'http://[fd12:3456::1]/', 'http://[fd00:ec2::253]/'])(
    'still accepts the private address %s',
    async (url) => {
      expect((await checkWebhookUrl(url, guardLocal)).ok).toBe(true);
    },
  );
});

describe('address ranges', () => {
  it.each([
    '169.254.169.254',
    '169.254.0.0',
    '169.254.255.255',
    '100.100.100.200',
    'fe80::1',
    'febf:ffff::1',
    'fd00:ec2::254',
    'fd00:ec2:0:0:0:0:0:254',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    'not-an-address',
  ])('%s is link-local or metadata', (address) => {
    expect(isLinkLocalOrMetadata(address)).toBe(true);
  });

  it.each(['127.0.0.1', '10.0.0.1', '169.253.255.255', '169.255.0.0', '100.100.100.201', '::1', 'fec0::1', 'fd00:ec2::253', 'fd12::1', '::ffff:127.0.0.1', '::a9fe:a9fe', '8.8.8.8'])(
    '%s is not link-local or metadata',
    (address) => {
      expect(isLinkLocalOrMetadata(address)).toBe(false);
    },
  );

  it('every link-local or metadata address is also blocked when private addresses are refused', () => {
    for (const address of ['169.254.169.254', 'fe80::1', 'fd00:ec2::254', '::ffff:a9fe:a9fe', '100.100.100.200']) expect(isBlockedAddress(address)).toBe(true);
  });

  it('knows the metadata service names, not their look-alikes', () => {
    expect(['metadata.google.internal', 'Metadata.Google.Internal.', 'instance-data', 'instance-data.ec2.internal'].map(isMetadataHostName)).toEqual([true, true, true, true]);
    expect(['metadata.example.com', 'my-metadata.google.internal', 'instance-data.example.com'].map(isMetadataHostName)).toEqual([false, false, false]);
  });
});
