/** `actor-core explain` through `main`, in process: the provenance as text and as --json. */
import { explain } from '../../src/core';
import { loadRegistries } from '../../src/registry';
import {
  runMain as run,
  sampleInput as input,
  sampleOutputs as outputs,
  useCliMainFixture,
} from '../support/cli-main-fixture';
import { floorAboveMaxOutputs, overflowingOutputs } from '../support/spec-inputs';

const fx = useCliMainFixture();

describe('actor-core explain, in process', () => {
  it('explains an operator dimension: order applied, running values, the layer that bound Max', async () => {
    const result = await run(['explain', '-d', 'lifespan_years', '--registry', fx.registryFile], input);
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toContain('operator MAX over every value, in sort order (buckets are ignored)');
    expect(text).toContain('clamp_default [0, 1000] (listed in the combiner registry)');
    expect(text).toMatch(/^ {2}WORLD {2}\[0, 100\]$/m);
    expect(text).toContain('Max 100 = min(HARD_MAX 100, clamp_default 1000)');
    expect(text).toContain('Range used [0, 100]: Min set by clamp_default, Max set by WORLD');
    expect(text).toMatch(/1 {2}FLAT +0 +80 +80 {2}race\n.*2 {2}POST_ADD +2 +120 +120 {2}cultivation/);
    expect(text).toContain('candidate 120 is above Max 100 (set by WORLD): lowered to 100');
    expect(text).toContain('Primary.lifespan_years = 100');
    expect(text).toContain('Derived: no derived contributions');
  });

  it('names every layer that binds at the same value, not only the first', async () => {
    const hardMax = (scope: string, system: string) => ({
      system,
      dimension: 'strength',
      mode: 'HARD_MAX',
      kind: 'max',
      value: 550,
      scope,
    });
    const tied = [
      {
        primary: [{ dimension: 'strength', bucket: 'FLAT', value: 900, system: 'a' }],
        derived: [],
        caps: [hardMax('TOTAL', 'title'), hardMax('WORLD', 'world')],
        meta: { system: 'a' },
      },
    ];
    const result = await run(['explain', '-d', 'strength'], JSON.stringify(tied));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Max set by WORLD, and TOTAL at the same value');
    expect(result.stdout).toContain(
      'candidate 900 is above Max 550 (set by WORLD, and TOTAL at the same value): lowered to 550',
    );
  });

  it('explains a value raised to Min by an OVERRIDE cap', async () => {
    const result = await run(['explain', '-d', 'crit_rate', '--registry', fx.registryFile], input);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('min  OVERRIDE        0.05  from event (priority 0)');
    expect(result.stdout).toContain('Min 0.05 = max(override 0.05, clamp_default 0)');
    expect(result.stdout).toContain('candidate -0.2 is below Min 0.05 (set by EVENT): raised to 0.05');
    expect(result.stdout).toContain('Primary: no primary contributions');
  });

  it('explains a dimension without caps or without a registry entry', async () => {
    const noCaps = [{ ...outputs[0], caps: [] }];
    const result = await run(
      ['explain', '-d', 'crit_rate', '--registry', fx.registryFile],
      JSON.stringify(noCaps),
    );
    expect(result.stdout).toContain('no caps: the range is clamp_default');
    expect(result.stdout).toContain('candidate -0.2 is below Min 0 (set by clamp_default): raised to 0');
    const unlisted = await run(
      ['explain', '-d', 'crit_rate', '--registry', fx.tmp.write('empty.json', '{"dimensions":{}}')],
      input,
    );
    expect(unlisted.stdout).toContain('not listed in the combiner registry: defaults.clamp_default applies');
  });

  it('prints the core Explanation with --json', async () => {
    const result = await run(['explain', '--json', '-d', 'crit_rate', '--registry', fx.registryFile], input);
    const expected = explain(outputs, 'crit_rate', loadRegistries({ registry: fx.registryFile }).compiled, 1);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('explains a floor above Max and the side a PRIORITIZED_OVERRIDE layer fixed', async () => {
    const crossing = floorAboveMaxOutputs();
    const args = ['explain', '-d', 'crit_rate', '--registry', fx.registryFile];
    const floor = await run(args, JSON.stringify(crossing));
    expect(floor.code).toBe(0);
    expect(floor.stdout).toContain('Range used [0.25, 0.25]: Min set by EVENT, Max set by WORLD');
    expect(floor.stdout).toContain(
      'the floor 0.3 (set by EVENT) is above Max 0.25 (set by WORLD), so Min = Max',
    );
    expect(floor.stdout).toContain(
      'candidate 0.1 is below Min 0.25 (the floor of EVENT, 0.3, lowered to Max): raised to 0.25',
    );

    const fixed = [{ ...crossing[0]!, caps: [...crossing[0]!.caps] }];
    fixed[0]!.caps[1] = { ...crossing[0]!.caps[1]!, mode: 'OVERRIDE', kind: 'max', value: 0.4 };
    fixed[0]!.caps.push({ ...crossing[0]!.caps[0]!, value: 0.2, scope: 'TOTAL' });
    const layersFile = fx.tmp.write(
      'po.json',
      '{"order":["WORLD","EVENT","TOTAL"],"across_policy":"PRIORITIZED_OVERRIDE"}',
    );
    const prioritized = await run([...args, '--cap-layers', layersFile], JSON.stringify(fixed));
    expect(prioritized.code).toBe(0);
    expect(prioritized.stdout).toContain('Range used [0, 0.4]: Min set by clamp_default, Max set by EVENT');
    expect(prioritized.stdout).toContain(
      'Max fixed by the OVERRIDE of EVENT, the first layer holding one on that side',
    );
    expect(prioritized.stdout).toContain('it replaces the Max of the layers before it: WORLD 0.25');
    expect(prioritized.stdout).toContain('the layers after it do not change it: TOTAL 0.2');
  });

  it('writes ±∞ as "Infinity" and "-Infinity" in --json, where JSON has no infinities', async () => {
    const wide = fx.tmp.write(
      'wide.json',
      '{"defaults":{"clamp_default":{"min":-1e308,"max":1e308}},"dimensions":{}}',
    );
    const huge = [
      {
        primary: [
          { dimension: 'x', bucket: 'FLAT', value: 1e308, system: 'a' },
          { dimension: 'x', bucket: 'FLAT', value: 1e308, system: 'b' },
        ],
        derived: [],
        caps: [],
        meta: { system: 'a' },
      },
    ];
    const result = await run(['explain', '--json', '-d', 'x', '--registry', wide], JSON.stringify(huge));
    expect(result.code).toBe(0);
    const explained = JSON.parse(result.stdout) as {
      primary: { steps: { running: unknown }[]; candidate: unknown };
    };
    expect(explained.primary.steps.map((step) => step.running)).toEqual([1e308, 'Infinity']);
    expect(explained.primary.candidate).toBe('Infinity');
  });

  it('refuses a --dimension no dimension can have, and input that resolve rejects, exit 2', async () => {
    const badName = await run(['explain', '-d', 'Crit-Rate', '--registry', fx.registryFile], input);
    expect(badName.code).toBe(2);
    expect(badName.stdout).toBe('');
    expect(badName.stderr).toContain(
      "argument 'Crit-Rate' is invalid: a dimension name matches ^[a-z][a-z0-9_]*$",
    );
    const overflow = overflowingOutputs('crit_rate');
    const rejected = await run(
      ['explain', '-d', 'crit_rate', '--registry', fx.registryFile],
      JSON.stringify(overflow),
    );
    expect(rejected.code).toBe(2);
    expect(rejected.stdout).toBe('');
    expect(rejected.stderr).toMatch(/^actor-core: NON_FINITE_RESULT: Primary\.strength is not a number.*\n$/);
  });

  it('does not call a layer whose Min equals its Max inverted', async () => {
    const cap = (mode: string, kind: string) => ({
      system: 'world',
      dimension: 'strength',
      mode,
      kind,
      value: 500,
      scope: 'WORLD',
    });
    const pinned = [
      {
        primary: [{ dimension: 'strength', bucket: 'FLAT', value: 900, system: 'a' }],
        derived: [],
        caps: [cap('HARD_MIN', 'min'), cap('HARD_MAX', 'max')],
        meta: { system: 'a' },
      },
    ];
    const result = await run(['explain', '-d', 'strength'], JSON.stringify(pinned));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}WORLD {2}\[500, 500\]$/m);
    expect(result.stdout).not.toContain('Min > Max');
  });
});
