/**
 * Registry files as data: JSON (by extension) or YAML. Both refuse what would silently change the
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
import { ActorCoreError, jsonErrorPosition, lineAndColumn } from '../core';
import { findDuplicateJsonKey } from './json-duplicate-key';

function cannotParse(file: string, reason: string): ActorCoreError {
  return new ActorCoreError('REGISTRY_LOAD_FAILED', `cannot parse: ${reason}`, { file });
}

/** A YAML problem's first line, without the colon that introduces its excerpt. */
function yamlReason(problem: YAMLError): string {
  return problem.message.split('\n')[0]!.replace(/:$/, '');
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

function parseYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true, lineCounter: lines });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw cannotParse(file, yamlReason(problem));
  const reason = notPlainData(doc, lines);
  if (reason !== undefined) throw cannotParse(file, reason);
  try {
    return doc.toJS();
  } catch (err) {
    throw cannotParse(file, (err as Error).message.split('\n')[0]!); // e.g. an alias bomb
  }
}

function parseJson(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const at = jsonErrorPosition((err as Error).message, text);
    throw cannotParse(file, `${message}${at === undefined ? '' : ` (${at})`}`);
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) {
    const where = lineAndColumn(text, duplicate.offset);
    throw cannotParse(file, `key ${JSON.stringify(duplicate.key)} appears twice in one object (${where})`);
  }
  return value;
}

/** Parses YAML or JSON text (by extension; YAML is a superset, so unknown extensions parse as YAML). */
export function parseConfigText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte order mark
  return file.endsWith('.json') ? parseJson(body, file) : parseYaml(body, file);
}
