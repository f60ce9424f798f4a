/**
 * The messages between the main thread and the resolve threads, in one place. Bulk data crosses the
 * thread boundary as one string (JSON lines joined by '\n'), never as an object graph: one string is
 * copied in one piece, while an object graph is structured-cloned field by field.
 */
import type { CapLayerRegistrySource, CombinerRegistrySource } from '../core';

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
