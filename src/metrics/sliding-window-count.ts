/**
 * A count over the last `windowMs`, kept in a ring of fixed buckets: O(1) to add (on the job path),
 * O(buckets) to read (at scrape time), constant memory however many actors pass. It counts events, not
 * distinct ids: keeping the ids of a window would cost memory in proportion to the throughput.
 */
export class SlidingWindowCount {
  private readonly bucketMs: number;
  private readonly counts: Float64Array;
  /** The bucket number (time / bucketMs) each slot currently holds; -1 for never used. */
  private readonly stamps: Float64Array;

  constructor(
    readonly windowMs: number,
    buckets = 60,
    private readonly now: () => number = Date.now,
  ) {
    if (!(windowMs > 0) || !Number.isSafeInteger(buckets) || buckets < 1) {
      throw new RangeError(
        `SlidingWindowCount needs windowMs > 0 and buckets ≥ 1, got ${windowMs}, ${buckets}`,
      );
    }
    this.bucketMs = windowMs / buckets;
    this.counts = new Float64Array(buckets);
    this.stamps = new Float64Array(buckets).fill(-1);
  }

  add(n = 1): void {
    const bucket = Math.floor(this.now() / this.bucketMs);
    const slot = bucket % this.counts.length;
    if (this.stamps[slot] !== bucket) {
      this.stamps[slot] = bucket;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += n;
  }

  /** The events of the current bucket and the buckets - 1 before it (between windowMs - bucketMs and windowMs). */
  total(): number {
    const oldest = Math.floor(this.now() / this.bucketMs) - this.counts.length;
    let sum = 0;
    for (let slot = 0; slot < this.counts.length; slot++) {
      if (this.stamps[slot]! > oldest) sum += this.counts[slot]!;
    }
    return sum;
  }
}
