/**
 * The registry dimensions a snapshot record (Primary, Derived or CapsUsed) has held so far, and a
 * factory for a record that starts with all of them (see full-record.ts: copying such a record and
 * deleting the few absent keys is cheaper than adding each key to an empty one), and another for a
 * record that only `JSON.stringify` will read (`jsonRecord`). Learned as actors are resolved rather
 * than fixed by the registry, because each record holds its own part of it: in the standard workload
 * Primary holds the 7 primary dimensions and Derived the 23 others, so a template of the whole
 * registry would have every Derived record delete 7 keys, and Primary start empty.
 *
 * What a template holds changes no output: records keep ascending name order whichever keys they
 * start with, and every absent one is deleted.
 */
import {
  fullRecordFactory,
  jsonRecordFactory,
  type FullRecordFactory,
  type JsonRecordFactory,
} from './full-record';

export class RecordTemplate {
  /** 1 where the template holds the slot. */
  private readonly holds: Uint8Array;
  /** The slots it holds, ascending. */
  private slots: number[] = [];
  private factory: FullRecordFactory | undefined;
  private jsonFactory: JsonRecordFactory | undefined;
  /** Whether the factories are yet to be made for the slots held (at first, for none). */
  private stale = true;
  /** A record for JSON's values by slot, `undefined` where absent: see `jsonRecord`. */
  readonly values: unknown[];

  constructor(private readonly slotNames: readonly string[]) {
    this.holds = new Uint8Array(slotNames.length);
    this.values = new Array<unknown>(slotNames.length).fill(undefined);
  }

  /** 1 when a record will hold slot `dim` (it has `items` items), learning the slot if new; else 0. */
  see(dim: number, items: number): number {
    if (items === 0) return 0;
    if (this.holds[dim] === 0) this.learn(dim);
    return 1;
  }

  /** Holds slot `dim` from the next `start` on (a record made before does not have it). */
  learn(dim: number): void {
    this.holds[dim] = 1;
    this.stale = true;
  }

  /**
   * A new record holding every slot of the template, for a record that will hold `present` of them
   * (and no other key); undefined when too few for the copy to pay, or where no factory can be made.
   */
  start(present: number): Record<string, unknown> | undefined {
    if (this.stale) this.rebuild();
    return this.factory !== undefined && present * 2 >= this.slots.length ? this.factory() : undefined;
  }

  /**
   * Whether `jsonRecord` can make records (it cannot where code generation is disallowed); if so,
   * empties `values` for the next record.
   */
  jsonReady(): boolean {
    if (this.stale) this.rebuild();
    if (this.jsonFactory === undefined) return false;
    // By index: `Array#fill` is a call into the runtime, which costs more than these few stores.
    const values = this.values;
    for (let i = 0; i < values.length; i++) values[i] = undefined;
    return true;
  }

  /**
   * A record for `JSON.stringify` only, after `jsonReady`: every learned slot, holding its value in
   * `values`, an absent one `undefined` (see `jsonRecordFactory`). The slots set in `values` must all
   * be learned.
   */
  jsonRecord(): Record<string, unknown> {
    return this.jsonFactory!(this.values);
  }

  /** The slots a record from `start` holds, ascending: those absent from the snapshot are deleted. */
  held(): readonly number[] {
    return this.slots;
  }

  private rebuild(): void {
    this.slots = [];
    for (let dim = 0; dim < this.holds.length; dim++) if (this.holds[dim] === 1) this.slots.push(dim);
    const names = this.slots.map((dim) => this.slotNames[dim]!);
    this.factory = fullRecordFactory(names);
    this.jsonFactory = jsonRecordFactory(names, this.slots);
    this.stale = false;
  }
}
