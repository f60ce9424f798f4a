/**
 * Which seeded actors play which part in the e2e bench. The measured ones (bulk and interactive) are
 * never touched before the clock; the warm pass has actors of its own, so that it leaves no snapshot,
 * "current" skip or cached page behind for the measured run to profit from.
 */
export interface E2eIds {
  /** The timed bulk run. */
  bulk: string[];
  /** Single-actor interactive jobs during the timed run: spread evenly over the ids. */
  interactive: string[];
  /** The warm pass's bulk jobs. */
  warmBulk: string[];
  /** The warm pass's single-actor jobs. */
  warmInteractive: string[];
}

/** Single-actor jobs in a warm pass (at most; fewer when the pass is smaller). */
export const WARM_PASS_INTERACTIVE = 25;

/**
 * Splits `ids` (sorted, `interactive + warm` more than the bulk run needs) into the four sets: the
 * interactive ones picked evenly over all ids, the warm pass's from the end of the rest (its last
 * `WARM_PASS_INTERACTIVE`, at most half of it, as single jobs), the bulk run the remainder.
 */
export function splitE2eIds(ids: readonly string[], interactive: number, warm: number): E2eIds {
  if (interactive + warm > ids.length) {
    throw new RangeError(
      `${ids.length} ids cannot hold ${interactive} interactive and ${warm} warm-pass actors`,
    );
  }
  const step = ids.length / Math.max(1, interactive);
  const picked = new Set(Array.from({ length: interactive }, (_, i) => Math.floor((i + 0.5) * step)));
  const rest = ids.filter((_, i) => !picked.has(i));
  const bulkCount = rest.length - warm;
  const singles = Math.min(WARM_PASS_INTERACTIVE, Math.floor(warm / 2));
  return {
    bulk: rest.slice(0, bulkCount),
    interactive: ids.filter((_, i) => picked.has(i)),
    warmBulk: rest.slice(bulkCount, rest.length - singles),
    warmInteractive: rest.slice(rest.length - singles),
  };
}
