/**
 * A fixed string → index table for the registry's dimension names, looked up once per contribution.
 * Names parsed from JSON that are longer than ten characters are not internalized by V8, so a Map
 * lookup hashes every character and compares contents; this table hashes the length and the first and
 * last characters (and the middle one, where those do not separate the names) and compares only the
 * candidate.
 *
 * The hash's multiplier is searched for at build time so that no two names share a slot: a lookup is
 * then one probe and one comparison, with no probe loop whose length varies by name (a branch the
 * CPU mispredicts). Names whose sampled characters coincide cannot be separated that way; the table
 * then probes linearly.
 */
const MULTIPLIER_TRIES = 512;
/**
 * Names placed in all tries of one table size, at most: a table of n names in 4n–8n slots is
 * collision-free for a random multiplier with a chance of about e^(-n/8)–e^(-n/16), so past a few
 * hundred names the search cannot succeed and only costs load time (seconds at 50,000 names).
 */
const SEARCH_BUDGET = 1 << 20;
/** JSON.parse internalizes the strings it makes up to this length (V8 12, as in Node 20). */
const PARSED_INTERNALIZED_LENGTH = 10;

export class NameIndex {
  /** Empty slots hold '' with the value -1, so that every probe compares two strings. */
  private keys: string[] = [];
  private values: Int32Array = new Int32Array(0);
  private multiplier = 0x9e3779b1 | 0;
  private shift = 32;
  /** Whether the hash samples the middle character too. */
  private wide = false;
  /** Whether every name has a slot of its own (one probe per lookup). */
  readonly perfect: boolean;

  constructor(names: readonly string[]) {
    let bits = 3;
    while (1 << bits < names.length * 4) bits++;
    const tries = Math.min(MULTIPLIER_TRIES, Math.ceil(SEARCH_BUDGET / Math.max(1, names.length)));
    // A character fewer to read per lookup where the names allow it.
    for (const wide of [false, true]) {
      this.wide = wide;
      for (let extra = 0; extra < 2; extra++) {
        for (let t = 0; t < tries; t++) {
          // Odd multipliers spread over the 32-bit range (Weyl sequence of the golden ratio).
          if (this.build(names, bits + extra, (Math.imul(t, 0x9e3779b9) | 1) >>> 0, false)) {
            this.perfect = true;
            return;
          }
        }
      }
    }
    this.build(names, bits, 0x9e3779b1, true);
    this.perfect = false;
  }

  /** Fills the table; without `probe`, gives up (false) on the first two names that share a slot. */
  private build(names: readonly string[], bits: number, multiplier: number, probe: boolean): boolean {
    const size = 1 << bits;
    const keys = new Array<string>(size).fill('');
    const values = new Int32Array(size).fill(-1);
    const shift = 32 - bits;
    for (let value = 0; value < names.length; value++) {
      const name = names[value]!;
      let i = Math.imul(this.sample(name), multiplier) >>> shift;
      while (values[i] !== -1) {
        if (!probe) return false;
        i = (i + 1) & (size - 1);
      }
      keys[i] = name;
      values[i] = value;
    }
    this.keys = keys;
    this.values = values;
    this.multiplier = multiplier | 0;
    this.shift = shift;
    return true;
  }

  /** The length, the first and the last character of a name (and, when `wide`, the middle one), mixed. */
  private sample(name: string): number {
    const n = name.length;
    if (n === 0) return 0;
    const ends =
      Math.imul(n, 0x27d4eb2f) ^ Math.imul(name.charCodeAt(0), 0x85ebca6b) ^ name.charCodeAt(n - 1);
    return this.wide ? ends ^ Math.imul(name.charCodeAt(n >> 1), 0xc2b2ae35) : ends;
  }

  /** The index of `name`, or -1 (also for anything that is not a string). */
  get(name: unknown): number {
    if (typeof name !== 'string') return -1;
    let i = Math.imul(this.sample(name), this.multiplier) >>> this.shift;
    const keys = this.keys;
    if (this.perfect) {
      // Two comparisons that do the same: V8 compares two internalized strings by address, with no call,
      // at a comparison that has only ever seen such pairs. The table's names are internalized, and so
      // is every string of up to ten characters that JSON.parse makes; the longer parsed names, compared
      // by content, are kept away from the short ones' comparison so that it stays by address.
      if (name.length <= PARSED_INTERNALIZED_LENGTH) return keys[i] === name ? this.values[i]! : -1;
      return keys[i] === name ? this.values[i]! : -1;
    }
    const mask = keys.length - 1;
    for (let value = this.values[i]!; value !== -1; value = this.values[i]!) {
      if (keys[i] === name) return value;
      i = (i + 1) & mask;
    }
    return -1;
  }
}
