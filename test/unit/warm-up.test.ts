/** The warm-up loop: which chunks it sends where, and when it stops (a fake clock, fake targets). */
import type { StoreTask } from '../../src/pool/messages';
import { warmUp, type WarmUpTarget } from '../../src/worker/warm-up';

/** A clock that moves only when a chunk is resolved: each chunk "takes" `msPerChunk`. */
function fakeTarget(
  clock: { ms: number },
  concurrency: number,
  msPerChunk: number,
): WarmUpTarget & { tasks: StoreTask[]; maxInFlight: number } {
  let inFlight = 0;
  const target = {
    concurrency,
    tasks: [] as StoreTask[],
    maxInFlight: 0,
    resolveChunk: async (task: StoreTask): Promise<void> => {
      target.tasks.push(task);
      inFlight++;
      target.maxInFlight = Math.max(target.maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      clock.ms += msPerChunk;
      inFlight--;
    },
  };
  return target;
}

const sample = ['[1]', '[2]', '[3]', '[4]', '[5]'];

describe('warmUp', () => {
  it('keeps each target busy with `concurrency` chunks until the budget is spent', async () => {
    const clock = { ms: 1000 };
    const pool = fakeTarget(clock, 2, 10);
    const main = fakeTarget(clock, 1, 10);
    const result = await warmUp(sample, [pool, main], { budgetMs: 100, chunkSize: 2, now: () => clock.ms });

    expect(pool.maxInFlight).toBe(2);
    expect(main.maxInFlight).toBe(1);
    // Every chunk started before the deadline and finished after it at most one chunk late.
    expect(result.ms).toBeGreaterThanOrEqual(100);
    expect(result.ms).toBeLessThan(100 + 3 * 10);
    expect(result.chunks).toBe(pool.tasks.length + main.tasks.length);
    expect(result.actors).toBe(2 * result.chunks);
  });

  it('cycles through the sample in order, each actor at version 1', async () => {
    const clock = { ms: 0 };
    const target = fakeTarget(clock, 1, 10);
    await warmUp(sample, [target], { budgetMs: 40, chunkSize: 2, now: () => clock.ms });

    expect(target.tasks).toEqual([
      { outputs: ['[1]', '[2]'], versions: [1, 1] },
      { outputs: ['[3]', '[4]'], versions: [1, 1] },
      { outputs: ['[5]', '[1]'], versions: [1, 1] },
      { outputs: ['[2]', '[3]'], versions: [1, 1] },
    ]);
  });

  it('sends chunks no larger than the sample', async () => {
    const clock = { ms: 0 };
    const target = fakeTarget(clock, 1, 10);
    const result = await warmUp(['[1]', '[2]'], [target], {
      budgetMs: 10,
      chunkSize: 50,
      now: () => clock.ms,
    });
    expect(target.tasks).toEqual([{ outputs: ['[1]', '[2]'], versions: [1, 1] }]);
    expect(result).toEqual({ actors: 2, chunks: 1, ms: 10 });
  });

  it.each([
    ['a zero budget', sample, 0],
    ['an empty sample', [], 1000],
  ])('does nothing with %s', async (_label, items, budgetMs) => {
    const clock = { ms: 0 };
    const target = fakeTarget(clock, 2, 10);
    const result = await warmUp(items, [target], { budgetMs, chunkSize: 2, now: () => clock.ms });
    expect(target.tasks).toEqual([]);
    expect(result).toEqual({ actors: 0, chunks: 0, ms: 0 });
  });

  it('fails when a chunk fails (the worker logs it and takes jobs anyway)', async () => {
    const target: WarmUpTarget = {
      concurrency: 1,
      resolveChunk: () => Promise.reject(new Error('thread crashed')),
    };
    await expect(warmUp(sample, [target], { budgetMs: 100, chunkSize: 2 })).rejects.toThrow('thread crashed');
  });
});
