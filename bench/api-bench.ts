/**
 * Latency of the API's hot path, GET /v1/actors/:id/snapshot answered from Redis, at fixed request
 * rates. Uses DATABASE_URL / REDIS_URL when set, else starts private servers; seeds a few standard
 * actors (their snapshots resolved and written to Postgres and Redis) in a database and key prefix of
 * its own, runs the real `actor-core api` in a child process, and drives it with autocannon.
 *
 *   npm run bench:api -- [--rates 1000,2000,5000] [--duration 10] [--connections N] [--actors 8] [--pin] [--json]
 *
 * --pin (Linux, taskset): the server side (the API process and a private Redis) on CPU 0 and the load
 * client on CPU 1, so that the client does not preempt the server it measures; by default the kernel
 * places all three on the machine's cores as it likes.
 *
 * autocannon's `overallRate` is a budget per connection per second, sent as fast as the server answers
 * and then idle until the next second: each connection carries at most 1,000 req/s here (so 1,000 req/s
 * is one request at a time), unless --connections says otherwise. The client runs in a process of its
 * own (api-load.ts) and takes the latency of every response with sub-millisecond precision
 * (autocannon's own histogram rounds to whole milliseconds). Next to it, the server's own view: the
 * route's `actor_core_request_duration_seconds` histogram, scraped from /metrics before and after each
 * rate (so the warm-up is in it), its p50/p99 estimated as PromQL's histogram_quantile would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadSettings } from '../config/settings';
import { createPgPool, migrateDatabase, plaintextCodec, SnapshotRepository } from '../src/adapters/pg';
import { SnapshotCache } from '../src/adapters/redis';
import { signToken } from '../src/api/auth/sign-token';
import { SNAPSHOT_ROUTE } from '../src/api/routes/snapshot-route';
import { GUIDE_METRICS } from '../src/metrics/metric-names';
import { loadRegistries } from '../src/registry';
import { seedActors } from '../src/seed/seed-actors';
import type { LoadResult } from './api-load';
import { bucketDelta, histogramBuckets, histogramQuantile, type Buckets } from './prom-histogram';
import {
  environment,
  fig,
  intList,
  loadWorkload,
  positiveInt,
  repoRoot,
  runMain,
  snapshotRecordOf,
  table,
} from './support';
import { openIsolatedStores } from '../src/demo/isolated-stores';
import { HELP_OPTION, printHelpAndExit } from './bench-help';

/** `node args…`, under `taskset -c <cpu>` when a CPU is given. */
function nodeCommand(args: string[], cpu: number | undefined): [string, string[]] {
  return cpu === undefined
    ? [process.execPath, args]
    : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
}

/** Moves a running process (and its threads) onto `cpu`. */
function pinProcess(pid: number, cpu: number): void {
  const run = spawnSync('taskset', ['-a', '-c', '-p', String(cpu), String(pid)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`taskset could not pin ${pid}: ${run.stderr || run.error?.message}`);
}

/** Starts `actor-core api` and resolves with its port once it logs "api listening". */
function startApi(
  env: NodeJS.ProcessEnv,
  cpu: number | undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const [command, args] = nodeCommand(
    [path.join(repoRoot, 'bin', 'actor-core.js'), 'api', '--port', '0'],
    cpu,
  );
  const child = spawn(command, args, {
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

/** The snapshot route's request-duration buckets, from the API's /metrics. */
async function serverBuckets(url: string): Promise<Buckets> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET ${url}/metrics: ${res.status}`);
  return histogramBuckets(await res.text(), GUIDE_METRICS.requestDuration, { route: SNAPSHOT_ROUTE });
}

/** One measured rate, by bench/api-load.js in a process of its own. */
function load(args: string[], token: string, cpu: number | undefined): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = nodeCommand([path.join(__dirname, 'api-load.js'), ...args], cpu);
    const child = spawn(command, commandArgs, {
      env: { ...process.env, API_BENCH_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as LoadResult);
      else reject(new Error(`api-load exited ${code}: ${output.slice(0, 500)}`));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...HELP_OPTION,
      rates: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      actors: { type: 'string' },
      pin: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) printHelpAndExit(__filename);
  const rates = intList(values.rates ?? '1000,2000,5000', '--rates');
  const duration = positiveInt(values.duration, '--duration') ?? 10;
  const fixedConnections = positiveInt(values.connections, '--connections');
  const actorCount = positiveInt(values.actors, '--actors') ?? 8;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const serverCpu = values.pin ? 0 : undefined;
  const clientCpu = values.pin ? 1 : undefined;

  const stores = await openIsolatedStores({
    settings: loadSettings(),
    database: `bench_api_${process.pid}`,
    fallbackDatabase: `bench_api_${process.pid}_2`,
    namespace: `bench-api-${process.pid}`,
    log,
  });
  const settings = stores.settings;
  const { databaseUrl, redisUrl, redisKeyPrefix: keyPrefix } = settings;
  const pool = createPgPool({ url: databaseUrl, max: 2 });
  const redis = new Redis(redisUrl);
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
    const records = lines.map((line) => snapshotRecordOf(line, registries));
    await new SnapshotRepository(pool).writeSnapshots(records);
    await new SnapshotCache({ redis, keyPrefix, ttlSeconds: 3600 }).setMany(records);
    log(
      `seeded ${records.length} actors (snapshots ~${Math.round(records[0]!.snapshotJson.length / 100) / 10} KB)`,
    );

    const secret = randomBytes(32).toString('hex');
    const started = await startApi(
      {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        QUEUE_NAME: settings.queue.name,
        QUEUE_PREFIX: settings.queue.prefix,
        JWT_SECRET: secret,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        // Counted as always (one Lua call a request), but high enough never to refuse the benchmark.
        RATE_LIMIT_MAX: '10000000',
      },
      serverCpu,
    );
    api = started.child;
    if (serverCpu !== undefined && stores.started.redis) {
      const info = await redis.info('server');
      pinProcess(Number(/process_id:(\d+)/.exec(info)![1]), serverCpu);
      log('pinned: API and Redis on CPU 0, the load client on CPU 1');
    }
    const token = await signToken({
      secret,
      issuer: settings.security.issuer,
      audience: settings.security.audience,
      subject: 'bench',
      scopes: ['snapshots:read'],
      ttlSeconds: 3600,
    });
    const url = `http://127.0.0.1:${started.port}`;
    const paths = records.map((r) => `/v1/actors/${encodeURIComponent(r.actorId)}/snapshot`).join(',');
    const connectionsFor = (rate: number): number => fixedConnections ?? Math.max(1, Math.ceil(rate / 1000));
    const results: (LoadResult & { serverP50: number; serverP99: number })[] = [];
    for (const rate of rates) {
      const connections = connectionsFor(rate);
      log(
        `${rate} req/s for ${duration} s on ${connections} connection(s), after a 2 s warm-up on the same connections…`,
      );
      const args = [
        '--url',
        url,
        '--paths',
        paths,
        '--rate',
        String(rate),
        '--connections',
        String(connections),
      ];
      const before = await serverBuckets(url);
      const measured = await load(
        [...args, '--duration', String(duration), '--warmup', '2'],
        token,
        clientCpu,
      );
      const served = bucketDelta(await serverBuckets(url), before);
      results.push({
        ...measured,
        serverP50: histogramQuantile(0.5, served) * 1000,
        serverP99: histogramQuantile(0.99, served) * 1000,
      });
    }

    const good = results.filter(
      (r) => r.p99 < 1 && r.non2xx === 0 && r.errors === 0 && r.achieved >= r.rate * 0.95,
    );
    const maxRate = good.length === 0 ? 0 : Math.max(...good.map((r) => r.rate));
    const env = environment();
    console.log(
      `\nGET /v1/actors/:id/snapshot from Redis (${env.cpu}, ${env.cpus} vCPU, Node ${env.node}` +
        `${values.pin ? '; server on CPU 0, client on CPU 1' : ''})\n`,
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
          'server p50 / p99 ms',
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
          `${fig(r.serverP50)} / ${fig(r.serverP99)}`,
        ]),
      ]),
    );
    console.log(
      "\nserver: the route's request-duration histogram (warm-up included), p50/p99 as histogram_quantile estimates them",
    );
    console.log(`highest rate with p99 < 1 ms: ${maxRate === 0 ? 'none' : `${maxRate} req/s`}`);
    if (values.json) {
      const out: Record<string, number | string | boolean> = {
        node: env.node,
        cpu: env.cpu,
        duration_s: duration,
        pinned: values.pin,
      };
      for (const r of results) {
        out[`rate_${r.rate}_p50_ms`] = fig(r.p50);
        out[`rate_${r.rate}_p99_ms`] = fig(r.p99);
        out[`rate_${r.rate}_p999_ms`] = fig(r.p999);
        out[`rate_${r.rate}_server_p99_ms`] = fig(r.serverP99);
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
    redis.disconnect();
    await pool.end();
    await stores.close();
  }
}

runMain(main);
