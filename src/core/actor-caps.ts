/**
 * The caps an actor's workspace gathered, by dimension and layer: each cap is linked into the chain of
 * its dimension and layer (see item-chains.ts), with its place and value, and counted. A dimension's
 * `[Min, Max]` is folded off those chains when the snapshot is written (cap-chain-range.ts), where the
 * layers fit its bit sets; elsewhere its caps are listed for the reference fold.
 */
import { CapChainRange, MAX_CHAIN_LAYERS } from './cap-chain-range';
import type { ItemChains } from './item-chains';
import { placeLayer } from './item-checks';
import type { CompiledRule } from './registries';
import type { AcrossPolicy, CapContribution, CapRange } from './types';

// Per dimension, Int32 fields at `dim * DIM_INTS`.
const DIM_INTS = 2;
const COUNT = 0;
/** Bit set of the layers holding the dimension's caps, by layer index. */
const LAYERS = 1;

export class ActorCaps {
  private dims = new Int32Array(0);
  /** Per dimension and layer, at `dim * layerCount + layer`, the chain's last item plus one, or 0. */
  private heads = new Int32Array(0);
  private readonly ranges: CapChainRange | undefined;

  constructor(
    private readonly chains: ItemChains,
    private readonly layerCount: number,
    policy: AcrossPolicy,
  ) {
    this.ranges = layerCount <= MAX_CHAIN_LAYERS ? new CapChainRange(chains, policy) : undefined;
  }

  /** Sizes the tables for `capacity` dimensions, keeping what they hold. */
  grow(capacity: number): void {
    const dims = new Int32Array(capacity * DIM_INTS);
    dims.set(this.dims);
    const heads = new Int32Array(capacity * this.layerCount);
    heads.set(this.heads);
    this.dims = dims;
    this.heads = heads;
  }

  /** Forgets the caps of dimensions `[0, count)`. */
  clear(count: number): void {
    this.dims.fill(0, 0, count * DIM_INTS);
    this.heads.fill(0, 0, count * this.layerCount);
  }

  /** Adds cap `outputs[output].caps[index]` of dimension `dim`, with its validated place and value. */
  add(dim: number, place: number, output: number, index: number, value: number): void {
    const layer = placeLayer(place);
    const { dims, heads } = this;
    const chain = dim * this.layerCount + layer;
    heads[chain] = this.chains.linkCap(output, index, heads[chain]!, place, value) + 1;
    dims[dim * DIM_INTS + COUNT]++;
    dims[dim * DIM_INTS + LAYERS] |= 1 << layer; // unread past MAX_CHAIN_LAYERS
  }

  /** How many caps dimension `dim` holds. */
  count(dim: number): number {
    return this.dims[dim * DIM_INTS + COUNT]!;
  }

  /** The caps of a dimension, in a new array (any order). */
  list(dim: number): CapContribution[] {
    const caps: CapContribution[] = [];
    const at = dim * this.layerCount;
    for (let l = 0; l < this.layerCount; l++)
      for (let k = this.heads[at + l]! - 1; k >= 0; k = this.chains.next(k)) caps.push(this.chains.cap(k));
    return caps;
  }

  /**
   * The `[Min, Max]` of a dimension with caps, folded off its chains; undefined where that would not
   * give the sorted fold's bits (then fold `list(dim)`).
   */
  range(dim: number, rule: CompiledRule): CapRange | undefined {
    const at = dim * DIM_INTS;
    return this.ranges?.range(
      this.heads,
      dim * this.layerCount,
      this.dims[at + COUNT]!,
      this.dims[at + LAYERS]!,
      rule,
    );
  }
}
