/**
 * The command line a server is started with, for two needs of a private server:
 * - PostgreSQL refuses to run as root, so as root it runs as an unprivileged user (the `postgres`
 *   system user if there is one, else `nobody`), by `setpriv` (which execs in place, so the PID we keep
 *   is the server's), else `runuser`.
 * - The server must not outlive us even when we are SIGKILLed and no handler runs: `setpriv
 *   --pdeathsig` makes the kernel signal it when its parent dies (Linux; skipped where unavailable).
 */
import { spawnSync } from 'node:child_process';
import { ActorCoreError } from '../core/errors';
import { findOnPath } from './find-binary';

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

export interface CommandLine {
  command: string;
  args: string[];
}

export interface WrapOptions {
  /** Run as this user (we must be root). */
  runAs?: RunAs;
  /** Signal the kernel sends the server when this process dies. */
  parentDeathSignal?: NodeJS.Signals;
  env?: NodeJS.ProcessEnv;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The first of `candidates` that exists, with its ids; for root only (undefined otherwise). */
export function unprivilegedUser(candidates: readonly string[] = ['postgres', 'nobody']): RunAs | undefined {
  if (!isRoot()) return undefined;
  for (const user of candidates) {
    const uid = idOf(user, '-u');
    const gid = idOf(user, '-g');
    if (uid !== undefined && gid !== undefined && uid !== 0) return { user, uid, gid };
  }
  throw new ActorCoreError(
    'SERVICE_START_FAILED',
    `running as root and none of the users ${candidates.join(', ')} exists to run PostgreSQL as (it refuses root)`,
  );
}

function idOf(user: string, flag: '-u' | '-g'): number | undefined {
  const result = spawnSync('id', [flag, user], { encoding: 'utf8' });
  const id = Number(result.stdout?.trim());
  return result.status === 0 && Number.isInteger(id) ? id : undefined;
}

const pdeathsigSupport = new Map<string, boolean>();

/** Whether this setpriv knows `--pdeathsig` (util-linux 2.33+). */
function supportsPdeathsig(setpriv: string): boolean {
  let known = pdeathsigSupport.get(setpriv);
  if (known === undefined) {
    const help = spawnSync(setpriv, ['--help'], { encoding: 'utf8' });
    known = `${help.stdout ?? ''}`.includes('--pdeathsig');
    pdeathsigSupport.set(setpriv, known);
  }
  return known;
}

/** `command args` wrapped so that it runs as `runAs` and dies with us, as far as this machine allows. */
export function wrapCommand(
  command: string,
  args: readonly string[],
  options: WrapOptions = {},
): CommandLine {
  const setpriv = findOnPath('setpriv', options.env);
  const setprivArgs: string[] = [];
  if (options.runAs !== undefined && setpriv !== undefined) {
    const { uid, gid } = options.runAs;
    setprivArgs.push(`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups');
  }
  if (options.parentDeathSignal !== undefined && setpriv !== undefined && supportsPdeathsig(setpriv)) {
    setprivArgs.push('--pdeathsig', options.parentDeathSignal);
  }
  const wrapped = setprivArgs.length > 0 && setpriv !== undefined;
  const inner: CommandLine = wrapped
    ? { command: setpriv, args: [...setprivArgs, '--', command, ...args] }
    : { command, args: [...args] };
  if (options.runAs === undefined || setpriv !== undefined) return inner;
  // No setpriv: runuser forks, so the PID we keep is runuser's; it forwards SIGTERM/SIGINT to the server.
  const runuser = findOnPath('runuser', options.env);
  if (runuser === undefined) {
    throw new ActorCoreError(
      'SERVICE_START_FAILED',
      'running as root needs setpriv or runuser to drop privileges: install the package "util-linux"',
    );
  }
  return { command: runuser, args: ['-u', options.runAs.user, '--', inner.command, ...inner.args] };
}

/** Whether `runAs` (or we, when undefined) can create files in `dir`; false when a parent folder blocks it. */
export function canWriteAs(runAs: RunAs | undefined, dir: string, env?: NodeJS.ProcessEnv): boolean {
  const line = wrapCommand('/bin/sh', ['-c', 'test -d "$0" && test -w "$0" && test -x "$0"', dir], {
    runAs,
    env,
  });
  return spawnSync(line.command, line.args, { env, cwd: '/' }).status === 0;
}
