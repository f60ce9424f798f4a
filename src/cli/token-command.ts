/** `actor-core token`: a bearer token for the API, signed HS256 with JWT_SECRET (development, scripts, ops). */
import type { Command } from 'commander';
import { loadSettings } from '../../config/settings';
import { isScope, SCOPES } from '../api/auth/scopes';
import { parseTtl, signToken } from '../api/auth/sign-token';
import { ActorCoreError } from '../core/errors';
import type { CliIo } from './cli-io';

interface TokenOptions {
  sub: string;
  scope: string;
  ttl: string;
}

function parseScopes(list: string): string[] {
  const scopes = [...new Set(list.split(/[\s,]+/).filter((s) => s !== ''))];
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `--scope must list scopes among ${SCOPES.join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`,
      { field: '--scope' },
    );
  }
  return scopes;
}

export function addTokenCommand(program: Command, io: CliIo): void {
  program
    .command('token')
    .description('print an API token signed with JWT_SECRET (HS256); the last line is the token')
    .requiredOption('--sub <name>', 'the subject: who the token is for (rate limits count per subject)')
    .requiredOption('--scope <list>', `comma-separated scopes: ${SCOPES.join(', ')}`)
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 1h, 7d', '1h')
    .addHelpText(
      'after',
      '\nEnvironment: JWT_SECRET (required, at least 32 bytes), JWT_ISSUER, JWT_AUDIENCE.',
    )
    .action(async (options: TokenOptions) => {
      const { security } = loadSettings();
      if (security.jwtSecret === undefined) {
        throw new ActorCoreError('INVALID_CONFIG', 'JWT_SECRET is not set; the token command signs with it', {
          field: 'JWT_SECRET',
        });
      }
      const subject = options.sub.trim();
      if (subject === '') {
        throw new ActorCoreError('INVALID_CONFIG', '--sub must not be empty', { field: '--sub' });
      }
      const scopes = parseScopes(options.scope);
      const ttlSeconds = parseTtl(options.ttl);
      const now = Math.floor(Date.now() / 1000);
      const token = await signToken({
        secret: security.jwtSecret,
        issuer: security.issuer,
        audience: security.audience,
        subject,
        scopes,
        ttlSeconds,
        now,
      });
      io.stdout.write(
        `# sub ${subject}, scope "${scopes.join(' ')}", iss ${security.issuer}, aud ${security.audience}\n` +
          `# expires ${new Date((now + ttlSeconds) * 1000).toISOString()}\n${token}\n`,
      );
    });
}
