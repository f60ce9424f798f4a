/**
 * One `actor-core` child process of the demo or the end-to-end benchmark (a worker, the API sidecar):
 * in a process group of its own, so that a Ctrl-C meant for us does not reach it; every line it prints
 * appended to a log, and its JSON log lines parsed for a listener; SIGTERM from the exit guard if we
 * exit without stopping it (and from the kernel, through the command line's setpriv, if we are killed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import type { Writable } from 'node:stream';
import { ActorCoreError } from '../core/errors';
import { guardChild } from '../local-services/exit-guard';
import type { CommandLine } from '../local-services/run-command';
import { settlesWithin } from '../local-services/server-process';

/** One parsed JSON log line of a child (pino: `level`, `msg`, `pid`, bindings, fields). */
export interface ChildLogRecord {
  level?: number;
  msg?: string;
  pid?: number;
  jobId?: string;
  [field: string]: unknown;
}

export interface LoggedChild {
  readonly process: ChildProcess;
  /** Resolves once the process has ended and its output is read to the end, with how it ended. */
  readonly exited: Promise<string>;
}

export interface SpawnLoggedChildOptions {
  /** The child's whole environment. */
  env: Record<string, string>;
  cwd: string;
  /** Receives every line the child prints. */
  log: Writable;
  /** Called with every JSON line the child logs (after it is written to the log). */
  onRecord?: (record: ChildLogRecord) => void;
}

export function spawnLoggedChild(line: CommandLine, options: SpawnLoggedChildOptions): LoggedChild {
  const child = spawn(line.command, line.args, {
    env: options.env,
    cwd: options.cwd,
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
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
      options.log.write(`${text}\n`);
      if (!text.startsWith('{')) return;
      let record: ChildLogRecord;
      try {
        record = JSON.parse(text) as ChildLogRecord;
      } catch {
        return;
      }
      options.onRecord?.(record);
    });
  }
  return { process: child, exited };
}

/** SIGTERM, then at most `graceMs` for the child to finish (then SIGKILL). */
export async function stopLoggedChild(
  { process: child, exited }: LoggedChild,
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await settlesWithin(exited, graceMs))) {
    child.kill('SIGKILL');
    await settlesWithin(exited, 5_000);
  }
}

export interface StartWait {
  /** Resolves once the children have said they are up. */
  started: Promise<void>;
  /** Resolves if one exits first, with why. */
  exited: Promise<string>;
  timeoutMs: number;
  /** Names the children in the error ("workers", "the API"). */
  what: string;
  /** Their log, whose last lines the error quotes. */
  logFile: string;
  /** Stops the children when they do not start (or the wait is aborted). */
  stop: () => Promise<void>;
  /** Rejecting it stops the children and rejects the wait with its reason. */
  abort?: Promise<never>;
}

/**
 * Waits for `started`; when a child exits first, or `timeoutMs` passes, stops them and throws
 * SERVICE_START_FAILED quoting their log.
 */
export async function untilStarted(wait: StartWait): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let failure: string | undefined;
  try {
    failure = await Promise.race([
      wait.started.then(() => undefined),
      wait.exited,
      new Promise<string>((resolve) => {
        timer = setTimeout(
          () => resolve(`${wait.what} did not start within ${wait.timeoutMs} ms`),
          wait.timeoutMs,
        );
      }),
      ...(wait.abort ? [wait.abort] : []),
    ]);
  } catch (err) {
    await wait.stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (failure !== undefined) {
    await wait.stop();
    throw new ActorCoreError(
      'SERVICE_START_FAILED',
      `${failure} while starting\nlast lines of ${wait.logFile}:\n${logTail(wait.logFile)}`,
    );
  }
}

/** The last lines of a log file, for an error message ('' when it cannot be read). */
function logTail(file: string, lines = 10): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
