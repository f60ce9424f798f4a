/**
 * The worker's task on a thread: each actor's outputs in (their JSON, or their packed text), snapshots
 * out as JSON text ready for Postgres and Redis. The main thread never parses an actor or a snapshot.
 */
import { ActorCoreError, isActorCoreError, resolveSnapshotForJson, type CompiledRegistries } from '../core';
import { isPackedText, unpackText } from '../adapters/packed-text';
import type { StoreChunkResult, StoreTask } from './messages';

function parseOutputs(text: string): unknown {
  if (isPackedText(text)) return unpackText(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ActorCoreError('INVALID_JSON', `subsystems: not valid JSON: ${(err as Error).message}`, {
      field: 'subsystems',
    });
  }
}

export function runStoreTask(task: StoreTask, registries: CompiledRegistries): StoreChunkResult {
  const start = process.hrtime.bigint();
  const { outputs, versions } = task;
  if (outputs.length !== versions.length) {
    throw new RangeError(
      `a store task needs one version per actor: ${outputs.length} outputs, ${versions.length} versions`,
    );
  }
  const snapshots: string[] = new Array<string>(outputs.length);
  const failures: StoreChunkResult['failures'] = [];
  for (let i = 0; i < outputs.length; i++) {
    try {
      snapshots[i] = JSON.stringify(
        resolveSnapshotForJson(parseOutputs(outputs[i]!), registries, versions[i]!),
      );
    } catch (err) {
      if (!isActorCoreError(err)) throw err; // a bug, not bad data: fail the task
      snapshots[i] = '';
      failures.push({ index: i, error: err.toJSON() });
    }
  }
  return { snapshots: snapshots.join('\n'), failures, resolveNs: Number(process.hrtime.bigint() - start) };
}
