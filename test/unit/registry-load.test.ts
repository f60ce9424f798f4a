import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import {
  DEFAULT_CAP_LAYERS_FILE,
  DEFAULT_REGISTRY_FILE,
  MAX_REGISTRY_BYTES,
  MAX_YAML_CHARS,
  canonicalJson,
  loadRegistries,
  registriesFromSources,
} from '../../src/registry';
import { sharedDir } from '../support/shared';
import { thrownBy } from '../support/thrown-error';

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
    const err = thrownBy(() => loadRegistries({ registry: file }));
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
    const err = thrownBy(() => loadRegistries({ capLayers: file }));
    expect(err.code).toBe('DUPLICATE_LAYER');
    expect(err.file).toBe(file);
    expect(err.field).toBe('order[1]');
  });

  it('reports a missing file and unparsable text as REGISTRY_LOAD_FAILED with the file', () => {
    const missing = path.join(dir, 'nope.yaml');
    const a = thrownBy(() => loadRegistries({ registry: missing }));
    expect(a.code).toBe('REGISTRY_LOAD_FAILED');
    expect(a.file).toBe(missing);
    expect(a.message).toContain('ENOENT');
    const broken = write('broken.json', '{"dimensions": ');
    const b = thrownBy(() => loadRegistries({ registry: broken }));
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
    const err = thrownBy(() => loadRegistries({ registry: write('dup.json', text) }));
    expect(err.code).toBe('REGISTRY_LOAD_FAILED');
    expect(err.message).toBe('cannot parse: key "strength" appears twice in one object (line 3, column 3)');
  });

  it('refuses a YAML tag it cannot resolve instead of reading a string, and never runs one', () => {
    const tagged =
      'dimensions:\n  strength: { use_pipeline: true, operator: !foo MAX, clamp_default: { min: 0, max: 1 } }\n';
    const err = thrownBy(() => loadRegistries({ registry: write('tag.yaml', tagged) }));
    expect(err.message).toMatch(/^cannot parse: Unresolved tag: !foo at line 2, column \d+$/);
    const code = 'dimensions: !!js/function "function () { return 1 }"\n';
    expect(thrownBy(() => loadRegistries({ registry: write('fn.yaml', code) })).message).toContain(
      'Unresolved tag',
    );
  });

  it('says on which line and column JSON stops parsing', () => {
    const err = thrownBy(() => loadRegistries({ registry: write('bad.json', '{\n  "dimensions": {,}\n}') }));
    expect(err.message).toMatch(/^cannot parse: .* \(line 2, column 18\)$/);
  });
});

describe('registry files hold plain data only', () => {
  const rule = '{ use_pipeline: true, clamp_default: { min: 0, max: 7 } }';

  it.each([
    ['an ordered map', `dimensions: !!omap\n  - strength: ${rule}\n`, '!!omap', 1],
    ['a set', 'dimensions: !!set\n  ? strength\n', '!!set', 1],
    [
      'ordered pairs',
      `defaults: !!pairs [ { clamp_default: { min: 0, max: 5 } } ]\ndimensions: {}\n`,
      '!!pairs',
      1,
    ],
    ['bytes', 'dimensions:\n  strength: !!binary aGVsbG8=\n', '!!binary', 2],
  ])(
    'refuses %s instead of reading it as an empty registry, naming the tag and line',
    (_, text, tag, line) => {
      const err = thrownBy(() => loadRegistries({ registry: write('tagged.yaml', text) }));
      expect(err.code).toBe('REGISTRY_LOAD_FAILED');
      expect(err.message).toMatch(
        new RegExp(`^cannot parse: \\w+: tag ${tag} is not supported \\(.*\\) at line ${line}, column \\d+$`),
      );
    },
  );

  it.each([
    ['a boolean', `dimensions:\n  true: ${rule}\n  "true": ${rule}\n`, 'true', 2],
    ['a capitalised boolean', `dimensions:\n  False: ${rule}\n`, 'false', 2],
    ['null', `dimensions:\n  ~: ${rule}\n`, 'null', 2],
    ['a number', `dimensions:\n  12: ${rule}\n`, '12', 2],
    ['a list', `dimensions:\n  ? [strength, vitality]\n  : ${rule}\n`, 'a list or mapping', 2],
  ])(
    'refuses a mapping key that is %s, which would become a string the file never wrote',
    (_, text, shown, line) => {
      const warn = jest.spyOn(process, 'emitWarning');
      try {
        const err = thrownBy(() => loadRegistries({ registry: write('keys.yaml', text) }));
        expect(err.message).toMatch(
          new RegExp(
            `^cannot parse: a mapping key must be a string, got ${shown} at line ${line}, column \\d+$`,
          ),
        );
        expect(warn).not.toHaveBeenCalled(); // one line on stderr: no "keys will be stringified" warning
      } finally {
        warn.mockRestore();
      }
    },
  );

  it('merges YAML merge keys, the keys written beside one overriding it', () => {
    const text = [
      'shared: &ratio { use_pipeline: true, clamp_default: { min: 0, max: 1 } }',
      'dimensions:',
      '  crit_rate: { <<: *ratio }',
      '  dodge_rate: { <<: *ratio, clamp_default: { min: 0, max: 0.5 } }',
      '',
    ].join('\n');
    // `shared` is not a registry field: the anchor has to live in a field the registry has.
    const err = thrownBy(() => loadRegistries({ registry: write('merge.yaml', text) }));
    expect(err.code).toBe('UNKNOWN_FIELD');
    const loaded = loadRegistries({
      registry: write(
        'merge-ok.yaml',
        [
          'dimensions:',
          '  crit_rate: &ratio { use_pipeline: true, clamp_default: { min: 0, max: 1 } }',
          '  dodge_rate: { <<: *ratio, clamp_default: { min: 0, max: 0.5 } }',
          '',
        ].join('\n'),
      ),
    });
    expect(loaded.combiner.dimensions).toEqual({
      crit_rate: { use_pipeline: true, clamp_default: { min: 0, max: 1 } },
      dodge_rate: { use_pipeline: true, clamp_default: { min: 0, max: 0.5 } },
    });
  });

  it('refuses bytes that are not UTF-8, naming the line, instead of reading them as U+FFFD', () => {
    const file = path.join(dir, 'latin1.yaml');
    fs.writeFileSync(
      file,
      Buffer.from('order: [R\xc9ALM, R\xc8ALM,\n  TOTAL]\nacross_policy: INTERSECT\n', 'latin1'),
    );
    const err = thrownBy(() => loadRegistries({ capLayers: file }));
    expect(err.code).toBe('REGISTRY_LOAD_FAILED');
    expect(err.message).toBe('cannot read: line 1 is not UTF-8 text');
    expect(err.file).toBe(file);
  });

  it('refuses layer names holding control or invisible characters', () => {
    for (const name of ['A\u0000B', '\u001b[31mRED', 'TOTAL\u200b']) {
      const err = thrownBy(() =>
        registriesFromSources({ dimensions: {} }, { order: [name], across_policy: 'INTERSECT' }),
      );
      expect(err.code).toBe('INVALID_LAYER_NAME');
      expect(err.field).toBe('order[0]');
    }
  });
});

describe('duplicate keys in JSON registries', () => {
  it.each([
    ['nested', '{"dimensions": {"a": {"x": 1, "x": 2}}}', 'x', 'line 1, column 31'],
    [
      'spelled with an escape',
      '{"dimensions": {},\n "\\u0064imensions": {}}',
      'dimensions',
      'line 2, column 2',
    ],
    ['in an object inside a list', '{"order": [{"k": 1}, {"k": 2, "k": 3}]}', 'k', 'line 1, column 31'],
  ])('finds a duplicate key %s', (_, text, key, where) => {
    const err = thrownBy(() => loadRegistries({ registry: write('dup.json', text) }));
    expect(err.message).toBe(
      `cannot parse: key ${JSON.stringify(key)} appears twice in one object (${where})`,
    );
  });

  it('does not take strings holding quotes, braces or commas, or keys of sibling objects, for duplicates', () => {
    const text = JSON.stringify({
      dimensions: {
        a: { use_pipeline: true, clamp_default: { min: 0, max: 1 } },
        b: { use_pipeline: false, operator: 'SUM', clamp_default: { min: 0, max: 1 } },
      },
      defaults: { clamp_default: { min: 0, max: 9 } },
    });
    expect(loadRegistries({ registry: write('ok.json', text) }).combiner.defaults).toEqual({
      clamp_default: { min: 0, max: 9 },
    });
    const tricky = '{"dimensions": {}, "x\\"}, {\\"dimensions": ["{", ",", "\\\\"]}';
    const err = thrownBy(() => loadRegistries({ registry: write('tricky.json', tricky) }));
    expect(err.code).toBe('UNKNOWN_FIELD'); // not a duplicate: the second "dimensions" is inside a string
  });
});

describe('registry files given by mistake', () => {
  it('names the JSON mistake of a JSON-lines file at once, instead of parsing it as YAML', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ actorId: `a${i}`, version: 1 }));
    const err = thrownBy(() => loadRegistries({ registry: write('actors.jsonl', lines.join('\n')) }));
    expect(err.code).toBe('REGISTRY_LOAD_FAILED');
    expect(err.message).toMatch(
      /^cannot parse: Unexpected non-whitespace character after JSON .*\(line 2, column 1\)$/,
    );
  });

  it('reads flow-style YAML in a .yaml file, and JSON there as JSON, duplicates refused', () => {
    const flow = loadRegistries({
      registry: write(
        'flow.yaml',
        '{dimensions: {strength: {use_pipeline: true, clamp_default: {min: 0, max: 3}}}}',
      ),
    });
    expect(flow.combiner.dimensions.strength!.clamp_default.max).toBe(3);
    const dup = write('dup.yaml', '{"dimensions": {}, "dimensions": {}}');
    expect(thrownBy(() => loadRegistries({ registry: dup })).message).toBe(
      'cannot parse: key "dimensions" appears twice in one object (line 1, column 20)',
    );
  });

  it('reads a YAML registry of exactly MAX_YAML_CHARS and a file of exactly MAX_REGISTRY_BYTES', () => {
    const head = 'dimensions: {}\n# ';
    const yaml = write('edge.yaml', `${head}${'x'.repeat(MAX_YAML_CHARS - head.length)}`);
    expect(loadRegistries({ registry: yaml }).combiner.dimensions).toEqual({});
    // A sparse file of exactly MAX_REGISTRY_BYTES (NUL bytes) is read, and then fails as JSON.
    const edge = path.join(dir, 'edge.json');
    fs.writeFileSync(edge, '');
    fs.truncateSync(edge, MAX_REGISTRY_BYTES);
    expect(thrownBy(() => loadRegistries({ registry: edge })).message).toMatch(
      /^cannot parse: Unexpected token/,
    );
  });

  it('refuses YAML past MAX_YAML_CHARS, pointing to JSON, and any file past MAX_REGISTRY_BYTES unread', () => {
    const big = write('big.yaml', `# ${'x'.repeat(MAX_YAML_CHARS)}\ndimensions: {}\n`);
    expect(thrownBy(() => loadRegistries({ registry: big })).message).toMatch(
      /^cannot parse: a YAML registry is at most 2 MiB, this one is 2\.0 MiB \(write a larger one as JSON\)$/,
    );
    const huge = path.join(dir, 'huge.json');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, MAX_REGISTRY_BYTES + 1); // sparse: nothing written
    expect(thrownBy(() => loadRegistries({ registry: huge })).message).toBe(
      'cannot read: 64 MiB is more than a registry file may hold (64 MiB)',
    );
  });
});
