/**
 * The hot path's checks of one contribution and one cap: each says whether the item is valid and, in
 * the same pass, where it goes (a bucket code; a cap's layer, mode and kind), so that gathering folds
 * it by index. The bucket, mode, kind and layer are found by a few characters or a hash and then
 * compared once, not tried against each name in turn: they arrive in no order a CPU can predict.
 * validate-output.ts says what is wrong with an item these reject; a property test holds the two to
 * the same verdicts.
 */
import type { CompiledRegistries } from './registries';

/** The buckets in pipeline order; a contribution's bucket code is its index here. */
const BUCKET_CODES = ['FLAT', 'MULT', 'POST_ADD', 'OVERRIDE'] as const;
/** Bucket code by `first character & 15`, where the four buckets' first letters differ. */
const BUCKET_BY_LETTER = new Int32Array(16);
BUCKET_CODES.forEach((bucket, code) => (BUCKET_BY_LETTER[bucket.charCodeAt(0) & 15] = code));

/** Whether `key` is a field of a Contribution. */
export function isContributionKey(key: string): boolean {
  return key === 'dimension' || key === 'bucket' || key === 'value' || key === 'system' || key === 'priority';
}

/** Whether `key` is a field of a CapContribution. */
export function isCapKey(key: string): boolean {
  switch (key) {
    case 'system':
    case 'dimension':
    case 'mode':
    case 'kind':
    case 'value':
    case 'priority':
    case 'scope':
    case 'realm':
    case 'tags':
      return true;
    default:
      return false;
  }
}

/**
 * `isContributionBody` that also says the bucket: its code in `BUCKET_CODES`, or -1 when invalid. The
 * bucket is found by its first letter and then compared once, not tried against each name in turn.
 */
export function contributionBucketCode(c: unknown): number {
  if (typeof c !== 'object' || c === null) return -1;
  const r = c as Record<string, unknown>;
  for (const key in r) if (!isContributionKey(key)) return -1;
  const bucket = r.bucket;
  if (typeof bucket !== 'string') return -1;
  const code = BUCKET_BY_LETTER[bucket.charCodeAt(0) & 15]!; // NaN & 15 is 0: '' is then no match
  const value = r.value;
  const priority = r.priority;
  return BUCKET_CODES[code] === bucket &&
    typeof value === 'number' &&
    value - value === 0 && // finite
    typeof r.system === 'string' &&
    (priority === undefined || (typeof priority === 'number' && Number.isInteger(priority)))
    ? code
    : -1;
}

/** Cap modes by code; a cap's place (see `capPlace`) holds its mode's code. */
const MODE_CODES = ['BASELINE', 'ADDITIVE', 'HARD_MAX', 'HARD_MIN', 'OVERRIDE'] as const;
/** Kinds by side code: max 0, min 1. */
const SIDES = ['max', 'min'] as const;
/** Mode code by `(first ^ eighth character) & 15`, where the five modes differ. */
const MODE_BY_LETTERS = new Int32Array(16);
MODE_CODES.forEach((mode, code) => (MODE_BY_LETTERS[(mode.charCodeAt(0) ^ mode.charCodeAt(7)) & 15] = code));
/** Bit `side` of `SIDES_OF_MODE[code]`: whether a cap of that mode may have that kind. */
const SIDES_OF_MODE = new Int32Array([0b11, 0b11, 0b01, 0b10, 0b11]);

/** Bit layout of a cap's place: `layer << PLACE_LAYER | mode code << PLACE_MODE | side`. */
const PLACE_LAYER = 4;
const PLACE_MODE = 1;

// Exported by list, not as `export const`: TypeScript's CommonJS output reads an exported `const`
// through `exports` even in its own module, and the checks below read these for every item.
export { BUCKET_CODES, MODE_CODES, PLACE_LAYER, PLACE_MODE };

/** The layer index of a cap's place. */
export function placeLayer(place: number): number {
  return place >>> PLACE_LAYER;
}

/** The mode code of a cap's place. */
export function placeMode(place: number): number {
  return (place >>> PLACE_MODE) & 7;
}

/**
 * `isCapBody` that also says where the cap goes, as one int (`layer << PLACE_LAYER | mode code <<
 * PLACE_MODE | side`), or -1 when invalid. Mode, kind and layer are found by a few characters or a
 * hash and then compared once, not tried against each name in turn.
 */
export function capPlace(c: unknown, registries: CompiledRegistries): number {
  if (typeof c !== 'object' || c === null) return -1;
  const r = c as Record<string, unknown>;
  for (const key in r) if (!isCapKey(key)) return -1;
  if (r.tags !== undefined && !isStringArray(r.tags)) return -1;
  const { mode, kind, value, priority, scope, realm } = r;
  if (typeof mode !== 'string' || typeof kind !== 'string') return -1;
  // 'max' and 'min' differ in bit 1 of their third character; NaN from a short string reads as 0.
  const side = (kind.charCodeAt(2) >> 1) & 1;
  const code = MODE_BY_LETTERS[(mode.charCodeAt(0) ^ mode.charCodeAt(7)) & 15]!;
  const layer = registries.layerSlots.get(scope === undefined ? 'TOTAL' : scope);
  const valid =
    SIDES[side] === kind &&
    MODE_CODES[code] === mode &&
    (SIDES_OF_MODE[code]! & (1 << side)) !== 0 &&
    typeof r.system === 'string' &&
    typeof value === 'number' &&
    value - value === 0 &&
    (priority === undefined || (typeof priority === 'number' && Number.isInteger(priority))) &&
    layer >= 0 &&
    (realm === undefined ? scope !== 'REALM' : typeof realm === 'string');
  return valid ? (layer << PLACE_LAYER) | (code << PLACE_MODE) | side : -1;
}

function isStringArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}
