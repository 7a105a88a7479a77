/**
 * A fake OAuth2 provider on 127.0.0.1 for the connect-flow tests, playing the three parts a real
 * one has: the consent page (`GET /oauth/authorize`, which "consents" at once by redirecting back
 * with a code — or refuses, as `mode` says), the token endpoint (`POST /oauth/token`, checking
 * the client, the code and its PKCE verifier), and a data endpoint (`GET /api/items`) that
 * records which bearer token it was called with, so a test sees the auto-start sync use the
 * token the flow obtained.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `consent` redirects back at once; `manual` shows a consent page with an "Allow" link; `deny` redirects back with `access_denied`. */
export type ConsentMode = 'consent' | 'manual' | 'deny';
export type TokenMode = 'ok' | 'fail';

export interface FakeOAuthProvider {
  url: string;
  clientId: string;
  clientSecret: string;
  /** What the consent page does next. */
  consent: ConsentMode;
  /** What the token endpoint answers next. */
  token: TokenMode;
  /** Access tokens issued, in order. */
  issued: string[];
  /** Every authorization request's query, in order. */
  authorizations: URLSearchParams[];
  /** Every token request's form, in order. */
  tokenRequests: URLSearchParams[];
  /** The bearer token of every data request, in order. */
  dataTokens: string[];
  stop(): Promise<void>;
}

interface PendingCode {
  redirectUri: string;
  codeChallenge: string | null;
}

export async function startFakeOAuthProvider(options: { clientId?: string; clientSecret?: string } = {}): Promise<FakeOAuthProvider> {
  const codes = new Map<string, PendingCode>();
  const tokens = new Set<string>();
  const provider: Omit<FakeOAuthProvider, 'url' | 'stop'> = {
    clientId: options.clientId ?? 'fake-client-id',
    clientSecret: options.clientSecret ?? 'fake-client-secret-do-not-leak',
    consent: 'consent',
    token: 'ok',
    issued: [],
    authorizations: [],
    tokenRequests: [],
    dataTokens: [],
  };

  const authorize = (url: URL, res: ServerResponse) => {
    provider.authorizations.push(url.searchParams);
    const redirectUri = url.searchParams.get('redirect_uri');
    const state = url.searchParams.get('state');
    if (!redirectUri || !state || url.searchParams.get('client_id') !== provider.clientId || url.searchParams.get('response_type') !== 'code') {
      return send(res, 400, 'text/plain', 'bad authorization request');
    }
    const back = new URL(redirectUri);
    back.searchParams.set('state', state);
    if (provider.consent === 'deny') {
      back.searchParams.set('error', 'access_denied');
      // Hostile text, as a provider (or someone forging the redirect) may send: must be shown inert.
      back.searchParams.set('error_description', 'The user denied access <img src=x onerror="window.__xss=1">');
    } else {
      const code = `code_${randomBytes(8).toString('hex')}`;
      codes.set(code, { redirectUri, codeChallenge: url.searchParams.get('code_challenge') });
      back.searchParams.set('code', code);
    }
    if (provider.consent === 'manual')
      return send(
        res,
        200,
        'text/html',
        `<!doctype html><title>Fake OAuth consent</title><h1>Allow access?</h1><a id="allow" href="${back.href.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">Allow</a>`,
      );
    res.writeHead(302, { Location: back.href });
    res.end();
  };

  const token = (form: URLSearchParams, req: IncomingMessage, res: ServerResponse) => {
    provider.tokenRequests.push(form);
    if (provider.token === 'fail') return sendJson(res, 500, { error: 'server_error', error_description: 'the token endpoint is down' });
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const clientId = form.get('client_id') ?? basicId;
    const clientSecret = form.get('client_secret') ?? basicSecret;
    if (clientId !== provider.clientId || clientSecret !== provider.clientSecret) return sendJson(res, 401, { error: 'invalid_client' });
    const pending = codes.get(form.get('code') ?? '');
    if (form.get('grant_type') !== 'authorization_code' || !pending || pending.redirectUri !== form.get('redirect_uri')) return sendJson(res, 400, { error: 'invalid_grant' });
    codes.delete(form.get('code')!);
    if (pending.codeChallenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.codeChallenge) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    }
    const accessToken = `fake_at_${randomBytes(12).toString('hex')}`;
    tokens.add(accessToken);
    provider.issued.push(accessToken);
    sendJson(res, 200, { access_token: accessToken, refresh_token: `fake_rt_${randomBytes(12).toString('hex')}`, token_type: 'Bearer', expires_in: 3600, scope: 'items.read' });
  };

  const data = (req: IncomingMessage, res: ServerResponse) => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    provider.dataTokens.push(bearer);
    if (!tokens.has(bearer)) return sendJson(res, 401, { error: 'invalid_token' });
    sendJson(res, 200, {
      items: [
        { id: 'item-1', title: 'First item' },
        { id: 'item-2', title: 'Second item' },
      ],
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') return authorize(url, res);
      if (req.method === 'POST' && url.pathname === '/oauth/token') return token(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), req, res);
      if (req.method === 'GET' && url.pathname === '/api/items') return data(req, res);
      send(res, 404, 'text/plain', 'not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(provider, {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}
