/**
 * `actor-core demo --keep` as a user runs it, on the test servers (it works in a database, a queue and
 * key prefixes of its own there): it resolves every actor, its sidecar answers /ready and /metrics
 * and each worker's own sidecar (on a port of its own) counts the actors it wrote,
 * the admin token it prints signs in to Bull Board in headless Chromium (the page then shows the
 * demo's queue; saved as test-artifacts/demo-bull-board.png) and reads a snapshot through the API,
 * and Ctrl-C stops it all with exit code 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { isListening } from '../../src/local-services/free-port';
import { ensureChromium } from '../support/chromium';
import { cliBin } from '../support/cli';
import { sampleSum } from '../support/prometheus-text';
import { repoRoot } from '../support/shared';

// Seeding, three child processes, and perhaps apt-get installing chromium.
jest.setTimeout(300_000);

const artifacts = path.join(repoRoot, 'test-artifacts');

/** The demo's output so far, and a wait for a line matching a pattern. */
class Output {
  text = '';
  private waiters: (() => void)[] = [];

  constructor(child: ChildProcess) {
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        this.text += chunk;
        for (const wake of this.waiters.splice(0)) wake();
      });
    }
  }

  async match(
    pattern: RegExp,
    exited: Promise<number | null>,
    timeoutMs = 120_000,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void exited.then(() => (ended = true));
    for (;;) {
      const found = pattern.exec(this.text);
      if (found !== null) return found;
      if (ended || Date.now() > deadline) {
        throw new Error(`no line matching ${pattern} in the demo's output:\n${this.text}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

let demo: ChildProcess | undefined;

afterEach(() => {
  // A failed test must not leave the demo (and its children) running.
  if (demo !== undefined && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGINT');
});

describe('actor-core demo --keep', () => {
  it('resolves every actor, serves the sidecars, Bull Board behind its printed token, and stops on Ctrl-C', async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: process.env.DATABASE_URL!,
      REDIS_URL: process.env.REDIS_URL!,
      LOG_LEVEL: 'info',
    };
    const child = spawn(
      process.execPath,
      [cliBin, 'demo', '--actors', '300', '--workers', '2', '--threads', '1', '--keep'],
      { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo = child;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const out = new Output(child);

    await out.match(/TOKEN=\S+/, exited);
    expect(out.text).toContain(
      'snapshots          300 rows in Postgres, 300 in Redis; every actor has a current snapshot',
    );
    expect(out.text).toMatch(/sidecar {12}http:\/\/127\.0\.0\.1:\d+: \/ready OK/);
    const token = (await out.match(/TOKEN=(\S+)/, exited))[1]!;
    const board = (await out.match(/Bull Board: (http:\/\/127\.0\.0\.1:(\d+)\/admin\/queues)/, exited))[1]!;
    const api = new URL(board).origin;
    const port = Number(new URL(board).port);
    const queueName = (await out.match(/QUEUE_NAME=(\S+)/, exited))[1]!;

    // The sidecar's ops routes.
    expect((await fetch(`${api}/health`)).status).toBe(200);
    expect((await fetch(`${api}/ready`)).status).toBe(200);
    const metrics = await fetch(`${api}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('actor_core_');

    // Each worker's own sidecar, on a port of its own: their /metrics count the 300 actors written.
    const workerSidecars = (await out.match(/workers' \/health, \/ready, \/metrics: (.+)/, exited))[1]!.split(
      ', ',
    );
    expect(workerSidecars).toHaveLength(2);
    let written = 0;
    for (const sidecar of workerSidecars) {
      const response = await fetch(`${sidecar}/metrics`);
      expect(response.status).toBe(200);
      written += sampleSum(await response.text(), 'actor_core_actors_total', { outcome: 'written' });
    }
    expect(written).toBe(300);
    const workersLog = (await out.match(/worker logs: (\S+)/, exited))[1]!;
    expect(fs.readFileSync(workersLog, 'utf8')).not.toContain('sidecar not started');

    // The producer API takes the printed token: a resolved actor's snapshot.
    expect((await fetch(`${api}/v1/actors/actor-0000000/snapshot`)).status).toBe(401);
    const read = await fetch(`${api}/v1/actors/actor-0000000/snapshot`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { Version?: unknown }).Version).toEqual(expect.any(Number));

    // Bull Board, as its user meets it: the sign-in form, the printed token, then the demo's queue.
    const found = await ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
    if ('skip' in found) {
      console.warn(`demo Bull Board browser check skipped: ${found.skip}`);
    } else {
      const browser = await chromium.launch({ executablePath: found.path, args: ['--no-sandbox'] });
      try {
        const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
        const refused = await page.goto(board);
        expect(refused?.status()).toBe(401);
        await page.fill('#token', token);
        await Promise.all([page.waitForURL(/\/admin\/queues\/?$/), page.click('button[type=submit]')]);
        await page
          .getByText(queueName, { exact: true })
          .first()
          .waitFor({ state: 'visible', timeout: 30_000 });
        // The overview has loaded, through the board's own API (which the sign-in cookie opens too).
        await page
          .getByText('Loading', { exact: false })
          .first()
          .waitFor({ state: 'detached', timeout: 30_000 });
        expect(await page.locator('body').innerText()).toContain(queueName);
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, 'demo-bull-board.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    }

    // Ctrl-C: everything stops, and the demo exits 0.
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.text).toContain('stopped: workers, sidecar and servers are down.');
    expect(await isListening(port)).toBe(false);
  });
});
