import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { ActorCoreError } from '../../src/core';
import {
  DEFAULT_CAP_LAYERS_FILE,
  DEFAULT_REGISTRY_FILE,
  canonicalJson,
  loadRegistries,
  registriesFromSources,
} from '../../src/registry';
import { sharedDir } from '../support/shared';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-registry-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function thrown(run: () => unknown): ActorCoreError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ActorCoreError);
    return err as ActorCoreError;
  }
  throw new Error('expected an ActorCoreError');
}

describe('loading registries', () => {
  it('defaults to config/registry.yaml, the dimension catalog, and config/cap-layers.yaml', () => {
    const loaded = loadRegistries();
    const catalog = YAML.parse(fs.readFileSync(path.join(sharedDir, 'spec/dimension-catalog.yaml'), 'utf8'));
    expect(loaded.combiner).toEqual(catalog);
    expect(loaded.compiled.slotNames).toHaveLength(30);
    expect(loaded.capLayers).toEqual({
      order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'],
      across_policy: 'INTERSECT',
    });
    expect(path.basename(DEFAULT_REGISTRY_FILE)).toBe('registry.yaml');
    expect(path.basename(DEFAULT_CAP_LAYERS_FILE)).toBe('cap-layers.yaml');
  });

  it('gives the same registryVersion to the same content in YAML and in JSON, whatever the key order', () => {
    const source = YAML.parse(fs.readFileSync(DEFAULT_REGISTRY_FILE, 'utf8'));
    const yamlFile = write('registry.yaml', fs.readFileSync(DEFAULT_REGISTRY_FILE, 'utf8'));
    const reordered = { dimensions: source.dimensions, defaults: source.defaults };
    const jsonFile = write('registry.json', JSON.stringify(reordered, null, 2));
    const a = loadRegistries({ registry: yamlFile });
    const b = loadRegistries({ registry: jsonFile });
    expect(a.registryVersion).toMatch(/^r1-[0-9a-f]{16}$/);
    expect(b.registryVersion).toBe(a.registryVersion);
    expect(b.combinerHash).toBe(a.combinerHash);
  });

  it('changes registryVersion when a clamp or the layer policy changes', () => {
    const base = registriesFromSources({
      dimensions: { strength: { use_pipeline: true, clamp_default: { min: 0, max: 10 } } },
    });
    const clamp = registriesFromSources({
      dimensions: { strength: { use_pipeline: true, clamp_default: { min: 0, max: 11 } } },
    });
    const policy = registriesFromSources(base.combiner, {
      order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'],
      across_policy: 'PRIORITIZED_OVERRIDE',
    });
    expect(clamp.registryVersion).not.toBe(base.registryVersion);
    expect(policy.registryVersion).not.toBe(base.registryVersion);
    expect(policy.combinerHash).toBe(base.combinerHash);
  });

  it('gives one registryVersion to registries that spell the same rules differently', () => {
    const clamp = { min: 0, max: 10 };
    const spellings = [
      { dimensions: { strength: { use_pipeline: true, clamp_default: clamp } } },
      { dimensions: { strength: { use_pipeline: true, clamp_default: clamp } }, defaults: {} },
      {
        dimensions: { strength: { use_pipeline: true, operator: 'MAX', clamp_default: clamp } },
        defaults: { clamp_default: { max: 1000000, min: 0 } },
      },
    ];
    const versions = spellings.map((source) => registriesFromSources(source).registryVersion);
    expect(new Set(versions).size).toBe(1);
    const sum = registriesFromSources({
      dimensions: { luck: { use_pipeline: false, operator: 'SUM', clamp_default: clamp } },
    });
    const implicitSum = registriesFromSources({
      dimensions: { luck: { use_pipeline: false, clamp_default: clamp } },
    });
    expect(implicitSum.registryVersion).toBe(sum.registryVersion);
  });

  it('changes registryVersion with each rule that changes a result', () => {
    const clamp = { min: 0, max: 10 };
    const base = { dimensions: { luck: { use_pipeline: false, operator: 'SUM', clamp_default: clamp } } };
    const variants = [
      base,
      { dimensions: { luck: { use_pipeline: false, operator: 'MAX', clamp_default: clamp } } },
      { dimensions: { luck: { use_pipeline: true, clamp_default: clamp } } },
      { ...base, defaults: { clamp_default: { min: 0, max: 999999 } } },
      {
        dimensions: {
          ...base.dimensions,
          spirit: { use_pipeline: true, clamp_default: { min: 0, max: 1000000 } },
        },
      },
    ];
    const versions = variants.map((source) => registriesFromSources(source).registryVersion);
    expect(new Set(versions).size).toBe(variants.length);
    const reordered = registriesFromSources(base, {
      order: ['WORLD', 'REALM', 'EVENT', 'TOTAL'],
      across_policy: 'INTERSECT',
    });
    expect(reordered.registryVersion).not.toBe(versions[0]);
  });

  it('canonicalizes nested key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it('names the registry file and the field of an invalid registry', () => {
    const file = write(
      'bad.yaml',
      'dimensions:\n  strength: { use_pipeline: true, clamp_default: { min: 5, max: 1 } }\n',
    );
    const err = thrown(() => loadRegistries({ registry: file }));
    expect(err.code).toBe('INVALID_CLAMP');
    expect(err.file).toBe(file);
    expect(err.field).toBe('dimensions.strength.clamp_default');
    expect(err.dimension).toBe('strength');
  });

  it('names the cap layer file of a duplicate layer', () => {
    const file = write(
      'layers.json',
      JSON.stringify({ order: ['WORLD', 'WORLD'], across_policy: 'INTERSECT' }),
    );
    const err = thrown(() => loadRegistries({ capLayers: file }));
    expect(err.code).toBe('DUPLICATE_LAYER');
    expect(err.file).toBe(file);
    expect(err.field).toBe('order[1]');
  });

  it('reports a missing file and unparsable text as REGISTRY_LOAD_FAILED with the file', () => {
    const missing = path.join(dir, 'nope.yaml');
    const a = thrown(() => loadRegistries({ registry: missing }));
    expect(a.code).toBe('REGISTRY_LOAD_FAILED');
    expect(a.file).toBe(missing);
    expect(a.message).toContain('ENOENT');
    const broken = write('broken.json', '{"dimensions": ');
    const b = thrown(() => loadRegistries({ registry: broken }));
    expect(b.code).toBe('REGISTRY_LOAD_FAILED');
    expect(b.file).toBe(broken);
  });
});

describe('reading registry files', () => {
  const registry = { dimensions: { strength: { use_pipeline: true, clamp_default: { min: 0, max: 10 } } } };

  it('drops a byte order mark in JSON as in YAML', () => {
    const json = loadRegistries({ registry: write('bom.json', `\ufeff${JSON.stringify(registry)}`) });
    const yaml = loadRegistries({ registry: write('bom.yaml', `\ufeff${YAML.stringify(registry)}`) });
    expect(json.combiner).toEqual(registry);
    expect(yaml.registryVersion).toBe(json.registryVersion);
  });

  it('refuses a duplicate key in JSON, which JSON.parse would let the last one win, naming where', () => {
    const text =
      '{"dimensions": {\n  "strength": {"use_pipeline": true, "clamp_default": {"min": 0, "max": 10}},\n  "strength": {"use_pipeline": true, "clamp_default": {"min": 0, "max": 20}}\n}}';
    const err = thrown(() => loadRegistries({ registry: write('dup.json', text) }));
    expect(err.code).toBe('REGISTRY_LOAD_FAILED');
    expect(err.message).toBe('cannot parse: Map keys must be unique at line 3, column 3');
  });

  it('refuses a YAML tag it cannot resolve instead of reading a string, and never runs one', () => {
    const tagged =
      'dimensions:\n  strength: { use_pipeline: true, operator: !foo MAX, clamp_default: { min: 0, max: 1 } }\n';
    const err = thrown(() => loadRegistries({ registry: write('tag.yaml', tagged) }));
    expect(err.message).toMatch(/^cannot parse: Unresolved tag: !foo at line 2, column \d+$/);
    const code = 'dimensions: !!js/function "function () { return 1 }"\n';
    expect(thrown(() => loadRegistries({ registry: write('fn.yaml', code) })).message).toContain(
      'Unresolved tag',
    );
  });

  it('says on which line and column JSON stops parsing', () => {
    const err = thrown(() => loadRegistries({ registry: write('bad.json', '{\n  "dimensions": {,}\n}') }));
    expect(err.message).toMatch(/^cannot parse: .* \(line 2, column 18\)$/);
  });
});
