/** GET /v1/jobs/:id shows why a job failed, without the internal addresses a store failure names. */
import { publicFailedReason } from '../../src/api/routes/job-routes';

it.each([
  [
    'Postgres unavailable while loading 500 actors: connect ECONNREFUSED 10.0.3.7:5432',
    "Postgres unavailable while loading 500 actors (the worker's log has the details)",
  ],
  [
    'Redis failed while writing 5 cached snapshot(s): connect ETIMEDOUT cache-0.internal:6379',
    "Redis failed while writing 5 cached snapshot(s) (the worker's log has the details)",
  ],
])('a store failure keeps the store and what was being done: %s', (reason, shown) => {
  expect(publicFailedReason(reason)).toBe(shown);
  expect(publicFailedReason(reason)).not.toMatch(/10\.0\.3\.7|internal|ECONN|ETIMEDOUT/);
});

it('passes any other reason unchanged', () => {
  const reason = 'job data must be {actorIds: string[]} (got a number at actorIds)';
  expect(publicFailedReason(reason)).toBe(reason);
});
