/** Typed errors: `code` says what went wrong, the other fields say where. */
import { quote } from './quote';

export type ErrorCode =
  // input (permanent: retrying the same input gives the same error)
  | 'INVALID_TYPE'
  | 'MISSING_FIELD'
  | 'UNKNOWN_FIELD'
  | 'NON_FINITE_NUMBER'
  | 'INVALID_DIMENSION'
  | 'UNKNOWN_BUCKET'
  | 'UNKNOWN_MODE'
  | 'UNKNOWN_KIND'
  | 'UNKNOWN_OPERATOR'
  | 'UNKNOWN_SCOPE'
  | 'MISSING_REALM'
  | 'MODE_KIND_MISMATCH'
  | 'INVALID_PRIORITY'
  | 'INVALID_MULTIPLIER'
  | 'INVALID_VERSION'
  | 'NON_FINITE_RESULT'
  // registries
  | 'INVALID_CLAMP'
  | 'DUPLICATE_LAYER'
  | 'INVALID_LAYER_NAME'
  | 'UNKNOWN_POLICY'
  | 'EMPTY_LAYER_ORDER'
  // parsing and I/O around the core
  | 'INVALID_JSON'
  | 'LINE_TOO_LONG'
  | 'INPUT_TOO_LARGE'
  | 'INVALID_PACKED_INPUT'
  | 'REGISTRY_LOAD_FAILED'
  | 'INPUT_READ_FAILED'
  // configuration and the stores (persistence adapters)
  | 'INVALID_CONFIG'
  | 'INVALID_ENCRYPTION_KEY'
  | 'UNKNOWN_KEY_ID'
  | 'DECRYPTION_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'SERVICE_START_FAILED'
  | 'MIGRATION_FAILED'
  | 'INVALID_ACTOR_ID'
  | 'SCHEMA_MISSING'
  // the producer's calls
  | 'PRODUCER_CLOSED'
  | 'WAIT_TIMEOUT'
  | 'JOB_FAILED'
  | 'JOB_NOT_FOUND';

export interface ErrorLocation {
  /** The subsystem (its meta.system, else `#index`) the error is in. */
  subsystem?: string;
  dimension?: string;
  /** JSON path of the offending field, e.g. `subsystems[2].caps[0].scope`. */
  field?: string;
  /** The file the input came from, when known. */
  file?: string;
  /** The 1-based line of a JSON-lines input, when known. */
  line?: number;
  actorId?: string;
}

export class ActorCoreError extends Error {
  readonly code: ErrorCode;
  readonly subsystem?: string;
  readonly dimension?: string;
  readonly field?: string;
  readonly file?: string;
  readonly line?: number;
  readonly actorId?: string;
  /** Invalid input never succeeds on retry; lost connections (later issues) do. */
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}, permanent = true) {
    super(message);
    this.name = 'ActorCoreError';
    this.code = code;
    this.permanent = permanent;
    if (where.subsystem !== undefined) this.subsystem = where.subsystem;
    if (where.dimension !== undefined) this.dimension = where.dimension;
    if (where.field !== undefined) this.field = where.field;
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.actorId !== undefined) this.actorId = where.actorId;
  }

  /** The same error with more location (file, line, actor) added by an outer layer. */
  locate(where: ErrorLocation): ActorCoreError {
    return new ActorCoreError(this.code, this.message, { ...this.location(), ...where }, this.permanent);
  }

  location(): ErrorLocation {
    const where: ErrorLocation = {};
    if (this.subsystem !== undefined) where.subsystem = this.subsystem;
    if (this.dimension !== undefined) where.dimension = this.dimension;
    if (this.field !== undefined) where.field = this.field;
    if (this.file !== undefined) where.file = this.file;
    if (this.line !== undefined) where.line = this.line;
    if (this.actorId !== undefined) where.actorId = this.actorId;
    return where;
  }

  /** Plain JSON for error lines, job results and API bodies. */
  toJSON(): { code: ErrorCode; message: string } & ErrorLocation {
    return { code: this.code, message: this.message, ...this.location() };
  }

  /** One line for a terminal: what is wrong, then where. */
  describe(): string {
    const where = this.location();
    const parts: string[] = [];
    if (where.file !== undefined)
      parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
    else if (where.line !== undefined) parts.push(`line ${where.line}`);
    if (where.actorId !== undefined) parts.push(`actor ${shownName(where.actorId)}`);
    if (where.subsystem !== undefined) parts.push(`subsystem ${shownName(where.subsystem)}`);
    if (where.dimension !== undefined) parts.push(`dimension ${shownName(where.dimension)}`);
    if (where.field !== undefined) parts.push(`field ${where.field}`);
    return `${this.code}: ${this.message}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
  }
}

/**
 * A name as the location list shows it: quoted when empty or when it holds what would blur the list
 * (spaces, commas, parentheses, quotes, invisible characters), and cut when very long.
 */
function shownName(name: string): string {
  const quoted = quote(name);
  return name === '' || /[\s,()]/.test(name) || quoted !== `"${name}"` ? quoted : name;
}

export function isActorCoreError(err: unknown): err is ActorCoreError {
  return err instanceof ActorCoreError;
}
