/** Reading the CLI's input: a file, or stdin for `-` (or no FILE); failures name `<stdin>` or the file. */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { ActorCoreError, jsonErrorPosition } from '../core';
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

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
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
    bytes = file === STDIN_NAME ? await readStream(stdin) : await fs.promises.readFile(file);
  } catch (err) {
    throw readFailed(err, file);
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
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = oneLine((err as Error).message);
    const at = jsonErrorPosition((err as Error).message, text);
    throw new ActorCoreError(
      'INVALID_JSON',
      `not valid JSON: ${message}${at === undefined ? '' : ` (${at})`}`,
      {
        file,
      },
    );
  }
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
