/**
 * Installing a missing server with apt-get, which is only possible (and only attempted) as root on
 * Debian/Ubuntu — the CI machine. Everyone else gets one line naming the package to install.
 *
 * Two processes may want the same package at once (jest's global setup and a demo, two CI steps), so
 * installs are serialized by a lock file; apt itself is also told to wait for dpkg's own lock.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActorCoreError } from '../core/errors';
import { processExists } from './exit-guard';
import { isExecutable } from './find-binary';

export interface InstallOptions {
  /** Environment of apt-get; default: this process's. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The lock file serializing installs; default `<tmpdir>/actor-core-apt-install.lock`. */
  lockFile?: string;
}

const APT_GET = '/usr/bin/apt-get';
/** apt-get on a slow mirror can take minutes; past this something is stuck. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** Output of an install that failed because the package lists were never downloaded (fresh images). */
const MISSING_LISTS =
  /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found/i;

/** Whether `installDebianPackage` can work here: root, with apt-get. */
export function canInstallPackages(): boolean {
  return process.getuid?.() === 0 && isExecutable(APT_GET);
}

/** The one-line error for a binary that is missing and that we may not install. */
export function missingBinaryError(what: string, debianPackage: string, alternative: string): ActorCoreError {
  return new ActorCoreError(
    'SERVICE_START_FAILED',
    `${what} not found: install the package "${debianPackage}" (Debian/Ubuntu: sudo apt-get install -y ${debianPackage}), or ${alternative}`,
  );
}

/** Installs `debianPackage` with apt-get, running `apt-get update` first only if the lists are missing. */
export async function installDebianPackage(
  debianPackage: string,
  options: InstallOptions = {},
): Promise<void> {
  const log = options.log ?? (() => undefined);
  const lockFile = options.lockFile ?? path.join(os.tmpdir(), 'actor-core-apt-install.lock');
  const release = await acquireLock(lockFile, log);
  try {
    log(`installing ${debianPackage} with apt-get (this can take a minute)`);
    const install = [
      '-o',
      'DPkg::Lock::Timeout=600',
      'install',
      '-y',
      '--no-install-recommends',
      debianPackage,
    ];
    let result = await runApt(install, options.env);
    if (result.code !== 0 && MISSING_LISTS.test(result.output)) {
      log('apt-get: package lists missing or stale, running apt-get update');
      const update = await runApt(['-o', 'DPkg::Lock::Timeout=600', 'update'], options.env);
      if (update.code !== 0) throw aptFailed('update', update.output);
      result = await runApt(install, options.env);
    }
    if (result.code !== 0) throw aptFailed(`install ${debianPackage}`, result.output);
    log(`installed ${debianPackage}`);
  } finally {
    release();
  }
}

function aptFailed(what: string, output: string): ActorCoreError {
  const tail = output.trim().split('\n').slice(-10).join('\n');
  return new ActorCoreError('SERVICE_START_FAILED', `apt-get ${what} failed:\n${tail}`);
}

function runApt(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // `env VAR=… apt-get` adds the variable to whatever environment the child gets (ours by default).
    const child = spawn('/usr/bin/env', ['DEBIAN_FRONTEND=noninteractive', APT_GET, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: INSTALL_TIMEOUT_MS,
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => resolve({ code: -1, output: `${output}\n${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Creates `lockFile` exclusively (waiting while another live process holds it); returns the release. */
async function acquireLock(lockFile: string, log: (line: string) => void): Promise<() => void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readOr(lockFile, ''));
    const valid = Number.isInteger(holder) && holder > 0;
    // An empty file may be a lock being written right now; one with a dead holder is stale (its
    // process was killed mid-install) and is taken over.
    if ((valid && !processExists(holder)) || (!valid && ageMs(lockFile) > 5_000)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new ActorCoreError(
        'SERVICE_START_FAILED',
        `another install (pid ${holder}) holds ${lockFile} for too long`,
      );
    }
    if (!announced) log(`waiting for another install (pid ${holder}) to finish`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}
