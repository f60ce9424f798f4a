/**
 * `resolve --jsonl`: actor lines in, result lines out, in order, in flat memory. Input is split into
 * lines chunk by chunk (no whole-file buffer), output is batched and written with backpressure.
 */
import { isUtf8 } from 'node:buffer';
import type { Writable } from 'node:stream';
import { ActorCoreError, resolveLineToJson, type CompiledRegistries } from '../core';
import { writeWithBackpressure } from './cli-io';

const NEWLINE = 0x0a;
/** Output is written in batches of about this many characters. */
const OUTPUT_BATCH = 64 * 1024;

/** One line of a byte stream: its text, and whether its bytes were UTF-8 (else `text` holds U+FFFD). */
export interface SourceLine {
  text: string;
  utf8: boolean;
}

function decodeLine(bytes: Buffer, start: number, end: number, first: boolean): SourceLine {
  let text = bytes.toString('utf8', start, end);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark
  // Decoding replaces bytes that are not UTF-8 by U+FFFD; only then are the bytes checked.
  const utf8 = !text.includes('\ufffd') || isUtf8(bytes.subarray(start, end));
  return { text, utf8 };
}

/**
 * The lines of a byte stream, without their `\n` or `\r\n` (nor a leading byte order mark). Bytes are
 * decoded a whole line at a time, so a UTF-8 character split across two chunks decodes correctly.
 */
export async function* sourceLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<SourceLine> {
  let pending: Buffer[] = [];
  let first = true;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      if (pending.length === 0) {
        yield decodeLine(bytes, start, nl, first);
      } else {
        pending.push(bytes.subarray(start, nl));
        const line = Buffer.concat(pending);
        pending = [];
        yield decodeLine(line, 0, line.length, first);
      }
      first = false;
      start = nl + 1;
    }
    if (start < bytes.length) pending.push(bytes.subarray(start));
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    yield decodeLine(line, 0, line.length, first);
  }
}

/** `sourceLines` as text; a line that is not UTF-8 throws INVALID_JSON naming it (1-based). */
export async function* splitLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let lineNumber = 0;
  for await (const line of sourceLines(source)) {
    lineNumber++;
    if (!line.utf8) throw notUtf8(lineNumber);
    yield line.text;
  }
}

function notUtf8(lineNumber: number): ActorCoreError {
  return new ActorCoreError('INVALID_JSON', 'not valid JSON: the line is not UTF-8 text', {
    line: lineNumber,
  });
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
  lines: AsyncIterable<SourceLine>,
  registries: CompiledRegistries,
  out: Writable,
): Promise<JsonlStats> {
  const stats: JsonlStats = { actors: 0, errors: 0, lines: 0 };
  let batch = '';
  for await (const line of lines) {
    stats.lines++;
    if (line.text.trim() === '') continue;
    // A line that is not UTF-8 is not resolved: its text, actorId included, is not what was sent.
    const json = line.utf8
      ? resolveLineToJson(line.text, registries, stats.lines)
      : JSON.stringify({ actorId: null, error: notUtf8(stats.lines).toJSON() });
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
