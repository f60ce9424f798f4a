/** Reading the CLI's input: a file, or stdin for `-` (or no FILE); failures name `<stdin>` or the file. */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { ActorCoreError, isActorCoreError, jsonErrorPosition } from '../core';
import { repeatedKeyProblem } from '../text/json-duplicate-key';
import { firstNonUtf8Line } from '../text/utf8-lines';
import { oneLine } from './cli-io';

export const STDIN_NAME = '<stdin>';

/** How errors name the input: the path as given, or `<stdin>`. */
export function inputName(source: string | undefined): string {
  return source === undefined || source === '-' ? STDIN_NAME : source;
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export function readFailed(err: unknown, file: string): ActorCoreError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const reason =
    code === undefined
      ? oneLine(err instanceof Error ? err.message : String(err))
      : `${code}${READ_ERRORS[code] === undefined ? '' : ` (${READ_ERRORS[code]})`}`;
  return new ActorCoreError('INPUT_READ_FAILED', `cannot read the input: ${reason}`, { file });
}

/**
 * The most `resolve FILE` and `explain` read: one actor's outputs (the standard actor's are ~11 KB).
 * A larger input is a mistake, most often JSON lines given without `--jsonl`: read whole, 1 GB of them
 * took gigabytes of memory and then failed inside V8 ("Cannot create a string longer than …").
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** `size` when known (a file's); stdin is not read to its end to find it. */
function tooLarge(file: string, size?: number): ActorCoreError {
  const mib = (n: number): string => `${Math.ceil(n / 1024 / 1024).toLocaleString('en-US')} MiB`;
  return new ActorCoreError(
    'INPUT_TOO_LARGE',
    `the input${size === undefined ? '' : ` (${mib(size)})`} is more than one actor's outputs may ` +
      `hold (${mib(MAX_INPUT_BYTES)}); JSON lines, one actor a line, are read with --jsonl`,
    { file },
  );
}

/** Stops reading at the first chunk past the limit, so that memory stays bounded on a large stdin. */
async function readStream(stream: Readable, file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buffer.length;
    if (bytes > MAX_INPUT_BYTES) throw tooLarge(file);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A file's bytes: a regular file's size is checked before it is read, a pipe or device's as it is. */
async function readWholeFile(file: string): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return await readStream(handle.createReadStream({ autoClose: false }), file);
    if (stats.size > MAX_INPUT_BYTES) throw tooLarge(file, stats.size);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Input that is not UTF-8, named with the line of its first bad byte (as `--jsonl` names it: source-lines.ts). */
function notUtf8(line: number, file: string): ActorCoreError {
  return new ActorCoreError('INVALID_JSON', `not valid JSON: line ${line} is not UTF-8 text`, { file });
}

/** The whole input as text (a leading byte order mark dropped); bytes that are not UTF-8 are refused. */
export async function readInputText(source: string | undefined, stdin: Readable): Promise<string> {
  const file = inputName(source);
  let bytes: Buffer;
  try {
    bytes = file === STDIN_NAME ? await readStream(stdin, file) : await readWholeFile(file);
  } catch (err) {
    throw isActorCoreError(err) ? err : readFailed(err, file);
  }
  const text = bytes.toString('utf8');
  const badLine = text.includes('\ufffd') ? firstNonUtf8Line(bytes) : 0; // U+FFFD may also be real text
  if (badLine > 0) throw notUtf8(badLine, file);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** JSON.parse, with a failure as INVALID_JSON naming the file and, where it can be found, the line. */
export function parseJsonInput(text: string, file: string): unknown {
  if (text.trim() === '')
    throw new ActorCoreError('INVALID_JSON', 'not valid JSON: the input is empty', { file });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = oneLine((err as Error).message);
    const at = jsonErrorPosition((err as Error).message, text);
    // V8's words for a second value after the first: most likely an actor a line without --jsonl.
    const hint = message.includes('after JSON')
      ? '; JSON lines, one actor a line, are read with --jsonl'
      : '';
    throw new ActorCoreError(
      'INVALID_JSON',
      `not valid JSON: ${message}${at === undefined ? '' : ` (${at})`}${hint}`,
      {
        file,
      },
    );
  }
  // JSON.parse keeps a repeated key's last value; in a file written by hand that hides a mistake.
  const repeated = repeatedKeyProblem(text);
  if (repeated !== undefined)
    throw new ActorCoreError('INVALID_JSON', `not valid input: ${repeated}`, { file });
  return value;
}

/** The input of `resolve FILE` and `explain`: a JSON array of SubsystemOutput (its items checked later). */
export function parseOutputsInput(text: string, file: string): unknown[] {
  const value = parseJsonInput(text, file);
  if (!Array.isArray(value)) {
    const got = value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value;
    throw new ActorCoreError(
      'INVALID_TYPE',
      `the input must be a JSON array of SubsystemOutput, got ${got}`,
      {
        file,
      },
    );
  }
  return value;
}

/** The input's byte chunks, for `--jsonl`; a failure to open or read it is INPUT_READ_FAILED naming it. */
export async function* inputChunks(
  source: string | undefined,
  stdin: Readable,
): AsyncGenerator<Buffer | string> {
  const file = inputName(source);
  const stream = file === STDIN_NAME ? stdin : fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as Buffer | string;
  } catch (err) {
    throw readFailed(err, file);
  }
}
