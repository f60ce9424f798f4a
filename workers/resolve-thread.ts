/**
 * The piscina thread file: registries from `workerData`, compiled once when the thread loads. Two
 * exports, both typed in src/pool/messages.ts: the default (result lines, for the CLI and benchmarks)
 * and `resolveForStore` (snapshots ready to store, for the queue worker). No logic of its own lives here.
 */
import { workerData } from 'piscina';
import { compileRegistries } from '../src/core';
import type {
  ChunkResult,
  ResolveTask,
  ResolveThreadData,
  StoreChunkResult,
  StoreTask,
} from '../src/pool/messages';
import { runResolveTask } from '../src/pool/run-resolve-task';
import { runStoreTask } from '../src/pool/run-store-task';

const data = workerData as ResolveThreadData;
const registries = compileRegistries(data.combiner, data.capLayers);

export default function resolveThread(task: ResolveTask): ChunkResult {
  return runResolveTask(task, registries);
}

export function resolveForStore(task: StoreTask): StoreChunkResult {
  return runStoreTask(task, registries);
}
