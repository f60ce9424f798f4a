/**
 * How `runBatch` sends a batch, on a stand-in client that records what it is asked to do (the real
 * round trips are covered by the snapshot cache's integration tests).
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { runBatch } from '../../src/adapters/redis/run-batch';

interface Recorder {
  client: Redis;
  pipelines: string[][];
}

/** A client whose pipelines record the items queued and reply `reply(item)` (an Error fails that command). */
function recorder(isCluster: boolean, reply: (item: string) => unknown): Recorder {
  const pipelines: string[][] = [];
  const client = {
    isCluster,
    pipeline: () => {
      const queued: string[] = [];
      pipelines.push(queued);
      return {
        queued,
        exec: async () =>
          queued.map((item) => {
            const r = reply(item);
            return r instanceof Error ? [r, null] : [null, r];
          }),
      };
    },
  } as unknown as Redis;
  return { client, pipelines };
}

const enqueue = (pipeline: ChainableCommander, item: string): void => {
  (pipeline as unknown as { queued: string[] }).queued.push(item);
};

describe('runBatch', () => {
  it('sends a single item as one command, without opening a pipeline', async () => {
    const { client, pipelines } = recorder(false, () => 'unused');
    const single = jest.fn(async (item: string) => `reply ${item}`);
    await expect(runBatch(client, ['a'], enqueue, single)).resolves.toEqual(['reply a']);
    expect(single).toHaveBeenCalledTimes(1);
    expect(pipelines).toEqual([]);
  });

  it("rejects with a single command's own error", async () => {
    const { client } = recorder(false, () => 'unused');
    const failure = new Error('WRONGTYPE');
    await expect(runBatch(client, ['a'], enqueue, async () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('sends several items in one pipeline and returns the replies in item order', async () => {
    const { client, pipelines } = recorder(false, (item) => `reply ${item}`);
    const single = jest.fn(async () => 'unused');
    await expect(runBatch(client, ['a', 'b', 'c'], enqueue, single)).resolves.toEqual([
      'reply a',
      'reply b',
      'reply c',
    ]);
    expect(pipelines).toEqual([['a', 'b', 'c']]);
    expect(single).not.toHaveBeenCalled();
  });

  it('throws the first failed command of a pipeline', async () => {
    const first = new Error('first');
    const { client } = recorder(false, (item) =>
      item === 'b' ? first : item === 'c' ? new Error('second') : 'ok',
    );
    await expect(runBatch(client, ['a', 'b', 'c'], enqueue, async () => 'unused')).rejects.toBe(first);
  });

  it('sends each item on its own on Redis Cluster', async () => {
    const { client, pipelines } = recorder(true, () => 'unused');
    const single = jest.fn(async (item: string) => `reply ${item}`);
    await expect(runBatch(client, ['a', 'b'], enqueue, single)).resolves.toEqual(['reply a', 'reply b']);
    expect(single).toHaveBeenCalledTimes(2);
    expect(pipelines).toEqual([]);
  });

  it('sends nothing for no items', async () => {
    const { client, pipelines } = recorder(false, () => 'unused');
    const single = jest.fn(async () => 'unused');
    await expect(runBatch(client, [], enqueue, single)).resolves.toEqual([]);
    expect(single).not.toHaveBeenCalled();
    expect(pipelines).toEqual([]);
  });
});
