/** Token verification: HS256 with the secret, RS256 from a key set, and every way a token is refused. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { ApiError } from '../../src/api/api-error';
import { signToken } from '../../src/api/auth/sign-token';
import { TokenVerifier } from '../../src/api/auth/token-verifier';

const SECRET = 'unit-secret-0123456789abcdef-0123456789';
const base = { issuer: 'actor-core', audience: 'actor-core' };

function sign(overrides: Partial<Parameters<typeof signToken>[0]> = {}): Promise<string> {
  return signToken({
    secret: SECRET,
    ...base,
    subject: 'alice',
    scopes: ['snapshots:read'],
    ttlSeconds: 60,
    ...overrides,
  });
}

async function refusal(verifier: TokenVerifier, token: string): Promise<ApiError> {
  try {
    await verifier.verify(token);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('the token was accepted');
}

describe('HS256 tokens', () => {
  const verifier = new TokenVerifier({ secret: SECRET, ...base });

  it('accepts a good token: subject, scopes, expiry; and remembers it', async () => {
    const token = await sign({ scopes: ['snapshots:read', 'jobs:write'] });
    expect(verifier.cached(token)).toBeUndefined();
    const principal = await verifier.verify(token);
    expect(principal.subject).toBe('alice');
    expect([...principal.scopes]).toEqual(['snapshots:read', 'jobs:write']);
    expect(principal.expiresAt).toBeGreaterThan(Date.now());
    expect(verifier.cached(token)).toBe(principal);
  });

  it.each([
    ['expired', () => sign({ now: Math.floor(Date.now() / 1000) - 600 }), 'the token has expired'],
    ['signed with another secret', () => sign({ secret: 'x'.repeat(40) }), 'the token signature is invalid'],
    ['of another issuer', () => sign({ issuer: 'evil' }), 'the token\'s "iss" claim is not accepted'],
    ['for another audience', () => sign({ audience: 'other' }), 'the token\'s "aud" claim is not accepted'],
    ['garbage', async () => 'abc.def.ghi', 'the token is invalid'],
  ])('refuses a token %s with a 401 saying so', async (_name, make, message) => {
    const err = await refusal(verifier, await make());
    expect(err.status).toBe(401);
    expect(err.message).toBe(message);
    expect(err.headers?.['WWW-Authenticate']).toContain('error="invalid_token"');
  });

  it('refuses tokens without exp, and unsigned ones (alg none)', async () => {
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('actor-core')
      .setAudience('actor-core')
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(verifier, noExp)).message).toBe('the token has no "exp" claim');
    const payload = Buffer.from(JSON.stringify({ iss: 'actor-core', aud: 'actor-core', exp: 9e9 })).toString(
      'base64url',
    );
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await refusal(verifier, none)).status).toBe(401);
  });

  it('refuses a secret shorter than 32 bytes, and no key at all', () => {
    expect(() => new TokenVerifier({ secret: 'short', ...base })).toThrow(/at least 32 bytes/);
    expect(() => new TokenVerifier({ ...base })).toThrow(/JWT_SECRET or JWT_JWKS_URL/);
  });

  it('forgets a token once it expires', async () => {
    const short = new TokenVerifier({ secret: SECRET, ...base, clockToleranceSeconds: 0 });
    // exp is in whole seconds: a 1 s token signed late in a second could expire before the first verify.
    const token = await sign({ ttlSeconds: 2 });
    await short.verify(token);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    expect(short.cached(token)).toBeUndefined();
    expect((await refusal(short, token)).message).toBe('the token has expired');
  });
});

describe('RS256 tokens from a key set (JWT_JWKS_URL)', () => {
  let server: http.Server;
  let url: string;
  let privateKey: KeyLike;
  let publicJwk: Record<string, unknown>;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function rs256(claims: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({ scope: 'admin', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('svc')
      .setIssuer('actor-core')
      .setAudience('actor-core')
      .setExpirationTime('5m')
      .sign(privateKey);
  }

  it('accepts a token signed by a key of the set', async () => {
    const verifier = new TokenVerifier({ jwksUrl: url, ...base });
    const principal = await verifier.verify(await rs256());
    expect(principal.subject).toBe('svc');
    expect(principal.scopes.has('admin')).toBe(true);
  });

  it('refuses HS256 when only a key set is configured (no algorithm confusion)', async () => {
    const verifier = new TokenVerifier({ jwksUrl: url, ...base });
    const err = await refusal(verifier, await sign());
    expect(err.status).toBe(401);
    expect(err.message).toBe('the token algorithm is not accepted');
  });

  it('with both configured, takes either', async () => {
    const verifier = new TokenVerifier({ secret: SECRET, jwksUrl: url, ...base });
    expect((await verifier.verify(await rs256())).subject).toBe('svc');
    expect((await verifier.verify(await sign())).subject).toBe('alice');
  });

  it('answers 503 when the key set cannot be fetched', async () => {
    const verifier = new TokenVerifier({ jwksUrl: 'http://127.0.0.1:1/jwks.json', ...base });
    const err = await refusal(verifier, await rs256());
    expect(err.status).toBe(503);
    expect(err.code).toBe('AUTH_UNAVAILABLE');
  });
});
