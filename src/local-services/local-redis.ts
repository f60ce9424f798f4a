/**
 * A private Redis server for tests, the demo and the benchmarks: `redis-server` on a free loopback port,
 * its folder temporary (removed at stop) or given (kept). By default it is a throwaway server: no RDB
 * snapshots, no AOF, default eviction. Production Redis must run with `appendonly yes` and
 * `maxmemory-policy noeviction` (queues must never lose jobs): `appendOnly` gives this server those
 * settings (as deploy/redis.conf), so that `restart()` keeps the queue (after SIGKILL too, within the
 * limits of `appendfsync everysec`).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ActorCoreError } from '../core/errors';
import { findOnPath, isExecutable } from './find-binary';
import { freePort } from './free-port';
import { canInstallPackages, installDebianPackage, missingBinaryError } from './install-package';
import { wrapCommand } from './run-command';
import { makeTempDir } from './temp-dir';
import {
  logTail,
  restartableServer,
  spawnServer,
  startFailed,
  waitUntilReady,
  type ServerProcess,
} from './server-process';

export interface LocalRedisOptions {
  /** The server's folder (created if missing, kept at stop). Default: a temporary folder, removed at stop. */
  dataDir?: string;
  /** The redis-server binary. Default: the one on PATH, installed with apt-get first if root on Debian. */
  binary?: string;
  /** Whether a missing redis-server may be installed (root + apt-get only); default true. */
  install?: boolean;
  /** Environment of the server (and of the PATH lookup); default: this process's. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** How long the server may take to answer PING; default 20 s. */
  startTimeoutMs?: number;
  /**
   * Durable as in production (deploy/redis.conf): `appendonly yes`, `appendfsync everysec`,
   * `maxmemory-policy noeviction`. Default false (a throwaway cache).
   */
  appendOnly?: boolean;
}

export interface RedisRestartOptions {
  /**
   * SIGTERM (default): a clean shutdown (the AOF is fsynced). SIGKILL: a crash; with `appendOnly` the
   * AOF holds what Redis had written to it, which is every acknowledged write except while a slow
   * background fsync makes `everysec` hold writes back (up to 2 s: Redis's documented window).
   */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** How long the port stays closed between the stop and the new start; default 0. */
  downtimeMs?: number;
  /**
   * Run once the server has stopped, before it starts again, with its folder: e.g. to put back an
   * older copy of its AOF, as a failover to a replica that lagged behind would leave the data.
   */
  whileDown?: (dataDir: string) => unknown;
}

export interface LocalRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  dataDir: string;
  /** The PID of the running server (a new one after a restart). */
  readonly pid: number;
  /**
   * Stops the server, waits, and starts it again on the same port with the same folder; resolves once it
   * answers PING (with AOF: once the file is loaded). Clients reconnect on their own.
   */
  restart(options?: RedisRestartOptions): Promise<void>;
  /** Stops the server and removes its folder if it was temporary. Safe to call twice. */
  stop(): Promise<void>;
}

/** A new port is tried when another process took the free one first. */
const START_ATTEMPTS = 3;
const PORT_CLASH = /address already in use/i;

/** The redis-server to run: the given one, else the one on PATH, else a freshly installed one. */
export async function requireRedisServer(options: LocalRedisOptions = {}): Promise<string> {
  if (options.binary !== undefined) {
    if (isExecutable(options.binary)) return options.binary;
    throw missingBinaryError(`redis-server ${options.binary}`, 'redis-server', 'pass an existing binary');
  }
  const found = findOnPath('redis-server', options.env);
  if (found !== undefined) return found;
  const alternative = 'set REDIS_URL to a running Redis';
  if (options.install === false || !canInstallPackages()) {
    throw missingBinaryError('redis-server', 'redis-server', alternative);
  }
  await installDebianPackage('redis-server', options);
  return findOnPath('redis-server', options.env) ?? throwMissing(alternative);
}

function throwMissing(alternative: string): never {
  throw missingBinaryError('redis-server (still, after installing)', 'redis-server', alternative);
}

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const binary = await requireRedisServer(options);
  const temp = options.dataDir === undefined ? makeTempDir('redis') : undefined;
  const dataDir = temp?.dir ?? path.resolve(options.dataDir as string);
  const removeDir = (): void => temp?.remove();
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'redis.log');

  let server: ServerProcess | undefined;
  let port = 0;
  try {
    for (let attempt = 1; server === undefined; attempt++) {
      port = await freePort();
      const candidate = spawnRedis(binary, port, dataDir, logFile, options);
      try {
        await waitUntilReady(candidate, () => pings(port), options.startTimeoutMs ?? 20_000);
        server = candidate;
      } catch (err) {
        await candidate.stop(2_000);
        if (attempt >= START_ATTEMPTS || !PORT_CLASH.test(logTail(logFile, 5))) throw err;
        log(`redis-server: port ${port} was taken, trying another`);
      }
    }
  } catch (err) {
    removeDir();
    throw err instanceof ActorCoreError
      ? err
      : startFailed(`redis-server: ${(err as Error).message}`, logFile);
  }

  log(`redis-server ${server.pid} listening on 127.0.0.1:${port} (${Date.now() - started} ms)`);
  const boundPort = port;
  const running = restartableServer(
    server,
    () => spawnRedis(binary, boundPort, dataDir, logFile, options),
    () => pings(boundPort),
    { startTimeoutMs: options.startTimeoutMs ?? 20_000, portClash: PORT_CLASH },
  );
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    get pid() {
      return running.current().pid;
    },
    restart: async (restart = {}) => {
      const signal = restart.signal ?? 'SIGTERM';
      const whileDown = restart.whileDown;
      const t = await running.restart(
        signal,
        restart.downtimeMs ?? 0,
        whileDown === undefined ? undefined : () => whileDown(dataDir),
      );
      log(
        `redis-server restarted on ${boundPort} as ${running.current().pid} (${signal}: stopped in ` +
          `${t.stopMs} ms, down ${restart.downtimeMs ?? 0} ms, started in ${t.startMs} ms)`,
      );
    },
    stop: () =>
      (stopping ??= (async () => {
        await running.stop();
        removeDir();
      })()),
  };
}

function spawnRedis(
  binary: string,
  port: number,
  dir: string,
  logFile: string,
  options: LocalRedisOptions,
): ServerProcess {
  const env = options.env;
  const durability =
    options.appendOnly === true
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction']
      : ['--appendonly', 'no']; // a private cache by default
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    // No RDB snapshots: the AOF, when on, is what a restart loads.
    '--save', '',
    ...durability,
    '--dir', dir,
    '--daemonize', 'no',
    // Log to stdout, which is the log file.
    '--logfile', '',
  ]; // prettier-ignore
  // SIGTERM is Redis's clean shutdown (and, with nothing to save, an immediate one; with AOF, it fsyncs).
  const line = wrapCommand(binary, args, { parentDeathSignal: 'SIGTERM', env });
  return spawnServer({ name: 'redis-server', ...line, cwd: dir, env, logFile, stopSignal: 'SIGTERM' });
}

/** Whether a Redis server on `port` answers PING with PONG (an inline command needs no client). */
export function pings(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let reply = '';
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
