/**
 * A fixed string → index table for the registry's dimension names, looked up once per contribution.
 * Names parsed from JSON that are longer than a few characters are not internalized by V8, so a Map
 * lookup hashes every character and compares contents; this table probes by a hash of the length and
 * three characters and compares only the candidate.
 */
export class NameIndex {
  private readonly keys: (string | undefined)[];
  private readonly values: Int32Array;
  private readonly mask: number;

  constructor(names: readonly string[]) {
    let size = 8;
    while (size < names.length * 4) size *= 2;
    this.mask = size - 1;
    this.keys = new Array<string | undefined>(size).fill(undefined);
    this.values = new Int32Array(size);
    names.forEach((name, value) => {
      let i = NameIndex.hash(name) & this.mask;
      while (this.keys[i] !== undefined) i = (i + 1) & this.mask;
      this.keys[i] = name;
      this.values[i] = value;
    });
  }

  private static hash(name: string): number {
    const n = name.length;
    if (n === 0) return 0;
    return (
      (Math.imul(n, 0x9e3779b1) ^
        Math.imul(name.charCodeAt(0), 0x85ebca6b) ^
        Math.imul(name.charCodeAt(n >> 1), 0xc2b2ae35) ^
        Math.imul(name.charCodeAt(n - 1), 0x27d4eb2f)) >>>
      0
    );
  }

  /** The index of `name`, or -1 (also for anything that is not a string). */
  get(name: unknown): number {
    if (typeof name !== 'string') return -1;
    const keys = this.keys;
    let i = NameIndex.hash(name) & this.mask;
    let key: string | undefined;
    while ((key = keys[i]) !== undefined) {
      if (key === name) return this.values[i]!;
      i = (i + 1) & this.mask;
    }
    return -1;
  }
}
