/**
 * Worker processes as children (`node bin/actor-core.js worker`), for the demo and the end-to-end
 * benchmark: each gets the settings as its environment, its JSON log lines go to one log file (and,
 * parsed, to a listener), and it counts as started when it logs "worker started". The children run in
 * their own process group, so a Ctrl-C meant for us does not reach them: `stop()` sends SIGTERM (they
 * finish their active jobs and exit), the exit guard does the same if we exit without it, and the
 * kernel (setpriv --pdeathsig) if we are killed outright.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Settings, WorkerLane } from '../../config/settings';
import { ActorCoreError } from '../core/errors';
import { guardChild } from '../local-services/exit-guard';
import { findOnPath } from '../local-services/find-binary';
import { wrapCommand, type CommandLine } from '../local-services/run-command';
import { settlesWithin } from '../local-services/server-process';

/** The package's root folder (with package.json and bin/), from both src/demo and dist/src/demo. */
export function packageRoot(): string {
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(__dirname, up);
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'actor-core') return dir;
    } catch {
      // not this folder; try the next one up
    }
  }
  return path.resolve(__dirname, '../../..');
}

/**
 * The environment that makes `loadSettings()` in a child return `settings`: every setting, written out.
 * Nothing else of ours is passed on (configuration is read in config/ only), and a worker needs nothing
 * else: it is started by the absolute path of this Node binary.
 */
export function settingsEnvironment(settings: Settings): Record<string, string> {
  const env: Record<string, string> = {
    DATABASE_POOL_MAX: String(settings.databasePoolMax),
    REDIS_KEY_PREFIX: settings.redisKeyPrefix,
    CACHE_TTL_SECONDS: String(settings.cacheTtlSeconds),
    QUEUE_NAME: settings.queue.name,
    QUEUE_PREFIX: settings.queue.prefix,
    JOB_BATCH_SIZE: String(settings.queue.batchSize),
    JOB_ATTEMPTS: String(settings.queue.attempts),
    JOB_BACKOFF_MS: String(settings.queue.backoffMs),
    WORKER_CONCURRENCY: String(settings.worker.concurrency),
    WORKER_THREADS: String(settings.worker.threads),
    SHUTDOWN_TIMEOUT_MS: String(settings.worker.shutdownTimeoutMs),
    LOCK_DURATION_MS: String(settings.worker.lockDurationMs),
    STALLED_INTERVAL_MS: String(settings.worker.stalledIntervalMs),
    WORKER_WARM_UP_MS: String(settings.worker.warmUpMs),
    LOG_LEVEL: settings.logLevel,
  };
  if (settings.databaseUrl !== undefined) env.DATABASE_URL = settings.databaseUrl;
  if (settings.redisUrl !== undefined) env.REDIS_URL = settings.redisUrl;
  if (settings.encryptionKey !== undefined) env.ENCRYPTION_KEY = settings.encryptionKey;
  return env;
}

/** One parsed JSON log line of a worker (pino: `level`, `msg`, `pid`, bindings, fields). */
export interface WorkerLogRecord {
  level?: number;
  msg?: string;
  pid?: number;
  jobId?: string;
  [field: string]: unknown;
}

export interface WorkerChildrenOptions {
  /** How many worker processes. */
  count: number;
  /** Their settings, URLs included (passed as their environment). */
  settings: Settings;
  /** Receives every line the workers print (appended). */
  logFile: string;
  /** Called with every JSON line the workers log (after it is written to the log file). */
  onRecord?: (record: WorkerLogRecord) => void;
  /** How long a worker may take to log "worker started"; default 60 s. */
  startTimeoutMs?: number;
  /** Rejecting it while the workers start stops them and rejects the start with its reason. */
  abort?: Promise<never>;
  /**
   * Split lanes: `interactive` more processes serve only the interactive lane, and the `count` ones
   * only bulk and change jobs, at CPU niceness `bulkNice` (0–19, through nice(1)). Without it, every
   * process serves all lanes at normal priority.
   */
  lanes?: { interactive: number; bulkNice: number };
}

export interface WorkerChildren {
  readonly pids: readonly number[];
  readonly logFile: string;
  /** Resolves when any worker exits, with why (a worker exits only when stopped, or on a crash). */
  readonly anyExited: Promise<string>;
  /** SIGTERM to all, then waits (at most the shutdown timeout + 5 s, then SIGKILL). Idempotent. */
  stop(): Promise<void>;
}

const STARTED = 'worker started';

/** Each child's lane (undefined: the settings' own) and niceness. */
export function childLanes(options: WorkerChildrenOptions): { lane?: WorkerLane; nice: number }[] {
  const { count, lanes } = options;
  if (lanes === undefined) return Array.from({ length: count }, () => ({ nice: 0 }));
  return [
    ...Array.from({ length: count }, () => ({ lane: 'bulk' as const, nice: lanes.bulkNice })),
    ...Array.from({ length: lanes.interactive }, () => ({ lane: 'interactive' as const, nice: 0 })),
  ];
}

/**
 * `line` run at niceness `nice` through nice(1): set before node starts, so that every thread it
 * creates (resolve threads, V8's and libuv's) inherits it. On Linux a niceness is per thread, so
 * setting it on a running process would reach its main thread only.
 */
export function niced(line: CommandLine, nice: number): CommandLine {
  if (nice === 0) return line;
  const command = findOnPath('nice');
  if (command === undefined) {
    throw new ActorCoreError(
      'SERVICE_START_FAILED',
      'running workers at a lower priority needs nice(1): install "coreutils"',
    );
  }
  return { command, args: ['-n', String(nice), line.command, ...line.args] };
}

interface Child {
  process: ChildProcess;
  /** Resolves once the process has ended and its output is read to the end. */
  exited: Promise<string>;
}

/** Starts `count` workers and resolves once all have logged "worker started" (or rejects, with the log). */
export async function startWorkerChildren(options: WorkerChildrenOptions): Promise<WorkerChildren> {
  const cli = path.join(packageRoot(), 'bin', 'actor-core.js');
  const env = settingsEnvironment(options.settings);
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  log.on('error', () => undefined); // a log we cannot write must not stop the workers
  const started = new Set<number>();
  let onStarted = (): void => undefined;

  const children: Child[] = [];
  for (const { lane, nice } of childLanes(options)) {
    // SIGTERM from the kernel if we are killed outright (where setpriv can ask for it).
    const line = niced(
      wrapCommand(process.execPath, [cli, 'worker'], { parentDeathSignal: 'SIGTERM' }),
      nice,
    );
    const child = spawn(line.command, line.args, {
      env: lane === undefined ? env : { ...env, WORKER_LANE: lane },
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(`could not be started (${err.message})`));
      child.once('close', (code, signal) =>
        resolve(signal !== null ? `was killed by ${signal}` : `exited with code ${code}`),
      );
    });
    const release = child.pid === undefined ? () => undefined : guardChild(child.pid, 'SIGTERM');
    void exited.then(release);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        log.write(`${line}\n`);
        if (!line.startsWith('{')) return;
        let record: WorkerLogRecord;
        try {
          record = JSON.parse(line) as WorkerLogRecord;
        } catch {
          return;
        }
        if (record.msg === STARTED && child.pid !== undefined) {
          started.add(child.pid);
          onStarted();
        }
        options.onRecord?.(record);
      });
    }
    children.push({ process: child, exited });
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const grace = options.settings.worker.shutdownTimeoutMs + 5_000;
      await Promise.all(
        children.map(async ({ process: child, exited }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          if (!(await settlesWithin(exited, grace))) {
            child.kill('SIGKILL');
            await settlesWithin(exited, 5_000);
          }
        }),
      );
      await new Promise<void>((resolve) => log.end(resolve));
    })());

  const anyExited = Promise.race(
    children.map(({ process: child, exited }) => exited.then((why) => `worker ${child.pid} ${why}`)),
  );
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve) => {
    onStarted = () => {
      if (started.size === children.length) resolve();
    };
  });
  let failure: string | undefined;
  try {
    failure = await Promise.race([
      ready.then(() => undefined),
      anyExited,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`workers did not start within ${timeoutMs} ms`), timeoutMs);
      }),
      ...(options.abort ? [options.abort] : []),
    ]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (failure !== undefined) {
    await stop();
    throw new ActorCoreError(
      'SERVICE_START_FAILED',
      `${failure} while starting\nlast lines of ${options.logFile}:\n${tail(options.logFile)}`,
    );
  }
  return {
    pids: children.map(({ process: child }) => child.pid!),
    logFile: options.logFile,
    anyExited,
    stop,
  };
}

function tail(file: string, lines = 10): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
