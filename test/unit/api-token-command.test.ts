/** `actor-core token`: its last line is a token the API accepts, checked here with jose. */
import { decodeJwt, jwtVerify } from 'jose';
import { main } from '../../src/cli/main';
import { memoryIo } from '../support/cli';

const SECRET = 'token-command-secret-0123456789abcdef0123';
const saved: Record<string, string | undefined> = {};
const VARIABLES = ['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE'];

beforeEach(() => {
  for (const name of VARIABLES) saved[name] = process.env[name];
  process.env.JWT_SECRET = SECRET;
  process.env.JWT_ISSUER = 'game-platform';
  process.env.JWT_AUDIENCE = 'actor-core-api';
});
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = memoryIo();
  const code = await main(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('actor-core token', () => {
  it('prints an HS256 token with sub, scope, iss, aud and the asked lifetime on its last line', async () => {
    const { code, stdout } = await run([
      'token',
      '--sub',
      'matchmaker',
      '--scope',
      'snapshots:read,jobs:write',
      '--ttl',
      '15m',
    ]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    const token = lines[lines.length - 1]!;
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      issuer: 'game-platform',
      audience: 'actor-core-api',
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe('matchmaker');
    expect(payload.scope).toBe('snapshots:read jobs:write');
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof payload.jti).toBe('string');
    // The lines before it say what the token is; none of them is the secret.
    expect(stdout).not.toContain(SECRET);
  });

  it('defaults to one hour', async () => {
    const { stdout } = await run(['token', '--sub', 'ops', '--scope', 'admin']);
    const payload = decodeJwt(stdout.trimEnd().split('\n').pop()!);
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('says clearly that JWT_SECRET is missing (exit 2)', async () => {
    delete process.env.JWT_SECRET;
    const { code, stdout, stderr } = await run(['token', '--sub', 'x', '--scope', 'admin']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/JWT_SECRET is not set/);
  });

  it.each([
    [['--scope', 'admin,root'], /unknown: root/],
    [['--scope', 'admin', '--ttl', 'soon'], /--ttl must be a duration/],
    [['--scope', 'admin', '--ttl', '400d'], /--ttl must be a duration/],
  ])('refuses %j (exit 2)', async (extra, message) => {
    const { code, stderr } = await run(['token', '--sub', 'x', ...extra]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
