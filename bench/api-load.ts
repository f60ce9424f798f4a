/**
 * The load generator of bench:api, run as a process of its own so that the measuring client is small
 * (no pg, no seeding, a young heap): autocannon at a fixed `overallRate`, and the latency of every 200
 * response kept with sub-millisecond precision. Prints one JSON line.
 *
 * The warm-up is the first seconds of the same autocannon run, on the same keep-alive connections,
 * and its responses are not counted (as wrk2 does with its calibration period). A warm-up run of its
 * own would close its connections before the measured run opens new ones, and the first socket close
 * a process sees deoptimizes Node's stream code on both sides (`--trace-deopt`: "wrong map" in
 * Writable.write, onwrite, emit, …), so the measured run would start with seconds of re-optimization
 * that a long-running server has long left behind: 70–85 responses over 1 ms in its first second,
 * against 2–8 in each later one (1,000 req/s, one connection).
 *
 *   node dist/bench/api-load.js --url URL --paths /a,/b --rate R --connections C --duration S
 *   (the bearer token comes in API_BENCH_TOKEN, not on the command line)
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

export interface LoadResult {
  rate: number;
  connections: number;
  /** Responses per second after the warm-up. */
  achieved: number;
  /** Responses after the warm-up. */
  responses: number;
  /** Over the whole run, warm-up included. */
  non2xx: number;
  /** Over the whole run, warm-up included (errors and timeouts). */
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

interface Measured {
  result: autocannon.Result;
  /** Of the 200 responses after the warm-up, in ms. */
  latencies: number[];
  /** Every response after the warm-up, whatever its status. */
  responses: number;
}

/** One autocannon run of `warmupS + durationS` seconds; only responses after the warm-up are kept. */
function run(options: autocannon.Options, warmupS: number, durationS: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let responses = 0;
    const instance = autocannon({ ...options, duration: warmupS + durationS }, (err, result) =>
      err ? reject(err) : resolve({ result, latencies, responses }),
    );
    const measureFrom = performance.now() + warmupS * 1000;
    instance.on('response', (_client, status, _bytes, ms) => {
      if (performance.now() < measureFrom) return;
      responses++;
      if (status === 200) latencies.push(ms);
    });
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
  const { result, latencies, responses } = await run(base, Number(values.warmup ?? 2), duration);
  const sorted = Float64Array.from(latencies).sort();
  const out: LoadResult = {
    rate,
    connections,
    achieved: Math.round(responses / duration),
    responses,
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
