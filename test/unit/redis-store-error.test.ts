/** Which Redis failures a retry outlives: error replies are known by name, whichever ioredis made them. */
import { ReplyError } from 'ioredis';
import { storeError } from '../../src/adapters/redis/store-error';

/** An error reply as another copy of ioredis (a library caller's own dependency) would throw it. */
function foreignReply(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  return err;
}

describe('storeError', () => {
  it.each([
    [
      'an error reply',
      'permanent',
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind'),
    ],
    [
      'an error reply of another ioredis copy',
      'permanent',
      foreignReply('WRONGTYPE Operation against a key'),
    ],
    [
      'a reply a failover or restart sends',
      'transient',
      foreignReply('LOADING Redis is loading the dataset'),
    ],
    [
      'a lost connection',
      'transient',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
  ])('treats %s as %s', (_what, kind, err) => {
    expect(storeError(err, 'reading a snapshot')).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      permanent: kind === 'permanent',
    });
  });
});
