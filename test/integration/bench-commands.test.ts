/**
 * `bench:core`, `bench:core-ab` and `bench:pool` as engineers run them (the built scripts, on a small standard
 * workload): the JSON line the issue asks for, the pool's results checked against the main thread's,
 * and no figures when an actor does not resolve. Figures are not asserted: benchmarks prove speed,
 * tests do not.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt, linesOf, TempDir } from '../support/cli';
import { generateWorkload } from '../support/cluster';
import { repoRoot } from '../support/shared';

let tmp: TempDir;
let workload: string;

beforeAll(() => {
  assertBuilt();
  tmp = new TempDir();
  workload = tmp.write('actors.jsonl', `${generateWorkload(40, 3).join('\n')}\n`);
});

afterAll(() => tmp.cleanup());

function bench(name: string, args: readonly string[]) {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'bench', `${name}.js`), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.error !== undefined) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(linesOf(stdout).at(-1)!) as Record<string, unknown>;
}

describe('bench:core', () => {
  it('ends with the JSON line: actors, µs per actor to resolve (both resolves), and to parse, measured apart', () => {
    const run = bench('core-bench', ['--input', workload, '--rounds', '1', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = lastJson(run.stdout);
    expect(summary).toMatchObject({ actors: 40, errors: 0 });
    const keys = [
      'us_per_actor',
      'parse_us_per_actor',
      'stringify_us_per_actor',
      'resolve_snapshot_us_per_actor',
    ];
    for (const key of keys) expect(summary[key]).toBeGreaterThan(0);
    expect(run.stdout).toContain('correctness: 0 error results');
    expect(run.stdout).toContain('the two resolves write the same JSON for every actor');
  });

  it('reports no figures when an actor does not resolve, naming its line in the input', () => {
    const lines = generateWorkload(3, 4);
    const bad = tmp.write('bad.jsonl', `${lines[0]}\n\n${lines[1]}\n{"actorId": "x"}\n${lines[2]}\n`);
    const run = bench('core-bench', ['--input', bad, '--rounds', '1', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('bench:core: 1 of 4 actors did not resolve; no figures are reported for them\n');
    expect(run.stdout).toMatch(/"actorId":"x","error":\{"code":"INVALID_VERSION",.*"line":4\b/);
    expect(run.stdout).not.toContain('"us_per_actor"'); // no figures line
  });

  it('names the registry file it cannot read, exit 1', () => {
    const run = bench('core-bench', ['--input', workload, '--registry', 'nope.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('bench:core: REGISTRY_LOAD_FAILED: cannot read: ENOENT (nope.yaml)\n');
  });
});

describe('bench:core-ab', () => {
  it('compares two builds in pairs of runs and ends with the effect, its standard error and both means', () => {
    // This build against itself: an A/A comparison, whose effect is noise around 0.
    const args = ['--base', repoRoot, '--input', workload, '--pairs', '2', '--rounds', '2', '--json'];
    const run = bench('core-ab', args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = lastJson(run.stdout);
    expect(summary).toMatchObject({ actors: 40, pairs: 2, rounds: 2, block: 50 });
    for (const key of ['base_us_per_actor', 'changed_us_per_actor', 'standard_error_us'])
      expect(summary[key]).toBeGreaterThan(0);
    expect(Number.isFinite(summary.effect_us_per_actor)).toBe(true);
    expect(run.stdout).toMatch(/^ +1 +\S+ \/ \S+ +\S+ \/ \S+ +-?[\d.]+$/m);
    expect(run.stdout).toMatch(/^ +2 /m);
  });

  it('names a --base that holds no build, exit 1', () => {
    const run = bench('core-ab', ['--base', tmp.dir, '--input', workload]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `bench:core-ab: --base ${tmp.dir}: no build there (neither dist/src/core/index.js nor ` +
        'src/core/index.js); run npm ci and npm run build in it\n',
    );
  });

  it('reports no figures when the two builds do not write the same JSON, naming the first line', () => {
    // A copy of this build whose snapshots carry another Version.
    const other = path.join(tmp.dir, 'other');
    fs.cpSync(path.join(repoRoot, 'dist', 'src'), path.join(other, 'dist', 'src'), { recursive: true });
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(other, 'node_modules'));
    const resolveJs = path.join(other, 'dist', 'src', 'core', 'resolve.js');
    const source = fs.readFileSync(resolveJs, 'utf8');
    expect(source).toContain('Version: actorVersion }');
    fs.writeFileSync(resolveJs, source.replace('Version: actorVersion }', 'Version: actorVersion + 1 }'));
    const run = bench('core-ab', ['--base', other, '--input', workload, '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'bench:core-ab: line 1: the two builds write different JSON (or one fails); no figures\n',
    );
    expect(run.stdout).not.toContain('"effect_us_per_actor"');
  });

  it('--help prints how to run it and what it measures', () => {
    const run = bench('core-ab', ['--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Two builds of the core[\s\S]*\n {2}npm run bench:core-ab -- --base DIR \[/);
    expect(run.stdout).not.toMatch(/^ ?\*|\*\//m);
  });
});

describe('bench:pool', () => {
  it('compares the main thread with pools of 1 and 2 threads on the same actors, byte for byte', () => {
    const run = bench('pool-bench', ['--input', workload, '--rounds', '1', '--chunk', '10,100', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = lastJson(run.stdout);
    expect(summary).toMatchObject({ actors: 40, errors: 0, identical: true });
    // A chunk past the 40 actors is one task of all 40.
    expect(Object.keys(summary.pool1 as object)).toEqual(['10', '40']);
    expect(Object.keys(summary.pool2 as object)).toEqual(['10', '40']);
    for (const threads of [1, 2]) {
      const overhead = summary[`pool${threads}_overhead_us_per_task`] as Record<string, number>;
      for (const value of Object.values(overhead)) expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(run.stdout).toMatch(/^pool 2 +10 +4 /m);
  });

  it('lists the actors that did not resolve, and reports no figures', () => {
    const lines = generateWorkload(2, 5);
    const bad = tmp.write('bad-pool.jsonl', `${lines[0]}\nnot json\n${lines[1]}\n`);
    const run = bench('pool-bench', [
      '--input',
      bad,
      '--rounds',
      '1',
      '--chunk',
      '2',
      '--threads',
      '1',
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/"error":\{"code":"INVALID_JSON",.*"line":2\b/);
    expect(run.stderr).toContain(
      'bench:pool: 1 of 3 actors did not resolve; no figures are reported for them',
    );
    expect(run.stdout).not.toContain('"in_process_us_per_actor"'); // no figures line
  });
});

describe('every benchmark', () => {
  it.each(['core', 'pool', 'store', 'e2e', 'api', 'backup'])(
    'bench:%s --help prints how to run it and what it measures',
    (name) => {
      const run = bench(`${name}-bench`, ['--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^\\S.*\\n[\\s\\S]*\\n  npm run bench:${name} -- \\[`));
      expect(run.stdout).not.toMatch(/^ ?\*|\*\//m); // the comment's text, not its markup
      expect(run.stdout).toMatch(/^[^\s*].*\n[\s\S]*\S\n$/); // from its first word to one final newline
    },
  );
});
