/**
 * A real HAProxy running deploy/haproxy.cfg for the blue-green tests: its environment (listener, the
 * two servers, runtime API socket and state file in a temp folder), the runtime API, deploy/blue-green.sh
 * run as a child process, and a steady autocannon load. Everything started is registered, so that
 * `closeHaproxies()` (afterEach) stops it even when a test failed half-way.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { isListening } from '../../src/local-services/free-port';
import { runProcess, type ProcessRun } from './cli';
import { sleep, waitFor } from './cluster';
import { repoRoot } from './shared';

export const haproxyConfig = path.join(repoRoot, 'deploy', 'haproxy.cfg');
export const blueGreenScript = path.join(repoRoot, 'deploy', 'blue-green.sh');

/** The variables deploy/haproxy.cfg reads. */
export interface HaproxyEnv {
  HAPROXY_BIND: string;
  BLUE_ADDR: string;
  GREEN_ADDR: string;
  HAPROXY_SOCKET: string;
  HAPROXY_STATE_FILE: string;
  /** PEM (chain and key): HTTPS on HAPROXY_TLS_BIND, plain HTTP redirected there. */
  HAPROXY_TLS_CERT?: string;
  HAPROXY_TLS_BIND?: string;
}

/** `haproxy` on the PATH, else Debian's /usr/sbin/haproxy; a clear error when neither is there. */
export function haproxyBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  if (fs.existsSync('/usr/sbin/haproxy')) return '/usr/sbin/haproxy';
  throw new Error('haproxy is not installed: run scripts/install-services.sh (apt-get install haproxy)');
}

/** `haproxy -c -f deploy/haproxy.cfg` with `env` over this process's environment (undefined: unset). */
export function checkHaproxyConfig(env: Readonly<Record<string, string | undefined>>): {
  code: number | null;
  output: string;
} {
  const run = spawnSync(haproxyBinary(), ['-c', '-f', haproxyConfig], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (run.error !== undefined) throw run.error;
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** One answer of the runtime API (a unix socket path). */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`runtime API: "${command}" timed out`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(`${command}\n`);
  });
}

/** `show stat` rows of a backend's servers by name, as {column: value}. */
export function parseStat(csv: string): Map<string, Record<string, string>> {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]!.replace(/^# /, '').split(',');
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(1)) {
    const values = line.split(',');
    const row = Object.fromEntries(header.map((name, i) => [name, values[i] ?? '']));
    rows.set(row.svname!, row);
  }
  return rows;
}

const running = new Set<HaproxyProcess>();

/** `haproxy -db -f deploy/haproxy.cfg` in the foreground, its output kept (the last lines). */
export class HaproxyProcess {
  readonly exited: Promise<number | null>;
  private readonly output: string[] = [];
  private status: number | null | undefined;

  private constructor(
    readonly env: HaproxyEnv,
    private readonly child: ChildProcess,
  ) {
    const keep = (text: string): void => {
      this.output.push(text);
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.status = code;
        running.delete(this);
        resolve(code);
      }),
    );
  }

  /** Starts it and waits until the runtime API answers and the public listener accepts connections. */
  static async start(env: HaproxyEnv): Promise<HaproxyProcess> {
    const child = spawn(haproxyBinary(), ['-db', '-f', haproxyConfig], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const haproxy = new HaproxyProcess(env, child);
    running.add(haproxy);
    const port = Number(env.HAPROXY_BIND.split(':').pop());
    await waitFor(
      'HAProxy to listen and answer on its runtime API',
      async () => {
        if (haproxy.status !== undefined) {
          throw new Error(`haproxy exited ${haproxy.status}: ${haproxy.recentOutput()}`);
        }
        if (!fs.existsSync(env.HAPROXY_SOCKET) || !(await isListening(port))) return false;
        return (await haproxy.command('show info').catch(() => '')).includes('Name: HAProxy');
      },
      10_000,
      50,
    );
    return haproxy;
  }

  get url(): string {
    return `http://${this.env.HAPROXY_BIND}`;
  }

  command(command: string): Promise<string> {
    return runtimeCommand(this.env.HAPROXY_SOCKET, command);
  }

  /** The servers of backend actor_core as `show stat` sees them. */
  async servers(): Promise<Map<string, Record<string, string>>> {
    return parseStat(await this.command('show stat actor_core 4 -1'));
  }

  /** Waits until `server`'s status is exactly `status` (UP, MAINT, DRAIN, DOWN). */
  async waitForStatus(server: 'blue' | 'green', status: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      `${server} to be ${status} in HAProxy`,
      async () => {
        return (await this.servers()).get(server)?.status === status;
      },
      timeoutMs,
    );
  }

  /** The last lines HAProxy printed (its log goes to stdout). */
  recentOutput(): string {
    return this.output.join('').split('\n').slice(-40).join('\n');
  }

  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.status !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** afterEach: stops every load and HAProxy a test started. */
export async function closeHaproxies(): Promise<void> {
  for (const load of [...loads]) load.cancel();
  loads.clear();
  await Promise.all([...running].map((haproxy) => haproxy.stop()));
}

/**
 * `deploy/blue-green.sh ...args` with `env` added, without blocking the event loop (a load generator
 * may be running in this process meanwhile).
 */
export function runBlueGreen(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<ProcessRun> {
  return runProcess('bash', [blueGreenScript, ...args], { ...process.env, ...env }, 90_000);
}

const loads = new Set<{ cancel(): void }>();

export interface LoadOptions {
  /** Requests per second in all. */
  rate: number;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  /** Responses received, requests sent. */
  total: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Steady load on `url` (GET). autocannon's rate limit sends each second's budget at once, then
 * waits for the next second; so each connection is an instance of its own, started staggered over
 * one second, and their bursts follow each other in a steady stream. Every response's time, status
 * and latency are recorded.
 */
export function steadyLoad(
  url: string,
  headers: Readonly<Record<string, string>>,
  options: LoadOptions,
): { done: Promise<LoadResult>; responses: { at: number; status: number }[] } {
  const responses: { at: number; status: number; ms: number }[] = [];
  const started = Date.now();
  const instances: autocannon.Instance[] = [];
  let cancelled = false;
  const handle = {
    cancel: (): void => {
      cancelled = true;
      for (const instance of instances) instance.stop();
    },
  };
  loads.add(handle);
  const run = (): Promise<autocannon.Result | undefined> =>
    new Promise((resolve, reject) => {
      if (cancelled) return resolve(undefined);
      const instance = autocannon(
        {
          url,
          headers: { ...headers },
          connections: 1,
          overallRate: Math.round(options.rate / options.connections),
          duration: options.seconds,
          timeout: 5,
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
      instances.push(instance);
      instance.on('response', (_client, status, _bytes, ms) =>
        responses.push({ at: Date.now(), status, ms }),
      );
    });
  const runs = Array.from({ length: options.connections }, (_, i) =>
    sleep((i * 1000) / options.connections).then(run),
  );
  const done = Promise.all(runs).then((all): LoadResult => {
    loads.delete(handle);
    if (cancelled) throw new Error('the load was stopped before its end');
    const results = all as autocannon.Result[];
    const sum = (pick: (r: autocannon.Result) => number): number => results.reduce((n, r) => n + pick(r), 0);
    const latencies = responses.map((r) => r.ms).sort((a, b) => a - b);
    const at = (p: number): number => latencies[Math.max(0, Math.ceil(p * latencies.length) - 1)] ?? NaN;
    return {
      total: sum((r) => r.requests.total),
      sent: sum((r) => r.requests.sent),
      ok: sum((r) => r['2xx']),
      non2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
      timeouts: sum((r) => r.timeouts),
      seconds: (Date.now() - started) / 1000,
      p50: at(0.5),
      p99: at(0.99),
      max: latencies[latencies.length - 1] ?? NaN,
    };
  });
  // A test that failed before awaiting it must not leave an unhandled rejection behind.
  done.catch(() => undefined);
  return { done, responses };
}

export function figures(result: LoadResult): string {
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  return (
    `${result.total} requests in ${result.seconds.toFixed(1)} s (${Math.round(result.total / result.seconds)} req/s), ` +
    `p50 ${ms(result.p50)}, p99 ${ms(result.p99)}, max ${ms(result.max)}, ` +
    `non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`
  );
}
