/**
 * Worker processes as children (`node bin/actor-core.js worker`), for the demo and the end-to-end
 * benchmark: each gets the settings as its environment, its JSON log lines go to one log file (and,
 * parsed, to a listener), and it counts as started when it logs "worker started". The children run in
 * their own process group, so a Ctrl-C meant for us does not reach them: `stop()` sends SIGTERM (they
 * finish their active jobs and exit), the exit guard does the same if we exit without it, and the
 * kernel (setpriv --pdeathsig) if we are killed outright.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Settings, WorkerLane } from '../../config/settings';
import { ActorCoreError } from '../core/errors';
import { findOnPath } from '../local-services/find-binary';
import { freePort } from '../local-services/free-port';
import { wrapCommand, type CommandLine } from '../local-services/run-command';
import {
  spawnLoggedChild,
  stopLoggedChild,
  untilStarted,
  type ChildLogRecord,
  type LoggedChild,
} from './logged-child';

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

/** One parsed JSON log line of a worker. */
export type WorkerLogRecord = ChildLogRecord;

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
  /**
   * Each worker's sidecar (/health, /ready, /metrics), `http://127.0.0.1:<port>`, in the order of
   * `pids`; undefined for one that could not bind its port.
   */
  readonly sidecarUrls: readonly (string | undefined)[];
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

/** Starts `count` workers and resolves once all have logged "worker started" (or rejects, with the log). */
export async function startWorkerChildren(options: WorkerChildrenOptions): Promise<WorkerChildren> {
  const cli = path.join(packageRoot(), 'bin', 'actor-core.js');
  const env = settingsEnvironment(options.settings);
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  log.on('error', () => undefined); // a log we cannot write must not stop the workers
  const started = new Map<number, number | undefined>(); // pid → sidecar port
  let onStarted = (): void => undefined;

  const children: LoggedChild[] = [];
  for (const { lane, nice } of childLanes(options)) {
    // SIGTERM from the kernel if we are killed outright (where setpriv can ask for it).
    const line = niced(
      wrapCommand(process.execPath, [cli, 'worker'], { parentDeathSignal: 'SIGTERM' }),
      nice,
    );
    // A sidecar each, on loopback: on one machine they cannot all have the default port.
    const sidecar = { WORKER_SIDECAR_PORT: String(await freePort()), HOST: '127.0.0.1' };
    const child: LoggedChild = spawnLoggedChild(line, {
      env: { ...env, ...sidecar, ...(lane === undefined ? {} : { WORKER_LANE: lane }) },
      cwd: packageRoot(),
      log,
      onRecord: (record) => {
        if (record.msg === STARTED && child.process.pid !== undefined) {
          started.set(
            child.process.pid,
            typeof record.sidecarPort === 'number' ? record.sidecarPort : undefined,
          );
          onStarted();
        }
        options.onRecord?.(record);
      },
    });
    children.push(child);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const grace = options.settings.worker.shutdownTimeoutMs + 5_000;
      await Promise.all(children.map((child) => stopLoggedChild(child, grace)));
      await new Promise<void>((resolve) => log.end(resolve));
    })());

  const anyExited = Promise.race(
    children.map(({ process: child, exited }) => exited.then((why) => `worker ${child.pid} ${why}`)),
  );
  const ready = new Promise<void>((resolve) => {
    onStarted = () => {
      if (started.size === children.length) resolve();
    };
  });
  await untilStarted({
    started: ready,
    exited: anyExited,
    timeoutMs: options.startTimeoutMs ?? 60_000,
    what: 'workers',
    logFile: options.logFile,
    stop,
    ...(options.abort ? { abort: options.abort } : {}),
  });
  return {
    pids: children.map(({ process: child }) => child.pid!),
    sidecarUrls: children.map(({ process: child }) => {
      const port = started.get(child.pid!);
      return port === undefined ? undefined : `http://127.0.0.1:${port}`;
    }),
    logFile: options.logFile,
    anyExited,
    stop,
  };
}
