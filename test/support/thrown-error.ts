/** The ActorCoreError a call throws; any other error is rethrown, and a call that returns fails the test. */
import { ActorCoreError } from '../../src/core/errors';

export function thrownBy(run: () => unknown): ActorCoreError {
  try {
    run();
  } catch (err) {
    if (err instanceof ActorCoreError) return err;
    throw err;
  }
  throw new Error('expected an ActorCoreError, but nothing was thrown');
}
