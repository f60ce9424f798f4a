/**
 * The YAML layers of the configuration: `default.yaml` (every setting's default) always, then one more
 * file — `CONFIG_FILE` when set, else `<ENV>.yaml` when it exists (ENV=production → production.yaml) —
 * deep-merged on top, each value remembering its file for the messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { ConfigProblem } from './config-error';
import { interpolate } from './interpolate';
import { fileLabel, type Origins } from './origins';
import { envText, isMapping, type Env, type Tree } from './tree';

/** The folder of default.yaml: config/ next to this file in the sources, the package's config/ from dist/config. */
export const CONFIG_DIR =
  [__dirname, path.resolve(__dirname, '../../config')].find((dir) =>
    fs.existsSync(path.join(dir, 'default.yaml')),
  ) ?? __dirname;

export interface ConfigFile {
  file: string;
  /** Who asked for it, for the message when it cannot be read. */
  reason: string;
  field: string;
}

/** ENV values that can name a file; anything else (`../x`, `a b`) selects no file rather than a path. */
const FILE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The files to read, in order. `location` is a folder (its default.yaml and <ENV>.yaml; CONFIG_FILE
 * still wins over <ENV>.yaml) or one file, which then plays the part of CONFIG_FILE on top of the
 * package's default.yaml.
 */
export function configFiles(env: Env, location: string = CONFIG_DIR): ConfigFile[] {
  if (fs.existsSync(location) && !fs.statSync(location).isDirectory()) {
    return [
      defaults(CONFIG_DIR),
      { file: path.resolve(location), reason: 'the config file', field: location },
    ];
  }
  const files = [defaults(location)];
  const chosen = envText(env, 'CONFIG_FILE');
  if (chosen !== undefined) {
    files.push({ file: path.resolve(chosen), reason: 'CONFIG_FILE points at it', field: 'CONFIG_FILE' });
    return files;
  }
  const name = envText(env, 'ENV');
  const envFile =
    name !== undefined && FILE_NAME.test(name) ? path.join(location, `${name}.yaml`) : undefined;
  if (envFile !== undefined && name !== 'default' && fs.existsSync(envFile)) {
    files.push({ file: envFile, reason: `ENV=${name} selects it`, field: 'ENV' });
  }
  return files;
}

function defaults(dir: string): ConfigFile {
  const file = path.join(dir, 'default.yaml');
  return { file, reason: 'it holds the default of every setting', field: fileLabel(file) };
}

/** A file's mapping, or the problems that keep it from being one (unreadable, bad YAML, not a mapping). */
export function readYaml(ref: ConfigFile): { tree?: Tree; problems: ConfigProblem[] } {
  const label = fileLabel(ref.file);
  let text: string;
  try {
    text = fs.readFileSync(ref.file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { problems: [{ text: `${label} cannot be read (${why}); ${ref.reason}`, field: ref.field }] };
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    // The first line only: the rest quotes the file, which may hold a secret.
    const problems = doc.errors.map((error) => {
      const [head = error.message] = error.message.split('\n');
      const pos = error.linePos?.[0];
      const what = head.replace(/ at line \d+, column \d+:?$/, '');
      const where = pos === undefined ? '' : ` line ${pos.line}, column ${pos.col}:`;
      return { text: `${label}:${where} ${what}`, field: label };
    });
    return { problems };
  }
  const tree: unknown = doc.toJS({ maxAliasCount: 100 });
  if (tree === null || tree === undefined) return { tree: {}, problems: [] };
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    const got = Array.isArray(tree) ? 'a list' : JSON.stringify(tree);
    return {
      problems: [
        { text: `${label} must be a mapping of sections (server:, database:, …), got ${got}`, field: label },
      ],
    };
  }
  return { tree: tree as Tree, problems: [] };
}

/**
 * Reads, interpolates and merges the files into one tree. Interpolation problems are returned by path
 * rather than thrown: an environment variable may still replace the value (DATABASE_URL makes a
 * missing `${DB_PASSWORD}` moot).
 */
export function loadLayers(
  files: readonly ConfigFile[],
  env: Env,
  origins: Origins,
): { tree: Tree; fileProblems: ConfigProblem[]; unresolved: Map<string, ConfigProblem> } {
  const tree: Tree = {};
  const fileProblems: ConfigProblem[] = [];
  const unresolved = new Map<string, ConfigProblem>();
  for (const ref of files) {
    const read = readYaml(ref);
    fileProblems.push(...read.problems);
    if (read.tree === undefined) continue;
    const result = interpolate(read.tree, env);
    merge(tree, result.value as Tree, '', (at) => {
      origins.clear(at);
      origins.set(at, { file: ref.file, variables: result.variables.get(at) });
      // A later file giving the value settles an earlier file's unresolved `${VAR}` there.
      for (const key of [...unresolved.keys()]) {
        if (key === at || key.startsWith(`${at}.`)) unresolved.delete(key);
      }
    });
    for (const { path: at, message } of result.problems) {
      unresolved.set(at, { text: `${fileLabel(ref.file)}: ${at} ${message}`, field: at });
    }
  }
  return { tree, fileProblems, unresolved };
}

/** Mappings merge key by key; anything else (scalars, lists) replaces. `onSet` sees each replaced path. */
function merge(target: Tree, source: Tree, prefix: string, onSet: (at: string) => void): void {
  for (const [key, value] of Object.entries(source)) {
    const at = prefix === '' ? key : `${prefix}.${key}`;
    const current = target[key];
    if (isMapping(value) && isMapping(current)) {
      merge(current, value, at, onSet);
    } else {
      target[key] = value;
      onSet(at);
      if (isMapping(value)) recordLeaves(value, at, onSet);
    }
  }
}

function recordLeaves(tree: Tree, prefix: string, onSet: (at: string) => void): void {
  for (const [key, value] of Object.entries(tree)) {
    const at = `${prefix}.${key}`;
    onSet(at);
    if (isMapping(value)) recordLeaves(value, at, onSet);
  }
}
