/**
 * The load generator of bench:api, run as a process of its own so that the measuring client is small
 * (no pg, no seeding, a young heap): autocannon at a fixed `overallRate`, a warm-up first, and the
 * latency of every 200 response kept with sub-millisecond precision. Prints one JSON line.
 *
 *   node dist/bench/api-load.js --url URL --paths /a,/b --rate R --connections C --duration S
 *   (the bearer token comes in API_BENCH_TOKEN, not on the command line)
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

export interface LoadResult {
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
      url: { type: 'string' },
      paths: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
    },
    strict: true,
  });
  const rate = Number(values.rate);
  const connections = Number(values.connections);
  const duration = Number(values.duration);
  const base = {
    url: values.url!,
    headers: { authorization: `Bearer ${process.env.API_BENCH_TOKEN ?? ''}` },
    requests: values.paths!.split(',').map((path) => ({ method: 'GET' as const, path })),
    connections,
    overallRate: rate,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  };
  await run({ ...base, duration: Number(values.warmup ?? 2) });
  const latencies: number[] = [];
  const result = await run({ ...base, duration }, latencies);
  const sorted = Float64Array.from(latencies).sort();
  const out: LoadResult = {
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
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
