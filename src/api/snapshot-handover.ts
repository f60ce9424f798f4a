/**
 * What the snapshot fast path hands over to the Express route when it cannot answer alone: the outcome
 * of the counted read it already made (a refusal, a miss, or a store's error), so that the route answers
 * it through the one error path without counting the request a second time. Keyed by the request
 * object, in a WeakMap: an entry the route never takes goes with its request.
 */
import type { CountedRead } from './snapshot-reader';

type Outcome = { read: CountedRead } | { error: unknown };

export class SnapshotHandover {
  private readonly outcomes = new WeakMap<object, Outcome>();

  put(req: object, outcome: Outcome): void {
    this.outcomes.set(req, outcome);
  }

  /** The read handed over with `req` (once), or undefined; throws the error of a read that failed. */
  take(req: object): CountedRead | undefined {
    const outcome = this.outcomes.get(req);
    if (outcome === undefined) return undefined;
    this.outcomes.delete(req);
    if ('error' in outcome) throw outcome.error;
    return outcome.read;
  }
}
