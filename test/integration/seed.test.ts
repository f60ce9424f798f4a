/** `actor-core seed`: the standard workload into a real Postgres, all or nothing. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { actorLine, loadActorLines, SnapshotRepository } from '../../src/adapters/pg';
import { resolveActorLine } from '../../src/core';
import { assertBuilt, runCli } from '../support/cli';
import { misconfiguredDatabaseUrls } from '../support/databases';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';
import { sharedDir } from '../support/shared';

let db: TestDatabase;
let dir: string;
let workload: string[];

function generate(actors: number, seed: number): string[] {
  const run = spawnSync(
    process.execPath,
    [path.join(sharedDir, 'workload', 'generate.mjs'), '--actors', String(actors), '--seed', String(seed)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`generate.mjs failed: ${run.stderr}`);
  return run.stdout.split('\n').filter((line) => line !== '');
}

function writeInput(name: string, lines: readonly string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function counts(): Promise<{ actors: number; subsystems: number }> {
  const result = await db.pool.query(
    'SELECT (SELECT count(*) FROM actors) AS actors, (SELECT count(*) FROM subsystems) AS subsystems',
  );
  return { actors: Number(result.rows[0].actors), subsystems: Number(result.rows[0].subsystems) };
}

beforeAll(async () => {
  assertBuilt();
  db = await migratedDatabase('seed');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-seed-'));
  workload = generate(120, 7);
});
afterAll(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('actor-core seed', () => {
  it('loads every actor at its given version with all its outputs, in batches', async () => {
    const file = writeInput('workload.jsonl', workload);
    const result = runCli(['seed', '--input', file, '--batch', '50'], '', { DATABASE_URL: db.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outputs = workload.reduce((n, line) => n + JSON.parse(line).subsystems.length, 0);
    expect(result.stdout).toMatch(new RegExp(`^seeded 120 actors, ${outputs} subsystem outputs in`));
    expect(await counts()).toEqual({ actors: 120, subsystems: outputs });

    // What was stored resolves to what the input line resolves to.
    const first = JSON.parse(workload[0]!);
    const { actors } = await loadActorLines(db.pool, [first.actorId]);
    expect(actors[0]!.version).toBe(first.version);
    const fromDb = resolveActorLine(actorLine(actors[0]!), db.registries.compiled);
    const fromInput = resolveActorLine(workload[0]!, db.registries.compiled);
    expect(fromDb).toEqual(fromInput);
  });

  it('replaces an actor’s outputs when it is seeded again', async () => {
    const first = JSON.parse(workload[0]!);
    const smaller = { ...first, version: first.version + 10, subsystems: first.subsystems.slice(0, 2) };
    const file = writeInput('again.jsonl', [JSON.stringify(smaller)]);
    expect(runCli(['seed', '--input', file], '', { DATABASE_URL: db.url }).code).toBe(0);
    const stored = await db.pool.query(
      'SELECT version, (SELECT count(*) FROM subsystems WHERE actor_id = $1) AS n FROM actors WHERE id = $1',
      [first.actorId],
    );
    expect(stored.rows[0]).toEqual({ version: String(first.version + 10), n: '2' });
  });

  it('never moves a re-seeded actor’s version back, and bumps it past its stored snapshot', async () => {
    const line = (version: number, value: number): string =>
      JSON.stringify({ actorId: 'reseeded', version, subsystems: [outputOf('items', value)] });
    const version = async (): Promise<number> =>
      Number((await db.pool.query("SELECT version FROM actors WHERE id = 'reseeded'")).rows[0].version);
    const seed = (text: string): void => {
      expect(
        runCli(['seed', '--input', writeInput('reseed.jsonl', [text])], '', { DATABASE_URL: db.url }).code,
      ).toBe(0);
    };
    seed(line(5, 10));
    expect(await version()).toBe(5);
    // Its snapshot at version 5 is stored: a worker would skip the actor as current.
    await new SnapshotRepository(db.pool).writeSnapshots([
      { actorId: 'reseeded', version: 5, registryVersion: db.registries.registryVersion, snapshotJson: '{}' },
    ]);
    const skip = { skipCurrent: db.registries.registryVersion };
    expect((await loadActorLines(db.pool, ['reseeded'], skip)).current).toEqual([
      { actorId: 'reseeded', version: 5 },
    ]);

    seed(line(5, 99)); // same version, new outputs
    expect(await version()).toBe(6);
    expect((await loadActorLines(db.pool, ['reseeded'], skip)).actors.map((a) => a.version)).toEqual([6]);
    seed(line(1, 7)); // an older version: overruled
    expect(await version()).toBe(7);
    seed(line(20, 8)); // a newer one is kept as given
    expect(await version()).toBe(20);
  });

  it('leaves the database unchanged when a line is bad, naming the file, line, actor and field', async () => {
    const before = await counts();
    const fresh = generate(30, 99).map((line) => line.replace(/"actorId":"actor-/, '"actorId":"other-'));
    const broken = JSON.parse(fresh[25]!);
    broken.subsystems[1].primary[0].bucket = 'SIDEWAYS';
    fresh[25] = JSON.stringify(broken);
    const file = writeInput('broken.jsonl', fresh);
    const result = runCli(['seed', '--input', file, '--batch', '10'], '', { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`UNKNOWN_BUCKET`);
    expect(result.stderr).toContain(`${file}:26`);
    expect(result.stderr).toContain(`actor ${broken.actorId}`);
    expect(result.stderr).toContain('field subsystems[1].primary[0].bucket');
    expect(await counts()).toEqual(before);
  });

  it('refuses a key repeated in one object, naming the line, key and column, writing nothing', async () => {
    const before = await counts();
    const fresh = generate(20, 98).map((line) => line.replace(/"actorId":"actor-/, '"actorId":"twice-'));
    // JSON.parse would read this line as valid, with the second value; seeding must not store it.
    fresh[11] = fresh[11]!.replace(/"value":(-?[0-9.e+-]+)/, '"value":$1,"value":0');
    const column = fresh[11]!.indexOf('"value":0') + 1;
    const file = writeInput('repeated.jsonl', fresh);
    const result = runCli(['seed', '--input', file, '--batch', '5'], '', { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('INVALID_JSON');
    expect(result.stderr).toContain(`${file}:12`);
    expect(result.stderr).toContain(`key "value" appears twice in one object (column ${column})`);
    expect(await counts()).toEqual(before);
  });

  it('refuses two outputs of the same system in one actor', async () => {
    const actor = JSON.parse(workload[1]!);
    actor.subsystems.push(actor.subsystems[0]);
    const file = writeInput('twice.jsonl', [JSON.stringify(actor)]);
    const result = runCli(['seed', '--input', file], '', { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/two outputs from system/);
  });

  it('reads stdin with "-"', async () => {
    const line = JSON.stringify({ actorId: 'from-stdin', version: 3, subsystems: [] });
    const result = runCli(['seed', '--input', '-'], `${line}\n`, { DATABASE_URL: db.url });
    expect(result.code).toBe(0);
    const stored = await db.pool.query("SELECT version FROM actors WHERE id = 'from-stdin'");
    expect(stored.rows[0].version).toBe('3');
  });

  it('refuses a string Postgres cannot store (NUL, lone surrogate) naming the line and field, writing nothing', async () => {
    const before = await counts();
    const actor = JSON.parse(workload[2]!);
    const cases: [(a: typeof actor) => void, string, string][] = [
      [(a) => (a.subsystems[0].meta.stage = 'pre\u0000'), 'INVALID_TYPE', 'field subsystems[0].meta.stage'],
      [(a) => (a.subsystems[1].meta.system = 'sys\ud800'), 'INVALID_TYPE', 'field subsystems[1].meta.system'],
      [
        (a) => (a.subsystems[0].primary[0].dimension = 'str\u0000'),
        'INVALID_TYPE',
        'field subsystems[0].primary[0].dimension',
      ],
      [(a) => (a.actorId = 'lone\ud800'), 'INVALID_ACTOR_ID', 'field actorId'],
    ];
    for (const [spoil, code, field] of cases) {
      const bad = JSON.parse(JSON.stringify(actor));
      spoil(bad);
      // JSON.stringify writes a NUL and a lone surrogate as the escapes \u0000 and \ud800.
      const file = writeInput('unstorable.jsonl', [workload[3]!, JSON.stringify(bad)]);
      const result = runCli(['seed', '--input', file], '', { DATABASE_URL: db.url });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`${code}: `);
      expect(result.stderr).toContain(`${file}:2`);
      expect(result.stderr).toContain(field);
    }
    expect(await counts()).toEqual(before);
  }, 40_000);

  it('refuses a re-seed that would move a version past 2^53 − 1, naming the line, writing nothing', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const line = (actorId: string, version: number): string =>
      JSON.stringify({ actorId, version, subsystems: [outputOf('items', 3)] });
    const seed = (lines: string[]): ReturnType<typeof runCli> =>
      runCli(['seed', '--input', writeInput('max.jsonl', lines)], '', { DATABASE_URL: db.url });
    expect(seed([line('at-max', max)]).code).toBe(0); // the highest version a worker resolves
    const before = await counts();
    const result = seed([line('below-max', 4), line('at-max', 1)]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/INVALID_VERSION: seeding would move the actor past version 2\^53 − 1/);
    expect(result.stderr).toContain(`max.jsonl:2, actor at-max, field version`);
    expect(await counts()).toEqual(before);
    const stored = await db.pool.query("SELECT version FROM actors WHERE id = 'at-max'");
    expect(stored.rows[0].version).toBe(String(max));
    // Past the limit in the line itself: the worker's own check (checkVersion).
    expect(seed([line('past-max', max + 1)]).stderr).toMatch(/^actor-core: INVALID_VERSION: .*max.jsonl:1/);
  }, 40_000);

  it('exits 2 with one line naming the cause when the database or role does not exist', async () => {
    const file = writeInput('config.jsonl', [workload[0]!]);
    const { noDb, noRole } = misconfiguredDatabaseUrls(db.url);
    for (const [url, cause] of [
      [noDb, 'database "no_such_db" does not exist'],
      [noRole, 'no_such_role'],
    ] as const) {
      const result = runCli(['seed', '--input', file], '', { DATABASE_URL: url.toString() });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^actor-core: INVALID_CONFIG: Postgres refused while seeding: /);
      expect(result.stderr).toContain(cause);
      expect(result.stderr).not.toContain('secret-pw');
    }
  }, 40_000);
});
