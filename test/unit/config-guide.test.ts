/**
 * The production guide's own config/production.yaml, read from ../shared/spec/production-guide.md at
 * test time: every key Actor Core has a use for loads with the guide's meaning, and each of the four it
 * has none for is refused with the reason and what to write instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSettings } from '../../config/settings';
import { configDir, configProblems } from '../support/config';
import { sharedDir } from '../support/shared';

/** The YAML block of the guide that starts with `# config/production.yaml`. */
function guideProductionYaml(): string {
  const guide = fs.readFileSync(path.join(sharedDir, 'spec', 'production-guide.md'), 'utf8');
  const block = /```yaml\n(# config\/production\.yaml\n[\s\S]*?)```/.exec(guide);
  if (block === null) throw new Error('production-guide.md holds no config/production.yaml block');
  return block[1]!;
}

const SECRETS = { DB_PASSWORD: 'guide-db-password', REDIS_PASSWORD: 'guide-redis-password' };

function withFile<T>(yaml: string, run: (dir: string) => T): T {
  const dir = configDir({ 'x.yaml': yaml });
  try {
    return run(dir.dir);
  } finally {
    dir.cleanup();
  }
}

/** The guide's keys Actor Core has no use for: a Redis connection pool, Prometheus's port, `jaeger:`. */
const WITHOUT_USE = [
  /^x\.yaml: cache\.redis\.pool_size does not apply: ioredis sends every command .* over one pipelined connection per role/,
  /^x\.yaml: cache\.redis\.min_idle_connections does not apply: /,
  /^x\.yaml: monitoring\.prometheus\.port does not apply: the API serves the metrics on server\.port and each worker on monitoring\.prometheus\.worker_sidecar_port/,
  /^x\.yaml: monitoring\.jaeger is monitoring\.tracing here: .*http:\/\/jaeger:4318\/v1\/traces/,
];

it('refuses only the four keys it has no use for, each with its reason', () => {
  const problems = withFile(guideProductionYaml(), (dir) =>
    configProblems(() => loadSettings({ ENV: 'x', ...SECRETS }, dir)),
  );
  expect(problems.map((line) => line.replace(/^.*x\.yaml: /, 'x.yaml: '))).toEqual(
    WITHOUT_USE.map((pattern) => expect.stringMatching(pattern)),
  );
});

it('loads every other key of it with the guide’s meaning', () => {
  const yaml = guideProductionYaml()
    .replace(/^ {4}(pool_size|min_idle_connections):.*\n/gm, '')
    .replace(/^ {4}port: 9090\n/m, '')
    .replace(/^ {2}jaeger:\n( {4}.*\n)+/m, '');
  const settings = withFile(yaml, (dir) => loadSettings({ ENV: 'x', ...SECRETS }, dir));
  expect(settings.server).toMatchObject({
    port: 8080,
    host: '0.0.0.0',
    readTimeoutMs: 30_000,
    writeTimeoutMs: 30_000,
    idleTimeoutMs: 120_000,
  });
  expect(settings.databaseUrl).toBe(
    'postgres://actorcore_user:guide-db-password@postgres.example.com:5432/actorcore_prod?sslmode=require',
  );
  expect(settings.databasePoolMax).toBe(100);
  expect(settings.databasePool).toEqual({ idleKept: 10, maxLifetimeSeconds: 3600 });
  expect(settings.redisUrl).toBe('redis://:guide-redis-password@redis.example.com:6379/0');
  expect(settings.redisClient).toEqual({ connectTimeoutMs: 5000, commandTimeoutMs: 3000, maxRetries: 3 });
  expect(settings.logFields).toEqual({ service: 'actor-core', version: 'v3.0.0' });
  // ENV names the file, and it wins over logging.fields.environment as every variable wins.
  expect(settings.environment).toBe('x');
  expect(settings.monitoring.metricsEnabled).toBe(true);
});

describe('durations', () => {
  it.each([
    ['2500ms', 2500],
    ['1.5s', 1500],
    // Decimal fractions that binary floating point does not hold exactly (16.1 × 1000 = 16100.000000000002).
    ['16.1s', 16_100],
    ['8.05s', 8050],
    ['4.1m', 246_000],
    ['0.001h', 3600],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [45000, 45_000],
  ])('%j is %d ms', (value, ms) => {
    const settings = withFile(`server:\n  write_timeout: ${JSON.stringify(value)}\n`, (dir) =>
      loadSettings({ ENV: 'x' }, dir),
    );
    expect(settings.server.writeTimeoutMs).toBe(ms);
  });

  it.each(['30', '0.5ms', '1.0001s', '2d', '-1s', 'soon', '0s', '2h'])(
    '%j is refused, naming the field',
    (value) => {
      const problems = withFile(`server:\n  idle_timeout: ${JSON.stringify(value)}\n`, (dir) =>
        configProblems(() => loadSettings({ ENV: 'x' }, dir)),
      );
      expect(problems).toEqual([
        expect.stringMatching(
          /x\.yaml: server\.idle_timeout must be a duration from 1000 ms to 3600 s like "30s", "1m" or "250ms" \(or a number of ms\), got /,
        ),
      ]);
    },
  );
});
