/**
 * The messages between the main thread and the resolve threads, in one place. Bulk data crosses the
 * thread boundary as one string (JSON lines joined by '\n'), never as an object graph: one string is
 * copied in one piece, while an object graph is structured-cloned field by field.
 */
import type { ActorCoreError, CapLayerRegistrySource, CombinerRegistrySource } from '../core';

/** Given once to every thread as piscina `workerData`: the registry sources, compiled per thread. */
export interface ResolveThreadData {
  combiner: CombinerRegistrySource;
  capLayers: CapLayerRegistrySource;
}

/** One task: a chunk of raw actor lines. */
export interface ResolveTask {
  /** Actor JSON lines joined by '\n'; empty lines are skipped (a trailing '\n' is harmless). */
  lines: string;
  /**
   * 1-based line number of the chunk's first line in its input, when known: error results then carry
   * `line`. Empty lines still count, so numbers match the input file.
   */
  firstLine?: number;
}

/** What a thread returns for one task. */
export interface ChunkResult {
  /** One output line per actor — `{"actorId","snapshot"}` or `{"actorId","error"}` — joined by '\n'. */
  results: string;
  /** Actor lines resolved (= lines in `results`). */
  actors: number;
  /** How many of them are `{"actorId","error"}` lines. */
  errors: number;
  /** Time spent resolving the chunk inside the thread, in nanoseconds (excludes messaging). */
  resolveNs?: number;
}

/** The error of one actor, as `ActorCoreError.toJSON()` gives it. */
export type ActorErrorJson = ReturnType<ActorCoreError['toJSON']>;

/**
 * One chunk of a worker's job (piscina export `resolveForStore`): the loaded actors' outputs as the
 * text Postgres returned, one string per actor. Separate strings, not one joined text: a joined chunk
 * of ~50 actors (~550 KB) is a large object in V8, and both the main thread (to join it) and the
 * thread (to receive it) would map fresh pages for it on every chunk; a few dozen ~11 KB strings are
 * cloned into the message buffer and land in the thread's young generation instead.
 */
export interface StoreTask {
  /**
   * Per actor, its SubsystemOutput[] as text: the JSON (`actor_inputs.outputs`) or the packed form
   * (`actor_inputs.packed`, src/adapters/packed-text.ts).
   */
  outputs: string[];
  /** Per actor (same index), its version: the snapshot's `Version`. */
  versions: number[];
}

/** What a thread returns for a `StoreTask`. */
export interface StoreChunkResult {
  /** Per actor, in order, joined by '\n': the snapshot's JSON, or an empty line where the actor failed. */
  snapshots: string;
  /** The actors that failed (their outputs are invalid): index of the actor in the chunk, and the error. */
  failures: { index: number; error: ActorErrorJson }[];
  /** Time spent resolving inside the thread, in nanoseconds. */
  resolveNs: number;
}

/** The piscina export name of the worker's task. */
export const STORE_TASK_NAME = 'resolveForStore';
