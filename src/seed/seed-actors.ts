/**
 * Seeding: loads JSON lines of the standard workload (`{"actorId","version","subsystems":[…]}`) into
 * Postgres in large batches. Every line is validated (shape, version, outputs against the registries,
 * one output per system, no key repeated in one object) before its batch is written, and the whole load
 * is one transaction: a bad line anywhere leaves the database exactly as it was, with an error naming
 * the line.
 */
import type pg from 'pg';
import { ActorCoreError, isActorCoreError } from '../core/errors';
import type { CompiledRegistries } from '../core/registries';
import { checkVersion } from '../core/resolve';
import { packOutput } from '../core/packed-outputs';
import { parseActorLine } from '../core/resolve-line';
import { validateOutputs } from '../core/validate-output';
import { checkActorId } from '../adapters/pg/actor-id';
import { checkStorableJson } from '../adapters/storable-json';
import type { ActorDataCodec } from '../adapters/pg/actor-data-codec';
import { withTransaction } from '../adapters/pg/pg-pool';
import { repeatedKeyProblem } from '../text/json-duplicate-key';
import { writeSeedBatch, type SeedActor } from '../adapters/pg/seed-writer';

export interface SeedProgress {
  /** Input lines read so far (blank ones included, as line numbers count them). */
  lines: number;
  actors: number;
  subsystems: number;
}

export interface SeedOptions {
  pool: pg.Pool;
  /** The input, one line per item, without line terminators. */
  lines: AsyncIterable<string>;
  registries: CompiledRegistries;
  codec: ActorDataCodec;
  /** Actors per batch (3 statements each); default 1,000. */
  batchSize?: number;
  /** Named in errors. */
  file?: string;
  onProgress?: (progress: SeedProgress) => void;
}

export const DEFAULT_SEED_BATCH = 1000;

/** Validates one line and returns what the writer needs; errors carry the line number and actor. */
export function checkSeedLine(text: string, lineNumber: number, registries: CompiledRegistries): SeedActor {
  // A repeated key is refused, not read as `JSON.parse` reads it (the last value wins): what is stored
  // is the source of every later snapshot, and a producer's slip there would go unseen for good.
  const actor = parseActorLine(text, lineNumber, refuseRepeatedKey);
  try {
    checkActorId(actor.actorId);
  } catch (err) {
    // Not named as the actor: the message shows the id escaped, which printed as is may not be.
    throw isActorCoreError(err) ? err.locate({ line: lineNumber }) : err;
  }
  const where = { line: lineNumber, actorId: actor.actorId };
  try {
    // The line goes to Postgres as it is (jsonb): any string in it that Postgres cannot store would
    // fail the whole load with no line named, so it is refused here, before any schema check.
    checkStorableJson(actor);
    const version = checkVersion(actor.version);
    const outputs = validateOutputs(actor.subsystems, registries);
    const systems = new Set<string>();
    outputs.forEach((output, i) => {
      if (systems.has(output.meta.system)) {
        throw new ActorCoreError(
          'INVALID_TYPE',
          `two outputs from system ${JSON.stringify(output.meta.system)}: an actor stores one output per system`,
          { subsystem: output.meta.system, field: `subsystems[${i}].meta.system` },
        );
      }
      systems.add(output.meta.system);
    });
    const packed: SeedActor['packed'] = [];
    for (const output of outputs) {
      const block = packOutput(output);
      if (block !== undefined) packed.push({ system: output.meta.system, block });
    }
    return { actorId: actor.actorId, version, line: text, packed, lineNumber };
  } catch (err) {
    throw isActorCoreError(err) ? err.locate(where) : err;
  }
}

function refuseRepeatedKey(text: string): string | undefined {
  return repeatedKeyProblem(text, true);
}

export async function seedActors(options: SeedOptions): Promise<SeedProgress> {
  try {
    return await seedInTransaction(options);
  } catch (err) {
    // A bad line, or a version the write would take past the limit: named with the file.
    const file = options.file;
    if (isActorCoreError(err) && err.line !== undefined && file !== undefined) throw err.locate({ file });
    throw err;
  }
}

async function seedInTransaction(options: SeedOptions): Promise<SeedProgress> {
  const batchSize = options.batchSize ?? DEFAULT_SEED_BATCH;
  const progress: SeedProgress = { lines: 0, actors: 0, subsystems: 0 };
  return withTransaction(options.pool, 'seeding', async (client) => {
    // A later line for the same actor replaces an earlier one, as it would in a later batch.
    let batch = new Map<string, SeedActor>();
    const flush = async (): Promise<void> => {
      if (batch.size === 0) return;
      const written = await writeSeedBatch(client, [...batch.values()], options.codec);
      progress.actors += written.actors;
      progress.subsystems += written.subsystems;
      batch = new Map();
      options.onProgress?.({ ...progress });
    };
    for await (const text of options.lines) {
      progress.lines++;
      if (text.trim() === '') continue;
      const actor = checkSeedLine(text, progress.lines, options.registries);
      batch.delete(actor.actorId);
      batch.set(actor.actorId, actor);
      if (batch.size >= batchSize) await flush();
    }
    await flush();
    return progress;
  });
}
