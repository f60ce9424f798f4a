/** The warm-up loop: which chunks it sends where, and when it stops (a fake clock, fake targets). */
import type { StoreTask } from '../../src/pool/messages';
import type pg from 'pg';
import { openConnections, warmUp, type WarmUpTarget } from '../../src/worker/warm-up';

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

describe('openConnections', () => {
  /** A pool whose connect() hands out numbered clients (`failing` ones reject), recording releases. */
  function fakePool(failing: readonly number[] = []) {
    const released: { id: number; destroyed: boolean }[] = [];
    let inFlight = 0;
    const state = { opened: 0, maxInFlight: 0, released };
    const pool = {
      connect: async (): Promise<pg.PoolClient> => {
        const id = state.opened++;
        inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        if (failing.includes(id)) throw new Error(`connect ${id} refused`);
        return {
          id,
          release: (destroy?: boolean) => released.push({ id, destroyed: destroy === true }),
        } as unknown as pg.PoolClient;
      },
    };
    return { pool, state };
  }

  it('opens all the connections at once, primes each, and releases each for reuse', async () => {
    const { pool, state } = fakePool();
    const primed: number[] = [];
    const count = await openConnections(pool, 4, async (client) => {
      primed.push((client as unknown as { id: number }).id);
    });
    expect(count).toBe(4);
    expect(state.maxInFlight).toBe(4);
    expect(primed.sort()).toEqual([0, 1, 2, 3]);
    expect(state.released.sort((a, b) => a.id - b.id)).toEqual(
      [0, 1, 2, 3].map((id) => ({ id, destroyed: false })),
    );
  });

  it('leaves out a connection that cannot be opened, and destroys one that cannot be primed', async () => {
    const { pool, state } = fakePool([1]);
    const count = await openConnections(pool, 3, async (client) => {
      if ((client as unknown as { id: number }).id === 2) throw new Error('prime failed');
    });
    expect(count).toBe(1);
    expect(state.released.sort((a, b) => a.id - b.id)).toEqual([
      { id: 0, destroyed: false },
      { id: 2, destroyed: true },
    ]);
  });

  it('opens nothing for a count of 0', async () => {
    const { pool, state } = fakePool();
    expect(await openConnections(pool, 0, async () => undefined)).toBe(0);
    expect(state.opened).toBe(0);
  });
});
