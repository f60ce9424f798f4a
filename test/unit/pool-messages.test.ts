/**
 * The pool's pure parts: what a thread returns for a task (run in process here, the thread file only
 * wires piscina to it) and the option validation. Running real threads needs dist/, so that belongs to
 * an integration test.
 */
import * as os from 'node:os';
import { resolveLineToJson, resolveSnapshot } from '../../src/core';
import {
  createResolvePool,
  kDefaultResolvePoolOptions,
  resolvePoolSettings,
  ResolvePoolOptionError,
  runResolveTask,
  type ResolvePoolOptions,
} from '../../src/pool';
import { runStoreTask } from '../../src/pool/run-store-task';
import { loadRegistries } from '../../src/registry';
import { goldenCases } from '../support/shared';

const registries = loadRegistries();
const actorLines = goldenCases().map((c, i) =>
  JSON.stringify({ actorId: `actor-${i}`, version: i + 1, subsystems: c.subsystems }),
);

describe('runResolveTask', () => {
  it('gives exactly resolveLineToJson of each line, joined by newlines', () => {
    const result = runResolveTask({ lines: actorLines.join('\n') }, registries.compiled);
    expect(result.results).toBe(
      actorLines.map((line) => resolveLineToJson(line, registries.compiled)).join('\n'),
    );
    expect(result.actors).toBe(actorLines.length);
    expect(result.errors).toBe(0);
    expect(typeof result.resolveNs).toBe('number');
  });

  it('counts error lines and numbers them from firstLine, empty lines included', () => {
    const lines = [actorLines[0]!, '', '{"actorId":"bad","version":0,"subsystems":[]}', 'not json', ''];
    const result = runResolveTask({ lines: lines.join('\n'), firstLine: 41 }, registries.compiled);
    expect(result.actors).toBe(3);
    expect(result.errors).toBe(2);
    const out = result.results.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out[0]).toHaveProperty('snapshot');
    expect(out[1]).toEqual({
      actorId: 'bad',
      error: expect.objectContaining({ code: 'INVALID_VERSION', line: 43, actorId: 'bad' }),
    });
    expect(out[2]).toEqual({
      actorId: null,
      error: expect.objectContaining({ code: 'INVALID_JSON', line: 44 }),
    });
  });

  it('returns no actors for an empty chunk', () => {
    expect(runResolveTask({ lines: '' }, registries.compiled)).toMatchObject({
      results: '',
      actors: 0,
      errors: 0,
    });
  });
});

describe('runStoreTask', () => {
  const cases = goldenCases();
  const outputs = cases.map((c) => JSON.stringify(c.subsystems));
  const versions = cases.map((_, i) => i + 1);

  it('gives each actor the JSON of resolveSnapshot of its outputs at its version, in order', () => {
    const result = runStoreTask({ outputs, versions }, registries.compiled);
    expect(result.failures).toEqual([]);
    expect(result.snapshots).toBe(
      cases
        .map((c, i) => JSON.stringify(resolveSnapshot(c.subsystems, registries.compiled, versions[i]!)))
        .join('\n'),
    );
    expect(typeof result.resolveNs).toBe('number');
  });

  it('fails only the actors whose outputs do not parse or validate, with an empty line in their place', () => {
    const texts = [outputs[0]!, '[{"primary":', '{"not":"an array"}', outputs[1]!];
    const result = runStoreTask({ outputs: texts, versions: [1, 2, 3, 4] }, registries.compiled);
    const lines = result.snapshots.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toHaveProperty('Version', 1);
    expect(JSON.parse(lines[3]!)).toHaveProperty('Version', 4);
    expect(result.failures).toEqual([
      { index: 1, error: expect.objectContaining({ code: 'INVALID_JSON', field: 'subsystems' }) },
      { index: 2, error: expect.objectContaining({ code: 'INVALID_TYPE', field: 'subsystems' }) },
    ]);
  });

  it('refuses a task whose versions do not match its outputs one to one', () => {
    expect(() => runStoreTask({ outputs, versions: versions.slice(1) }, registries.compiled)).toThrow(
      /one version per actor/,
    );
  });
});

describe('resolve pool options', () => {
  it('fills in the defaults: a fixed pool of availableParallelism threads', () => {
    expect(resolvePoolSettings({ registries })).toEqual({
      threads: os.availableParallelism(),
      minThreads: os.availableParallelism(),
      idleTimeout: kDefaultResolvePoolOptions.idleTimeout,
      maxQueue: Infinity,
    });
    expect(
      resolvePoolSettings({ registries, threads: 3, minThreads: 1, idleTimeout: Infinity, maxQueue: 'auto' }),
    ).toMatchObject({
      threads: 3,
      minThreads: 1,
      idleTimeout: Infinity,
      maxQueue: 'auto',
    });
  });

  const bad: [string, Record<string, unknown>][] = [
    ['threads', { threads: 0 }],
    ['threads', { threads: 1.5 }],
    ['threads', { threads: '2' }],
    ['minThreads', { threads: 2, minThreads: 3 }],
    ['minThreads', { minThreads: -1 }],
    ['idleTimeout', { idleTimeout: -1 }],
    ['idleTimeout', { idleTimeout: 1.5 }],
    ['maxQueue', { maxQueue: -1 }],
    ['maxQueue', { maxQueue: 'many' }],
    ['thread', { thread: 2 }],
    ['registries', { registries: undefined }],
    ['registries.combiner', { registries: { capLayers: registries.capLayers } }],
    ['registries.capLayers', { registries: { combiner: registries.combiner, capLayers: null } }],
  ];

  it.each(bad)('names the field %s', (field, override) => {
    const options = { registries, ...override } as unknown as ResolvePoolOptions;
    let caught: unknown;
    try {
      resolvePoolSettings(options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ResolvePoolOptionError);
    expect(caught).toMatchObject({ code: 'INVALID_POOL_OPTION', field });
    expect((caught as Error).message).toMatch(new RegExp(`^options\\.${field.replace('.', '\\.')} `));
  });

  it('createResolvePool validates before it starts any thread', () => {
    expect(() => createResolvePool({ registries, threads: 0 })).toThrow(ResolvePoolOptionError);
  });
});
