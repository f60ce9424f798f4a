/**
 * The piscina thread file: registries from `workerData`, compiled once when the thread loads; each task
 * is a chunk of actor lines (see src/pool/messages.ts). No logic of its own lives here.
 */
import { workerData } from 'piscina';
import { compileRegistries } from '../src/core';
import type { ChunkResult, ResolveTask, ResolveThreadData } from '../src/pool/messages';
import { runResolveTask } from '../src/pool/run-resolve-task';

const data = workerData as ResolveThreadData;
const registries = compileRegistries(data.combiner, data.capLayers);

export default function resolveThread(task: ResolveTask): ChunkResult {
  return runResolveTask(task, registries);
}
