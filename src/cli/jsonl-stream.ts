/**
 * `resolve --jsonl`: actor lines in, result lines out, in order, in flat memory. Input is split into
 * lines chunk by chunk (no whole-file buffer), output is batched and written with backpressure.
 */
import type { Writable } from 'node:stream';
import { resolveLineToJson, type CompiledRegistries, type LineTextCheck } from '../core';
import { writeWithBackpressure } from './cli-io';
import type { SourceLine } from './source-lines';

/** Output is written in batches of about this many characters. */
const OUTPUT_BATCH = 64 * 1024;

/** True when a `resolveLineToJson` result is `{"actorId", "error"}` rather than `{"actorId", "snapshot"}`. */
export function isErrorLine(json: string): boolean {
  // JSON.stringify keeps insertion order: `{"actorId":<null or string>,"error":…` or `…,"snapshot":…`.
  let i = '{"actorId":'.length;
  if (json.startsWith('null', i)) {
    i += 4;
  } else {
    for (i++; i < json.length && json[i] !== '"'; i += json[i] === '\\' ? 2 : 1);
    i++;
  }
  return json.startsWith(',"error":', i);
}

export interface JsonlStats {
  /** Non-blank lines, each of which produced one output line. */
  actors: number;
  /** Output lines that are `{"actorId", "error"}`. */
  errors: number;
  /** Physical lines read, blank ones included. */
  lines: number;
}

/**
 * Resolves every non-blank line of `lines` into one output line on `out`, in input order. Line numbers
 * count physical lines, blank ones included. A bad line becomes an error line; the rest still resolve.
 * A line that parses but that `checkText` refuses (`--strict-keys`: a repeated key) is a bad line too.
 */
export async function resolveJsonl(
  lines: AsyncIterable<SourceLine>,
  registries: CompiledRegistries,
  out: Writable,
  checkText?: LineTextCheck,
): Promise<JsonlStats> {
  const stats: JsonlStats = { actors: 0, errors: 0, lines: 0 };
  let batch = '';
  for await (const line of lines) {
    stats.lines = line.lineNumber;
    if (line.problem === undefined && line.text.trim() === '') continue;
    // A line that could not be read as sent is not resolved: its text, actorId included, is not it.
    const json =
      line.problem === undefined
        ? resolveLineToJson(line.text, registries, line.lineNumber, checkText)
        : JSON.stringify({ actorId: null, error: line.problem.toJSON() });
    stats.actors++;
    if (isErrorLine(json)) stats.errors++;
    batch += json + '\n';
    if (batch.length >= OUTPUT_BATCH) {
      await writeWithBackpressure(out, batch);
      batch = '';
    }
  }
  if (batch.length > 0) await writeWithBackpressure(out, batch);
  return stats;
}
