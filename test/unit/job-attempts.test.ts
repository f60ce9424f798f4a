/** The worker's "will retry" / "failed permanently" decision, as BullMQ makes it. */
import { willRetry } from '../../src/worker/job-attempts';

const job = (attemptsMade: number, attempts?: number) => ({
  attemptsMade,
  opts: attempts === undefined ? {} : { attempts },
});

describe('willRetry', () => {
  it('is true while attempts are left after the failing one', () => {
    expect(willRetry(job(0, 5))).toBe(true);
    expect(willRetry(job(3, 5))).toBe(true);
  });

  it('is false on the last attempt', () => {
    expect(willRetry(job(4, 5))).toBe(false);
    expect(willRetry(job(0, 1))).toBe(false);
    expect(willRetry(job(0))).toBe(false); // BullMQ's default: one attempt
  });
});
