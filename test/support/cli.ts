/** Running the built `actor-core` CLI (bin/actor-core.js → dist/src/cli) and temp files for its tests. */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { repoRoot } from './shared';

export const cliBin = path.join(repoRoot, 'bin', 'actor-core.js');
export const builtMain = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Fails early, with the fix, when `npm run build` has not produced dist/. */
export function assertBuilt(): void {
  if (!fs.existsSync(builtMain)) throw new Error(`${builtMain} is missing: run "npm run build" first`);
}

/** Runs `node bin/actor-core.js ...args` from the repo root, `input` on its stdin, `env` added to the environment. */
export function runCli(args: readonly string[], input = '', env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [cliBin, ...args], {
    cwd: repoRoot,
    input,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 30_000,
  });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ProcessRun extends CliResult {
  signal: NodeJS.Signals | null;
}

/**
 * Runs `command args…` to its end without blocking the event loop (a load generator or a server may
 * be running in this process), collecting its output; `env` is its whole environment. Killed with
 * SIGKILL after `timeoutMs`, and then rejected, naming the command and what it printed on stderr.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const name = path.basename(args[0] ?? command);
      reject(new Error(`${name} still running after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `runCli` without blocking, so several can run at once. */
export async function runCliAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const { code, stdout, stderr } = await runProcess(process.execPath, [cliBin, ...args], {
    ...process.env,
    ...env,
  });
  return { code, stdout, stderr };
}

/** The non-empty lines of an output. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** A temp folder for one test file; `cleanup()` removes it and everything in it. */
export class TempDir {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-cli-'));

  write(name: string, content: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, content);
    return file;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** In-process streams for `main(args, io)`: stdin holds `input`; stdout/stderr are collected. */
export function memoryIo(input = ''): {
  io: { stdin: Readable; stdout: PassThrough; stderr: PassThrough };
  stdout: () => string;
  stderr: () => string;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return {
    io: { stdin: Readable.from([Buffer.from(input)]), stdout, stderr },
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
  };
}
