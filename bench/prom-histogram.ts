/**
 * A Prometheus histogram read from a /metrics text, and its quantiles estimated as PromQL's
 * `histogram_quantile` does (linear interpolation inside the bucket that holds the rank). bench:api
 * scrapes the API's request histogram before and after a load run to report the server's own view
 * of the latency next to the client's.
 */

/** Cumulative counts by upper bound (`le`), ascending; the last bound is +Inf. */
export type Buckets = Array<{ le: number; count: number }>;

/** The `<name>_bucket` series of `text` whose labels include every pair of `labels`, summed by `le`. */
export function histogramBuckets(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): Buckets {
  const byLe = new Map<number, number>();
  const prefix = `${name}_bucket{`;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(prefix.length, close);
    if (!wanted.every((pair) => labelText.includes(pair))) continue;
    const le = /(?:^|,)le="([^"]+)"/.exec(labelText)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    byLe.set(bound, (byLe.get(bound) ?? 0) + Number(line.slice(close + 1).trim()));
  }
  return [...byLe].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** `after − before`, bucket by bucket (the observations made between two scrapes). */
export function bucketDelta(after: Buckets, before: Buckets): Buckets {
  const earlier = new Map(before.map((b) => [b.le, b.count]));
  return after.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) }));
}

/** The q-quantile (0 < q < 1) as `histogram_quantile` estimates it; NaN without observations. */
export function histogramQuantile(q: number, buckets: Buckets): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      // In the +Inf bucket the estimate is the highest finite bound, as in PromQL.
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / (count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}
