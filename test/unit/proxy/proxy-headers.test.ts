import { describe, expect, it } from 'vitest';
import { forwardedHeaders, parseRetryOn, ProxyControlHeadersSchema } from '../../../functions/engine/proxy/proxy-headers.js';

describe('proxy control headers', () => {
  const base = { 'Provider-Config-Key': 'github', 'Connection-Id': 'c1' };

  it('reads what @nangohq/node sends, an empty Base-Url-Override meaning none', () => {
    const parsed = ProxyControlHeadersSchema.parse({ ...base, 'Base-Url-Override': '', Retries: '2', 'Retry-On': '409, 423', Decompress: 'true' });
    expect(parsed).toEqual({ ...base, 'Base-Url-Override': '', Retries: 2, 'Retry-On': '409, 423', Decompress: 'true' });
    expect(parseRetryOn(parsed['Retry-On'])).toEqual([409, 423]);
  });

  it('defaults Retries to 0 and caps it at 10', () => {
    expect(ProxyControlHeadersSchema.parse(base).Retries).toBe(0);
    expect(ProxyControlHeadersSchema.parse({ ...base, Retries: '500' }).Retries).toBe(10);
  });

  it.each([
    [{ Retries: '-1' }],
    [{ Retries: 'two' }],
    [{ 'Retry-On': '409,abc' }],
    [{ 'Base-Url-Override': 'ftp://files.example' }],
    [{ 'Base-Url-Override': 'not a url' }],
    [{ Decompress: 'yes' }],
    [{ 'Connection-Id': '' }],
  ])('refuses %j', (bad) => {
    expect(ProxyControlHeadersSchema.safeParse({ ...base, ...bad }).success).toBe(false);
  });

  it('needs the connection and the integration', () => {
    expect(ProxyControlHeadersSchema.safeParse({ 'Provider-Config-Key': 'github' }).success).toBe(false);
    expect(ProxyControlHeadersSchema.safeParse({ 'Connection-Id': 'c1' }).success).toBe(false);
  });
});

describe('forwarded headers', () => {
  it('passes Nango-Proxy-<name> on as <name>, in any case, and nothing else', () => {
    const headers = new Headers({
      'Nango-Proxy-X-Api-Version': '2024-01',
      'nango-proxy-accept': 'application/xml',
      'NANGO-PROXY-If-Match': '"etag"',
      Authorization: 'Bearer sk_syncline_key',
      'Connection-Id': 'c1',
      Accept: 'application/json',
    });
    expect(forwardedHeaders(headers)).toEqual({ 'x-api-version': '2024-01', accept: 'application/xml', 'if-match': '"etag"' });
  });

  it('passes the request Content-Type on, unless a Nango-Proxy-Content-Type names one', () => {
    expect(forwardedHeaders([['Content-Type', 'application/json']])).toEqual({ 'content-type': 'application/json' });
    expect(
      forwardedHeaders([
        ['Content-Type', 'application/json'],
        ['Nango-Proxy-Content-Type', 'text/csv'],
      ]),
    ).toEqual({ 'content-type': 'text/csv' });
  });

  it('never lets a caller set the hop headers fetch owns', () => {
    const headers = forwardedHeaders([
      ['Nango-Proxy-Host', 'evil.example'],
      ['Nango-Proxy-Content-Length', '5'],
      ['Nango-Proxy-Transfer-Encoding', 'chunked'],
      ['Nango-Proxy-Connection', 'close'],
      ['Nango-Proxy-', 'empty'],
    ]);
    expect(headers).toEqual({});
  });
});
