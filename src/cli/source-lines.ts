/**
 * The lines of a byte stream (a JSON lines file or stdin), read chunk by chunk in flat memory. Each
 * line comes without its `\n` or `\r\n` (the first without a byte order mark), decoded a whole line
 * at a time, so a UTF-8 character split across two chunks decodes correctly. A line that cannot be
 * read as sent comes with the reason instead: bytes that are not UTF-8, or more bytes than
 * `maxLineBytes` (whose bytes are dropped as they arrive, never buffered).
 */
import { isUtf8 } from 'node:buffer';
import { ActorCoreError } from '../core';

const NEWLINE = 0x0a;
/** 16 MiB: ~1,500 standard actors' worth. Parsing a line takes ~6 bytes of memory per byte. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface SourceLine {
  text: string;
  /** 1-based, blank lines included. */
  lineNumber: number;
  /** Why the line cannot be read as sent (then `text` is not it). */
  problem: ActorCoreError | undefined;
}

function notUtf8(lineNumber: number): ActorCoreError {
  return new ActorCoreError('INVALID_JSON', 'not valid JSON: the line is not UTF-8 text', {
    line: lineNumber,
  });
}

function tooLong(lineNumber: number, bytes: number, limit: number): ActorCoreError {
  return new ActorCoreError('LINE_TOO_LONG', `the line is ${bytes} bytes, over the limit of ${limit} bytes`, {
    line: lineNumber,
  });
}

function decodeLine(bytes: Buffer, start: number, end: number, lineNumber: number): SourceLine {
  let text = bytes.toString('utf8', start, end);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark
  // Decoding replaces bytes that are not UTF-8 by U+FFFD; only then are the bytes checked.
  const utf8 = !text.includes('\ufffd') || isUtf8(bytes.subarray(start, end));
  return { text, lineNumber, problem: utf8 ? undefined : notUtf8(lineNumber) };
}

export async function* sourceLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<SourceLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Bytes of the current line dropped so far, once it is over the limit. */
  let dropped = 0;
  let lineNumber = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      lineNumber++;
      const length = dropped + pendingBytes + (nl - start);
      if (length > maxLineBytes) {
        yield { text: '', lineNumber, problem: tooLong(lineNumber, length, maxLineBytes) };
      } else if (pending.length === 0) {
        yield decodeLine(bytes, start, nl, lineNumber);
      } else {
        pending.push(bytes.subarray(start, nl));
        const line = Buffer.concat(pending);
        yield decodeLine(line, 0, line.length, lineNumber);
      }
      pending = [];
      pendingBytes = 0;
      dropped = 0;
      start = nl + 1;
    }
    const rest = bytes.length - start;
    if (rest === 0) continue;
    if (dropped + pendingBytes + rest > maxLineBytes) {
      dropped += pendingBytes + rest;
      pending = [];
      pendingBytes = 0;
    } else {
      pending.push(bytes.subarray(start));
      pendingBytes += rest;
    }
  }
  if (dropped > 0) {
    lineNumber++;
    yield { text: '', lineNumber, problem: tooLong(lineNumber, dropped, maxLineBytes) };
  } else if (pending.length > 0) {
    const line = Buffer.concat(pending);
    yield decodeLine(line, 0, line.length, lineNumber + 1);
  }
}

/** `sourceLines` as text, for readers that take all lines or none: a line's problem is thrown. */
export async function* splitLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  for await (const line of sourceLines(source)) {
    if (line.problem !== undefined) throw line.problem;
    yield line.text;
  }
}
