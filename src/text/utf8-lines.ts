/**
 * Finding bytes that are not UTF-8, by line. Decoding them would replace them with U+FFFD, which can
 * merge two names that differ (or change a sort order), so inputs and registries refuse them and say
 * where. No UTF-8 sequence holds a newline byte, so the lines can be checked one by one.
 */
import { isUtf8 } from 'node:buffer';

/** The number (from 1) of the first line holding bytes that are not UTF-8; 0 when all of it is UTF-8. */
export function firstNonUtf8Line(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return 0;
  let line = 1;
  for (let start = 0, nl = bytes.indexOf(0x0a); nl !== -1; start = nl + 1, nl = bytes.indexOf(0x0a, start)) {
    if (!isUtf8(bytes.subarray(start, nl))) break;
    line++;
  }
  return line;
}
