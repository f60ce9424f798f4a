/**
 * The snapshot records' factories. First, a null-prototype record that already holds every registry
 * dimension, in ascending name order, for the snapshot's records to start from. V8 keeps such records
 * as hash dictionaries: built key by key, a record costs ~23 ns per key, most of it growing and
 * rehashing the table as it fills, while copying an object literal that holds all the keys costs
 * ~110 ns for 30 of them, and then an update ~9 ns and a delete ~25 ns per key. So a record that will
 * hold most of the registry (CapsUsed holds every dimension an actor touches, Derived most of them) is
 * cheaper as a copy with the absent keys deleted; deleting keeps the others in their order.
 *
 * The copy is an object literal, so its source is generated from the registry's names. Only names of
 * the dimension pattern are written into it (a literal key such as `__proto__` would not be a key);
 * with any other name, or where code generation is disallowed, there is no factory and every record is
 * built key by key. Then the records for JSON (`jsonRecordFactory`), made the same way.
 */
import { DIMENSION_PATTERN } from './check';

export type FullRecordFactory = () => Record<string, unknown>;

export function fullRecordFactory(names: readonly string[]): FullRecordFactory | undefined {
  if (names.length === 0) return undefined;
  return literalFactory<FullRecordFactory>(names, '', (name) => `${name}: 0`, '__proto__: null, ');
}

export type JsonRecordFactory = (values: readonly unknown[]) => Record<string, unknown>;

/**
 * A factory of records meant only for `JSON.stringify`: one object literal holding `names[i]` with
 * the value `values[slots[i]]`, `undefined` included, which JSON.stringify leaves out as if the key
 * were absent. Unlike the null-prototype dictionaries above, every record it makes has one fast shape,
 * which V8 builds and serializes several times faster; but its keys are not the snapshot's, so such a
 * record is never handed to a reader. The same names qualify as for `fullRecordFactory`; none makes `{}`.
 */
export function jsonRecordFactory(
  names: readonly string[],
  slots: readonly number[],
): JsonRecordFactory | undefined {
  return literalFactory<JsonRecordFactory>(names, 'values', (name, i) => `${name}: values[${slots[i]!}]`);
}

/**
 * A function of `parameter` returning an object literal of one `entry` per name (after `prefix`), or
 * undefined when a name is not of the dimension pattern or code generation is disallowed.
 */
function literalFactory<Factory>(
  names: readonly string[],
  parameter: string,
  entry: (name: string, i: number) => string,
  prefix = '',
): Factory | undefined {
  if (!names.every((name) => DIMENSION_PATTERN.test(name))) return undefined;
  try {
    return new Function(parameter, `return { ${prefix}${names.map(entry).join(', ')} };`) as Factory;
  } catch {
    return undefined; // e.g. node --disallow-code-generation-from-strings
  }
}
