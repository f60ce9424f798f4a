/**
 * Where each value of the merged configuration came from (a YAML file, maybe through `${VAR}`, or an
 * environment variable), so that a problem names what the operator has to edit.
 */
import * as path from 'node:path';
import type { ConfigProblem } from './config-error';

export type Origin = { file: string; variables?: readonly string[] } | { variable: string };

export class Origins {
  private readonly byPath = new Map<string, Origin>();

  set(at: string, origin: Origin): void {
    this.byPath.set(at, origin);
  }

  /** The origin of `at`, else of its nearest parent (a whole section replaced by one file). */
  of(at: string): Origin | undefined {
    for (let p = at; ; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
      const origin = this.byPath.get(p);
      if (origin !== undefined) return origin;
      if (p === '') return undefined;
    }
  }

  /** Forgets `at` and everything under it (a layer or a variable replaced it). */
  clear(at: string): void {
    for (const key of [...this.byPath.keys()]) {
      if (key === at || key.startsWith(`${at}.`)) this.byPath.delete(key);
    }
  }

  /** The problem line for `message` about the value at `at`, blamed on where `blame` came from. */
  problem(at: string, message: string, blame: string = at): ConfigProblem {
    return problemAt(at, this.of(blame), message);
  }
}

/** A file path as an operator typed it: relative to the working directory when under it. */
export function fileLabel(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export function problemAt(at: string, origin: Origin | undefined, message: string): ConfigProblem {
  if (origin !== undefined && 'variable' in origin) {
    return { text: `${origin.variable} ${message}`, field: origin.variable };
  }
  const where = at === '' ? 'the configuration' : at;
  if (origin === undefined) return { text: `${where} ${message}`, field: where };
  const via =
    origin.variables === undefined || origin.variables.length === 0
      ? ''
      : ` (from ${origin.variables.map((v) => `\${${v}}`).join(', ')})`;
  return { text: `${fileLabel(origin.file)}: ${where}${via} ${message}`, field: where };
}
