/**
 * Validation of SubsystemOutput[] before anything is computed (AGGREGATION.md, "Validation").
 * The first problem found throws an ActorCoreError naming the subsystem, dimension and field.
 */
import type { ErrorLocation } from './errors';
import type { CompiledRegistries } from './registries';
import type { SubsystemOutput } from './types';
import { capPlace, contributionBucketCode, isCapKey, isContributionKey } from './item-checks';
import {
  checkDimension,
  checkPriority,
  isKnownDimension,
  fail,
  isPlainObject,
  requireArray,
  requireFinite,
  requireObject,
  requireString,
  describeValue,
  unknownField,
  wrongChoice,
  type Path,
} from './check';
import { member, quote } from './quote';

const BUCKETS = new Set(['FLAT', 'MULT', 'POST_ADD', 'OVERRIDE']);
const MODES = new Set(['BASELINE', 'ADDITIVE', 'HARD_MAX', 'HARD_MIN', 'OVERRIDE']);

/** Validates every output; returns them typed. Throws on the first invalid field. */
export function validateOutputs(outputs: unknown, registries: CompiledRegistries): SubsystemOutput[] {
  const list = requireArray(outputs, () => 'subsystems', {});
  for (let i = 0; i < list.length; i++) {
    const output = checkEnvelope(list[i], i);
    const where = { subsystem: output.meta.system };
    const base = `subsystems[${i}]`;
    checkContributions(output.primary, `${base}.primary`, where);
    checkContributions(output.derived, `${base}.derived`, where);
    for (let j = 0; j < output.caps.length; j++) {
      if (!isCap(output.caps[j], registries))
        diagnoseCap(output.caps[j], `${base}.caps[${j}]`, where, registries);
    }
  }
  return list as SubsystemOutput[];
}

function subsystemName(output: Record<string, unknown>, index: number): string {
  const meta = output.meta;
  if (isPlainObject(meta) && typeof meta.system === 'string') return meta.system;
  return `#${index}`;
}

/**
 * Checks one output's own fields, its meta and its context, and that `primary`, `derived` and `caps`
 * are arrays. Their items are checked by `isContribution` / `isCap` where they are used.
 */
export function checkEnvelope(value: unknown, index: number): SubsystemOutput {
  if (isEnvelope(value)) return value as SubsystemOutput;
  return diagnoseEnvelope(value, index);
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && v - v === 0;
}

/** The fast check behind `checkEnvelope`: no strings or paths are built unless something is wrong. */
function isEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const output = value as Record<string, unknown>;
  for (const key in output) {
    if (key !== 'primary' && key !== 'derived' && key !== 'caps' && key !== 'meta' && key !== 'context') {
      return false;
    }
  }
  const meta = output.meta;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return false;
  const m = meta as Record<string, unknown>;
  for (const key in m) if (key !== 'system' && key !== 'stage' && key !== 'version') return false;
  if (typeof m.system !== 'string') return false;
  if (m.stage !== undefined && typeof m.stage !== 'string') return false;
  if (m.version !== undefined && !Number.isInteger(m.version)) return false;
  if (!Array.isArray(output.primary) || !Array.isArray(output.derived) || !Array.isArray(output.caps))
    return false;
  return output.context === undefined || isContext(output.context);
}

function isContext(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const context = value as Record<string, unknown>;
  for (const name in context) {
    const pack = context[name];
    if (typeof pack !== 'object' || pack === null || Array.isArray(pack)) return false;
    const p = pack as Record<string, unknown>;
    for (const key in p)
      if (key !== 'additive_percent' && key !== 'multipliers' && key !== 'post_add') return false;
    if (p.additive_percent !== undefined && !isFiniteNumber(p.additive_percent)) return false;
    if (p.post_add !== undefined && !isFiniteNumber(p.post_add)) return false;
    const multipliers = p.multipliers;
    if (multipliers !== undefined) {
      if (!Array.isArray(multipliers)) return false;
      // An index loop: `for…of` over an array costs here about what the rest of the check does.
      for (let i = 0; i < multipliers.length; i++) {
        const factor: unknown = multipliers[i];
        if (!isFiniteNumber(factor) || (factor as number) <= 0) return false;
      }
    }
  }
  return true;
}

/** Throws the error that says what is wrong with an output `isEnvelope` rejected. */
function diagnoseEnvelope(value: unknown, index: number): never {
  const base = `subsystems[${index}]`;
  const output = requireObject(value, () => base, { subsystem: `#${index}` });
  const where: ErrorLocation = { subsystem: subsystemName(output, index) };
  for (const key in output) {
    if (key !== 'primary' && key !== 'derived' && key !== 'caps' && key !== 'meta' && key !== 'context') {
      unknownField(key, () => base, where);
    }
  }
  validateMeta(output.meta, base, where);
  requireArray(output.primary, () => `${base}.primary`, where);
  requireArray(output.derived, () => `${base}.derived`, where);
  requireArray(output.caps, () => `${base}.caps`, where);
  if (output.context !== undefined) validateContext(output.context, `${base}.context`, where);
  return fail('INVALID_TYPE', `${base} is not a valid SubsystemOutput`, { ...where, field: base });
}

function validateMeta(value: unknown, base: string, where: ErrorLocation): void {
  const meta = requireObject(value, () => `${base}.meta`, where);
  for (const key in meta) {
    if (key !== 'system' && key !== 'stage' && key !== 'version')
      unknownField(key, () => `${base}.meta`, where);
  }
  requireString(meta.system, () => `${base}.meta.system`, where);
  if (meta.stage !== undefined) requireString(meta.stage, () => `${base}.meta.stage`, where);
  if (meta.version !== undefined && !(typeof meta.version === 'number' && Number.isInteger(meta.version))) {
    const field = `${base}.meta.version`;
    fail('INVALID_TYPE', `${field} must be an integer, got ${describeValue(meta.version)}`, {
      ...where,
      field,
    });
  }
}

/** The fast check of one contribution; `diagnoseContribution` says what is wrong when it fails. */
export function isContribution(c: unknown): boolean {
  return isContributionBody(c) && isKnownDimension((c as Record<string, unknown>).dimension);
}

/** `isContribution` but for the dimension name, which the caller checks (e.g. by registry lookup). */
export function isContributionBody(c: unknown): boolean {
  return contributionBucketCode(c) >= 0;
}

function checkContributions(list: readonly unknown[], base: string, where: ErrorLocation): void {
  for (let j = 0; j < list.length; j++) {
    if (!isContribution(list[j])) diagnoseContribution(list[j], `${base}[${j}]`, where);
  }
}

/** Throws the error that says what is wrong with a contribution `isContribution` rejected. */
export function diagnoseContribution(value: unknown, base: string, where: ErrorLocation): never {
  const path: Path = () => base;
  const c = requireObject(value, path, where);
  for (const key in c) if (!isContributionKey(key)) unknownField(key, path, located(where, c.dimension));
  const dimension = checkDimension(c.dimension, () => `${base}.dimension`, located(where, c.dimension));
  const at: ErrorLocation = { subsystem: where.subsystem, dimension };
  if (typeof c.bucket !== 'string' || !BUCKETS.has(c.bucket)) {
    const field = `${base}.bucket`;
    fail(
      c.bucket === undefined ? 'MISSING_FIELD' : 'UNKNOWN_BUCKET',
      wrongChoice(field, 'one of FLAT, MULT, POST_ADD, OVERRIDE', c.bucket),
      { ...at, field },
    );
  }
  requireFinite(c.value, () => `${base}.value`, at);
  requireString(c.system, () => `${base}.system`, at);
  checkPriority(c.priority, () => `${base}.priority`, at);
  fail('INVALID_TYPE', `${base} is not a valid contribution`, { ...at, field: base });
}

/** The fast check of one cap; `diagnoseCap` says what is wrong when it fails. */
export function isCap(c: unknown, registries: CompiledRegistries): boolean {
  return isCapBody(c, registries) && isKnownDimension((c as Record<string, unknown>).dimension);
}

/** `isCap` but for the dimension name, which the caller checks (e.g. by registry lookup). */
export function isCapBody(c: unknown, registries: CompiledRegistries): boolean {
  return capPlace(c, registries) >= 0;
}

/** Throws the error that says what is wrong with a cap `isCap` rejected. */
export function diagnoseCap(
  value: unknown,
  base: string,
  where: ErrorLocation,
  registries: CompiledRegistries,
): never {
  const path: Path = () => base;
  const cap = requireObject(value, path, where);
  for (const key in cap) if (!isCapKey(key)) unknownField(key, path, located(where, cap.dimension));
  const dimension = checkDimension(cap.dimension, () => `${base}.dimension`, located(where, cap.dimension));
  const at: ErrorLocation = { subsystem: where.subsystem, dimension };
  requireString(cap.system, () => `${base}.system`, at);
  const mode = cap.mode;
  if (typeof mode !== 'string' || !MODES.has(mode)) {
    const field = `${base}.mode`;
    fail(
      mode === undefined ? 'MISSING_FIELD' : 'UNKNOWN_MODE',
      wrongChoice(field, 'one of BASELINE, ADDITIVE, HARD_MAX, HARD_MIN, OVERRIDE', mode),
      { ...at, field },
    );
  }
  const kind = cap.kind;
  if (kind !== 'max' && kind !== 'min') {
    const field = `${base}.kind`;
    fail(kind === undefined ? 'MISSING_FIELD' : 'UNKNOWN_KIND', wrongChoice(field, '"max" or "min"', kind), {
      ...at,
      field,
    });
  }
  if ((mode === 'HARD_MAX' && kind === 'min') || (mode === 'HARD_MIN' && kind === 'max')) {
    const field = `${base}.kind`;
    fail(
      'MODE_KIND_MISMATCH',
      `${field} is "${kind}" but a ${mode} cap needs kind "${mode === 'HARD_MAX' ? 'max' : 'min'}"`,
      {
        ...at,
        field,
      },
    );
  }
  requireFinite(cap.value, () => `${base}.value`, at);
  checkPriority(cap.priority, () => `${base}.priority`, at);
  const scope = cap.scope === undefined ? 'TOTAL' : requireString(cap.scope, () => `${base}.scope`, at);
  if (!registries.layerIndex.has(scope)) {
    const field = `${base}.scope`;
    fail(
      'UNKNOWN_SCOPE',
      `${field} ${quote(scope)}${cap.scope === undefined ? ' (the default)' : ''} is not a layer of the cap layer registry (${registries.layers.join(', ')})`,
      { ...at, field },
    );
  }
  if (cap.realm !== undefined) requireString(cap.realm, () => `${base}.realm`, at);
  else if (scope === 'REALM') {
    const field = `${base}.realm`;
    fail('MISSING_REALM', `${field} is required when scope is REALM`, { ...at, field });
  }
  if (cap.tags !== undefined) {
    const tags = requireArray(cap.tags, () => `${base}.tags`, at);
    for (let t = 0; t < tags.length; t++) requireString(tags[t], () => `${base}.tags[${t}]`, at);
  }
  return fail('INVALID_TYPE', `${base} is not a valid cap`, { ...where, field: base });
}

function validateContext(value: unknown, base: string, where: ErrorLocation): void {
  const context = requireObject(value, () => base, where);
  for (const name in context) {
    const path: Path = () => member(base, name);
    const pack = requireObject(context[name], path, where);
    for (const key in pack) {
      if (key !== 'additive_percent' && key !== 'multipliers' && key !== 'post_add')
        unknownField(key, path, where);
    }
    if (pack.additive_percent !== undefined)
      requireFinite(pack.additive_percent, () => `${path()}.additive_percent`, where);
    if (pack.post_add !== undefined) requireFinite(pack.post_add, () => `${path()}.post_add`, where);
    if (pack.multipliers !== undefined) {
      const multipliers = requireArray(pack.multipliers, () => `${path()}.multipliers`, where);
      for (let m = 0; m < multipliers.length; m++) {
        const factor = requireFinite(multipliers[m], () => `${path()}.multipliers[${m}]`, where);
        if (factor <= 0) {
          const field = `${path()}.multipliers[${m}]`;
          fail('INVALID_MULTIPLIER', `${field} must be greater than 0, got ${factor}`, { ...where, field });
        }
      }
    }
  }
}

function located(where: ErrorLocation, dimension: unknown): ErrorLocation {
  return typeof dimension === 'string' ? { subsystem: where.subsystem, dimension } : where;
}
