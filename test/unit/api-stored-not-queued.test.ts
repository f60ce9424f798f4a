/** A write stored but maybe not queued: the 503 says it is stored, and what to do, by operation. */
import { fromActorCoreError } from '../../src/api/error-handler';
import { ActorCoreError } from '../../src/core';
import { StoredNotEnqueuedError } from '../../src/producer';

const lost = new ActorCoreError('STORE_UNAVAILABLE', 'Redis failed while enqueueing', {}, false);

it('after a put: stored at its version, and a retried write stores and queues it again', () => {
  const answer = fromActorCoreError(new StoredNotEnqueuedError('hero', 7, 'put', lost));
  expect(answer).toMatchObject({ status: 503, code: 'UNAVAILABLE', headers: { 'Retry-After': '1' } });
  expect(answer.message).toMatch(
    /^stored at version 7, but its resolution may not have been queued .*: retry the write later/,
  );
});

it('after a delete: a retry would find nothing to delete, so it says how to queue the actor instead', () => {
  const answer = fromActorCoreError(new StoredNotEnqueuedError('hero', 8, 'delete', lost));
  expect(answer.status).toBe(503);
  expect(answer.message).toMatch(
    /^stored at version 8, .*queue it later with POST \/v1\/resolve \{"actorIds": \["hero"\]\}/,
  );
  expect(answer.message).not.toMatch(/retry the write/);
});
