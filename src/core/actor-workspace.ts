/**
 * The hot path's per-actor state. One workspace per compiled registry is reused from actor to actor
 * (resolving is synchronous, so it is never shared by two resolutions at once), so gathering an actor
 * allocates nothing: each contribution is folded into its dimension's running sums as it arrives, and
 * linked into a per-dimension chain in case its section turns out to need the sort order after all.
 *
 * Folding in arrival order is exact wherever `needsOrder` says order cannot change the bits (sums of
 * int32 terms, products and sums of at most two terms, MAX, MIN, and the OVERRIDE chosen by
 * comparison); in the other sections, about one in five in the standard workload, the buckets that
 * need it are collected from their chain into a scratch array, sorted and folded as `candidateValue`
 * folds them.
 *
 * State lives in a few flat typed arrays with fixed strides, so the gather loops load them once.
 */
import { isKnownDimension } from './check';
import { ItemChains } from './item-chains';
import {
  FRACTIONAL_FLAT,
  FRACTIONAL_POST_ADD,
  needsOrderFor,
  operatorFoldedValue,
  operatorValue,
  productNeedsOrder,
  sumNeedsOrder,
} from './combine';
import { ActorCaps } from './actor-caps';
import { emptyLayer, RangeFold, type LayerBounds } from './caps';
import { compareContributions } from './order';
import { RecordTemplate } from './record-template';
import { SortedTerms } from './sorted-terms';
import type { CompiledRegistries, CompiledRule } from './registries';
import type { CapContribution, CapRange, Contribution, SubsystemOutput } from './types';
import { BUCKET_CODES, capPlace, contributionBucketCode } from './item-checks';

/** Section codes: a dimension's two sections sit side by side at `dim * 2 + section`. */
export const PRIMARY = 0;
export const DERIVED = 1;

// Per section, Int32 fields at `(dim * 2 + section) * SECTION_INTS`.
const SECTION_INTS = 8;
const COUNT = 0;
/** Then one count per bucket, at `COUNT + 1 + bucket code` (codes as `BUCKET_CODES`). */
const FLAT_COUNT = 1;
const MULT_COUNT = 2;
const POST_COUNT = 3;
/** Bit set of the buckets holding a value that is not an int32 (as `BucketCounts.fractional`). */
const FRACTIONAL = 5;
/** The last item of the section's chain plus one, or 0 (so that a cleared table is all zeros). */
const HEAD = 6;
/** The item that is the section's OVERRIDE so far plus one, or 0. */
const OVERRIDE = 7;
// Per section, Float64 running folds at `(dim * 2 + section) * SECTION_SUMS`: the sums start at 0, the
// product at 1, the extremes at ∓∞ (see `begin`).
const SECTION_SUMS = 8;
const FLAT_SUM = 0;
const MULT_PRODUCT = 1;
const POST_SUM = 2;
/** Where the values of MULT and OVERRIDE contributions are added, unread: see `addContributions`. */
const UNREAD_SUM = 3;
/** Operator mode's MAX and MIN of the section's values, folded only in operator-mode dimensions. */
const HIGHEST = 4;
const LOWEST = 5;
/** The sum each bucket's values go to, by bucket code. */
const SUM_OF_BUCKET = new Int32Array([FLAT_SUM, UNREAD_SUM, POST_SUM, UNREAD_SUM]);
// Bucket codes, as `contributionBucketCode` gives them.
const FLAT_CODE = BUCKET_CODES.indexOf('FLAT');
const MULT_CODE = BUCKET_CODES.indexOf('MULT');
const POST_CODE = BUCKET_CODES.indexOf('POST_ADD');
const OVERRIDE_CODE = BUCKET_CODES.indexOf('OVERRIDE');
const ALL_BUCKETS = 0b1111;

export class ActorWorkspace {
  /** Dimension ids: registry slots first (in ascending name order), then this actor's unlisted names. */
  readonly names: string[];
  readonly rules: CompiledRule[];
  private readonly slotCount: number;
  private readonly unlisted = new Map<string, number>();
  private capacity = 0;

  private sections: Int32Array = new Int32Array(0);
  private sums: Float64Array = new Float64Array(0);
  /** 1 where a dimension's rule is operator mode (`use_pipeline: false`), whose extremes are folded. */
  private operatorMode: Uint8Array = new Uint8Array(0);
  /** Filled by `ordered`. */
  order: Int32Array = new Int32Array(0);
  /** The registry dimensions each snapshot record has held, learned by `ordered`. */
  readonly primaryRecord: RecordTemplate;
  readonly derivedRecord: RecordTemplate;
  readonly capsRecord: RecordTemplate;
  /** Set by `ordered`: how many registry dimensions hold Primary contributions, and Derived ones. */
  primarySlots = 0;
  derivedSlots = 0;

  /** The contributions of each section and the caps of each dimension and layer, as chains. */
  private readonly chains = new ItemChains();
  /** Scratch for the sections folded in sort order. */
  private readonly sorted = new SortedTerms();

  /** The caps, by dimension and layer. */
  private readonly capTable: ActorCaps;
  /** Scratch for the sorted cap folds of the dimensions `capRange` cannot give exactly. */
  readonly layerScratch: LayerBounds = emptyLayer();
  readonly fold: RangeFold;

  constructor(private readonly registries: CompiledRegistries) {
    this.capTable = new ActorCaps(this.chains, registries.layers.length, registries.policy);
    this.fold = new RangeFold(registries.policy);
    this.primaryRecord = new RecordTemplate(registries.slotNames);
    this.derivedRecord = new RecordTemplate(registries.slotNames);
    this.capsRecord = new RecordTemplate(registries.slotNames);
    this.slotCount = registries.slotNames.length;
    this.names = [...registries.slotNames];
    this.rules = [...registries.slotRules];
    this.grow(this.slotCount + 8);
    this.rules.forEach((rule, dim) => (this.operatorMode[dim] = rule.usePipeline ? 0 : 1));
  }

  /** Forgets the previous actor and starts on these outputs. */
  begin(outputs: readonly SubsystemOutput[]): this {
    // Clearing the whole tables is a memset; an actor touches most of the registry anyway.
    const dimsUsed = this.names.length;
    this.sections.fill(0, 0, dimsUsed * 2 * SECTION_INTS);
    const sums = this.sums;
    for (let at = 0; at < dimsUsed * 2 * SECTION_SUMS; at += SECTION_SUMS) {
      sums[at + FLAT_SUM] = 0;
      sums[at + MULT_PRODUCT] = 1;
      sums[at + POST_SUM] = 0;
      sums[at + UNREAD_SUM] = 0;
      sums[at + HIGHEST] = -Infinity;
      sums[at + LOWEST] = Infinity;
    }
    this.capTable.clear(dimsUsed);
    if (this.unlisted.size > 0) {
      this.unlisted.clear();
      this.names.length = this.slotCount;
      this.rules.length = this.slotCount;
    }
    this.chains.begin(outputs);
    return this;
  }

  /**
   * Folds in `outputs[output][section]`, the section's contributions, in order. Returns the index of
   * the first one that is not a valid contribution (the caller diagnoses it), or -1.
   */
  addContributions(list: readonly Contribution[], section: number, output: number): number {
    const slotIndex = this.registries.slotIndex;
    let { sections, sums, operatorMode } = this;
    for (let j = 0; j < list.length; j++) {
      const c = list[j]!;
      const name = c?.dimension; // `?.`: a null entry is diagnosed, not a TypeError
      let dim = slotIndex.get(name);
      if (dim < 0) {
        dim = this.unlistedDimension(name);
        if (dim < 0) return j;
        ({ sections, sums, operatorMode } = this); // may have grown
      }
      const code = contributionBucketCode(c);
      if (code < 0) return j;
      const idx = dim * 2 + section;
      const at = idx * SECTION_INTS;
      const k = this.chains.link(output, j, sections[at + HEAD]!, code);
      sections[at + HEAD] = k + 1;
      sections[at + COUNT]++;
      sections[at + COUNT + 1 + code]++;
      // Every bucket goes through the same instructions, selected by index and factor, not by branch:
      // buckets arrive in no predictable order, and a mispredicted branch costs more than these.
      // Adding ±0 to a sum, or multiplying a product by 1 + ±0, changes no bit of it.
      const value = c.value;
      const folds = idx * SECTION_SUMS;
      sums[folds + SUM_OF_BUCKET[code]!] += value;
      sums[folds + MULT_PRODUCT] *= 1 + value * +(code === MULT_CODE);
      // -0 counts as an integer: the folds start from +0.
      sections[at + FRACTIONAL] |= +((value | 0) !== value) << code;
      if (operatorMode[dim] !== 0) {
        // MAX and MIN do not depend on order (values are finite; Math.max(-0, 0) is 0 either way).
        sums[folds + HIGHEST] = Math.max(sums[folds + HIGHEST]!, value);
        sums[folds + LOWEST] = Math.min(sums[folds + LOWEST]!, value);
      }
      if (code === OVERRIDE_CODE) {
        const current = sections[at + OVERRIDE]!;
        if (current === 0 || compareContributions(c, this.chains.contribution(section, current - 1)) < 0)
          sections[at + OVERRIDE] = k + 1;
      }
    }
    return -1;
  }

  /** Records `outputs[output].caps`, in order; returns the index of the first invalid cap, or -1. */
  addCaps(list: readonly CapContribution[], output: number): number {
    const slotIndex = this.registries.slotIndex;
    for (let j = 0; j < list.length; j++) {
      const cap = list[j]!;
      const name = cap?.dimension;
      let dim = slotIndex.get(name);
      if (dim < 0 && (dim = this.unlistedDimension(name)) < 0) return j;
      const place = capPlace(cap, this.registries);
      if (place < 0) return j;
      this.capTable.add(dim, place, output, j, cap.value);
    }
    return -1;
  }

  /**
   * The touched dimensions in ascending name order, written into `order`; returns how many. Also
   * counts the registry dimensions with Primary and with Derived contributions, and has the record
   * templates learn any they do not hold yet.
   */
  ordered(): number {
    const { order: out, sections, capTable } = this;
    const { primaryRecord, derivedRecord, capsRecord } = this;
    let n = 0;
    let primaryDims = 0;
    let derivedDims = 0;
    // Touched: a contribution in either section, or a cap. Counting here, once per slot, is cheaper
    // than marking each dimension as its items arrive.
    for (let dim = 0; dim < this.slotCount; dim++) {
      const primary = sections[dim * 2 * SECTION_INTS + COUNT]!;
      const derived = sections[(dim * 2 + 1) * SECTION_INTS + COUNT]!;
      primaryDims += primaryRecord.see(dim, primary);
      derivedDims += derivedRecord.see(dim, derived);
      if (capsRecord.see(dim, primary | derived | capTable.count(dim)) !== 0) out[n++] = dim;
    }
    this.primarySlots = primaryDims;
    this.derivedSlots = derivedDims;
    if (this.unlisted.size === 0) return n;
    // An unlisted name gets an id only when an item names it, so every one is touched.
    for (let dim = this.slotCount; dim < this.names.length; dim++) out[n++] = dim;
    const names = this.names;
    out.subarray(0, n).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    return n;
  }

  contributionCount(dim: number, section: number): number {
    return this.sections[(dim * 2 + section) * SECTION_INTS + COUNT]!;
  }

  /** Whether the dimension received a contribution or a cap. */
  touched(dim: number): boolean {
    const at = dim * 2 * SECTION_INTS;
    return (
      (this.sections[at + COUNT]! | this.sections[at + SECTION_INTS + COUNT]! | this.capCountOf(dim)) !== 0
    );
  }

  capCountOf(dim: number): number {
    return this.capTable.count(dim);
  }

  /**
   * The candidate value of a section when its arrival-order fold is exact, else NaN. (A fold never
   * yields NaN from finite inputs except ∞ × 0 or ∞ − ∞, which the sorted fold then reports.)
   */
  foldedValue(dim: number, section: number): number {
    const idx = dim * 2 + section;
    const sums = this.sums;
    const at = idx * SECTION_SUMS;
    const rule = this.rules[dim]!;
    if (rule.usePipeline) {
      // `needsOrderFor`'s pipeline test, on counts read once; an OVERRIDE wins whatever the order.
      const s = this.sections;
      const ints = idx * SECTION_INTS;
      const override = s[ints + OVERRIDE]!;
      if (override > 0) return this.chains.contribution(section, override - 1).value;
      const length = s[ints + COUNT]!;
      const fractional = s[ints + FRACTIONAL]!;
      if (
        length > 2 &&
        (productNeedsOrder(s[ints + MULT_COUNT]!) ||
          sumNeedsOrder(s[ints + FLAT_COUNT]!, (fractional & FRACTIONAL_FLAT) !== 0, length) ||
          sumNeedsOrder(s[ints + POST_COUNT]!, (fractional & FRACTIONAL_POST_ADD) !== 0, length))
      )
        return NaN;
      return sums[at + FLAT_SUM]! * sums[at + MULT_PRODUCT]! + sums[at + POST_SUM]!;
    }
    if (this.sectionNeedsOrder(dim, section)) return NaN;
    // Operator mode: every value went to one of the three sums. Where order cannot show (int32 terms,
    // or at most two), adding them gives the bits of one sum in any order.
    const sum = sums[at + FLAT_SUM]! + sums[at + POST_SUM]! + sums[at + UNREAD_SUM]!;
    const n = this.sections[idx * SECTION_INTS + COUNT]!;
    return operatorFoldedValue(rule.operator, n, sum, sums[at + HIGHEST]!, sums[at + LOWEST]!);
  }

  /**
   * The candidate value of a section whose arrival-order fold `foldedValue` did not give. In pipeline
   * mode only the buckets whose fold depends on order are refolded, in sort order; the others keep
   * their arrival-order folds (the same bits), combined as `pipelineValue` does: OVERRIDE, else
   * `flat × mult + post`. Operator mode folds every value in sort order.
   */
  orderedValue(dim: number, section: number): number {
    const rule = this.rules[dim]!;
    if (!rule.usePipeline) {
      const sorted = this.sectionNeedsOrder(dim, section);
      const n = this.collectTerms(dim, section, ALL_BUCKETS, sorted);
      return operatorValue(this.sorted.terms, rule.operator, n);
    }
    const s = this.sections;
    const at = (dim * 2 + section) * SECTION_INTS;
    const override = s[at + OVERRIDE]!;
    if (override > 0) return this.chains.contribution(section, override - 1).value;
    const sums = this.sums;
    const folds = (dim * 2 + section) * SECTION_SUMS;
    const length = s[at + COUNT]!;
    const fractional = s[at + FRACTIONAL]!;
    // The buckets to refold, as bits by bucket code; one walk collects their terms, sorted bucket first.
    const refold =
      (sumNeedsOrder(s[at + FLAT_COUNT]!, (fractional & FRACTIONAL_FLAT) !== 0, length)
        ? 1 << FLAT_CODE
        : 0) |
      (productNeedsOrder(s[at + MULT_COUNT]!) ? 1 << MULT_CODE : 0) |
      (sumNeedsOrder(s[at + POST_COUNT]!, (fractional & FRACTIONAL_POST_ADD) !== 0, length)
        ? 1 << POST_CODE
        : 0);
    let flat = (refold & (1 << FLAT_CODE)) === 0 ? sums[folds + FLAT_SUM]! : 0;
    let mult = (refold & (1 << MULT_CODE)) === 0 ? sums[folds + MULT_PRODUCT]! : 1;
    let post = (refold & (1 << POST_CODE)) === 0 ? sums[folds + POST_SUM]! : 0;
    const n = this.collectTerms(dim, section, refold, true);
    const { terms, codes: termCodes } = this.sorted;
    for (let i = 0; i < n; i++) {
      const code = termCodes[i]!;
      if (code === FLAT_CODE) flat += terms[i]!.value;
      else if (code === MULT_CODE) mult *= 1 + terms[i]!.value;
      else post += terms[i]!.value;
    }
    return flat * mult + post;
  }

  /** `SortedTerms.collect` of a section's chain; returns n. */
  private collectTerms(dim: number, section: number, buckets: number, sorted: boolean): number {
    const at = (dim * 2 + section) * SECTION_INTS;
    const s = this.sections;
    return this.sorted.collect(this.chains, s[at + HEAD]!, s[at + COUNT]!, section, buckets, sorted);
  }

  /** Whether folding the section in arrival order could give other bits than the sort order. */
  sectionNeedsOrder(dim: number, section: number): boolean {
    const s = this.sections;
    const at = (dim * 2 + section) * SECTION_INTS;
    return needsOrderFor(
      s[at + COUNT]!,
      s[at + FLAT_COUNT]!,
      s[at + MULT_COUNT]!,
      s[at + POST_COUNT]!,
      s[at + FRACTIONAL]!,
      this.rules[dim]!,
    );
  }

  /** The contributions of a section, in a new array (any order). */
  contributions(dim: number, section: number): Contribution[] {
    const at = (dim * 2 + section) * SECTION_INTS;
    return this.chains.list(this.sections[at + HEAD]!, this.sections[at + COUNT]!, (k) =>
      this.chains.contribution(section, k),
    );
  }

  /** The caps of a dimension, in a new array (any order). */
  caps(dim: number): CapContribution[] {
    return this.capTable.list(dim);
  }

  /**
   * The `[Min, Max]` of a dimension with caps, folded off its chain; undefined where that would not
   * give the sorted fold's bits (then fold `caps(dim)`).
   */
  capRange(dim: number): CapRange | undefined {
    return this.capTable.range(dim, this.rules[dim]!);
  }

  /** The id of a name the registry does not list, or -1 when it is not a valid dimension name. */
  private unlistedDimension(name: unknown): number {
    if (!isKnownDimension(name)) return -1;
    const found = this.unlisted.get(name as string);
    if (found !== undefined) return found;
    const dim = this.names.length;
    if (dim === this.capacity) this.grow(this.capacity * 2);
    this.names.push(name as string);
    this.rules.push(this.registries.fallback);
    this.operatorMode[dim] = this.registries.fallback.usePipeline ? 0 : 1;
    this.unlisted.set(name as string, dim);
    return dim;
  }

  /** Sizes the per-dimension tables for `capacity` dimensions, keeping what they hold. */
  private grow(capacity: number): void {
    const sections = new Int32Array(capacity * 2 * SECTION_INTS);
    sections.set(this.sections);
    // Dimensions past those in use are kept blank, as `begin` leaves them (it blanks them before it
    // forgets them), since unlisted names take them up mid-actor.
    const sums = new Float64Array(capacity * 2 * SECTION_SUMS);
    for (let at = 0; at < sums.length; at += SECTION_SUMS) {
      sums[at + MULT_PRODUCT] = 1;
      sums[at + HIGHEST] = -Infinity;
      sums[at + LOWEST] = Infinity;
    }
    sums.set(this.sums);
    const operatorMode = new Uint8Array(capacity);
    operatorMode.set(this.operatorMode);
    this.operatorMode = operatorMode;
    this.capTable.grow(capacity);
    this.sections = sections;
    this.sums = sums;
    this.order = new Int32Array(capacity);
    this.capacity = capacity;
  }
}
