/**
 * `resolve --jsonl`: actor lines in, result lines out, in order, in flat memory. Input is split into
 * lines chunk by chunk (no whole-file buffer), output is batched and written with backpressure.
 */
import type { Writable } from 'node:stream';
import { resolveLineToJson, type CompiledRegistries } from '../core';
import { writeWithBackpressure } from './cli-io';

const NEWLINE = 0x0a;
/** Output is written in batches of about this many characters. */
const OUTPUT_BATCH = 64 * 1024;

/**
 * The lines of a byte stream, without their `\n` or `\r\n`. Bytes are decoded a whole line at a
 * time, so a UTF-8 character split across two chunks decodes correctly.
 */
export async function* splitLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      let line: string;
      if (pending.length === 0) {
        line = bytes.toString('utf8', start, nl);
      } else {
        pending.push(bytes.subarray(start, nl));
        line = Buffer.concat(pending).toString('utf8');
        pending = [];
      }
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      start = nl + 1;
    }
    if (start < bytes.length) pending.push(bytes.subarray(start));
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending).toString('utf8');
    yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
}

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
 */
export async function resolveJsonl(
  lines: AsyncIterable<string>,
  registries: CompiledRegistries,
  out: Writable,
): Promise<JsonlStats> {
  const stats: JsonlStats = { actors: 0, errors: 0, lines: 0 };
  let batch = '';
  for await (const line of lines) {
    stats.lines++;
    if (line.trim() === '') continue;
    const json = resolveLineToJson(line, registries, stats.lines);
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
