/**
 * resolveSnapshotForJson: the snapshot for `JSON.stringify` at once, from records of one fast shape in
 * which absent dimensions hold `undefined`, writes the same JSON as resolveSnapshot, byte for byte,
 * whatever the actors resolved before it through the same workspace did.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import {
  compileRegistries,
  isActorCoreError,
  resolveActorLine,
  resolveActorLineForJson,
  resolveLineToJson,
  resolveSnapshot,
  resolveSnapshotForJson,
  type CombinerRegistrySource,
} from '../../src/core';
import { outputsArb, validInputArb } from '../support/arbitraries';
import { goldenCases, goldenDir, readJson, sameJson } from '../support/shared';

/** Registries and 2–8 actors' outputs for them (so resolved in turn through one workspace). */
const actorsArb = validInputArb().chain((input) =>
  fc
    .tuple(
      fc.array(outputsArb(input.capLayers.order), { minLength: 1, maxLength: 7 }),
      fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    )
    .map(([more, forJson]) => ({ ...input, actors: [input.outputs, ...more], forJson })),
);

const REGISTRY: CombinerRegistrySource = {
  dimensions: {
    agility: { use_pipeline: true, clamp_default: { min: -1e308, max: 1e308 } },
    strength: { use_pipeline: true, clamp_default: { min: -1e308, max: 1e308 } },
  },
};
const LAYERS = { order: ['TOTAL'], across_policy: 'INTERSECT' as const };

function flat(dimension: string, value: number, bucket = 'FLAT') {
  return { dimension, bucket, value, system: 'items' };
}

describe('resolveSnapshotForJson', () => {
  it('writes the JSON of resolveSnapshot for every actor, whichever resolve served the actors before', () => {
    fc.assert(
      fc.property(actorsArb, ({ combiner, capLayers, actors, forJson }) => {
        // The expected JSON comes from registries of its own, so from a workspace of its own.
        const reference = compileRegistries(combiner, capLayers);
        const registries = compileRegistries(combiner, capLayers);
        actors.forEach((outputs, i) => {
          const expected = JSON.stringify(resolveSnapshot(outputs, reference, i + 1));
          const resolve = forJson[i] ? resolveSnapshotForJson : resolveSnapshot;
          expect(JSON.stringify(resolve(outputs, registries, i + 1))).toBe(expected);
        });
      }),
      { numRuns: 400 },
    );
  });

  it.each(goldenCases().map((c) => [c.name, c] as const))(
    'resolves golden vector %s to its expected snapshot',
    (_name, c) => {
      const registries = compileRegistries(readJson(path.join(goldenDir, 'registry.json')), c.capLayers);
      const json = JSON.stringify(resolveSnapshotForJson(c.subsystems, registries, 1));
      expect(sameJson(JSON.parse(json), c.expected)).toBe(true);
    },
  );

  it('leaves none of the values of an actor that failed midway in the next actor’s records', () => {
    const registries = compileRegistries(REGISTRY, LAYERS);
    // agility resolves first (ascending names); strength is then ∞ × 0, and the actor is rejected.
    const failing = [
      {
        primary: [
          flat('agility', 5),
          flat('strength', 1e308),
          flat('strength', 1e308),
          flat('strength', -1, 'MULT'),
        ],
        derived: [flat('agility', 7)],
        caps: [],
        meta: { system: 'items' },
      },
    ];
    let thrown: unknown;
    try {
      resolveSnapshotForJson(failing, registries, 1);
    } catch (err) {
      thrown = err;
    }
    expect(isActorCoreError(thrown) && thrown.code).toBe('NON_FINITE_RESULT');
    const next = [{ primary: [flat('strength', 3)], derived: [], caps: [], meta: { system: 'items' } }];
    expect(JSON.stringify(resolveSnapshotForJson(next, registries, 2))).toBe(
      '{"Primary":{"strength":3},"Derived":{},' +
        '"CapsUsed":{"strength":{"Min":-1e+308,"Max":1e+308}},"Version":2}',
    );
  });

  it('holds an absent dimension as an own key whose value is undefined, which JSON leaves out', () => {
    const registries = compileRegistries(REGISTRY, LAYERS);
    const both = [
      { primary: [flat('agility', 1), flat('strength', 2)], derived: [], caps: [], meta: { system: 'a' } },
    ];
    resolveSnapshotForJson(both, registries, 1); // the Primary template learns both dimensions
    const one = [{ primary: [flat('strength', 2)], derived: [], caps: [], meta: { system: 'a' } }];
    const snapshot = resolveSnapshotForJson(one, registries, 1);
    expect(Object.keys(snapshot.Primary)).toEqual(['agility', 'strength']);
    expect(snapshot.Primary.agility).toBeUndefined();
    expect(JSON.stringify(snapshot.Primary)).toBe('{"strength":2}');
    // resolveSnapshot, for readers, holds exactly the snapshot's keys.
    expect(Object.keys(resolveSnapshot(one, registries, 1).Primary)).toEqual(['strength']);
  });

  it('gives resolveLineToJson and resolveActorLineForJson the lines resolveActorLine would write', () => {
    const registries = compileRegistries(REGISTRY, LAYERS);
    const lines = [
      '{"actorId":"a1","version":1,"subsystems":[{"primary":[{"dimension":"agility","bucket":"FLAT","value":1,"system":"s"}],"derived":[],"caps":[],"meta":{"system":"s"}}]}',
      '{"actorId":"a2","version":1,"subsystems":[{"primary":[{"dimension":"strength","bucket":"FLAT","value":2,"system":"s"}],"derived":[],"caps":[],"meta":{"system":"s"}}]}',
      '{"actorId":"a3","version":0,"subsystems":[]}',
    ];
    for (const [i, line] of lines.entries()) {
      const expected = JSON.stringify(resolveActorLine(line, compileRegistries(REGISTRY, LAYERS), i + 1));
      expect(resolveLineToJson(line, registries, i + 1)).toBe(expected);
      expect(JSON.stringify(resolveActorLineForJson(line, registries, i + 1))).toBe(expected);
    }
  });
});
