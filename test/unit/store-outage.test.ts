/** The parking policy for jobs whose store is down: delays, their growth and cap, and the park budget. */
import { parkedRuns, STORE_OUTAGE, storeOutageDelay } from '../../src/queue/store-outage';

const run = (attemptsStarted: number, attemptsMade = 0, stalledCounter = 0) => ({
  attemptsStarted,
  attemptsMade,
  stalledCounter,
});

describe('parkedRuns', () => {
  it('counts the runs that neither failed nor stalled before the current one', () => {
    expect(parkedRuns(run(1))).toBe(0);
    expect(parkedRuns(run(4))).toBe(3);
    expect(parkedRuns(run(4, 1))).toBe(2);
    expect(parkedRuns(run(4, 1, 1))).toBe(1);
    expect(parkedRuns(run(1, 3, 2))).toBe(0);
  });
});

describe('storeOutageDelay', () => {
  it('doubles from the backoff with each parking, between half and all of that delay', () => {
    expect(storeOutageDelay(run(1), 1000, () => 0)).toBe(500);
    expect(storeOutageDelay(run(1), 1000, () => 0.999999)).toBe(1000);
    expect(storeOutageDelay(run(2), 1000, () => 0)).toBe(1000);
    expect(storeOutageDelay(run(3), 1000, () => 0.5)).toBe(3000);
  });

  it('never waits longer than the cap, however many parkings', () => {
    for (const started of [6, 10, 50, 99]) {
      expect(storeOutageDelay(run(started), 1000, () => 0.999999)).toBe(STORE_OUTAGE.maxDelayMs);
    }
  });

  it('gives up parking once the budget is spent, so the job fails and retries as usual', () => {
    const budget = STORE_OUTAGE.maxParkedRuns;
    expect(storeOutageDelay(run(budget), 1000)).toBeDefined();
    expect(storeOutageDelay(run(budget + 1), 1000)).toBeUndefined();
    // Counted failures and stalls are not parkings.
    expect(storeOutageDelay(run(budget + 3, 2, 1), 1000)).toBeDefined();
  });
});
