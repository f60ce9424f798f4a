/**
 * One JSON line of the standard workload — `{"actorId", "version", "subsystems": [...]}` — in, one
 * result line out: `{"actorId", "snapshot"}` or `{"actorId", "error": {code, message, ...}}`.
 * Shared by the CLI's `--jsonl`, the thread pool and the benchmarks.
 */
import { ActorCoreError, isActorCoreError } from './errors';
import { jsonErrorPosition } from './json-position';
import type { CompiledRegistries } from './registries';
import { resolveSnapshot, resolveSnapshotForJson } from './resolve';
import type { Snapshot, SnapshotForJson } from './types';

export interface ActorLine {
  actorId: string;
  version: number;
  subsystems: unknown;
}

/** A line that did not resolve: its actor, when its line named one, and why. */
interface LineError {
  actorId: string | null;
  error: ReturnType<ActorCoreError['toJSON']>;
}

export type LineResult = { actorId: string | null; snapshot: Snapshot } | LineError;

/** `LineResult` for `JSON.stringify` at once: its snapshot is a `SnapshotForJson`. */
export type LineResultForJson = { actorId: string | null; snapshot: SnapshotForJson } | LineError;

/**
 * A check of a line's text that `JSON.parse` does not make, run once the line parsed: why the line must
 * not be read as it parsed (e.g. a key repeated in one object, whose last value alone would count), or
 * undefined.
 */
export type LineTextCheck = (text: string) => string | undefined;

/**
 * Parses one line; a line that is not an actor object throws ActorCoreError naming it, and so does one
 * that `checkText` refuses.
 */
export function parseActorLine(text: string, lineNumber?: number, checkText?: LineTextCheck): ActorLine {
  const where = lineNumber === undefined ? {} : { line: lineNumber };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = jsonErrorPosition(message, text);
    throw new ActorCoreError(
      'INVALID_JSON',
      `not valid JSON: ${message}${at === undefined ? '' : ` (${at.replace('line 1, ', '')})`}`,
      where,
    );
  }
  const refused = checkText?.(text);
  if (refused !== undefined) throw new ActorCoreError('INVALID_JSON', `not valid input: ${refused}`, where);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ActorCoreError(
      'INVALID_TYPE',
      'a line must be an object {"actorId", "version", "subsystems"}',
      where,
    );
  }
  const actor = parsed as Record<string, unknown>;
  if (typeof actor.actorId !== 'string' || actor.actorId.length === 0) {
    throw new ActorCoreError(
      actor.actorId === undefined ? 'MISSING_FIELD' : 'INVALID_TYPE',
      'actorId must be a non-empty string',
      { ...where, field: 'actorId' },
    );
  }
  for (const key in actor) {
    if (key !== 'actorId' && key !== 'version' && key !== 'subsystems') {
      throw new ActorCoreError('UNKNOWN_FIELD', `${key} is not a known field of an actor line`, {
        ...where,
        actorId: actor.actorId,
        field: key,
      });
    }
  }
  return actor as unknown as ActorLine;
}

/** Resolves one actor line into its result object; errors become `{actorId, error}`. */
export function resolveActorLine(
  text: string,
  registries: CompiledRegistries,
  lineNumber?: number,
): LineResult {
  return resolveLine(text, registries, lineNumber, resolveSnapshot) as LineResult;
}

/** `resolveActorLine` whose snapshot is for `JSON.stringify` at once (see `resolveSnapshotForJson`). */
export function resolveActorLineForJson(
  text: string,
  registries: CompiledRegistries,
  lineNumber?: number,
  checkText?: LineTextCheck,
): LineResultForJson {
  return resolveLine(text, registries, lineNumber, resolveSnapshotForJson, checkText);
}

function resolveLine(
  text: string,
  registries: CompiledRegistries,
  lineNumber: number | undefined,
  resolve: (outputs: unknown, registries: CompiledRegistries, version: unknown) => SnapshotForJson,
  checkText?: LineTextCheck,
): LineResultForJson {
  let actorId: string | null = null;
  try {
    const actor = parseActorLine(text, lineNumber, checkText);
    actorId = actor.actorId;
    return { actorId, snapshot: resolve(actor.subsystems, registries, actor.version) };
  } catch (err) {
    if (!isActorCoreError(err)) throw err;
    // A line rejected after its actorId was read (an unknown field, say) still names its actor.
    actorId ??= err.actorId ?? null;
    const located = err.locate({
      ...(lineNumber === undefined ? {} : { line: lineNumber }),
      ...(actorId === null ? {} : { actorId }),
    });
    return { actorId, error: located.toJSON() };
  }
}

/** Same as `resolveActorLine`, serialized: the text of one output line (no newline). */
export function resolveLineToJson(
  text: string,
  registries: CompiledRegistries,
  lineNumber?: number,
  checkText?: LineTextCheck,
): string {
  return JSON.stringify(resolveActorLineForJson(text, registries, lineNumber, checkText));
}
