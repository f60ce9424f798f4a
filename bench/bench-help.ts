/** `--help` for the benchmarks: each prints its own header comment, which says how to run it. */
import * as fs from 'node:fs';

export const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** Prints the first doc comment of `file` (the bench's own source, ts or built), then exits 0. */
export function printHelpAndExit(file: string): never {
  const header = /\/\*\*\n([\s\S]*?)\n \*\//.exec(fs.readFileSync(file, 'utf8'))?.[1] ?? '';
  process.stdout.write(`${header.replace(/^ \*( |$)/gm, '')}\n`);
  process.exit(0);
}
