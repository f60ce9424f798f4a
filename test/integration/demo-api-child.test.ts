/**
 * The demo's sidecar child (`actor-core api` on a port the OS picks): it reports its URL once it
 * listens, stops on request, and a child that cannot start is reported with its own words.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSettings } from '../../config/settings';
import { startApiChild } from '../../src/demo/api-child';
import { isListening } from '../../src/local-services/free-port';
import { migratedDatabase, type TestDatabase } from '../support/pg';

jest.setTimeout(60_000);

const SECRET = 'demo-api-child-test-secret-0123456789abcdef';
let dir: string;
let db: TestDatabase;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-api-child-'));
  db = await migratedDatabase('demo_api_child');
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('startApiChild', () => {
  it('resolves with the URL it listens on, serves the ops routes there, and stops on request', async () => {
    const api = await startApiChild({
      settings: loadSettings({ ...process.env, DATABASE_URL: db.url }),
      jwtSecret: SECRET,
      logFile: path.join(dir, 'api.log'),
    });
    const port = Number(new URL(api.url).port);
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${api.url}/health`)).status).toBe(200);
      expect((await fetch(`${api.url}/ready`)).status).toBe(200);
    } finally {
      await api.stop();
    }
    expect(await api.exited).toMatch(/exited with code 0/);
    expect(await isListening(port)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'api.log'), 'utf8')).toContain('"msg":"api listening"');
  });

  it('rejects with SERVICE_START_FAILED, quoting the API’s own error, when it cannot start', async () => {
    const start = startApiChild({
      settings: loadSettings(),
      jwtSecret: 'too-short',
      logFile: path.join(dir, 'bad.log'),
    });
    await expect(start).rejects.toMatchObject({ code: 'SERVICE_START_FAILED' });
    await expect(start).rejects.toThrow(/the API \(pid \d+\) exited with code [1-9][\s\S]*JWT_SECRET/);
  });
});
