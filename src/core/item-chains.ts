/**
 * The items an actor's dimensions received (contributions and caps), each linked to the one that
 * arrived before it in its chain: one chain per section of a dimension, one per dimension's caps. A
 * chain is held by its head, its last item plus one (0 when empty, so that a cleared table of heads is
 * all zeros). Items are kept as (output, index) pairs in one Int32Array, not as references: storing
 * young objects into these long-lived tables would cost a write barrier each.
 */
import type { CapContribution, Contribution, SubsystemOutput } from './types';

// Per item, Int32 fields at `k * ITEM_INTS`.
const ITEM_INTS = 4;
const NEXT = 0;
const OUTPUT = 1;
const INDEX = 2;
/** A contribution's bucket code, or a cap's place (see `capPlace`). */
const CODE = 3;

export class ItemChains {
  private items = new Int32Array(256 * ITEM_INTS);
  /** Each cap's value, by item: the cap fold reads them off here, not off the caps' objects. */
  private values = new Float64Array(256);
  private count = 0;
  private outputs: readonly SubsystemOutput[] = [];

  /** Forgets the previous actor's items; those to come index into `outputs`. */
  begin(outputs: readonly SubsystemOutput[]): void {
    this.count = 0;
    this.outputs = outputs;
  }

  /**
   * Appends item `outputs[output].<list>[index]`, with its code (a bucket code or a cap's place), to
   * the chain whose head is `head`; returns the new item's number (the chain's new head is that plus
   * one).
   */
  link(output: number, index: number, head: number, code: number): number {
    const k = this.count++;
    let items = this.items;
    if ((k + 1) * ITEM_INTS > items.length) items = this.grow();
    items[k * ITEM_INTS + NEXT] = head;
    items[k * ITEM_INTS + OUTPUT] = output;
    items[k * ITEM_INTS + INDEX] = index;
    items[k * ITEM_INTS + CODE] = code;
    return k;
  }

  /** `link` for a cap, which also keeps its value. */
  linkCap(output: number, index: number, head: number, place: number, value: number): number {
    const k = this.link(output, index, head, place);
    this.values[k] = value;
    return k;
  }

  private grow(): Int32Array<ArrayBuffer> {
    const items = new Int32Array(this.items.length * 2);
    items.set(this.items);
    const values = new Float64Array(this.values.length * 2);
    values.set(this.values);
    this.items = items;
    this.values = values;
    return items;
  }

  /** The item before `k` in its chain, or -1. */
  next(k: number): number {
    return this.items[k * ITEM_INTS + NEXT]! - 1;
  }

  /** The `count` items of the chain whose head is `head`, as `item` gives them, in a new array. */
  list<T>(head: number, count: number, item: (k: number) => T): T[] {
    const out = new Array<T>(count);
    for (let i = 0, k = head - 1; i < count; i++, k = this.next(k)) out[i] = item(k);
    return out;
  }

  /** The code of item `k`: a contribution's bucket code, a cap's place. */
  code(k: number): number {
    return this.items[k * ITEM_INTS + CODE]!;
  }

  /** The value of cap item `k`. */
  value(k: number): number {
    return this.values[k]!;
  }

  /** Contribution item `k` of section 0 (Primary) or 1 (Derived), as actor-workspace numbers them. */
  contribution(section: number, k: number): Contribution {
    const output = this.outputs[this.items[k * ITEM_INTS + OUTPUT]!]!;
    return (section === 0 ? output.primary : output.derived)[this.items[k * ITEM_INTS + INDEX]!]!;
  }

  /** Cap item `k`. */
  cap(k: number): CapContribution {
    return this.outputs[this.items[k * ITEM_INTS + OUTPUT]!]!.caps[this.items[k * ITEM_INTS + INDEX]!]!;
  }
}
