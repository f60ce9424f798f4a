/**
 * Registry files as data: JSON (by extension) or YAML. Both refuse what would silently change the
 * registry — a duplicate key (JSON.parse would keep the last), a tag YAML cannot resolve (it would
 * read as a plain string) — and every failure is one line naming where it is.
 */
import { parseDocument, type YAMLError } from 'yaml';
import { ActorCoreError, jsonErrorPosition } from '../core';

function cannotParse(file: string, reason: string): ActorCoreError {
  return new ActorCoreError('REGISTRY_LOAD_FAILED', `cannot parse: ${reason}`, { file });
}

/** A YAML problem's first line, without the colon that introduces its excerpt. */
function yamlReason(problem: YAMLError): string {
  return problem.message.split('\n')[0]!.replace(/:$/, '');
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw cannotParse(file, yamlReason(problem));
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
  // JSON is YAML: the YAML parser finds the duplicate keys JSON.parse lets through.
  const duplicate = parseDocument(text, { uniqueKeys: true, prettyErrors: true }).errors.find(
    (e) => e.code === 'DUPLICATE_KEY',
  );
  if (duplicate !== undefined) throw cannotParse(file, yamlReason(duplicate));
  return value;
}

/** Parses YAML or JSON text (by extension; YAML is a superset, so unknown extensions parse as YAML). */
export function parseConfigText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte order mark
  return file.endsWith('.json') ? parseJson(body, file) : parseYaml(body, file);
}
