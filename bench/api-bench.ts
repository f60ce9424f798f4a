/**
 * Latency of the API's hot path, GET /v1/actors/:id/snapshot answered from Redis, at fixed request
 * rates. Uses DATABASE_URL / REDIS_URL when set, else starts private servers; seeds a few standard
 * actors (their snapshots resolved and written to Postgres and Redis) in a database and key prefix of
 * its own, runs the real `actor-core api` in a child process, and drives it with autocannon.
 *
 *   npm run bench:api -- [--rates 1000,2000,5000] [--duration 10] [--connections N] [--actors 8] [--json]
 *
 * autocannon's `overallRate` is a budget per connection per second, sent as fast as the server answers
 * and then idle until the next second: each connection carries at most 1,000 req/s here (so 1,000 req/s
 * is one request at a time), unless --connections says otherwise. Latency is taken from every response
 * with sub-millisecond precision (autocannon's own histogram rounds to whole milliseconds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadSettings } from '../config/settings';
import { createPgPool, migrateDatabase, plaintextCodec, SnapshotRepository } from '../src/adapters/pg';
import { SnapshotCache } from '../src/adapters/redis';
import { signToken } from '../src/api/auth/sign-token';
import { resolveActorLine } from '../src/core';
import { startLocalServices } from '../src/local-services';
import { loadRegistries } from '../src/registry';
import { seedActors } from '../src/seed/seed-actors';
import { environment, fig, intList, loadWorkload, positiveInt, repoRoot, table } from './support';

interface RateResult {
  rate: number;
  connections: number;
  achieved: number;
  responses: number;
  non2xx: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Starts `actor-core api` and resolves with its port once it logs "api listening". */
function startApi(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'actor-core.js'), 'api', '--port', '0'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (text: string): void => {
      output += text;
      const line = output.split('\n').find((l) => l.includes('"api listening"'));
      if (line !== undefined) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.on('exit', (code) =>
      reject(new Error(`actor-core api exited (${code}): ${output.slice(0, 2000)}`)),
    );
  });
}

function run(options: autocannon.Options, latencies?: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    if (latencies !== undefined) {
      instance.on('response', (_client, status, _bytes, ms) => {
        if (status === 200) latencies.push(ms);
      });
    }
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      actors: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const rates = intList(values.rates ?? '1000,2000,5000', '--rates');
  const duration = positiveInt(values.duration, '--duration') ?? 10;
  const fixedConnections = positiveInt(values.connections, '--connections');
  const actorCount = positiveInt(values.actors, '--actors') ?? 8;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const settings = loadSettings();
  const services = await startLocalServices({
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
  });
  const database = `bench_api_${process.pid}`;
  const keyPrefix = `bench-api-${process.pid}`;
  const admin = new pg.Client({ connectionString: services.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(services.databaseUrl);
  url.pathname = `/${database}`;
  const pool = createPgPool({ url: url.toString(), max: 2 });
  const redis = new Redis(services.redisUrl);
  let api: ChildProcess | undefined;
  try {
    await migrateDatabase(pool);
    const registries = loadRegistries({});
    const { lines } = loadWorkload(undefined, actorCount);
    await seedActors({
      pool,
      lines: (async function* () {
        yield* lines;
      })(),
      registries: registries.compiled,
      codec: plaintextCodec,
    });
    const records = lines.map((line) => {
      const resolved = resolveActorLine(line, registries.compiled);
      if (!('snapshot' in resolved)) throw new Error(`actor does not resolve: ${resolved.error.code}`);
      const { actorId, version } = JSON.parse(line) as { actorId: string; version: number };
      return {
        actorId,
        version,
        registryVersion: registries.registryVersion,
        snapshotJson: JSON.stringify(resolved.snapshot),
      };
    });
    await new SnapshotRepository(pool).writeSnapshots(records);
    await new SnapshotCache({ redis, keyPrefix, ttlSeconds: 3600 }).setMany(records);
    log(
      `seeded ${records.length} actors (snapshots ~${Math.round(records[0]!.snapshotJson.length / 100) / 10} KB)`,
    );

    const secret = randomBytes(32).toString('hex');
    const started = await startApi({
      ...process.env,
      DATABASE_URL: url.toString(),
      REDIS_URL: services.redisUrl,
      REDIS_KEY_PREFIX: keyPrefix,
      QUEUE_NAME: keyPrefix,
      JWT_SECRET: secret,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // Counted as always (one Lua call a request), but high enough never to refuse the benchmark.
      RATE_LIMIT_MAX: '10000000',
    });
    api = started.child;
    const token = await signToken({
      secret,
      issuer: settings.security.issuer,
      audience: settings.security.audience,
      subject: 'bench',
      scopes: ['snapshots:read'],
      ttlSeconds: 3600,
    });
    const base = {
      url: `http://127.0.0.1:${started.port}`,
      headers: { authorization: `Bearer ${token}` },
      requests: records.map((r) => ({ method: 'GET' as const, path: `/v1/actors/${r.actorId}/snapshot` })),
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
    };
    const connectionsFor = (rate: number): number => fixedConnections ?? Math.max(1, Math.ceil(rate / 1000));
    log('warm-up: 3 s at 1,000 req/s');
    await run({ ...base, connections: connectionsFor(1000), overallRate: 1000, duration: 3 });

    const results: RateResult[] = [];
    for (const rate of rates) {
      const latencies: number[] = [];
      const connections = connectionsFor(rate);
      log(`${rate} req/s for ${duration} s on ${connections} connection(s)…`);
      const result = await run({ ...base, connections, overallRate: rate, duration }, latencies);
      const sorted = Float64Array.from(latencies).sort();
      results.push({
        rate,
        connections,
        achieved: Math.round(result.requests.total / duration),
        responses: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        p999: percentile(sorted, 99.9),
        max: sorted[sorted.length - 1] ?? NaN,
      });
    }

    const good = results.filter(
      (r) => r.p99 < 1 && r.non2xx === 0 && r.errors === 0 && r.achieved >= r.rate * 0.95,
    );
    const maxRate = good.length === 0 ? 0 : Math.max(...good.map((r) => r.rate));
    const env = environment();
    console.log(
      `\nGET /v1/actors/:id/snapshot from Redis (${env.cpu}, ${env.cpus} vCPU, Node ${env.node})\n`,
    );
    console.log(
      table([
        [
          'rate req/s',
          'conns',
          'achieved',
          'non-2xx',
          'errors',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'p99.9 ms',
          'max ms',
        ],
        ...results.map((r) => [
          r.rate,
          r.connections,
          r.achieved,
          r.non2xx,
          r.errors,
          fig(r.p50),
          fig(r.p90),
          fig(r.p99),
          fig(r.p999),
          fig(r.max),
        ]),
      ]),
    );
    console.log(`\nhighest rate with p99 < 1 ms: ${maxRate === 0 ? 'none' : `${maxRate} req/s`}`);
    if (values.json) {
      const out: Record<string, number | string> = { node: env.node, cpu: env.cpu, duration_s: duration };
      for (const r of results) {
        out[`rate_${r.rate}_p50_ms`] = fig(r.p50);
        out[`rate_${r.rate}_p99_ms`] = fig(r.p99);
        out[`rate_${r.rate}_p999_ms`] = fig(r.p999);
        out[`rate_${r.rate}_achieved`] = r.achieved;
        out[`rate_${r.rate}_non2xx`] = r.non2xx + r.errors;
      }
      out.max_rate_p99_under_1ms = maxRate;
      console.log(JSON.stringify(out));
    }
  } finally {
    if (api !== undefined && api.exitCode === null) {
      const exited = new Promise((resolve) => api!.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    await deleteKeys(redis, `${keyPrefix}:*`).catch(() => undefined);
    redis.disconnect();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await services.stop();
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
