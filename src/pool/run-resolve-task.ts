/**
 * What a resolve thread does with one task, as a plain function: the thread file only wires piscina to
 * it, and the benchmarks run the very same code on the main thread for comparison.
 */
import { resolveActorLineForJson, type CompiledRegistries } from '../core';
import type { ChunkResult, ResolveTask } from './messages';

/**
 * Resolves every non-empty line of `task.lines`. Each output line is exactly
 * `resolveLineToJson(line, registries, lineNumber)` (which is `JSON.stringify(resolveActorLineForJson(…))`);
 * the result object is kept for a moment only to count the error lines without re-parsing.
 */
export function runResolveTask(task: ResolveTask, registries: CompiledRegistries): ChunkResult {
  const start = process.hrtime.bigint();
  const lines = task.lines.split('\n');
  const out: string[] = [];
  let errors = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    const result = resolveActorLineForJson(
      line,
      registries,
      task.firstLine === undefined ? undefined : task.firstLine + i,
    );
    if ('error' in result) errors++;
    out.push(JSON.stringify(result));
  }
  return {
    results: out.join('\n'),
    actors: out.length,
    errors,
    resolveNs: Number(process.hrtime.bigint() - start),
  };
}
