import { describe, expect, it } from 'vitest';
import { dnsResolver } from '../../../functions/adapters/http/webhook-sender.js';
import type { HostResolver } from '../../../functions/engine/webhooks/ports.js';
import { checkWebhookUrl, isBlockedAddress } from '../../../functions/engine/webhooks/url-guard.js';

const publicResolver: HostResolver = async () => [{ address: '93.184.216.34', family: 4 }];
const guardOn = { allowPrivate: false, allowHttp: true, resolve: publicResolver };

describe('URL guard', () => {
  it.each([
    'http://169.254.169.254/', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://127.0.0.1:8080/', 'http://0.0.0.0/',
    'http://172.16.5.4/', 'http://192.168.1.1/', 'http://100.64.0.1/', 'http://[::1]/', 'http://[fd00:ec2::254]/', 'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/', 'http://[::ffff:a00:1]/', 'http://[::ffff:127.0.0.1]/', 'http://[64:ff9b::a9fe:a9fe]/',
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
    const mixed: HostResolver = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }];

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
    const failing: HostResolver = async () => { throw new Error('ENOTFOUND'); };

    expect(await checkWebhookUrl('https://nowhere.example/', { ...guardOn, resolve: failing })).toMatchObject({ ok: false, retryable: true });
  });

  it.each(['8.8.8.8', '2606:4700::1111', '172.32.0.1', '192.169.0.1'])('lets %s through', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});
