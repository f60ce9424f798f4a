/**
 * Real `actor-core worker` child processes for the cluster tests: started with a test's environment,
 * their JSON log lines collected, stopped with SIGTERM or SIGKILL; leftovers are killed after each test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cliBin } from './cli';
import { repoRoot } from './shared';

export interface LogLine {
  level: number;
  msg: string;
  pid: number;
  jobId?: string;
  [field: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const liveWorkers = new Set<WorkerHandle>();

/** One `actor-core worker` child process and the JSON lines it logged. */
export class WorkerHandle {
  readonly logs: LogLine[] = [];
  /** Stdout lines that are not JSON (there should be none) and all of stderr. */
  readonly otherOutput: string[] = [];
  readonly exited: Promise<ExitStatus>;
  private readonly listeners = new Set<() => void>();
  private status: ExitStatus | undefined;

  constructor(private readonly child: ChildProcess) {
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) this.take(line);
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => this.otherOutput.push(text));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.status = { code, signal };
        liveWorkers.delete(this);
        this.notify();
        resolve(this.status);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Undefined while the process runs. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** The logged lines with this message. */
  lines(msg: string): LogLine[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  /** Resolves with the first line (already logged or to come) that matches; rejects on exit or timeout. */
  waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.logs.find(match);
        if (line !== undefined) done(() => resolve(line));
        else if (this.status !== undefined)
          done(() =>
            reject(
              new Error(
                `worker ${this.pid} exited (${JSON.stringify(this.status)}) before logging ${what}; ` +
                  `output: ${this.otherOutput.join('').slice(0, 2000)}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`worker ${this.pid} did not log ${what} in ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Sends the signal (when still running) and waits for the exit; SIGKILLs after `timeoutMs`. */
  async signal(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<ExitStatus> {
    if (this.status === undefined) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    this.child.kill('SIGKILL');
    await this.exited;
    throw new Error(`worker ${this.pid} did not exit within ${timeoutMs} ms of ${signal} (killed)`);
  }

  /** Graceful stop: SIGTERM, then the exit status. */
  stop(timeoutMs?: number): Promise<ExitStatus> {
    return this.signal('SIGTERM', timeoutMs);
  }

  private take(text: string): void {
    if (text.trim() === '') return;
    try {
      this.logs.push(JSON.parse(text) as LogLine);
    } catch {
      this.otherOutput.push(text);
      return;
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export interface StartWorkerOptions {
  threads?: number;
  concurrency?: number;
  /** `--lane` (default: the worker's own, all). */
  lane?: 'all' | 'bulk' | 'interactive';
  /** Wait for the "worker started" line (default true). */
  waitStarted?: boolean;
}

/** Starts `node bin/actor-core.js worker` with `env` added to this process's environment. */
export async function startWorkerProcess(
  env: Readonly<Record<string, string>>,
  options: StartWorkerOptions = {},
): Promise<WorkerHandle> {
  const child = spawn(
    process.execPath,
    [
      cliBin,
      'worker',
      '--threads',
      String(options.threads ?? 1),
      '--concurrency',
      String(options.concurrency ?? 2),
      ...(options.lane === undefined ? [] : ['--lane', options.lane]),
    ],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const worker = new WorkerHandle(child);
  liveWorkers.add(worker);
  if (options.waitStarted !== false) {
    await worker.waitForLog('"worker started"', (line) => line.msg === 'worker started');
  }
  return worker;
}

/** SIGKILLs every worker process still running and waits for them to exit. */
export async function killLeftoverWorkers(): Promise<void> {
  await Promise.all([...liveWorkers].map((worker) => worker.signal('SIGKILL', 10_000)));
}

// ---------------------------------------------------------------------------------------------------
// A queue of one test: its settings, producer, workers and what the stores hold for it
