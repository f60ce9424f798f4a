/**
 * Last-resort cleanup when the process exits without calling `stop()` (a thrown error, `process.exit`,
 * a forgotten teardown): the servers we spawned are signalled, given a few seconds, then killed, and
 * the temporary folders we created are removed. `'exit'` handlers must be synchronous, so this waits by
 * polling /proc. A parent killed outright (SIGKILL) runs no handler at all: that case is covered by the
 * parent-death signal the servers are started with (see run-command.ts).
 */
import * as fs from 'node:fs';

const children = new Map<number, NodeJS.Signals>();
const dirs = new Set<string>();
let installed = false;

/** How long the exit handler lets servers shut down before it kills them. */
const EXIT_GRACE_MS = 5_000;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupNow);
}

/** Signals `pid` with `signal` if the process exits while it is guarded; returns the release function. */
export function guardChild(pid: number, signal: NodeJS.Signals): () => void {
  install();
  children.set(pid, signal);
  return () => children.delete(pid);
}

/** Removes `dir` if the process exits while it is guarded; returns the release function. */
export function guardDir(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => dirs.delete(dir);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Whether `pid` still runs. An exited child stays a zombie until Node reaps it, which cannot happen
 * inside an exit handler, so the process state is read from /proc (Linux).
 */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Whether a process with this PID exists (a zombie counts; EPERM means it exists as another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function cleanupNow(): void {
  const pids = [...children.keys()];
  for (const [pid, sig] of children) signal(pid, sig);
  if (fs.existsSync('/proc/self/stat')) {
    const deadline = Date.now() + EXIT_GRACE_MS;
    while (pids.some(running) && Date.now() < deadline) sleepSync(50);
    for (const pid of pids) if (running(pid)) signal(pid, 'SIGKILL');
  } else {
    // No /proc: we cannot tell an exited child from a live one, so give them a moment and kill.
    sleepSync(1_000);
    for (const pid of pids) signal(pid, 'SIGKILL');
  }
  children.clear();
  for (const dir of dirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the process is exiting
    }
  }
  dirs.clear();
}
