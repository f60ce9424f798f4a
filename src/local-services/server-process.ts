/**
 * A server child process: its output goes to a log file (whose last lines explain a failed start), it
 * is stopped by its own shutdown signal then, if it hangs, by SIGKILL, and until then the exit guard
 * knows its PID. It runs in its own process group so that a Ctrl-C meant for us (a demo draining its
 * queue) does not stop the database under it; our stop() and the exit guard stop it instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { ActorCoreError } from '../core/errors';
import { guardChild } from './exit-guard';

export interface ServerProcessOptions {
  /** The server's name in messages: `postgres`, `redis-server`. */
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Receives the server's stdout and stderr (appended). */
  logFile: string;
  /** The signal that shuts this server down cleanly and promptly. */
  stopSignal: NodeJS.Signals;
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has ended (or could not be started). */
  readonly exited: Promise<void>;
  /** Undefined while running; else how it ended (`exited with code 1`). */
  exitReason(): string | undefined;
  /**
   * Sends `signal` (default: the stop signal), waits up to `timeoutMs`, then SIGKILLs. Resolves once the
   * process is gone. Only the first call signals: later calls wait for the same end.
   */
  stop(timeoutMs?: number, signal?: NodeJS.Signals): Promise<void>;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export function spawnServer(options: ServerProcessOptions): ServerProcess {
  const fd = fs.openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    fs.closeSync(fd);
  }
  let reason: string | undefined;
  let release = (): void => undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      reason ??= `could not be started (${err.message})`;
      release();
      resolve();
    });
    child.once('exit', (code, signal) => {
      reason ??= signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      release();
      resolve();
    });
  });
  if (child.pid !== undefined) release = guardChild(child.pid, options.stopSignal);
  // The handle must not keep the event loop alive: a process that is done exits, and the exit guard
  // stops the server.
  child.unref();

  let stopping: Promise<void> | undefined;
  const stop = async (timeoutMs = DEFAULT_STOP_TIMEOUT_MS, signal = options.stopSignal): Promise<void> => {
    if (reason !== undefined) return;
    child.kill(signal);
    if (await settlesWithin(exited, timeoutMs)) return;
    child.kill('SIGKILL');
    await settlesWithin(exited, 5_000);
  };
  return {
    name: options.name,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exited,
    exitReason: () => reason,
    stop: (timeoutMs, signal) => (stopping ??= stop(timeoutMs, signal)),
  };
}

/** Resolves true if `promise` settles within `ms`, false otherwise; leaves no timer behind. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** The last `lines` non-empty lines of a log file ('' when unreadable). */
export function logTail(logFile: string, lines = 15): string {
  try {
    const text = fs.readFileSync(logFile, 'utf8');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-lines)
      .join('\n');
  } catch {
    return '';
  }
}

/** SERVICE_START_FAILED with the log's last lines, so that the reason is in the error itself. */
export function startFailed(message: string, logFile?: string): ActorCoreError {
  const tail = logFile === undefined ? '' : logTail(logFile);
  const detail = tail === '' ? '' : `\nlast lines of ${logFile}:\n${tail}`;
  return new ActorCoreError('SERVICE_START_FAILED', `${message}${detail}`);
}

/**
 * Polls `probe` every 100 ms until it answers true; fails early, with the log, if the server exits,
 * and after `timeoutMs` otherwise.
 */
export async function waitUntilReady(
  server: ServerProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = server.exitReason();
    if (reason !== undefined) throw startFailed(`${server.name} ${reason} while starting`, server.logFile);
    if (await probe()) return;
    if (Date.now() > deadline) {
      throw startFailed(`${server.name} did not accept connections within ${timeoutMs} ms`, server.logFile);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs a one-shot command (initdb) to completion, output appended to `logFile`; resolves its exit reason. */
export async function runToCompletion(
  options: Omit<ServerProcessOptions, 'stopSignal'> & { timeoutMs: number },
): Promise<string | undefined> {
  const proc = spawnServer({ ...options, stopSignal: 'SIGTERM' });
  if (!(await settlesWithin(proc.exited, options.timeoutMs))) {
    await proc.stop(1_000);
    return `did not finish within ${options.timeoutMs} ms`;
  }
  const reason = proc.exitReason();
  return reason === 'exited with code 0' ? undefined : reason;
}

export interface RestartTimings {
  /** From the signal to the process's exit. */
  stopMs: number;
  /** From the new spawn to the first client accepted (a crash recovery or an AOF load included). */
  startMs: number;
}

/** A server that can be stopped and started again on the same port, with the same data. */
export interface RestartableServer {
  /** The process running now (a new one after each restart). */
  current(): ServerProcess;
  /**
   * Stops the server with `signal` (its clean stop signal, or one that crashes it), waits `downtimeMs`
   * with the port closed, and starts it again through `relaunch`; resolves once it accepts clients,
   * with how long the stop and the start took. `whileDown` runs (and is awaited) once it has stopped.
   */
  restart(signal: NodeJS.Signals, downtimeMs: number, whileDown?: () => unknown): Promise<RestartTimings>;
  /** Stops the running server (after a restart in progress); later restarts are refused. */
  stop(): Promise<void>;
}

/** How often a restart tries the same port again while the old socket still holds it. */
const RESTART_ATTEMPTS = 10;

/**
 * Wraps a started server so that it can be restarted. `launch` spawns it on its port (the clients know
 * no other): if that port is still taken when it starts (a socket of the old process lingering), the
 * start is retried on the same port rather than on a new one.
 */
export function restartableServer(
  first: ServerProcess,
  launch: () => ServerProcess,
  probe: () => Promise<boolean>,
  options: { startTimeoutMs: number; portClash: RegExp },
): RestartableServer {
  let current = first;
  let busy: Promise<void> = Promise.resolve();
  let stopped = false;
  const relaunch = async (): Promise<ServerProcess> => {
    for (let attempt = 1; ; attempt++) {
      const candidate = launch();
      try {
        await waitUntilReady(candidate, probe, options.startTimeoutMs);
        return candidate;
      } catch (err) {
        await candidate.stop(5_000);
        const clash = options.portClash.test(logTail(candidate.logFile, 5));
        if (attempt >= RESTART_ATTEMPTS || !clash) throw err;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  };
  const restart = (
    signal: NodeJS.Signals,
    downtimeMs: number,
    whileDown?: () => unknown,
  ): Promise<RestartTimings> => {
    const run = busy.then(async () => {
      if (stopped) throw startFailed(`${current.name}: restart after stop`);
      const stopping = Date.now();
      await current.stop(undefined, signal);
      const stopMs = Date.now() - stopping;
      await whileDown?.();
      if (downtimeMs > 0) await new Promise((resolve) => setTimeout(resolve, downtimeMs));
      const starting = Date.now();
      current = await relaunch();
      return { stopMs, startMs: Date.now() - starting };
    });
    busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const stop = async (): Promise<void> => {
    stopped = true;
    await busy;
    await current.stop();
  };
  return { current: () => current, restart, stop };
}
