/**
 * The worker's task on a thread: actor lines in, snapshots out as JSON text ready for Postgres and
 * Redis. The main thread never parses an actor or a snapshot; it only slices strings.
 */
import { isActorCoreError, resolveSnapshot, parseActorLine, type CompiledRegistries } from '../core';
import type { ResolveTask, StoreChunkResult } from './messages';

export function runStoreTask(task: ResolveTask, registries: CompiledRegistries): StoreChunkResult {
  const start = process.hrtime.bigint();
  const lines = task.lines.split('\n');
  const snapshots: string[] = new Array<string>(lines.length);
  const failures: StoreChunkResult['failures'] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      const actor = parseActorLine(lines[i]!);
      snapshots[i] = JSON.stringify(resolveSnapshot(actor.subsystems, registries, actor.version));
    } catch (err) {
      if (!isActorCoreError(err)) throw err; // a bug, not bad data: fail the task
      snapshots[i] = '';
      failures.push({ index: i, error: err.toJSON() });
    }
  }
  return { snapshots: snapshots.join('\n'), failures, resolveNs: Number(process.hrtime.bigint() - start) };
}
