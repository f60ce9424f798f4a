/** When a demo run counts as done, and what its summary says about the sidecar. */
import { demoSucceeded, printSummary, type DemoSummary } from '../../src/demo/demo-summary';

function summary(overrides: Partial<DemoSummary> = {}): DemoSummary {
  return {
    actors: 10_000,
    workers: 2,
    threads: 1,
    concurrency: 4,
    batch: 500,
    jobs: 20,
    seconds: 1.25,
    actorsPerSecond: 8_000,
    latency: { p50: 600, p99: 1_200 } as DemoSummary['latency'],
    failures: 3,
    failedJobs: 0,
    snapshots: 9_997,
    actorsWithoutSnapshot: 3,
    cachedSnapshots: 9_997,
    logFile: '/tmp/workers.log',
    sidecar: { url: 'http://127.0.0.1:4100', ready: true, logFile: '/tmp/api.log' },
    ...overrides,
  };
}

function printed(s: DemoSummary): string {
  const lines: string[] = [];
  printSummary(s, (line) => lines.push(line));
  return lines.join('\n');
}

describe('demoSucceeded', () => {
  it('holds when every actor but the invalid ones has its snapshot and the sidecar is ready', () => {
    expect(demoSucceeded(summary())).toBe(true);
  });

  it('fails when an actor with valid outputs has no snapshot, or a job failed for good', () => {
    expect(demoSucceeded(summary({ actorsWithoutSnapshot: 4 }))).toBe(false);
    expect(demoSucceeded(summary({ failedJobs: 1 }))).toBe(false);
  });

  it('fails when the sidecar did not answer /ready with 200', () => {
    const notReady = summary({
      sidecar: { url: 'http://127.0.0.1:4100', ready: false, logFile: '/tmp/api.log' },
    });
    expect(demoSucceeded(notReady)).toBe(false);
    expect(printed(notReady)).toContain('sidecar            http://127.0.0.1:4100: /ready NOT OK');
  });
});

describe('printSummary', () => {
  it('names the rates, the snapshots and where the sidecar and Bull Board are', () => {
    const text = printed(summary());
    expect(text).toContain('actors/s           8,000');
    expect(text).toContain(
      'snapshots          9,997 rows in Postgres, 9,997 in Redis; 3 actors without a current snapshot',
    );
    expect(text).toContain(
      'sidecar            http://127.0.0.1:4100: /ready OK, Bull Board at /admin/queues',
    );
  });
});
