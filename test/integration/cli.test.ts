/** The `actor-core` CLI as users run it: `node bin/actor-core.js ...` over the built dist/. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { explain, resolveSnapshot, type Explanation, type Snapshot } from '../../src/core';
import { loadRegistries, registriesFromSources } from '../../src/registry';
import { assertBuilt, linesOf, runCli, TempDir, type CliResult } from '../support/cli';
import { goldenCases, goldenDir, readJson, repoRoot, sameJson, sharedDir } from '../support/shared';

const rel = (file: string): string => path.relative(repoRoot, file);
const goldenRegistryFile = rel(path.join(goldenDir, 'registry.json'));
const goldenRegistry = readJson(path.join(goldenDir, 'registry.json'));
const cases = goldenCases();
const case01 = rel(path.join(goldenDir, 'case01_total_cap_sum', 'subsystems.json'));
const case02 = rel(path.join(goldenDir, 'case02_realm_world_total', 'subsystems.json'));

let tmp: TempDir;

beforeAll(() => {
  assertBuilt();
  tmp = new TempDir();
});

afterAll(() => tmp.cleanup());

/** The run failed the way bad input must: exit 2 and exactly one line on stderr, nothing on stdout. */
function expectOneErrorLine(result: CliResult): string {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(linesOf(result.stderr)).toHaveLength(1);
  return result.stderr.trim();
}

function snapshotOf(result: CliResult): Snapshot {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(linesOf(result.stdout)).toHaveLength(1);
  return JSON.parse(result.stdout) as Snapshot;
}

describe('actor-core resolve', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    'resolves golden %s to its expected snapshot',
    (_name, c) => {
      const args = ['resolve', '--registry', goldenRegistryFile];
      const capFile = path.join(c.dir, 'cap_layer_registry.json');
      if (c.capLayers !== undefined) args.push('--cap-layers', rel(capFile));
      const snapshot = snapshotOf(runCli([...args, rel(path.join(c.dir, 'subsystems.json'))]));
      if (!sameJson(snapshot, c.expected)) expect(snapshot).toEqual(c.expected); // shows the diff
      expect(sameJson(snapshot, c.expected)).toBe(true);
    },
  );

  it('reads stdin when FILE is "-" or absent', () => {
    const input = fs.readFileSync(path.join(repoRoot, case01), 'utf8');
    const fromFile = runCli(['resolve', '--registry', goldenRegistryFile, case01]);
    expect(runCli(['resolve', '--registry', goldenRegistryFile, '-'], input)).toEqual(fromFile);
    expect(runCli(['resolve', '--registry', goldenRegistryFile], input)).toEqual(fromFile);
  });

  it('gives the same snapshot with a YAML or a JSON registry, and with either cap layer format', () => {
    const capLayers = { order: ['EVENT', 'WORLD', 'REALM', 'TOTAL'], across_policy: 'PRIORITIZED_OVERRIDE' };
    const yamlRegistry = tmp.write('registry.yaml', YAML.stringify(goldenRegistry));
    const yamlCaps = tmp.write('cap-layers.yaml', YAML.stringify(capLayers));
    const jsonCaps = tmp.write('cap-layers.json', JSON.stringify(capLayers));
    const fromJson = snapshotOf(
      runCli(['resolve', '--registry', goldenRegistryFile, '--cap-layers', jsonCaps, case02]),
    );
    const fromYaml = snapshotOf(
      runCli(['resolve', '--registry', yamlRegistry, '--cap-layers', yamlCaps, case02]),
    );
    expect(fromYaml).toEqual(fromJson);
    const expected = resolveSnapshot(
      readJson(path.join(repoRoot, case02)),
      registriesFromSources(goldenRegistry, capLayers).compiled,
      1,
    );
    expect(fromJson).toEqual(expected);
  });

  it('uses config/registry.yaml and config/cap-layers.yaml when no registry is given', () => {
    const expected = resolveSnapshot(readJson(path.join(repoRoot, case02)), loadRegistries().compiled, 1);
    expect(snapshotOf(runCli(['resolve', case02]))).toEqual(expected);
  });

  it('stamps the snapshot with --version', () => {
    expect(
      snapshotOf(runCli(['resolve', '--registry', goldenRegistryFile, '--version', '7', case01])).Version,
    ).toBe(7);
    expect(snapshotOf(runCli(['resolve', '--registry', goldenRegistryFile, case01])).Version).toBe(1);
  });

  it('indents the snapshot with --pretty', () => {
    const result = runCli(['resolve', '--pretty', '--registry', goldenRegistryFile, case01]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\n  "Primary": {');
    expect(JSON.parse(result.stdout)).toEqual(
      snapshotOf(runCli(['resolve', '--registry', goldenRegistryFile, case01])),
    );
  });

  it.each([['0'], ['-3'], ['1.5'], ['abc']])('rejects --version %s as a usage error', (version) => {
    const line = expectOneErrorLine(runCli(['resolve', '--version', version, case01]));
    expect(line).toContain('--version');
    expect(line).toContain('integer from 1 to 2^53 − 1');
  });
});

describe('actor-core resolve --jsonl', () => {
  const registries = loadRegistries().compiled;
  let workload: string;
  let workloadLines: string[];

  /** What the core gives for one actor line, serialized as the CLI must print it. */
  const inProcess = (line: string): string => {
    const actor = JSON.parse(line) as { actorId: string; version: number; subsystems: unknown };
    return JSON.stringify({
      actorId: actor.actorId,
      snapshot: resolveSnapshot(actor.subsystems, registries, actor.version),
    });
  };

  beforeAll(() => {
    const generated = spawnSync(
      process.execPath,
      [path.join(sharedDir, 'workload', 'generate.mjs'), '--actors', '50'],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(generated.status).toBe(0);
    workload = tmp.write('actors50.jsonl', generated.stdout);
    workloadLines = linesOf(generated.stdout);
    expect(workloadLines).toHaveLength(50);
  });

  it('streams one result line per actor, in order, equal to the in-process resolution', () => {
    const result = runCli(['resolve', '--jsonl', workload]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(linesOf(result.stdout)).toEqual(workloadLines.map(inProcess));
  });

  it('resolves the same bytes where code generation from strings is disallowed', () => {
    // Records then never come from a generated literal (src/core/full-record.ts): the snapshots for JSON
    // fall back to resolveSnapshot's records, and those are built key by key.
    const result = runCli(['resolve', '--jsonl', workload], '', {
      NODE_OPTIONS: '--disallow-code-generation-from-strings',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(linesOf(result.stdout)).toEqual(workloadLines.map(inProcess));
  });

  it('reads the actor lines from stdin', () => {
    const result = runCli(['resolve', '--jsonl', '-'], workloadLines.slice(0, 5).join('\r\n'));
    expect(result.code).toBe(0);
    expect(linesOf(result.stdout)).toEqual(workloadLines.slice(0, 5).map(inProcess));
  });

  it('turns bad lines into error lines and resolves the others; blank lines are skipped but counted', () => {
    const badSubsystem = JSON.parse(workloadLines[3]!) as { subsystems: { caps: { mode: string }[] }[] };
    badSubsystem.subsystems[1]!.caps[0]!.mode = 'SOFT_MAX';
    const input = [
      workloadLines[0],
      workloadLines[1],
      '{"actorId": "broken", "version": 1, "subsystems": [',
      '',
      JSON.stringify(badSubsystem),
      workloadLines[4],
    ].join('\n');
    const result = runCli(['resolve', '--jsonl', tmp.write('bad-lines.jsonl', `${input}\n`)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = linesOf(result.stdout);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(inProcess(workloadLines[0]!));
    expect(lines[1]).toBe(inProcess(workloadLines[1]!));
    expect(JSON.parse(lines[2]!)).toEqual({
      actorId: null,
      error: expect.objectContaining({ code: 'INVALID_JSON', line: 3 }),
    });
    const actorId = JSON.parse(workloadLines[3]!).actorId as string;
    expect(JSON.parse(lines[3]!)).toEqual({
      actorId,
      error: expect.objectContaining({
        code: 'UNKNOWN_MODE',
        line: 5,
        actorId,
        subsystem: expect.any(String),
        dimension: expect.any(String),
        field: 'subsystems[1].caps[0].mode',
      }),
    });
    expect(lines[4]).toBe(inProcess(workloadLines[4]!));
  });

  it('prints a one-line summary to stderr with --stats', () => {
    const result = runCli(['resolve', '--jsonl', '--stats', workload]);
    expect(result.code).toBe(0);
    expect(linesOf(result.stdout)).toHaveLength(50);
    expect(linesOf(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/50 actors, 0 errors, .* actors\/s, registries r1-[0-9a-f]{16}\n$/);
  });

  it('exits 2 naming the file when the stream cannot be read', () => {
    const line = expectOneErrorLine(runCli(['resolve', '--jsonl', 'no-such-actors.jsonl']));
    expect(line).toContain('INPUT_READ_FAILED');
    expect(line).toContain('no-such-actors.jsonl');
  });

  it('refuses --version with --jsonl, since each line carries its version', () => {
    expect(expectOneErrorLine(runCli(['resolve', '--jsonl', '--version', '2', workload]))).toContain(
      '--version',
    );
  });
});

describe('actor-core explain', () => {
  const registries = registriesFromSources(goldenRegistry).compiled;

  it('reports the rule, the layers, the bound and the clamp as text', () => {
    const result = runCli(['explain', '--dimension', 'strength', '--registry', goldenRegistryFile, case02]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toContain('pipeline');
    expect(text).toMatch(/clamp_default \[0, \d+\]/);
    for (const layer of ['REALM', 'WORLD', 'TOTAL'])
      expect(text).toMatch(new RegExp(`^  ${layer}  \\[`, 'm'));
    expect(text).toContain('HARD_MAX');
    expect(text).toMatch(/Max set by WORLD/);
    expect(text).toMatch(/above Max 550 \(set by WORLD\): lowered to 550/);
    const snapshot = resolveSnapshot(readJson(path.join(repoRoot, case02)), registries, 1);
    expect(text).toContain(`Primary.strength = ${snapshot.Primary.strength}`);
    expect(text).toContain('Derived: no derived contributions');
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    'prints with --json the explanation whose values are the snapshot of %s',
    (_name, c) => {
      const snapshot = resolveSnapshot(
        c.subsystems,
        registriesFromSources(goldenRegistry, c.capLayers).compiled,
        1,
      );
      const dimension = Object.keys(snapshot.CapsUsed).sort()[0]!;
      const args = ['explain', '--json', '-d', dimension, '--registry', goldenRegistryFile];
      if (c.capLayers !== undefined)
        args.push('--cap-layers', rel(path.join(c.dir, 'cap_layer_registry.json')));
      const result = runCli([...args, rel(path.join(c.dir, 'subsystems.json'))]);
      expect(result.code).toBe(0);
      const explanation = JSON.parse(result.stdout) as Explanation;
      expect(explanation.seen).toBe(true);
      expect(explanation.capsUsed.Min).toBe(snapshot.CapsUsed[dimension]!.Min);
      expect(explanation.capsUsed.Max).toBe(snapshot.CapsUsed[dimension]!.Max);
      expect(explanation.primary?.value).toBe(snapshot.Primary[dimension]);
      expect(explanation.derived?.value).toBe(snapshot.Derived[dimension]);
    },
  );

  it('--json is the Explanation of src/core, --version included', () => {
    const result = runCli([
      'explain',
      '--json',
      '--version',
      '3',
      '-d',
      'strength',
      '--registry',
      goldenRegistryFile,
      case02,
    ]);
    const expected = explain(readJson(path.join(repoRoot, case02)), 'strength', registries, 3);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('says clearly that a dimension was not seen, and exits 0', () => {
    const result = runCli(['explain', '-d', 'mana_regen', '--registry', goldenRegistryFile, case02]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^mana_regen .*: not seen\./);
    const json = runCli(['explain', '--json', '-d', 'mana_regen', '--registry', goldenRegistryFile, case02]);
    expect(JSON.parse(json.stdout)).toMatchObject({ dimension: 'mana_regen', seen: false });
  });

  it('needs --dimension', () => {
    expect(expectOneErrorLine(runCli(['explain', case02]))).toContain('--dimension');
  });
});

describe('bad input: exit 2 and one line on stderr saying what and where', () => {
  const validOutput = { primary: [], derived: [], caps: [], meta: { system: 'gear' } };

  it('names a file that cannot be read', () => {
    const line = expectOneErrorLine(runCli(['resolve', 'missing/outputs.json']));
    expect(line).toMatch(/^actor-core: INPUT_READ_FAILED: .*ENOENT.*\(missing\/outputs\.json\)$/);
  });

  it('names the file holding invalid JSON, and the line when JSON.parse gives a position', () => {
    const file = tmp.write('broken.json', '[\n  {"primary": []},\n  3 4\n]');
    const line = expectOneErrorLine(runCli(['resolve', file]));
    expect(line).toContain('INVALID_JSON');
    expect(line).toContain(file);
    expect(line).toContain('line 3');
  });

  it('names <stdin> for invalid JSON on stdin, even when the message spans lines', () => {
    const line = expectOneErrorLine(runCli(['resolve', '-'], '[{"a":\n}]'));
    expect(line).toMatch(/^actor-core: INVALID_JSON: .*\(<stdin>\)$/);
  });

  it('names an empty input', () => {
    expect(expectOneErrorLine(runCli(['resolve', '-'], '  \n'))).toContain(
      'INVALID_JSON: not valid JSON: the input is empty',
    );
  });

  it('names the file, subsystem, dimension and field of an invalid SubsystemOutput', () => {
    const bad = {
      ...validOutput,
      meta: { system: 'talents' },
      derived: [{ dimension: 'crit_rate', bucket: 'FLAT', value: 'high', system: 'talents' }],
    };
    const file = tmp.write('invalid-output.json', JSON.stringify([validOutput, bad]));
    const line = expectOneErrorLine(runCli(['resolve', file]));
    expect(line).toContain(file);
    expect(line).toContain('subsystem talents');
    expect(line).toContain('dimension crit_rate');
    expect(line).toContain('field subsystems[1].derived[0].value');
  });

  it('names the input file for explain too', () => {
    const file = tmp.write('invalid-explain.json', JSON.stringify({ not: 'an array' }));
    const line = expectOneErrorLine(runCli(['explain', '-d', 'strength', file]));
    expect(line).toContain('INVALID_TYPE');
    expect(line).toContain(file);
  });

  it('names the registry file and field of an invalid registry', () => {
    const registry = tmp.write(
      'bad-registry.yaml',
      'dimensions:\n  strength: { use_pipeline: true, clamp_default: { min: 10, max: 5 } }\n',
    );
    const line = expectOneErrorLine(runCli(['resolve', '--registry', registry, case01]));
    expect(line).toContain('INVALID_CLAMP');
    expect(line).toContain(registry);
    expect(line).toContain('field dimensions.strength.clamp_default');
  });

  it('names the cap layer registry file and field of an invalid cap layer registry', () => {
    const capLayers = tmp.write(
      'bad-cap-layers.json',
      JSON.stringify({ order: ['TOTAL', 'TOTAL'], across_policy: 'INTERSECT' }),
    );
    const line = expectOneErrorLine(runCli(['resolve', '--cap-layers', capLayers, case01]));
    expect(line).toContain('DUPLICATE_LAYER');
    expect(line).toContain(capLayers);
    expect(line).toContain('field order[1]');
  });

  it('names a registry file that does not parse', () => {
    const registry = tmp.write('unparsable.json', '{"dimensions": ');
    const line = expectOneErrorLine(runCli(['resolve', '--registry', registry, case01]));
    expect(line).toContain('REGISTRY_LOAD_FAILED');
    expect(line).toContain(registry);
  });
});

describe('actor-core usage', () => {
  it('prints help with no arguments and with --help, exit 0', () => {
    const bare = runCli([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('Usage: actor-core');
    expect(bare.stdout).toContain('resolve');
    expect(bare.stdout).toContain('explain');
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: actor-core');
  });

  it('says in resolve --help that per-line errors are in the output', () => {
    const help = runCli(['resolve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Per-line errors are');
  });

  it('prints the package version with --version', () => {
    const pkg = readJson(path.join(repoRoot, 'package.json')) as { version: string };
    expect(runCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it.each([
    [['resolve', '--frobnicate'], "unknown option '--frobnicate'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('exits 2 with commander’s one line for %j', (args, message) => {
    expect(expectOneErrorLine(runCli(args))).toContain(message);
  });
});
