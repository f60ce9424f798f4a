/**
 * Bull Board in headless Chromium: served by createBullBoardRouter at /admin/queues behind a stand-in
 * admin check (the API's real auth is mounted in front of it the same way), it refuses a visitor
 * without credentials (401) and, with them, renders both resolve queues. The page is saved as
 * test-artifacts/bull-board.png.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { chromium, type Browser } from 'playwright-core';
import { createBullBoardRouter, DEFAULT_BULL_BOARD_PATH } from '../../src/sidecar';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import { ensureChromium } from '../support/chromium';
import type { TestDatabase } from '../support/pg';
import { repoRoot } from '../support/shared';

// apt-get may have to install chromium first.
jest.setTimeout(300_000);

const ADMIN_TOKEN = 'stand-in-admin-token';
const artifacts = path.join(repoRoot, 'test-artifacts');

let db: TestDatabase;
let browser: Browser | undefined;
let skipReason: string | undefined;

beforeAll(async () => {
  db = await clusterDatabase('ops_bull_board');
  const found = await ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
  if ('skip' in found) {
    skipReason = found.skip;
    process.stderr.write(`\n[ops-bull-board] SKIPPED: ${skipReason}\n`);
    return;
  }
  browser = await chromium.launch({ executablePath: found.path, args: ['--no-sandbox'] });
});
afterEach(closeClusters);
afterAll(async () => {
  await browser?.close();
  await db?.close();
});

/** The stand-in for the API's admin auth: a bearer token or an `admin` cookie. */
function standInAdminAuth(req: Request, res: Response, next: NextFunction): void {
  const cookie = /(?:^|;\s*)admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (req.headers.authorization === `Bearer ${ADMIN_TOKEN}` || cookie === ADMIN_TOKEN) return next();
  res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'UNAUTHORIZED' });
}

describe('Bull Board', () => {
  it('is refused without credentials and renders both queues with them', async () => {
    if (browser === undefined) {
      console.warn(`Bull Board browser test skipped: ${skipReason}`);
      return;
    }
    const cluster = await TestCluster.open(db, 'bb');
    const { queue, interactiveQueue } = cluster.producer;
    // Something to show: a waiting bulk job (no worker runs here).
    await cluster.producer.enqueueResolve(['actor-a', 'actor-b'], { batchSize: 2 });

    const app = express();
    app.use(DEFAULT_BULL_BOARD_PATH, standInAdminAuth, createBullBoardRouter([queue, interactiveQueue]));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${DEFAULT_BULL_BOARD_PATH}`;
    try {
      // No credentials: the page and the board's API are refused.
      const anonymous = await browser.newContext();
      const refused = await (await anonymous.newPage()).goto(base);
      expect(refused?.status()).toBe(401);
      expect((await fetch(`${base}/api/queues`)).status).toBe(401);
      await anonymous.close();

      // With credentials (on every request, the board's own API calls included).
      const admin = await browser.newContext({
        extraHTTPHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
        viewport: { width: 1280, height: 800 },
      });
      const page = await admin.newPage();
      const response = await page.goto(base);
      expect(response?.status()).toBe(200);
      for (const name of [queue.name, interactiveQueue.name]) {
        await page.getByText(name, { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
      }
      // The overview has loaded (the queues' cards, through the board's own API).
      await page
        .getByText('Loading', { exact: false })
        .first()
        .waitFor({ state: 'detached', timeout: 30_000 });
      const text = await page.locator('body').innerText();
      expect(text).toContain(queue.name);
      expect(text).toContain(interactiveQueue.name);
      fs.mkdirSync(artifacts, { recursive: true });
      const shot = path.join(artifacts, 'bull-board.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).toBeGreaterThan(1000);
      await admin.close();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
