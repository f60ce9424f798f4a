/**
 * Registry files as data: JSON or YAML (see `parseConfigText`). Both refuse what would silently change the
 * registry — a duplicate key (JSON.parse would keep the last), a tag YAML cannot resolve (it would
 * read as a plain string), a tag that makes something other than plain data (`!!omap`, `!!set` and
 * `!!binary` make a Map, a Set and bytes, whose entries validation would not see), a key that is not
 * a string (`true:` would become the dimension "true") — and every failure is one line naming where
 * it is. YAML merge keys (`<<: *anchor`) merge, as in YAML 1.1, so that rules can share an anchor.
 */
import {
  LineCounter,
  isAlias,
  isNode,
  isPair,
  isScalar,
  parseDocument,
  visit,
  type Document,
  type YAMLError,
} from 'yaml';
import { ActorCoreError, jsonErrorPosition } from '../core';
import { repeatedKeyReason } from '../text/json-duplicate-key';

function cannotParse(file: string, reason: string): ActorCoreError {
  return new ActorCoreError('REGISTRY_LOAD_FAILED', `cannot parse: ${reason}`, { file });
}

/** The tags that make plain data: strings, numbers, booleans, null, mappings and sequences. */
const PLAIN_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

/** `!!omap` for `tag:yaml.org,2002:omap`: the tag as the file spells it. */
function shortTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, '!!');
}

/** The first node that is not plain data, as a reason naming its line and column; else undefined. */
function notPlainData(doc: Document, lines: LineCounter): string | undefined {
  let reason: string | undefined;
  const at = (offset: number | undefined): string => {
    const pos = lines.linePos(offset ?? 0);
    return `at line ${pos.line}, column ${pos.col}`;
  };
  visit(doc, {
    Node(_, node, path) {
      if (node.tag !== undefined && !PLAIN_TAGS.has(node.tag)) {
        // A collection's range starts at its first entry: point at the key it is the value of.
        const parent = path[path.length - 1];
        const key = isPair(parent) && isScalar(parent.key) ? parent.key : undefined;
        const owner = key === undefined ? '' : `${String(key.value)}: `;
        reason = `${owner}tag ${shortTag(node.tag)} is not supported (only plain mappings, lists and scalars) ${at((key ?? node).range?.[0])}`;
        return visit.BREAK;
      }
      return undefined;
    },
    Pair(_, pair) {
      const key = pair.key;
      // With merge keys on, `<<` parses as a symbol; every other key must be a string.
      if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'symbol')) return undefined;
      const shown = isScalar(key)
        ? String(key.value)
        : isAlias(key)
          ? `the alias *${key.source}`
          : isNode(key)
            ? 'a list or mapping'
            : 'an empty key';
      const offset = isNode(key) ? key.range?.[0] : isNode(pair.value) ? pair.value.range?.[0] : undefined;
      reason = `a mapping key must be a string, got ${shown} ${at(offset)}`;
      return visit.BREAK;
    },
  });
  return reason;
}

/**
 * YAML's parser takes seconds and gigabytes on a few megabytes that are not YAML (one error per
 * token); JSON.parse does not. 2 MiB of YAML is some 25,000 dimensions: larger registries are JSON.
 */
export const MAX_YAML_CHARS = 2 * 1024 * 1024;

/** A YAML problem's own message (its first line) and where it is. */
function yamlProblem(problem: YAMLError, lines: LineCounter): string {
  const pos = lines.linePos(problem.pos[0]);
  return `${problem.message.split('\n')[0]!} at line ${pos.line}, column ${pos.col}`;
}

function parseYaml(text: string, file: string): unknown {
  if (text.length > MAX_YAML_CHARS)
    throw cannotParse(
      file,
      `a YAML registry is at most ${MAX_YAML_CHARS / 1024 / 1024} MiB, this one is ${(text.length / 1024 / 1024).toFixed(1)} MiB (write a larger one as JSON)`,
    );
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, merge: true, lineCounter: lines });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw cannotParse(file, yamlProblem(problem, lines));
  const reason = notPlainData(doc, lines);
  if (reason !== undefined) throw cannotParse(file, reason);
  try {
    return doc.toJS();
  } catch (err) {
    throw cannotParse(file, (err as Error).message.split('\n')[0]!); // e.g. an alias bomb
  }
}

/** JSON.parse, or why not: a syntax error, or the first duplicate key it would have let through. */
function readJson(text: string): { value: unknown } | { reason: string; syntax: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const at = jsonErrorPosition((err as Error).message, text);
    return { reason: `${message}${at === undefined ? '' : ` (${at})`}`, syntax: true };
  }
  const repeated = repeatedKeyReason(text);
  return repeated === undefined ? { value } : { reason: repeated, syntax: false };
}

/**
 * Parses YAML or JSON text. A `.json` file is JSON; a `.yaml`/`.yml` file is YAML, read as JSON first
 * when it is JSON (JSON is YAML, and JSON.parse reads it in linear time); any other file is read as
 * JSON when it starts as JSON does (`{`, `[`), and its JSON mistake is named, else as YAML.
 */
export function parseConfigText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte order mark
  const isJson = file.endsWith('.json');
  const isYaml = /\.ya?ml$/.test(file);
  if (!isJson && !/^\s*[{[]/.test(body)) return parseYaml(body, file);
  const json = readJson(body);
  if ('value' in json) return json.value;
  if (isYaml && json.syntax) return parseYaml(body, file); // flow-style YAML, e.g. `{dimensions: {}}`
  throw cannotParse(file, json.reason);
}
